/**
 * The HTML report: one self-contained page (inline CSS and SVG, no script, nothing fetched) with
 * the verdict, the headline figures, a chart of how the copies are encrypted, the vault table and
 * the reasons behind it. It opens from disk, prints, and can be mailed as it is.
 */
import { relative, resolve, sep } from 'node:path';
import {
  type EncryptionCounts,
  type MigrationSummary,
  OUTCOME_LABEL,
  SUCCESS_OUTCOMES,
  succeeded,
  totals,
  type VaultSummary,
} from './model.ts';
import { headline } from './text.ts';
import { type EncryptionVerdict, encryptionVerdict, shortfallText } from './verdict.ts';

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const SEGMENTS: ReadonlyArray<{ key: keyof EncryptionCounts; label: string; colour: string }> = [
  { key: 'targetKey', label: 'Re-encrypted with the target key', colour: '#2e7d32' },
  { key: 'sourceKey', label: "Kept the source recovery point's key", colour: '#e0a100' },
  { key: 'unencrypted', label: 'Unencrypted', colour: '#c62828' },
  { key: 'other', label: 'Other key or not reported', colour: '#78909c' },
];

function count(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : value.toLocaleString('en-US');
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '0%' : `${Math.round((100 * part) / whole)}%`;
}

/**
 * A horizontal stacked bar per vault (and one for all vaults): each bar is the vault's copies,
 * split by how they are encrypted, so that the share that did not take the new key shows at a glance.
 */
