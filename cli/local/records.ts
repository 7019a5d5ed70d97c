/**
 * Local executions run inside the command and leave no Step Functions history behind, so each one
 * is recorded next to its report, as `<report dir>/<vault>/<execution>/execution.json` (a batch: `<report dir>/<execution>/`): `status` and
 * `report` read it later as they would read DescribeExecution on AWS.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reportFolder } from '../../lambdas/write-report/sink.ts';
import { CliError } from '../errors.ts';
import type { ExecutionView, ReportAccess } from '../report/collect.ts';
import { readReportFile } from '../report/load.ts';

export const RECORD_FILE = 'execution.json';

export interface ExecutionRecord extends ExecutionView {
  recordVersion: 1;
  /** Where the Backup and KMS calls went (the embedded emulator, or the endpoint given). */
  endpoint: string;
  /** Simulated time the execution took, in ms. */
  simulatedMs: number;
  /** What AWS would count: executions (nested included), state transitions, Lambda invocations. */
  stats: { executions: number; stateTransitions: number; lambdaInvocations: number };
}

/**
 * Where a local execution's record (and its HTML) is filed: beside its report, under the vault a
 * MigrateVault run migrates (`<vault>/<name>/`); a batch's under its own name.
 */
export function executionFolder(reportDir: string, record: Pick<ExecutionRecord, 'name' | 'input'>): string {
  const vault = (record.input as { sourceVaultName?: unknown } | undefined)?.sourceVaultName;
  return join(reportDir, reportFolder(record.name, typeof vault === 'string' ? vault : undefined));
}

/** The folder named `executionName` under the report dir, or under one of its vault folders. */
function findFolder(reportDir: string, executionName: string, file: string): string | undefined {
  const folder = reportFolder(executionName);
  if (existsSync(join(reportDir, folder, file))) return join(reportDir, folder, file);
  if (!existsSync(reportDir)) return undefined;
  for (const entry of readdirSync(reportDir, { withFileTypes: true })) {
    if (entry.isDirectory() && existsSync(join(reportDir, entry.name, folder, file))) {
      return join(reportDir, entry.name, folder, file);
    }
  }
  return undefined;
}

export function writeRecord(reportDir: string, record: ExecutionRecord): string {
  const folder = executionFolder(reportDir, record);
  mkdirSync(folder, { recursive: true });
  const path = join(folder, RECORD_FILE);
  writeFileSync(path, `${JSON.stringify(record, null, 2)}\n`);
  return path;
}

export function isRecord(value: unknown): value is ExecutionRecord {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as ExecutionRecord).recordVersion === 1 &&
    typeof (value as ExecutionRecord).name === 'string' &&
    typeof (value as ExecutionRecord).status === 'string'
  );
}

/** The record at a path (the file, or its folder). */
export function readRecordFile(path: string): ExecutionRecord {
  const file = path.endsWith('.json') ? path : join(path, RECORD_FILE);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError('ExecutionNotFound', `cannot read ${file}: ${(error as Error).message}`);
  }
  if (!isRecord(parsed)) throw new CliError('ExecutionNotFound', `${file} is not an execution record`);
  return parsed;
}

/** The record of a local execution by name, if there is one. */
export function findRecord(reportDir: string, executionName: string): ExecutionRecord | undefined {
  const file = findFolder(reportDir, executionName, RECORD_FILE);
  return file === undefined ? undefined : readRecordFile(file);
}

/**
 * The report.json of an execution by name under the report dir: filed under its source vault
 * (`<vault>/<name>/`), or directly (`<name>/`, a failure that named no vault).
 */
export function findReportByName(reportDir: string, executionName: string): string | undefined {
  return findFolder(reportDir, executionName, 'report.json');
}

/** Reports on local disk: report locations are paths; executions are filed under the report dir. */
export function localReports(reportDir: string): ReportAccess {
  return {
    read: (location) => readReportFile(location),
    locationOf: (executionName, sourceVaultName) =>
      join(reportDir, reportFolder(executionName, sourceVaultName), 'report.json'),
  };
}
