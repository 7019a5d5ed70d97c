import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Output, OutputSchema, outputJsonSchema } from '../../cli/output/schema.ts';
import { cli, SMALL_ACCOUNT, tempDir } from './helpers.ts';

/** Parses stdout as the one output shape; throws (failing the test) on anything else. */
function output(stdout: string): Output {
  return OutputSchema.parse(JSON.parse(stdout));
}

const TOP_LEVEL = Object.keys(OutputSchema.shape).sort();

describe('one JSON output shape for every command', () => {
  let dir: ReturnType<typeof tempDir>;
  let seed: string;
  beforeAll(() => {
    dir = tempDir();
    seed = join(dir.path, 'seed.json');
    writeFileSync(
      seed,
      JSON.stringify({
        ...SMALL_ACCOUNT,
        keys: [...(SMALL_ACCOUNT.keys ?? []), { alias: 'alias/other' }],
        vaults: [
          ...(SMALL_ACCOUNT.vaults ?? []),
          { name: 'gamma', encryptionKey: 'none', generate: { count: 3 } },
          { name: 'gamma-encrypted', encryptionKey: 'alias/other' },
        ],
      }),
    );
  });
  afterAll(() => dir.remove());
  const local = (...argv: string[]) => cli([...argv, '--local', '--seed', seed, '--report-dir', dir.path]);

  it('is committed as JSON Schema exactly as the zod schema exports it', () => {
    const committed = JSON.parse(readFileSync('schemas/output.schema.json', 'utf8')) as unknown;
    expect(committed).toEqual(outputJsonSchema());
  });

  it('has the same top-level shape on success and on failure, and a readable error', async () => {
    const good = await local('migrate', '--vault', 'alpha', '--name', 'json-good', '--json');
    const bad = await local('migrate', '--vault', 'gamma', '--name', 'json-bad', '--json');
    expect(good.status).toBe(0);
    expect(bad.status).toBe(1);
    const [ok, failed] = [output(good.stdout), output(bad.stdout)];
    expect(Object.keys(ok).sort()).toEqual(TOP_LEVEL);
    expect(Object.keys(failed).sort()).toEqual(TOP_LEVEL);
    expect(ok).toMatchObject({ schemaVersion: 1, command: 'migrate', ok: true, exitStatus: 0, error: null });
    expect(ok.counts).toMatchObject({ vaults: 1, copied: 10, skipped: 1 });
    expect(failed).toMatchObject({ ok: false, exitStatus: 1, error: { name: 'TargetVaultConflict' } });
    // No JSON inside a string anywhere in the error.
    expect(failed.error?.message).not.toMatch(/[{[]"/);
    expect(failed.vaults[0]?.error ?? '').not.toMatch(/[{[]"/);
  });

  it('counts the vaults of migrate-all', async () => {
    const result = await local('migrate-all', '--include-aws-managed', '--name', 'json-batch', '--json');
    expect(result.status).toBe(1);
    const batch = output(result.stdout);
    expect(batch.command).toBe('migrate-all');
    expect(batch.counts).toMatchObject({
      vaults: 3,
      vaultsSucceeded: 2,
      vaultsFailed: 1,
      vaultsLeftAlone: 2,
    });
    expect(batch.counts?.copied).toBe(16);
  });

  it("puts a dry run's predictions in the JSON, the same figures as the table", async () => {
    const json = output(
      (await local('migrate', '--vault', 'alpha', '--dry-run', '--name', 'json-plan', '--json')).stdout,
    );
    const predicted = json.vaults[0]?.encryption;
    expect(json.counts?.predicted).toBe(true);
    expect(json.encryption?.predicted).toBe(true);
    expect((predicted?.targetKey ?? 0) + (predicted?.sourceKey ?? 0) + (predicted?.unencrypted ?? 0)).toBe(
      10,
    );
    expect(json.counts?.copiesWithTargetKey).toBe(predicted?.targetKey);
    const table = await cli(['report', 'json-plan', '--report-dir', dir.path]);
    expect(table.stdout).toMatch(
      new RegExp(
        `alpha\\s+dry run\\s+11\\s+-\\s+1\\s+-\\s+${predicted?.targetKey}\\s+${predicted?.sourceKey}\\s+${predicted?.unencrypted}\\s`,
      ),
    );
  });

  it('answers report --json (as --format json) and status --json in the same shape, with the same exit status', async () => {
    const report = await cli(['report', 'json-bad', '--report-dir', dir.path, '--json']);
    const formatted = await cli(['report', 'json-bad', '--report-dir', dir.path, '--format', 'json']);
    const status = await cli(['status', 'json-bad', '--report-dir', dir.path, '--json']);
    expect(output(report.stdout)).toEqual(output(formatted.stdout));
    expect(output(report.stdout).command).toBe('report');
    expect(output(status.stdout).command).toBe('status');
    expect(report.status).toBe(1);
    expect(status.status).toBe(1);
  });

  it('prints the same shape when the command cannot run at all', async () => {
    const result = await cli(['report', join(dir.path, 'nothing-here.json'), '--json', '--local']);
    expect(result.status).toBe(3);
    const failed = output(result.stdout);
    expect(failed).toMatchObject({ ok: false, exitStatus: 3, execution: null, vaults: [] });
    expect(failed.error?.name).toBe('ReportNotFound');
  });
});
