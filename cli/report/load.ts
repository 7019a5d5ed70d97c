/**
 * Reads a report.json without its rows, by its JSON structure (HeadScanner): the document without
 * its top-level `recoveryPoints`, checked against the report's own schema. write-report puts the rows
 * last, so a report of a million recovery points (hundreds of megabytes) is read only as far as its
 * first kilobytes; a report reformatted or reordered by a tool is read all the same.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { headProblem } from '../../lambdas/write-report/report-schema.ts';
import { CliError } from '../errors.ts';
import { HeadScanner } from './head-scanner.ts';
import type { ReportHead } from './model.ts';

/** Heads larger than this are not a report (the plan and samples keep the head small). */
const MAX_HEAD_CHARS = 16 * 1024 * 1024;

function parseHead(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The head of a report from its text, chunk by chunk; stops reading at the rows once the head
 * before them is whole.
 * @throws CliError NotAReport when the text is not a migration report.
 */
export async function readReportHead(
  chunks: AsyncIterable<string | Buffer>,
  where: string,
): Promise<ReportHead> {
  const scanner = new HeadScanner();
  const whole = (head: string) => headProblem(parseHead(head)) === undefined;
  let text: string | undefined;
  for await (const chunk of chunks) {
    text = scanner.feed(typeof chunk === 'string' ? chunk : chunk.toString('utf8'), whole);
    if (text !== undefined) break;
    if (scanner.length > MAX_HEAD_CHARS)
      throw new CliError('NotAReport', `${where} is not a migration report`);
  }
  const parsed = parseHead(text ?? scanner.text);
  if (parsed === undefined) throw new CliError('NotAReport', `${where} is not a migration report (not JSON)`);
  const problem = headProblem(parsed);
  if (problem !== undefined) {
    throw new CliError('NotAReport', `${where} is not a migration report (${problem})`);
  }
  return parsed as ReportHead;
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
