import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NAMED_ERRORS } from '#shared/errors.ts';
import { describeExecutionError } from '../../cli/errors.ts';
import { childFailure } from '../../cli/report/collect.ts';
import { renderCsv, renderJson } from '../../cli/report/formats.ts';
import { renderHtml } from '../../cli/report/html.ts';
import { readReportFile, readReportHead } from '../../cli/report/load.ts';
import { fromReport } from '../../cli/report/model.ts';
import { renderSummaryText } from '../../cli/report/text.ts';
import { reportFile, sampleBatch, sampleReport } from './fixtures.ts';
import { cli, tempDir } from './helpers.ts';

describe('reports people read', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('turns a report into a row: skipped with reasons, encryption per copy, plans, why the source stays', () => {
    const vault = fromReport(sampleReport());
    expect(vault).toMatchObject({
      vault: 'legacy',
      outcome: 'MIGRATED_SOURCE_KEPT',
      recoveryPoints: 305,
      copied: 301,
      skipped: 4,
      failed: 0,
      encryption: { targetKey: 120, sourceKey: 130, unencrypted: 51, other: 0 },
      plans: { examined: 3, repointed: 2, notRepointed: [] },
      source: { fate: 'kept', short: 'kept: 4 recovery points stay' },
    });
    expect(vault.skippedReasons.map((reason) => `${reason.count} ${reason.label}`)).toEqual([
      '2 in cold storage',
      '1 continuous backup',
      '1 not completed',
    ]);
    expect(vault.source.why).toBe(
      '4 recovery points kept: 2 in cold storage (cannot be copied), 1 continuous backups (cannot be copied), 1 not in a completed state',
    );
  });

  it('shows predictions, not copies, for a dry run', () => {
    const vault = fromReport(
      sampleReport({
        outcome: 'DRY_RUN',
        options: { deleteSourceVault: false, dryRun: true, retireAfterDays: null, maxConcurrentCopies: 20 },
        counts: {
          ...sampleReport().counts,
          copied: 0,
          copyEncryption: { TARGET_KEY: 0, SOURCE_KEY: 0, UNENCRYPTED: 0, OTHER_KEY: 0, UNKNOWN: 0 },
          predictedEncryption: { TARGET_KEY: 100, SOURCE_KEY: 150, UNENCRYPTED: 51 },
        },
        planRepoint: null,
        retirement: null,
        plan: { references: { backupPlanRuleCount: 3 } },
      }),
    );
    expect(vault).toMatchObject({
      copied: null,
      failed: null,
      encryptionPredicted: true,
      encryption: { targetKey: 100, sourceKey: 150, unencrypted: 51 },
      plansPlanned: 3,
      source: { fate: 'untouched' },
    });
  });

  it('reads only the head of a report.json, whatever follows its rows key', async () => {
    // Rows that are not even JSON: the reader must stop before them.
    const text = reportFile(sampleReport()).replace(/\[\s*\]\s*\}\s*$/, `[\n${'not json, '.repeat(100_000)}`);
    const path = join(dir.path, 'big-report.json');
    writeFileSync(path, text);
    const head = await readReportFile(path);
    expect(head.executionId).toBe('legacy-run');
    expect(head.counts.copied).toBe(301);
  });

  it('reads a report.json that was reformatted (compact, or with its keys reordered), by its structure', async () => {
    const { recoveryPoints: _rows, ...report } = sampleReport();
    const rows = [
      { recoveryPointArn: 'arn:aws:backup:eu-west-1:123456789012:recovery-point:a', outcome: 'COPIED' },
    ];
    // Compact, and rows that are not even JSON after the key: the reader must stop before them.
    const compact = `${JSON.stringify({ ...report, recoveryPoints: [] }).slice(0, -3)}[${'not json, '.repeat(1000)}`;
    // The rows first, a key inside a string that looks like the rows key, nested keys of the same name.
    const reordered = JSON.stringify(
      {
        recoveryPoints: rows,
        note: '"recoveryPoints": [',
        ...report,
        plan: { recoveryPoints: 3 },
      },
      null,
      4,
    );
    for (const [name, text] of [
      ['compact.json', compact],
      ['reordered.json', reordered],
    ] as const) {
      const path = join(dir.path, name);
      writeFileSync(path, text);
      const head = await readReportFile(path);
      expect(head.executionId).toBe('legacy-run');
      expect(head.counts.copied).toBe(301);
      expect(head).not.toHaveProperty('recoveryPoints');
    }
  });

  it('finds the head wherever the chunks split the text (keys, escapes, the rows)', async () => {
    const report = sampleReport({ executionId: 'say "hi" \\ \u00e9' });
    const text = reportFile(report);
    for (const size of [1, 2, 7, 64]) {
      const chunks = Array.from({ length: Math.ceil(text.length / size) }, (_, i) =>
        text.slice(i * size, (i + 1) * size),
      );
      const head = await readReportHead(
        (async function* () {
          yield* chunks;
        })(),
        'chunks',
      );
      expect(head.executionId).toBe('say "hi" \\ \u00e9');
      expect(head.counts).toEqual(report.counts);
    }
  });

  it('refuses a report whose figures are not what a report holds, naming the field', async () => {
    const path = join(dir.path, 'bad-counts.json');
    const report = sampleReport();
    writeFileSync(path, JSON.stringify({ ...report, counts: { ...report.counts, copied: 'many' } }));
    await expect(readReportFile(path)).rejects.toThrow(/is not a migration report \(counts\.copied: /);
  });

  it('refuses a file that is not a report with a one-line error and exit status 3', async () => {
    const path = join(dir.path, 'other.json');
    writeFileSync(path, '{"hello": "world"}');
    const result = await cli(['report', path]);
    expect(result.status).toBe(3);
    expect(result.stderr.trim()).toMatch(
      /^vault-migrator: NotAReport: .*other\.json is not a migration report/,
    );
    const missing = await cli(['report', 'no-such-run', '--local', '--report-dir', dir.path]);
    expect(missing.status).toBe(3);
    expect(missing.stderr.trim()).toMatch(
      /^vault-migrator: ExecutionNotFound: no local execution named no-such-run/,
    );
  });

  it('prints a summary table with totals, the reasons behind the numbers, and the encryption caveat', () => {
    const text = renderSummaryText(sampleBatch());
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      'MigrateAllVaults nightly: SUCCEEDED, 2 of 3 vaults migrated, 1 failed, 1 left alone, 148 of 421 copies (35%) on the target key',
    );
    expect(text).toMatch(
      /Vault\s+Outcome\s+points\s+Copied\s+Skipped\s+Failed\s+key\s+key\s+encrypted\s+repointed\s+Source vault/,
    );
    expect(text).toMatch(
      /legacy-unencrypted\s+migrated, source kept\s+305\s+301\s+4\s+0\s+120\s+130\s+51\s+2\s+kept: 4 recovery points stay/,
    );
    expect(text).toMatch(/analytics-<prod>\s+failed: TargetVaultConflict\s+-\s+-/);
    expect(text).toMatch(/Total\s+425\s+421\s+4\s+0\+\s+148\s+198\s+75\s+3/);
    expect(text).toContain('legacy-unencrypted  2 in cold storage, 1 continuous backup, 1 not completed');
    expect(text).toMatch(/Failures\n\s+analytics-<prod>\s+TargetVaultConflict/);
    expect(text).toMatch(/Vaults left alone\n\s+compliant-app\s+already encrypted/);
    expect(text).toMatch(/Encryption verdict: 148 of 421 copies \(35%\) on the target key; 273 are not\./);
    expect(text).toContain('Not every migration succeeded');
    // Every row of the table lines up with the header.
    const header = lines.find((line) => line.startsWith('Vault'));
    const rule = lines.find((line) => line.startsWith('─'));
    expect(header?.length).toBeLessThanOrEqual(rule?.length ?? 0);
  });

  it('writes one CSV line per vault, and one per vault left alone, quoting what needs it', () => {
    const lines = renderCsv(sampleBatch()).trimEnd().split('\r\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]?.split(',')).toContain('skippedReasons');
    expect(lines[1]).toContain('COLD_STORAGE=2;CONTINUOUS_BACKUP=1;NOT_COMPLETED=1');
    expect(lines[1]).toContain(
      ',"4 recovery points kept: 2 in cold storage (cannot be copied), 1 continuous backups, 1 not in a completed state",',
    );
    expect(lines[3]).toMatch(
      /^analytics-<prod>,.*,FAILED,.*,TargetVaultConflict: Target vault analytics-encrypted/,
    );
    expect(lines[4]).toMatch(/^compliant-app,,,SKIPPED,/);
  });

  it('gives the same figures in JSON as in the table', () => {
    const parsed = JSON.parse(renderJson(sampleBatch())) as ReturnType<typeof sampleBatch>;
    expect(parsed.vaults.map((vault) => vault.copied)).toEqual([301, 120, null]);
    expect(parsed.skippedVaults).toEqual([
      { vault: 'compliant-app', reason: 'already encrypted with a customer-managed key' },
    ]);
  });

  it('escapes vault names and errors in the HTML report and fetches nothing', () => {
    const html = renderHtml(sampleBatch());
    expect(html).toContain('analytics-&lt;prod&gt;');
    expect(html).not.toContain('analytics-<prod>');
    expect(html).not.toMatch(/<script|<link|src=|url\(/i);
    expect(html).toMatch(/<svg[^>]*class="chart"/);
  });

  it('says every named error in one line, with what to do about it', () => {
    for (const name of NAMED_ERRORS) {
      const line = describeExecutionError(
        name,
        JSON.stringify({ errorType: name, errorMessage: 'what\nhappened' }),
      );
      expect(line, name).toMatch(new RegExp(`^${name}: what happened\\. Hint: .+\\.$`));
      expect(line, name).not.toContain('\n');
    }
  });

  it("finds a nested execution's own error in the Map's TaskFailed cause", () => {
    expect(
      childFailure({
        Error: 'States.TaskFailed',
        Cause: JSON.stringify({
          Name: 'child-1',
          Error: 'InvalidKmsKey',
          Cause: JSON.stringify({ errorType: 'InvalidKmsKey', errorMessage: 'Key is disabled' }),
        }),
      }),
    ).toEqual({ error: 'InvalidKmsKey', cause: 'Key is disabled', executionName: 'child-1' });
  });
});
