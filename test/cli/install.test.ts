/**
 * The package as `npm install -g` of its tarball lays it out: the files `npm pack` ships, the
 * command built to JavaScript, and the production dependencies only (no tsx, no local engine, no
 * IAM evaluation engine). The AWS mode runs from it on Node.js alone; local mode says it is not
 * part of the install.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStepFunctions } from '../../cli/commands/serve.ts';
import { packageRoot } from '../../local/package-root.ts';
import {
  operatorEnv,
  runProcess,
  SMALL_ACCOUNT,
  STACK_TRACE,
  serveSmallAccount,
  tempDir,
} from './helpers.ts';

const ROOT = packageRoot();

/** Packages a user's install does not have: development dependencies the command must not need. */
const NOT_INSTALLED = ['tsx', 'aws-local-stepfunctions', '@cloud-copilot', 'vitest', '.bin'];

describe('the installed package (npm pack, production dependencies, no TypeScript loader)', () => {
  const dir = tempDir();
  const pkg = join(dir.path, 'package');
  let shipped: string[] = [];
  let served: LocalStepFunctions;

  beforeAll(async () => {
    // What `npm pack` would put in the tarball (the build itself is made below, into the package).
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--ignore-scripts', '--dry-run', '--json'], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'ignore'],
      }).toString(),
    ) as Array<{ files: Array<{ path: string }> }>;
    shipped = (packed[0]?.files ?? []).map((file) => file.path);
    for (const file of shipped.filter((path) => !path.startsWith('dist/'))) {
      mkdirSync(dirname(join(pkg, file)), { recursive: true });
      cpSync(join(ROOT, file), join(pkg, file));
    }
    execFileSync(process.execPath, ['--import', 'tsx', 'cli/build.ts', '--out', join(pkg, 'dist')], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    mkdirSync(join(pkg, 'node_modules'));
    for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
      if (NOT_INSTALLED.includes(entry)) continue;
      symlinkSync(join(ROOT, 'node_modules', entry), join(pkg, 'node_modules', entry));
    }
    served = await serveSmallAccount(dir.path);
  }, 60_000);

  afterAll(async () => {
    await served?.stop();
    dir.remove();
  });

  it('ships the bin, the built command, the state machines and the schema, and no TypeScript', () => {
    expect(shipped).toEqual(
      expect.arrayContaining([
        'cli/bin.mjs',
        'dist/vault-migrator.mjs',
        'dist/commit.txt',
        'state-machines/migrate-vault.asl.json',
        'state-machines/migrate-all-vaults.asl.json',
        'schemas/output.schema.json',
        'package.json',
        'README.md',
      ]),
    );
    expect(shipped.filter((path) => path.endsWith('.ts'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
      dependencies: Record<string, string>;
    };
    expect(manifest.bin['vault-migrator']).toBe('cli/bin.mjs');
    // What the installed command imports is installed with it.
    expect(Object.keys(manifest.dependencies)).toEqual(
      expect.arrayContaining(['commander', 'zod', '@aws-sdk/client-sfn', '@aws-sdk/client-s3']),
    );
  });

  it('prints its version and commit, and its help, on Node.js alone', async () => {
    const version = await runProcess([join(pkg, 'cli/bin.mjs'), '--version']);
    expect(version.stderr).toBe('');
    expect(version.status).toBe(0);
    const commit = readFileSync(join(pkg, 'dist/commit.txt'), 'utf8').trim();
    expect(version.stdout.trim()).toBe(`0.1.0${commit ? ` (commit ${commit.slice(0, 12)})` : ''}`);
    const help = await runProcess([join(pkg, 'cli/bin.mjs'), '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/migrate-all/);
  });

  it('runs a migration in AWS mode from the install, with the live progress', async () => {
    const result = await runProcess(
      [
        join(pkg, 'cli/bin.mjs'),
        'migrate',
        '--state-machine-arn',
        served.stateMachineArn('MigrateVault'),
        '--vault',
        'alpha',
        '--poll-interval',
        '0.05',
      ],
      operatorEnv(served),
      dir.path,
    );
    expect(result.stderr).not.toMatch(STACK_TRACE);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/Z alpha .*10\/10 copies .*migrated/);
    expect(result.stdout).toMatch(/MigrateVault alpha-\d{8}-\d{6}: SUCCEEDED/);
  });

  it('says that local mode is not part of the install, with exit status 3 and no stack trace', async () => {
    const result = await runProcess([join(pkg, 'cli/bin.mjs'), 'demo', '--quiet'], {}, dir.path);
    expect(result.status).toBe(3);
    expect(result.stderr).not.toMatch(STACK_TRACE);
    expect(result.stderr.trim()).toBe(
      'vault-migrator: LocalModeUnavailable: local mode (--local, --endpoint, demo, serve) is not part of this install ' +
        '(aws-local-stepfunctions is missing); it runs from a clone of the repository after `npm ci`. The AWS mode works as installed.',
    );
  });
});

describe("a clone's bin, running the build (local mode through dist/, no TypeScript loader)", () => {
  const dir = tempDir();
  const clone = join(dir.path, 'clone');

  beforeAll(() => {
    // The clone's files as they are, but the bin and package.json as real files (Node resolves a
    // symlinked main module to its target, which would run the repository's own dist/), and a fresh build.
    mkdirSync(join(clone, 'cli'), { recursive: true });
    for (const entry of readdirSync(ROOT)) {
      if (['dist', 'cli', 'package.json', '.git', 'node_modules'].includes(entry)) continue;
      symlinkSync(join(ROOT, entry), join(clone, entry));
    }
    // node_modules without its cache: the stack's policies are synthesized again, through the bundle.
    mkdirSync(join(clone, 'node_modules'));
    for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
      if (entry !== '.cache')
        symlinkSync(join(ROOT, 'node_modules', entry), join(clone, 'node_modules', entry));
    }
    cpSync(join(ROOT, 'package.json'), join(clone, 'package.json'));
    cpSync(join(ROOT, 'cli', 'bin.mjs'), join(clone, 'cli', 'bin.mjs'));
    execFileSync(process.execPath, ['--import', 'tsx', 'cli/build.ts', '--out', join(clone, 'dist')], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    writeFileSync(join(dir.path, 'seed.json'), JSON.stringify(SMALL_ACCOUNT));
  }, 60_000);

  afterAll(() => dir.remove());

  it('migrates locally from the bundle, finding the ASL files and the stack from the package root', {
    timeout: 60_000,
  }, async () => {
    const result = await runProcess(
      [
        join(clone, 'cli/bin.mjs'),
        'migrate',
        '--local',
        '--seed',
        join(dir.path, 'seed.json'),
        '--vault',
        'beta',
        '--report-dir',
        join(dir.path, 'reports'),
        '--json',
      ],
      {},
      dir.path,
    );
    expect(result.stderr).not.toMatch(STACK_TRACE);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: true,
      vaults: [{ vault: 'beta', outcome: 'MIGRATED' }],
    });
  });
});
