/**
 * Reads a report.json without its rows. write-report puts the per-recovery-point rows last, one per
 * line after `"recoveryPoints": [`, so the head is everything before that key: a report of a million
 * recovery points (hundreds of megabytes) is read only as far as its first kilobytes.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from '../errors.ts';
import type { ReportHead } from './model.ts';

/** The top-level rows key as write-report's pretty-printed head has it (nested keys are indented more). */
const ROWS_MARKER = '\n  "recoveryPoints": [';

/** Heads larger than this are not a report (the plan and samples keep the head small). */
const MAX_HEAD_CHARS = 16 * 1024 * 1024;

function isReportHead(value: unknown): value is ReportHead {
  if (typeof value !== 'object' || value === null) return false;
  const report = value as Partial<ReportHead>;
  return (
    report.reportVersion === 1 &&
    typeof report.outcome === 'string' &&
    typeof report.counts === 'object' &&
    report.counts !== null &&
    typeof report.sourceVault === 'object'
  );
}

/**
 * The head of a report from its text, chunk by chunk; stops reading at the rows.
 * @throws CliError NotAReport when the text is not a migration report.
 */
export async function readReportHead(
  chunks: AsyncIterable<string | Buffer>,
  where: string,
): Promise<ReportHead> {
  let text = '';
  let searchFrom = 0;
  let parsed: unknown;
  let complete = true;
  for await (const chunk of chunks) {
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const at = text.indexOf(ROWS_MARKER, searchFrom);
    if (at >= 0) {
      text = `${text.slice(0, at)}${ROWS_MARKER}]\n}`;
      complete = false;
      break;
    }
    searchFrom = Math.max(0, text.length - ROWS_MARKER.length);
    if (text.length > MAX_HEAD_CHARS) throw new CliError('NotAReport', `${where} is not a migration report`);
  }
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(
      'NotAReport',
      `${where} is not a migration report (${complete ? 'not JSON' : 'unexpected layout'})`,
    );
  }
  if (!isReportHead(parsed)) {
    throw new CliError('NotAReport', `${where} is not a migration report (no reportVersion 1 and counts)`);
  }
  const { recoveryPoints: _rows, ...head } = parsed as ReportHead & { recoveryPoints?: unknown };
  return head;
}

/** A report.json on disk: the file itself, or a report folder holding one. */
export async function readReportFile(path: string): Promise<ReportHead> {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'report.json') : path;
  if (!existsSync(file)) throw new CliError('ReportNotFound', `no report at ${file}`);
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 64 * 1024 });
  try {
    return await readReportHead(stream, file);
  } finally {
    stream.destroy();
  }
}
