/**
 * The summary a person reads at the end of a run and from `report --format table`: one row per
 * vault, then the reasons behind the numbers (what was skipped and why, why a source vault stays,
 * what failed), then where the full reports are.
 */

import { isAbsolute, relative } from 'node:path';
import { paint, type Style, visibleLength } from '../io.ts';
import {
  type MigrationSummary,
  OUTCOME_LABEL,
  SUCCESS_OUTCOMES,
  succeeded,
  totals,
  type VaultSummary,
} from './model.ts';
import { type Column, renderTable } from './table.ts';
import { type EncryptionVerdict, encryptionVerdict, shortfallText, verdictPhrase } from './verdict.ts';

export interface TextOptions {
  colour?: boolean;
  /** Report paths under this directory are shown relative to it. */
  cwd?: string;
  /** Columns to fit (the terminal's width); without it, the table takes what it needs, prose 100. */
  width?: number | undefined;
}

/**
 * The table's columns; `keep` ranks what stays when the terminal is narrow (higher stays longer):
 * the vault, its outcome and the copies stay, the rest is said again in the sections below.
 */
const COLUMNS: ReadonlyArray<Column & { keep: number }> = [
  { header: 'Vault', keep: 99 },
  { header: 'Outcome', keep: 98 },
  { header: 'Recovery\npoints', align: 'right', keep: 90 },
  { header: 'Copied', align: 'right', keep: 95 },
  { header: 'Skipped', align: 'right', keep: 50 },
  { header: 'Failed', align: 'right', keep: 94 },
  { header: 'Target\nkey', align: 'right', keep: 93 },
  { header: 'Source\nkey', align: 'right', keep: 40 },
  { header: 'Un-\nencrypted', align: 'right', keep: 39 },
  { header: 'Plans\nrepointed', align: 'right', keep: 30 },
  { header: 'Source vault', keep: 20 },
];

/**
 * Renders the table within `width` columns: drops the columns ranked lowest until it fits, and
 * says which were dropped (the CSV and JSON have every column).
 */
function fittedTable(
  rows: string[][],
  footer: string[][] | undefined,
  width: number | undefined,
  headerStyle: (text: string) => string,
): string[] {
  let kept = COLUMNS.map((_, index) => index);
  const render = () =>
    renderTable(
      kept.map((index) => COLUMNS[index] as Column),
      rows.map((row) => kept.map((index) => row[index] ?? '')),
      {
        ...(footer ? { footer: footer.map((row) => kept.map((index) => row[index] ?? '')) } : {}),
        headerStyle,
      },
    ).trimEnd();
  let table = render();
  const tooWide = () => width !== undefined && Math.max(...table.split('\n').map(visibleLength)) > width;
  while (tooWide() && kept.length > 3) {
    const lowest = kept.reduce((low, index) =>
      (COLUMNS[index]?.keep ?? 0) < (COLUMNS[low]?.keep ?? 0) ? index : low,
    );
    kept = kept.filter((index) => index !== lowest);
    table = render();
  }
  const dropped = COLUMNS.filter((_, index) => !kept.includes(index)).map((column) =>
    column.header.replace('-\n', '').replace('\n', ' ').toLowerCase(),
  );
  if (dropped.length === 0) return [table];
  return [
    table,
    ...hanging(
      '',
      `(${width} columns: not shown here: ${dropped.join(', ')}; report --format csv or --json has every column)`,
      width ?? 100,
      1,
    ),
  ];
}

function figure(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : value.toLocaleString('en-US');
}

function plansCell(vault: VaultSummary): string {
  if (vault.plans) {
    const failed = vault.plans.notRepointed.length;
    return failed > 0 ? `${figure(vault.plans.repointed)}, ${failed} not` : figure(vault.plans.repointed);
  }
  if (vault.plansPlanned !== null) return `(${vault.plansPlanned})`;
  return '-';
}

function outcomeStyle(vault: VaultSummary): Style | undefined {
  if (vault.outcome === 'FAILED' || vault.outcome === 'INCOMPLETE') return 'red';
  if (vault.outcome === 'MIGRATED_SOURCE_KEPT') return 'yellow';
  if (SUCCESS_OUTCOMES.includes(vault.outcome)) return 'green';
  return undefined;
}

function outcomeText(vault: VaultSummary): string {
  const label = OUTCOME_LABEL[vault.outcome];
  if (vault.outcome !== 'FAILED' || !vault.error) return label;
  return `${label}: ${vault.error.split(/[:( ]/)[0]}`;
}

