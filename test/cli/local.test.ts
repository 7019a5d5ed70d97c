import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeedSpec } from '#emulator/seed.ts';
import { OutputSchema } from '../../cli/output/schema.ts';
import { cli, SMALL_ACCOUNT, STACK_TRACE, tempDir } from './helpers.ts';

describe('vault-migrator --local, on the embedded emulator', () => {
  let dir: ReturnType<typeof tempDir>;
  let seed: string;

  beforeAll(() => {
    dir = tempDir();
    seed = join(dir.path, 'seed.json');
    const account: SeedSpec = {
      ...SMALL_ACCOUNT,
      keys: [...(SMALL_ACCOUNT.keys ?? []), { alias: 'alias/other' }],
      vaults: [
        ...(SMALL_ACCOUNT.vaults ?? []),
        // gamma's default target exists with another key: its migration fails on its own.
        { name: 'gamma', encryptionKey: 'none', generate: { count: 3 } },
        { name: 'gamma-encrypted', encryptionKey: 'alias/other' },
      ],
    };
    writeFileSync(seed, JSON.stringify(account));
  });

  afterAll(() => dir.remove());

  const local = (...argv: string[]) => cli([...argv, '--local', '--seed', seed, '--report-dir', dir.path]);

  it('migrates one vault, prints its output as JSON on stdout and progress on stderr, and exits 0', async () => {
    const result = await local('migrate', '--vault', 'alpha', '--name', 'alpha-run', '--json');
    expect(result.status).toBe(0);
    const output = OutputSchema.parse(JSON.parse(result.stdout));
    expect(output.vaults[0]?.outcome).toBe('MIGRATED');
    expect(output.vaults[0]?.vault).toBe('alpha');
    expect(output.counts?.copied).toBe(10);
    expect(output.counts?.skipped).toBe(1);
    expect(result.stderr).toMatch(/alpha .*10\/10 copies.*migrated/);
    for (const file of ['execution.json', 'report.json', 'report.csv', 'summary.txt', 'report.html']) {
      // Filed by vault, then by execution: the record and the HTML beside the report.
      expect(existsSync(join(dir.path, 'alpha', 'alpha-run', file)), file).toBe(true);
    }
  });

  it('answers status and report for a local run from its record', async () => {
    const status = await cli(['status', 'alpha-run', '--report-dir', dir.path]);
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/Status\s+SUCCEEDED/);
    expect(status.stdout).toMatch(/alpha\s+migrated\s+10 of 10 copies verified/);

    const csv = await cli(['report', 'alpha-run', '--report-dir', dir.path, '--format', 'csv']);
    expect(csv.status).toBe(0);
    const [header, row] = csv.stdout.trim().split('\r\n');
    const columns = (header ?? '').split(',');
    const cells = (row ?? '').split(',');
    const cell = (name: string) => cells[columns.indexOf(name)];
    expect(cell('vault')).toBe('alpha');
    expect(cell('copied')).toBe('10');
    expect(cell('skippedReasons')).toBe('CONTINUOUS_BACKUP=1');
    expect(cell('plansRepointed')).toBe('1');
    expect(
      Number(cell('copiesWithTargetKey')) +
        Number(cell('copiesWithSourceKey')) +
        Number(cell('copiesUnencrypted')),
    ).toBe(10);

    // The report file itself, found by path, says the same.
    const fromFile = await cli([
      'report',
      join(dir.path, 'alpha', 'alpha-run', 'report.json'),
      '--format',
      'json',
    ]);
    const summary = JSON.parse(fromFile.stdout) as { vaults: Array<{ vault: string; copied: number }> };
    expect(summary.vaults).toEqual([expect.objectContaining({ vault: 'alpha', copied: 10 })]);
  });

  it('plans without changing anything on --dry-run, with predicted encryption', async () => {
    const result = await local('migrate', '--vault', 'alpha', '--dry-run', '--name', 'alpha-plan');
    expect(result.status).toBe(0);
    const row =
      /alpha\s+dry run\s+11\s+-\s+1\s+-\s+(\d+)\s+(\d+)\s+(\d+)\s+\(1\)\s+untouched \(dry run\)/.exec(
        result.stdout,
      );
    expect(row).not.toBeNull();
    // Every copyable recovery point has a predicted encryption.
    expect(Number(row?.[1]) + Number(row?.[2]) + Number(row?.[3])).toBe(10);
    expect(result.stdout).toContain('Dry run: nothing was changed');
  });

  it('fails with the named error on one line and exit status 1 when the vault does not exist', async () => {
    const result = await local('migrate', '--vault', 'missing', '--name', 'missing-run');
    expect(result.status).toBe(1);
    const last = result.stderr.trim().split('\n').pop();
    expect(last).toMatch(
      /^vault-migrator: SourceVaultNotFound: .*missing.* Hint: check --vault and --region/,
    );
    expect(result.stderr).not.toMatch(STACK_TRACE);

    const json = await local('migrate', '--vault', 'missing', '--name', 'missing-json', '--json');
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      execution: { status: 'FAILED' },
      error: { name: 'SourceVaultNotFound' },
    });
  });

  it('migrates every flagged vault, reports the one that failed, and exits 1', async () => {
    const result = await local('migrate-all', '--include-aws-managed', '--delete-source', '--name', 'batch');
    expect(result.status).toBe(1);
    const table = result.stdout;
    expect(table).toMatch(/alpha\s+migrated, source kept\s+11\s+10\s+1\s+0\s/);
    expect(table).toMatch(/beta\s+migrated, source retired\s+6\s+6\s+0\s+0\s.*retired/);
    expect(table).toMatch(/gamma\s+failed: TargetVaultConflict/);
    expect(table).toMatch(/Skipped recovery points.*\n\s+alpha\s+1 continuous backup/);
    expect(table).toMatch(
      /Vaults left alone\n(.*\n)*\s+compliant\s+already encrypted with a customer-managed key/,
    );
    expect(result.stderr.trim().split('\n').pop()).toMatch(
      /^vault-migrator: 1 of 3 vaults did not migrate; gamma: TargetVaultConflict/,
    );
    expect(existsSync(join(dir.path, 'batch', 'report.html'))).toBe(true);
    const html = readFileSync(join(dir.path, 'batch', 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('TargetVaultConflict');
  });
});
