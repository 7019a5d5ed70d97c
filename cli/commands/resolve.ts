/**
 * What `status` and `report` are pointed at: a report file or folder, an execution recorded by a
 * local run (under --report-dir), or an execution on AWS (by ARN or name).
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { awsClients } from '../aws/clients.ts';
import { s3Reports } from '../aws/execution.ts';
import { findAwsExecution } from '../aws/lookup.ts';
import { CliError } from '../errors.ts';
import type { CliIO } from '../io.ts';
import {
  findRecord,
  findReportByName,
  isRecord,
  localReports,
  RECORD_FILE,
  readRecordFile,
} from '../local/records.ts';
import { collectSummary, type ExecutionView, type ReportAccess } from '../report/collect.ts';
import { localContext, runContext } from '../report/context.ts';
import { readReportFile } from '../report/load.ts';
import { fromReport, type MigrationSummary, type ReportHead } from '../report/model.ts';
import { isLocal, type WhereOptions } from './options.ts';

export type Target =
  | { kind: 'execution'; view: ExecutionView; access: ReportAccess; where: 'local' | 'aws' }
  | { kind: 'report'; report: ReportHead; path: string };

function fromFolder(folder: string): Target | undefined {
  if (existsSync(join(folder, RECORD_FILE))) {
    const record = readRecordFile(join(folder, RECORD_FILE));
    return { kind: 'execution', view: record, access: localReports(dirname(folder)), where: 'local' };
  }
  return undefined;
}

function firstBytes(path: string, length: number): string {
  const file = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const read = readSync(file, buffer, 0, length, 0);
    return buffer.subarray(0, read).toString('utf8');
  } finally {
    closeSync(file);
  }
}

async function fromPath(path: string): Promise<Target | undefined> {
  if (!existsSync(path)) return undefined;
  if (statSync(path).isDirectory()) {
    const recorded = fromFolder(path);
    if (recorded) return recorded;
    if (existsSync(join(path, 'report.json'))) {
      return { kind: 'report', report: await readReportFile(path), path: join(path, 'report.json') };
    }
    throw new CliError('ReportNotFound', `${path} holds neither ${RECORD_FILE} nor report.json`);
  }
  // A record is small; a report may be huge and is read only as far as its head.
  const start = firstBytes(path, 200);
  if (start.includes('"recordVersion"')) {
    const record = readRecordFile(path);
    if (isRecord(record)) {
      return {
        kind: 'execution',
        view: record,
        access: localReports(dirname(dirname(path))),
        where: 'local',
      };
    }
  }
  return { kind: 'report', report: await readReportFile(path), path };
}

export async function resolveTarget(
  argument: string,
  options: WhereOptions,
  io: CliIO,
  { files }: { files: boolean },
): Promise<{ target: Target; destroy: () => void }> {
  const none = () => undefined;
  if (files && !argument.startsWith('arn:')) {
    const fromFile = await fromPath(resolve(io.cwd, argument));
    if (fromFile) return { target: fromFile, destroy: none };
    // A path (not an execution name, which has neither slashes nor dots) that is not there.
    if (/[/\\.]/.test(argument)) {
      throw new CliError('ReportNotFound', `no such file or folder: ${resolve(io.cwd, argument)}`);
    }
  }
  const reportDir = resolve(io.cwd, options.reportDir);
  if (!argument.startsWith('arn:') || isLocal(options)) {
    const record = findRecord(reportDir, argument.split(':').pop() ?? argument);
    if (record) {
      return {
        target: { kind: 'execution', view: record, access: localReports(reportDir), where: 'local' },
        destroy: none,
      };
    }
    const reportPath = findReportByName(reportDir, argument.split(':').pop() ?? argument);
    if (reportPath !== undefined) {
      return {
        target: { kind: 'report', report: await readReportFile(reportPath), path: reportPath },
        destroy: none,
      };
    }
    if (isLocal(options)) {
      throw new CliError('ExecutionNotFound', `no local execution named ${argument} under ${reportDir}`);
    }
  }
  const clients = awsClients(io, options.region);
  try {
    const found = await findAwsExecution(clients, options, argument);
    return {
      target: {
        kind: 'execution',
        view: found.view,
        access: s3Reports(clients.s3, found.reportBucket),
        where: 'aws',
      },
      destroy: () => clients.destroy(),
    };
  } catch (error) {
    clients.destroy();
    if (error instanceof CliError && error.name !== 'ExecutionNotFound' && !argument.startsWith('arn:')) {
      // Perhaps a local run was meant: say where it was looked for.
      throw new CliError(
        error.name,
        `${error.message} (and no local run named ${argument} under ${reportDir})`,
      );
    }
    throw error;
  }
}

/** The summary of whatever the target is. */
export async function summaryOf(target: Target): Promise<MigrationSummary> {
  if (target.kind === 'execution') {
    const summary = await collectSummary(target.view, target.access);
    summary.context = isRecord(target.view)
      ? localContext(target.view)
      : runContext(target.where, target.view.arn);
    return summary;
  }
  const { report, path } = target;
  const base = path.replace(/report\.json$/, '');
  const vault = fromReport(report, {
    json: path,
    csv: existsSync(`${base}report.csv`) ? `${base}report.csv` : null,
    text: existsSync(`${base}summary.txt`) ? `${base}summary.txt` : null,
  });
  return {
    execution: report.executionId,
    stateMachine: 'MigrateVault',
    status: report.outcome === 'FAILED' ? 'FAILED' : 'SUCCEEDED',
    error: vault.error,
    // report.json's generatedAt is the migration's clock (simulated in a local run), its
    // startedAt the execution's: one clock only, so the start alone.
    startedAt: report.startedAt,
    stoppedAt: null,
    dryRun: report.outcome === 'DRY_RUN',
    vaults: [vault],
    skippedVaults: [],
    context: runContext('file', report.sourceVault.arn, { clock: 'Step Functions execution start (UTC)' }),
  };
}