export function displayPath(path: string, cwd?: string): string {
  if (!cwd || !isAbsolute(path)) return path;
  const rel = relative(cwd, path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

/** "MigrateAllVaults demo: SUCCEEDED, 2 vaults migrated, 1 left alone." */
export function headline(summary: MigrationSummary): string {
  const failed = summary.vaults.filter((vault) => !SUCCESS_OUTCOMES.includes(vault.outcome)).length;
  const parts = [`${summary.stateMachine} ${summary.execution}: ${summary.status}`];
  if (summary.stateMachine === 'MigrateAllVaults' || summary.vaults.length !== 1) {
    const done = summary.vaults.length - failed;
    parts.push(
      `${done} of ${summary.vaults.length} vault${summary.vaults.length === 1 ? '' : 's'} ${summary.dryRun ? 'planned' : 'migrated'}`,
    );
    if (failed > 0) parts.push(`${failed} failed`);
    if (summary.skippedVaults.length > 0) parts.push(`${summary.skippedVaults.length} left alone`);
  }
  const verdict = encryptionVerdict(summary);
  if (verdict.copies > 0) parts.push(verdictPhrase(verdict));
  return parts.join(', ');
}

/**
 * `first` then `text` wrapped at `width`, the following lines indented by `indent` spaces: word by
 * word, each measured in terminal columns (string-width: colour codes take none), so that text
 * holding colour codes wraps whole. A word longer than the room stands alone on its line.
 */
export function hanging(first: string, text: string, width: number, indent: number): string[] {
  const lines: string[] = [];
  let current = first;
  let empty = true;
  for (const word of text.split(/\s+/).filter((part) => part !== '')) {
    if (!empty && visibleLength(current) + 1 + visibleLength(word) > width) {
      lines.push(current);
      current = `${' '.repeat(indent)}${word}`;
    } else {
      current = empty ? `${current}${word}` : `${current} ${word}`;
    }
    empty = false;
  }
  lines.push(current);
  return lines;
}

/** The section that leads the summary: per vault, on the target key or not and why; what to do. */
export function verdictLines(verdict: EncryptionVerdict, width = 100): string[] {
  if (verdict.vaults.length === 0) return [];
  const out: string[] = [];
  const phrase = verdictPhrase(verdict);
  out.push(
    verdict.copies === 0
      ? 'Encryption verdict: no copies were made.'
      : `Encryption verdict: ${phrase}${verdict.notOnTargetKey > 0 ? `; ${verdict.notOnTargetKey.toLocaleString('en-US')} ${verdict.predicted ? 'would' : 'are'} not.` : '.'}`,
  );
  const nameWidth = Math.min(24, Math.max(0, ...verdict.vaults.map((vault) => vault.vault.length)));
  for (const vault of verdict.vaults) {
    const name = `  ${vault.vault.padEnd(nameWidth)}  `;
    let text: string;
    if (!vault.known) text = 'not known (no copies reported)';
    else if (vault.copies === 0) text = 'no copies';
    else {
      text = `${vault.onTargetKey.toLocaleString('en-US')} of ${vault.copies.toLocaleString('en-US')} on the target key`;
      if (vault.notOnTargetKey > 0) text += `; not: ${shortfallText(vault)}`;
    }
    out.push(...hanging(name, text, width, Math.min(name.length, 6)));
  }
  if (verdict.advice.length > 0) {
    out.push('What to do');
    for (const sentence of verdict.advice) out.push(...hanging('  - ', sentence, width, 4));
  }
  return out;
}

function notes(summary: MigrationSummary, options: TextOptions): string[] {
  const out: string[] = [];
  const nameWidth = Math.max(
    0,
    ...summary.vaults.map((vault) => vault.vault.length),
    ...summary.skippedVaults.map((vault) => vault.vault.length),
  );
  const section = (title: string, entries: Array<[string, string]>) => {
    if (entries.length === 0) return;
    out.push('', title);
    for (const [name, text] of entries) {
      const head = `  ${name.padEnd(nameWidth)}  `;
      out.push(...hanging(head, text, options.width ?? Number.POSITIVE_INFINITY, Math.min(head.length, 6)));
    }
  };
  section(
    'Skipped recovery points (cannot be copied)',
    summary.vaults
      .filter((vault) => vault.skippedReasons.length > 0)
      .map((vault) => [
        vault.vault,
        vault.skippedReasons.map((reason) => `${reason.count} ${reason.label}`).join(', '),
      ]),
  );
  section(
    'Failures',
    summary.vaults.flatMap((vault) => (vault.error ? [[vault.vault, vault.error] as [string, string]] : [])),
  );
  section(
    'Source vaults kept although deletion was asked',
    summary.vaults
      .filter((vault) => vault.source.fate === 'kept' && vault.outcome === 'MIGRATED_SOURCE_KEPT')
      .map((vault) => [vault.vault, vault.source.why]),
  );
  section(
    'Backup plans not repointed',
    summary.vaults.flatMap((vault) =>
      (vault.plans?.notRepointed ?? []).map((text) => [vault.vault, text] as [string, string]),
    ),
  );
  section(
    'Vaults left alone',
    summary.skippedVaults.map((vault) => [vault.vault, vault.reason]),
  );

  if (summary.dryRun) {
    out.push(
      '',
      ...hanging(
        '',
        'Dry run: nothing was changed. Key columns predict the copies a migration would make; plans in ' +
          'parentheses are the rules and copy actions that would be repointed.',
        options.width ?? 100,
        0,
      ),
    );
  }
  const withFiles = summary.vaults.filter((vault) => vault.reportFiles.json);
  if (withFiles.length > 0) {
    out.push('', 'Reports');
    for (const vault of withFiles) {
      out.push(
        `  ${vault.vault.padEnd(nameWidth)}  ${displayPath(vault.reportFiles.json ?? '', options.cwd)}`,
      );
    }
  }
  return out;
}

/** Wraps a paragraph at `width` columns. */
export function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/)) {
    if (current !== '' && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else {
      current = current === '' ? word : `${current} ${word}`;
    }
  }
  if (current !== '') lines.push(current);
  return lines.join('\n');
}