export function encryptionChart(vaults: readonly VaultSummary[]): string {
  const rows: Array<{ label: string; encryption: EncryptionCounts | null; strong?: boolean }> = vaults.map(
    (vault) => ({ label: vault.vault, encryption: vault.encryption }),
  );
  if (vaults.length > 1) {
    rows.unshift({ label: 'All vaults', encryption: totals(vaults).encryption, strong: true });
  }
  const labelWidth = 190;
  const barWidth = 560;
  const totalWidth = 100;
  const rowHeight = 40;
  const barHeight = 24;
  const legendHeight = 30;
  const width = labelWidth + barWidth + totalWidth;
  const height = legendHeight + rows.length * rowHeight + 6;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 ${width} ${height}" width="100%" style="max-width:${width}px" aria-labelledby="chart-title">`,
    '<title id="chart-title">Encryption of the copies, per vault</title>',
  );
  // Legend.
  let x = 0;
  for (const segment of SEGMENTS) {
    parts.push(
      `<rect x="${x}" y="6" width="14" height="14" rx="2" fill="${segment.colour}"/>`,
      `<text x="${x + 20}" y="18" class="legend">${escapeHtml(segment.label)}</text>`,
    );
    // About 6.6 px per character at the legend's 12 px.
    x += 20 + segment.label.length * 6.6 + 22;
  }
  rows.forEach((row, index) => {
    const y = legendHeight + index * rowHeight;
    const barY = y + (rowHeight - barHeight) / 2;
    const label = row.label.length > 26 ? `${row.label.slice(0, 25)}…` : row.label;
    parts.push(
      `<text x="0" y="${barY + barHeight / 2 + 5}" class="label${row.strong ? ' strong' : ''}">${escapeHtml(label)}</text>`,
    );
    const encryption = row.encryption;
    const total = encryption ? SEGMENTS.reduce((sum, segment) => sum + encryption[segment.key], 0) : 0;
    if (!encryption || total === 0) {
      parts.push(
        `<rect x="${labelWidth}" y="${barY}" width="${barWidth}" height="${barHeight}" rx="3" class="empty"/>`,
        `<text x="${labelWidth + 10}" y="${barY + barHeight / 2 + 5}" class="none">no copies</text>`,
      );
      return;
    }
    let offset = labelWidth;
    for (const segment of SEGMENTS) {
      const value = encryption[segment.key];
      if (value === 0) continue;
      const segmentWidth = (barWidth * value) / total;
      parts.push(
        `<rect x="${offset.toFixed(1)}" y="${barY}" width="${segmentWidth.toFixed(1)}" height="${barHeight}" fill="${segment.colour}"><title>${escapeHtml(`${row.label}: ${value} ${segment.label.toLowerCase()} (${percent(value, total)})`)}</title></rect>`,
      );
      const text = `${value.toLocaleString('en-US')}`;
      if (segmentWidth > text.length * 8 + 8) {
        parts.push(
          `<text x="${(offset + segmentWidth / 2).toFixed(1)}" y="${barY + barHeight / 2 + 5}" class="value">${text}</text>`,
        );
      }
      offset += segmentWidth;
    }
    parts.push(
      `<text x="${labelWidth + barWidth + 10}" y="${barY + barHeight / 2 + 5}" class="total">${total.toLocaleString('en-US')} copies</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function outcomeClass(vault: VaultSummary): string {
  if (vault.outcome === 'FAILED' || vault.outcome === 'INCOMPLETE') return 'bad';
  if (vault.outcome === 'MIGRATED_SOURCE_KEPT') return 'warn';
  return SUCCESS_OUTCOMES.includes(vault.outcome) ? 'ok' : '';
}

function plansText(vault: VaultSummary): string {
  if (vault.plans) {
    const failed = vault.plans.notRepointed.length;
    return failed > 0
      ? `${count(vault.plans.repointed)}, <span class="bad">${failed} not</span>`
      : count(vault.plans.repointed);
  }
  return vault.plansPlanned === null ? '–' : `${vault.plansPlanned} to repoint`;
}

function vaultRow(vault: VaultSummary): string {
  const skipped =
    vault.skippedReasons.length === 0
      ? count(vault.skipped)
      : `${count(vault.skipped)}<ul>${vault.skippedReasons
          .map((reason) => `<li>${reason.count} ${escapeHtml(reason.label)}</li>`)
          .join('')}</ul>`;
  const cells = [
    `<th scope="row"><span class="name">${escapeHtml(vault.vault)}</span>${vault.targetVault ? `<div class="sub">→ ${escapeHtml(vault.targetVault)}</div>` : ''}</th>`,
    `<td><span class="pill ${outcomeClass(vault)}">${escapeHtml(OUTCOME_LABEL[vault.outcome])}</span></td>`,
    `<td class="num">${count(vault.recoveryPoints)}</td>`,
    `<td class="num">${count(vault.copied)}</td>`,
    `<td class="num">${skipped}</td>`,
    `<td class="num${vault.failed ? ' bad' : ''}">${count(vault.failed)}</td>`,
    `<td class="num">${count(vault.encryption?.targetKey)}</td>`,
    `<td class="num">${count(vault.encryption?.sourceKey)}</td>`,
    `<td class="num">${count(vault.encryption?.unencrypted)}</td>`,
    `<td class="num">${plansText(vault)}</td>`,
    `<td>${escapeHtml(vault.source.short)}</td>`,
  ];
  return `<tr>${cells.join('')}</tr>`;
}

export interface HtmlOptions {
  /** The folder the page is written to: report files are linked relative to it (never by absolute path). */
  folder?: string | undefined;
}

/** A report file as a link relative to the page, or as text when it is not on this disk (s3://). */
function fileLink(kind: string, location: string, options: HtmlOptions): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location))
    return `${escapeHtml(kind)}: <code>${escapeHtml(location)}</code>`;
  const from = options.folder ?? process.cwd();
  const href = relative(from, resolve(from, location)).split(sep).map(encodeURIComponent).join('/');
  return `<a href="${escapeHtml(href)}">${escapeHtml(kind === 'csv' ? 'every recovery point (CSV)' : kind === 'json' ? 'report.json' : 'summary.txt')}</a>`;
}

function details(summary: MigrationSummary, options: HtmlOptions): string {
  const items: string[] = [];
  for (const vault of summary.vaults) {
    const lines: string[] = [];
    if (vault.error) lines.push(`<p class="bad">${escapeHtml(vault.error)}</p>`);
    if (vault.targetKeyArn) lines.push(`<p>Target key <code>${escapeHtml(vault.targetKeyArn)}</code></p>`);
    if (vault.basis === 'report') {
      lines.push(
        `<p>Source key ${vault.sourceKeyArn ? `<code>${escapeHtml(vault.sourceKeyArn)}</code>` : 'none (the vault had no key)'}</p>`,
      );
    }
    const fate =
      vault.source.fate === 'unknown' || vault.source.why.startsWith(vault.source.fate)
        ? vault.source.why
        : `${vault.source.fate}: ${vault.source.why}`;
    lines.push(`<p>Source vault ${escapeHtml(fate)}.</p>`);
    for (const plan of vault.plans?.notRepointed ?? []) {
      lines.push(`<p class="bad">Backup plan not repointed: ${escapeHtml(plan)}</p>`);
    }
    const files = Object.entries(vault.reportFiles).filter(([, path]) => path);
    if (files.length > 0) {
      lines.push(
        `<p class="files">${files.map(([kind, path]) => fileLink(kind, path ?? '', options)).join(' · ')}</p>`,
      );
    }
    if (vault.execution)
      lines.push(`<p class="sub">Execution <code>${escapeHtml(vault.execution)}</code></p>`);
    items.push(`<section class="vault"><h3>${escapeHtml(vault.vault)}</h3>${lines.join('')}</section>`);
  }
  if (summary.skippedVaults.length > 0) {
    items.push(
      `<section class="vault"><h3>Vaults left alone</h3><ul>${summary.skippedVaults
        .map((vault) => `<li><strong>${escapeHtml(vault.vault)}</strong>: ${escapeHtml(vault.reason)}</li>`)
        .join('')}</ul></section>`,
    );
  }
  return items.join('\n');
}

/** The encryption verdict, before any other figure: per vault, on the target key or not and why. */
function verdictSection(verdict: EncryptionVerdict): string {
  if (verdict.vaults.length === 0) return '';
  const rows = verdict.vaults.map((vault) => {
    const text = !vault.known
      ? 'not known (no copies reported)'
      : vault.copies === 0
        ? 'no copies'
        : `${vault.onTargetKey.toLocaleString('en-US')} of ${vault.copies.toLocaleString('en-US')} on the target key${vault.notOnTargetKey > 0 ? `; not on it: ${shortfallText(vault)}` : ''}`;
    const cls = !vault.known || vault.notOnTargetKey > 0 ? 'warn' : 'ok';
    return `<li><strong>${escapeHtml(vault.vault)}</strong>: <span class="${cls}">${escapeHtml(text)}</span></li>`;
  });
  const advice =
    verdict.advice.length === 0
      ? ''
      : `<h3>What to do</h3><ul>${verdict.advice.map((sentence) => `<li>${escapeHtml(sentence)}</li>`).join('')}</ul>`;
  const lead =
    verdict.copies === 0
      ? 'No copies were made.'
      : `${verdict.onTargetKey.toLocaleString('en-US')} of ${verdict.copies.toLocaleString('en-US')} copies (${verdict.percentOnTargetKey}%) ${verdict.predicted ? 'would be' : 'are'} on the target key.`;
  return `<section id="encryption-verdict" class="panel keyverdict ${verdict.allOnTargetKey ? 'ok' : 'warn'}"><h2>Encryption verdict</h2><p class="lead">${escapeHtml(lead)}</p><ul>${rows.join('')}</ul>${advice}</section>`;
}

const STYLE = `
:root { color-scheme: light; --ink: #1d2733; --muted: #5b6672; --line: #dde3ea; --ok: #2e7d32; --warn: #9a6b00; --bad: #c62828; }
* { box-sizing: border-box; }
body { margin: 0; padding: 32px 40px 48px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); background: #f6f8fa; }
main { max-width: 1180px; margin: 0 auto; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 10px; }
h3 { font-size: 15px; margin: 0 0 6px; }
.meta, .sub { color: var(--muted); font-size: 12.5px; }
.verdict { display: inline-block; margin: 12px 0 4px; padding: 6px 12px; border-radius: 6px; font-weight: 600; }
.verdict.ok { background: #e7f4e8; color: var(--ok); } .verdict.warn { background: #fff4d6; color: var(--warn); } .verdict.bad { background: #fdecea; color: var(--bad); }
.keyverdict { margin-top: 16px; } .keyverdict h2 { margin-top: 0; } .keyverdict .lead { font-weight: 600; } .keyverdict ul { margin: 6px 0; padding-left: 20px; }
.keyverdict .warn { color: var(--warn); } .keyverdict .ok { color: var(--ok); } .keyverdict.warn { border-left: 4px solid #e0a100; } .keyverdict.ok { border-left: 4px solid var(--ok); }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin-top: 16px; }
.card { flex: 1 1 0; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; min-width: 130px; }
.card .n { font-size: 22px; font-weight: 650; } .card .l { color: var(--muted); font-size: 12.5px; }
.panel { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; }
.chart text { font: 13px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; fill: var(--ink); }
.chart .legend { font-size: 12px; } .chart .strong { font-weight: 650; } .chart .value { fill: #fff; text-anchor: middle; font-weight: 600; font-size: 12px; }
.chart .total { fill: var(--muted); font-size: 12px; } .chart .empty { fill: #f1f3f5; stroke: var(--line); } .chart .none { fill: var(--muted); font-style: italic; }
.note { color: var(--muted); font-size: 12.5px; max-width: 900px; margin: 10px 0 0; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); border-radius: 8px; }
th, td { padding: 8px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
tbody th, tfoot th { min-width: 150px; overflow-wrap: anywhere; }
tbody th .name { white-space: nowrap; }
tbody td:last-child { min-width: 130px; }
.scroll { overflow-x: auto; }
thead th.num { text-align: right; }
thead th { font-size: 12px; color: var(--muted); font-weight: 600; background: #fbfcfd; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.num ul { margin: 4px 0 0; padding: 0; list-style: none; font-size: 11.5px; color: var(--muted); white-space: nowrap; }
tfoot th, tfoot td { font-weight: 650; border-bottom: none; }
.pill { display: inline-block; padding: 2px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; white-space: nowrap; background: #eef1f4; }
.pill.ok { background: #e7f4e8; color: var(--ok); } .pill.warn { background: #fff4d6; color: var(--warn); } .pill.bad { background: #fdecea; color: var(--bad); }
.bad { color: var(--bad); }
.details { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 12px; }
.vault { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
.vault p { margin: 4px 0; } .vault ul { margin: 4px 0; padding-left: 18px; }
code { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; word-break: break-all; }
footer { margin-top: 28px; color: var(--muted); font-size: 12px; }
.audit dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
.audit dt { color: var(--muted); } .audit dd { margin: 0; overflow-wrap: anywhere; }
/* Eleven columns fit 1280 px: headers wrap, cells stay narrow. */
table { font-size: 13px; } th, td { padding: 6px 8px; } thead th { white-space: normal; }
tbody td:last-child { min-width: 110px; }
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { background: #fff; padding: 0; font-size: 11px; }
  main { max-width: none; }
  .scroll { overflow: visible; }
  table { font-size: 10px; border: 1px solid #999; } th, td { padding: 3px 5px; }
  tr, .vault, .panel, .card { break-inside: avoid; }
  .cards { gap: 6px; } .card { min-width: 0; padding: 6px 8px; } .card .n { font-size: 16px; }
  a { color: inherit; text-decoration: none; } a[href]::after { content: " (" attr(href) ")"; font-size: 9px; color: var(--muted); }
  .pill, .verdict { border: 1px solid currentColor; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;

/** Who, where, which tool, which clock: the facts an auditor checks first. */
function auditFacts(summary: MigrationSummary, generatedAt: Date): string {
  const context = summary.context;
  const targetKeys = [
    ...new Set(summary.vaults.flatMap((vault) => (vault.targetKeyArn ? [vault.targetKeyArn] : []))),
  ];
  const rows: Array<[string, string]> = [
    ['Account', context?.account ?? 'not known'],
    ['Region', context?.region ?? 'not known'],
    ['Caller identity', context?.caller ?? 'not recorded'],
    [
      'Where',
      context?.where === 'local'
        ? `this machine (local Step Functions engine); Backup and KMS: ${context.endpoint ?? 'not known'}`
        : context?.where === 'aws'
          ? 'AWS (the deployed stack)'
          : 'read from a report file',
    ],
    ['Execution', `${summary.stateMachine} ${summary.execution}`],
    ['Started', summary.startedAt ?? 'not known'],
    ['Stopped', summary.stoppedAt ?? (summary.status === 'RUNNING' ? 'still running' : 'not known')],
    ['Clock', context?.clock ?? 'not known'],
    ['Target key', targetKeys.length > 0 ? targetKeys.join(', ') : 'none recorded'],
    [
      'Tool',
      `vault-migrator ${context?.toolVersion ?? ''}${context?.toolCommit ? ` (commit ${context.toolCommit})` : ''}`,
    ],
    ['Page written', generatedAt.toISOString()],
  ];
  if (context?.simulatedMs !== null && context?.simulatedMs !== undefined) {
    rows.splice(8, 0, ['Simulated time', `${(context.simulatedMs / 3_600_000).toFixed(1)} h (local run)`]);
  }
  return `<section class="panel audit"><h2>Run</h2><dl>${rows
    .map(([term, value]) => `<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(value)}</dd>`)
    .join('')}</dl></section>`;
}

export function renderHtml(
  summary: MigrationSummary,
  generatedAt = new Date(),
  options: HtmlOptions = {},
): string {
  const sum = totals(summary.vaults);
  const ok = succeeded(summary);
  const copies =
    sum.encryption.targetKey + sum.encryption.sourceKey + sum.encryption.unencrypted + sum.encryption.other;
  const predicted = summary.vaults.some((vault) => vault.encryptionPredicted);
  const cards: Array<[string, string]> = [
    [count(summary.vaults.length), summary.vaults.length === 1 ? 'vault' : 'vaults'],
    [count(sum.recoveryPoints), 'source recovery points'],
    [
      summary.dryRun ? count(sum.copyable) : count(sum.copied),
      summary.dryRun ? 'would be copied' : 'copied and verified',
    ],
    [count(sum.skipped), 'skipped (cannot be copied)'],
    sum.unknownVaults.length > 0
      ? [
          `${count(sum.failed)}+`,
          `without a verified copy, and ${sum.unknownVaults.length} failed vault${sum.unknownVaults.length === 1 ? '' : 's'} not counted`,
        ]
      : [count(sum.failed), 'without a verified copy'],
    [
      percent(sum.encryption.targetKey, copies),
      predicted ? 'of copies would take the target key' : 'of copies re-encrypted with the target key',
    ],
  ];
  const keys = encryptionVerdict(summary);
  const verdict = ok
    ? summary.dryRun
      ? `Dry run: nothing was changed${keys.notOnTargetKey > 0 ? `; ${keys.notOnTargetKey.toLocaleString('en-US')} of ${keys.copies.toLocaleString('en-US')} copies would not be on the target key` : ''}`
      : keys.allOnTargetKey
        ? 'Every migration succeeded and verified; every copy is on the target key'
        : `Every copy verified, but only ${keys.onTargetKey.toLocaleString('en-US')} of ${keys.copies.toLocaleString('en-US')} copies (${keys.percentOnTargetKey}%) are on the target key`
    : summary.status === 'SUCCEEDED'
      ? 'Not every migration succeeded'
      : `The execution ${summary.status.toLowerCase()}${summary.error ? `: ${summary.error}` : ''}`;
  const footerRow =
    summary.vaults.length > 1
      ? `<tfoot><tr><th scope="row">Total</th><td></td><td class="num">${count(sum.recoveryPoints)}</td><td class="num">${count(sum.copied)}</td><td class="num">${count(sum.skipped)}</td><td class="num">${count(sum.failed)}</td><td class="num">${count(sum.encryption.targetKey)}</td><td class="num">${count(sum.encryption.sourceKey)}</td><td class="num">${count(sum.encryption.unencrypted)}</td><td class="num">${count(sum.plansRepointed)}</td><td></td></tr></tfoot>`
      : '';
  const started = summary.startedAt ? ` · started ${escapeHtml(summary.startedAt)}` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Backup vault migration: ${escapeHtml(summary.execution)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header>
<h1>Backup vault migration</h1>
<div class="meta">${escapeHtml(headline(summary))}${started}</div>
<div class="verdict ${ok ? (keys.allOnTargetKey ? 'ok' : 'warn') : 'bad'}">${escapeHtml(verdict)}</div>
</header>
${verdictSection(keys)}
<div class="cards">${cards.map(([n, label]) => `<div class="card"><div class="n">${n}</div><div class="l">${escapeHtml(label)}</div></div>`).join('')}</div>
<h2>Encryption of the copies${predicted ? ' (predicted)' : ''}</h2>
<div class="panel">
${encryptionChart(summary.vaults)}
<p class="note">Each target vault is encrypted with the customer-managed key, so it passes checks such as Prowler's backup_vaults_encrypted. AWS Backup re-encrypts a copy with that key only for the resource types it fully manages (S3, EFS, DynamoDB with advanced backup, VMware, Timestream, CloudFormation, SAP HANA on EC2). Copies of EBS, EC2, RDS, Aurora, DocumentDB, Neptune, Redshift, FSx and Storage Gateway keep their source recovery point's key, and copies of unencrypted ones stay unencrypted. The figures are per copy, as AWS Backup reports each one.</p>
</div>
<h2>Vaults</h2>
<div class="scroll">
<table>
<thead><tr><th>Vault</th><th>Outcome</th><th class="num">Recovery points</th><th class="num">Copied</th><th class="num">Skipped</th><th class="num">Failed</th><th class="num">Target key</th><th class="num">Source key</th><th class="num">Unencrypted</th><th class="num">Plans repointed</th><th>Source vault</th></tr></thead>
<tbody>
${summary.vaults.map(vaultRow).join('\n')}
</tbody>
${footerRow}
</table>
</div>
${auditFacts(summary, generatedAt)}
<h2>Details</h2>
<div class="details">
${details(summary, options)}
</div>
<footer>Generated by vault-migrator on ${escapeHtml(generatedAt.toISOString())}.</footer>
</main>
</body>
</html>
`;
}
