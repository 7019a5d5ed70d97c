import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATOR_FUNCTION_NAMES, MIGRATOR_RUNTIME } from '../../infra/functions.ts';
import { PROJECT_ROOT } from '../../infra/vault-migrator.ts';

/**
 * The one test that bundles for real: `npx cdk synth` as a user runs it on a fresh clone, with no
 * AWS credentials, configuration or network (so no account lookup), the cdk-nag plugin active.
 */
describe('npx cdk synth', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'vault-migrator-synth-'));
  let result: ReturnType<typeof spawnSync>;

  beforeAll(() => {
    const environment = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !/^(AWS_|CDK_)/.test(name)),
    );
    result = spawnSync('npx', ['cdk', 'synth', '--quiet', '--no-notices', '--output', outdir], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      env: {
        ...environment,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: join(outdir, 'no-aws-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(outdir, 'no-aws-credentials'),
        CDK_DISABLE_CLI_TELEMETRY: 'true',
      },
      timeout: 180_000,
    });
  }, 200_000);

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('succeeds offline, bundling with the local esbuild, with no cdk-nag finding', () => {
    expect({
      status: result.status,
      stderr: result.status === 0 ? '' : String(result.stderr).slice(-4000),
    }).toEqual({
      status: 0,
      stderr: '',
    });
    expect(JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')).pluginReports).toEqual(
      [],
    );
  });

  it('deploys every Lambda as a bundled asset on the chosen runtime', () => {
    const template = JSON.parse(readFileSync(join(outdir, 'BackupVaultMigrator.template.json'), 'utf8'));
    const functions = Object.values(
      template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>,
    ).filter((resource) => resource.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(MIGRATOR_FUNCTION_NAMES.length);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: MIGRATOR_RUNTIME.name,
        Handler: 'index.handler',
        Architectures: ['arm64'],
        Code: { S3Bucket: expect.anything(), S3Key: expect.stringMatching(/\.zip$/) },
      });
    }
  });

  it('produces ES modules with source maps that load and export handler', () => {
    const manifest = JSON.parse(readFileSync(join(outdir, 'BackupVaultMigrator.assets.json'), 'utf8'));
    const bundles = Object.values(
      manifest.files as Record<string, { source: { path: string; packaging?: string } }>,
    )
      .filter((asset) => asset.source.packaging === 'zip')
      .map((asset) => join(outdir, asset.source.path));
    expect(bundles).toHaveLength(MIGRATOR_FUNCTION_NAMES.length);
    for (const bundle of bundles) {
      expect(existsSync(join(bundle, 'index.mjs'))).toBe(true);
      expect(existsSync(join(bundle, 'index.mjs.map'))).toBe(true);
    }
    // Loading runs each bundle's top level (imports, require shim, module-scope setup) as Lambda would.
    const load = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `for (const bundle of ${JSON.stringify(bundles)}) {
           const module = await import(bundle + '/index.mjs');
           console.log(typeof module.handler);
         }`,
      ],
      {
        encoding: 'utf8',
        // As on Lambda: the function's environment turns the tracer on, which loads the X-Ray SDK.
        env: {
          ...process.env,
          POWERTOOLS_LOG_LEVEL: 'SILENT',
          AWS_LAMBDA_FUNCTION_NAME: 'vault-migrator-bundle-check',
          AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
          AWS_REGION: 'eu-west-1',
        },
      },
    );
    expect(load.stderr).toBe('');
    expect(load.stdout.trim().split('\n')).toEqual(bundles.map(() => 'function'));
  });
});