export function renderSummaryText(summary: MigrationSummary, options: TextOptions = {}): string {
  const style = paint(options.colour ?? false);
  const out: string[] = [];
  const ok = succeeded(summary);
  for (const line of hanging('', headline(summary), options.width ?? Number.POSITIVE_INFINITY, 2)) {
    out.push(style('bold', line));
  }
  if (summary.error && summary.vaults.length === 0) out.push(style('red', `  ${summary.error}`));
  const verdict = verdictLines(encryptionVerdict(summary), options.width ?? 100);
  if (verdict.length > 0) {
    out.push('', ...verdict);
  }
  out.push('');
  if (summary.vaults.length > 0) {
    const rows = summary.vaults.map((vault) => {
      const outcome =
        options.width !== undefined && options.width < 120
          ? OUTCOME_LABEL[vault.outcome]
          : outcomeText(vault);
      const colour = outcomeStyle(vault);
      return [
        vault.vault,
        colour ? style(colour, outcome) : outcome,
        figure(vault.recoveryPoints),
        figure(vault.copied),
        figure(vault.skipped),
        vault.failed ? style('red', figure(vault.failed)) : figure(vault.failed),
        figure(vault.encryption?.targetKey),
        figure(vault.encryption?.sourceKey),
        figure(vault.encryption?.unencrypted),
        plansCell(vault),
        vault.source.short,
      ];
    });
    const sum = totals(summary.vaults);
    const footer =
      summary.vaults.length > 1
        ? [
            [
              'Total',
              '',
              figure(sum.recoveryPoints),
              figure(sum.copied),
              figure(sum.skipped),
              sum.unknownVaults.length > 0 ? `${figure(sum.failed)}+` : figure(sum.failed),
              figure(sum.encryption.targetKey),
              figure(sum.encryption.sourceKey),
              figure(sum.encryption.unencrypted),
              figure(sum.plansRepointed),
              '',
            ],
          ]
        : undefined;
    out.push(...fittedTable(rows, footer, options.width, (text) => style('bold', text)));
    if (footer && sum.unknownVaults.length > 0) {
      out.push(
        ...hanging(
          '',
          `Totals leave out ${sum.unknownVaults.join(', ')}: ${sum.unknownVaults.length === 1 ? 'its migration' : 'their migrations'} failed before counting; ${sum.unknownVaults.length === 1 ? 'its' : 'their'} recovery points have no verified copy.`,
          options.width ?? 100,
          0,
        ).map((line) => style('red', line)),
      );
    }
  } else {
    out.push(summary.status === 'SUCCEEDED' ? 'No vault needed migrating.' : 'No vault was migrated.');
  }
  out.push(...notes(summary, options));
  if (!ok && summary.status === 'SUCCEEDED' && summary.vaults.length > 0) {
    out.push('', style('red', 'Not every migration succeeded: see Failures above and the reports.'));
  }
  const closing = encryptionVerdict(summary);
  if (ok && closing.notOnTargetKey > 0) {
    out.push(
      '',
      style(
        'yellow',
        wrap(
          `${summary.dryRun ? 'The plan is sound' : 'Every copy is verified'}, but ${closing.notOnTargetKey.toLocaleString('en-US')} of ` +
            `${closing.copies.toLocaleString('en-US')} copies (${100 - closing.percentOnTargetKey}%) ${summary.dryRun ? 'would not be' : 'are not'} on the target key: see the encryption verdict above.`,
          options.width ?? 100,
        ),
      ),
    );
  }
  return `${out.join('\n')}\n`;
}
