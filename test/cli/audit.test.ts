import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runContext } from '../../cli/report/context.ts';
import { renderHtml } from '../../cli/report/html.ts';
import { renderSummaryText } from '../../cli/report/text.ts';
import { toolVersion } from '../../cli/version.ts';
import { failedBatch, sampleBatch } from './fixtures.ts';
import { cli, SMALL_ACCOUNT, tempDir } from './helpers.ts';

const EXECUTION_ARN =
  'arn:aws:states:eu-west-1:123456789012:execution:BackupVaultMigrator-MigrateAllVaults:nightly';

describe('reports an auditor accepts', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('names the account, Region, caller, tool version and commit, keys and one clock', () => {
    const summary = {
      ...sampleBatch(),
      context: runContext('aws', EXECUTION_ARN, {
        caller: 'arn:aws:sts::123456789012:assumed-role/ops/jane',
      }),
    };
    const html = renderHtml(summary, new Date('2026-06-01T06:00:00Z'), { folder: '/out/html' });
    expect(html).toMatch(/<dt>Account<\/dt><dd>123456789012<\/dd>/);
    expect(html).toMatch(/<dt>Region<\/dt><dd>eu-west-1<\/dd>/);
    expect(html).toContain('arn:aws:sts::123456789012:assumed-role/ops/jane');
    expect(html).toContain(`vault-migrator ${toolVersion().version}`);
    expect(html).toMatch(
      /<dt>Started<\/dt><dd>2026-06-01T00:00:00.000Z<\/dd><dt>Stopped<\/dt><dd>2026-06-01T05:00:00.000Z/,
    );
    expect(html).toMatch(/<dt>Clock<\/dt><dd>Step Functions \(UTC\)/);
    expect(html).toContain('Source key none (the vault had no key)');
    expect(html).toContain('arn:aws:kms:eu-west-1:123456789012:key/aws-backup-managed');
    expect(html).toContain('@media print');
  });

  it('links the per-recovery-point files relative to the page, never by absolute path', () => {
    const html = renderHtml(sampleBatch(), new Date('2026-06-01T06:00:00Z'), { folder: '/reports/nightly' });
    expect(html).toContain('href="../a1/report.csv"');
    expect(html).not.toMatch(/>\/reports\//);
    expect(html).not.toMatch(/href="\//);
  });

  it('gives honest totals when every vault failed', () => {
    const text = renderSummaryText(failedBatch());
    expect(text.split('\n')[0]).toContain('0 of 2 vaults migrated, 2 failed');
    expect(text).toMatch(/Total\s.*\s0\+\s/);
    expect(text).toContain('Totals leave out orders, payments');
    const html = renderHtml(failedBatch());
    expect(html).not.toMatch(/<div class="n">0<\/div><div class="l">without a verified copy<\/div>/);
    expect(html).toContain('without a verified copy, and 2 failed vaults not counted');
  });

  it("writes a local run's HTML with its account, Region and links relative to it", async () => {
    const seed = join(dir.path, 'seed.json');
    writeFileSync(seed, JSON.stringify(SMALL_ACCOUNT));
    const result = await cli([
      'migrate',
      '--vault',
      'alpha',
      '--local',
      '--seed',
      seed,
      '--report-dir',
      dir.path,
      '--name',
      'audited',
    ]);
    expect(result.status).toBe(0);
    const html = readFileSync(join(dir.path, 'alpha', 'audited', 'report.html'), 'utf8');
    expect(html).toMatch(/<dt>Account<\/dt><dd>123456789012<\/dd>/);
    expect(html).toMatch(/<dt>Region<\/dt><dd>us-east-1<\/dd>/);
    expect(html).not.toContain(dir.path);
    expect(html).toContain('href="report.csv"');
  });
});
