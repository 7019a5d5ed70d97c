/**
 * The machine-readable forms of a migration summary: JSON (the model itself) and CSV (one line
 * per vault, RFC 4180, the same escaping as the per-recovery-point report.csv).
 */
import { csvEscape } from '../../lambdas/write-report/report.ts';
import { buildOutput, renderOutput } from '../output/envelope.ts';
import { renderHtml } from './html.ts';
import { type MigrationSummary, succeeded, type VaultSummary } from './model.ts';
import { renderSummaryText } from './text.ts';

export const REPORT_FORMATS = ['table', 'json', 'csv', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The JSON output (schemas/output.schema.json) of a summary read successfully. */
export function renderJson(summary: MigrationSummary): string {
  return renderOutput(buildOutput('report', succeeded(summary) ? 0 : 1, { summary }));
}

/** CSV columns and how each is read from a vault row. */
const CSV_COLUMNS: ReadonlyArray<[string, (vault: VaultSummary) => string | number | boolean | null]> = [
  ['vault', (vault) => vault.vault],
  ['targetVault', (vault) => vault.targetVault],
  ['execution', (vault) => vault.execution],
  ['outcome', (vault) => vault.outcome],
  ['recoveryPoints', (vault) => vault.recoveryPoints],
  ['copyable', (vault) => vault.copyable],
  ['copied', (vault) => vault.copied],
  ['skipped', (vault) => vault.skipped],
  [
    'skippedReasons',
    (vault) => vault.skippedReasons.map((reason) => `${reason.reason}=${reason.count}`).join(';') || null,
  ],
  ['failed', (vault) => vault.failed],
  ['copiesWithTargetKey', (vault) => vault.encryption?.targetKey ?? null],
  ['copiesWithSourceKey', (vault) => vault.encryption?.sourceKey ?? null],
  ['copiesUnencrypted', (vault) => vault.encryption?.unencrypted ?? null],
  ['copiesWithOtherKey', (vault) => vault.encryption?.other ?? null],
  ['encryptionPredicted', (vault) => vault.encryptionPredicted],
  ['plansExamined', (vault) => vault.plans?.examined ?? null],
  ['plansRepointed', (vault) => vault.plans?.repointed ?? null],
  ['plansNotRepointed', (vault) => vault.plans?.notRepointed.join('; ') || null],
  ['sourceVault', (vault) => vault.source.fate],
  ['sourceVaultReason', (vault) => vault.source.why],
  ['error', (vault) => vault.error],
  ['reportJson', (vault) => vault.reportFiles.json],
];

export function renderCsv(summary: MigrationSummary): string {
  const lines = [CSV_COLUMNS.map(([name]) => name).join(',')];
  for (const vault of summary.vaults) {
    lines.push(CSV_COLUMNS.map(([, read]) => csvEscape(read(vault))).join(','));
  }
  for (const skipped of summary.skippedVaults) {
    lines.push(
      CSV_COLUMNS.map(([name]) =>
        name === 'vault'
          ? csvEscape(skipped.vault)
          : name === 'outcome'
            ? 'SKIPPED'
            : name === 'sourceVaultReason'
              ? csvEscape(skipped.reason)
              : '',
      ).join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

export function renderReport(
  summary: MigrationSummary,
  format: ReportFormat,
  options: { colour?: boolean; cwd?: string; width?: number | undefined } = {},
): string {
  switch (format) {
    case 'json':
      return renderJson(summary);
    case 'csv':
      return renderCsv(summary);
    case 'html':
      return renderHtml(summary);
    default:
      return renderSummaryText(summary, options);
  }
}
