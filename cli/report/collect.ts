/**
 * From an execution (local record or DescribeExecution) to a migration summary: the reports its
 * MigrateVault executions wrote are read where they are (a directory locally, the report bucket on
 * AWS); where a report cannot be read, the execution's output or its error stands in.
 */
import type { MigrationOutcome, ReportResult } from '#shared/contracts.ts';
import { describeExecutionError, readableCause } from '../errors.ts';
import {
  fromFailure,
  fromReport,
  fromResult,
  type MigrationSummary,
  type ReportHead,
  type SkippedVault,
  type VaultSummary,
} from './model.ts';

/** An execution as the command sees it, whether it ran here or on AWS. */
export interface ExecutionView {
  name: string;
  arn: string;
  stateMachine: string;
  /** RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED (PENDING_REDRIVE counts as FAILED). */
  status: string;
  startDate?: string | undefined;
  stopDate?: string | undefined;
  input?: unknown;
  output?: unknown;
  error?: string | undefined;
  cause?: string | undefined;
}

export interface ReportAccess {
  /** Reads the report at a location an execution output names (a path, or s3://bucket/key). */
  read(location: string): Promise<ReportHead>;
  /**
   * Where the report of the execution of this name is, if the command knows (failed executions
   * have no output); reports are filed by source vault, then by execution.
   */
  locationOf(executionName: string, sourceVaultName: string | undefined): string | undefined;
}

interface BatchOutput {
  vaults: Array<{
    sourceVaultName: string;
    outcome: MigrationOutcome;
    summary?: string;
    reportLocation?: ReportResult['reportLocation'];
    failure?: { Error?: string; Cause?: string };
  }>;
  skipped: Array<{ vaultName: string; reason: string }>;
  settings?: { dryRun?: boolean };
}

function isBatchOutput(output: unknown): output is BatchOutput {
  return typeof output === 'object' && output !== null && Array.isArray((output as BatchOutput).vaults);
}

function isReportResult(output: unknown): output is ReportResult {
  return (
    typeof output === 'object' &&
    output !== null &&
    typeof (output as ReportResult).outcome === 'string' &&
    typeof (output as ReportResult).counts === 'object'
  );
}

/**
 * A nested execution's failure as the Map's Catch records it: `States.TaskFailed` with the child's
 * DescribeExecution (Name, Error, Cause) as JSON in the cause. The child's own error is what counts.
 */
export function childFailure(failure: { Error?: string; Cause?: string }): {
  error: string;
  cause: string;
  executionName?: string;
} {
  const fallback = { error: failure.Error ?? 'Error', cause: failure.Cause ?? '' };
  if (!failure.Cause) return fallback;
  try {
    const parsed = JSON.parse(failure.Cause) as { Name?: unknown; Error?: unknown; Cause?: unknown };
    if (typeof parsed !== 'object' || parsed === null) return fallback;
    return {
      error: typeof parsed.Error === 'string' ? parsed.Error : fallback.error,
      cause: typeof parsed.Cause === 'string' ? readableCause(parsed.Cause) : fallback.cause,
      ...(typeof parsed.Name === 'string' ? { executionName: parsed.Name } : {}),
    };
  } catch {
    return fallback;
  }
}

async function tryRead(access: ReportAccess, location: string | undefined): Promise<ReportHead | undefined> {
  if (!location) return undefined;
  try {
    return await access.read(location);
  } catch {
    return undefined;
  }
}

function filesOf(
  location: ReportResult['reportLocation'] | undefined,
  json?: string,
): VaultSummary['reportFiles'] {
  return {
    json: location?.json ?? json ?? null,
    csv: location?.csv ?? null,
    text: location?.text ?? null,
  };
}

function siblingFiles(json: string): VaultSummary['reportFiles'] {
  const base = json.replace(/report\.json$/, '');
  return { json, csv: `${base}report.csv`, text: `${base}summary.txt` };
}

async function oneVault(view: ExecutionView, access: ReportAccess): Promise<VaultSummary | undefined> {
  const output = view.output;
  if (isReportResult(output)) {
    const report = await tryRead(access, output.reportLocation?.json);
    return report ? fromReport(report, filesOf(output.reportLocation)) : fromResult(output, view.name);
  }
  if (view.status === 'RUNNING') return undefined;
  // A failed MigrateVault has no output; its failure report is filed under its vault and name.
  const inputVault = (view.input as { sourceVaultName?: unknown } | undefined)?.sourceVaultName;
  const vault = typeof inputVault === 'string' ? inputVault : undefined;
  const location = access.locationOf(view.name, vault);
  const report = await tryRead(access, location);
  const error = view.error ? describeExecutionError(view.error, view.cause) : `execution ${view.status}`;
  if (report) {
    const summary = fromReport(report, siblingFiles(location ?? ''));
    return { ...summary, error: summary.error ?? error, outcome: 'FAILED' };
  }
  return fromFailure(vault ?? '(unknown)', error, view.name);
}

export async function collectSummary(view: ExecutionView, access: ReportAccess): Promise<MigrationSummary> {
  const input = (view.input ?? {}) as { dryRun?: unknown };
  const summary: MigrationSummary = {
    execution: view.name,
    stateMachine: view.stateMachine,
    status: view.status,
    error: view.error ? describeExecutionError(view.error, view.cause) : null,
    startedAt: view.startDate ?? null,
    stoppedAt: view.stopDate ?? null,
    dryRun: input.dryRun === true,
    vaults: [],
    skippedVaults: [],
  };
  const output = view.output;
  if (isBatchOutput(output)) {
    summary.dryRun = output.settings?.dryRun ?? summary.dryRun;
    summary.skippedVaults = (output.skipped ?? []).map(
      (vault): SkippedVault => ({ vault: vault.vaultName, reason: vault.reason }),
    );
    for (const entry of output.vaults) {
      if (entry.failure || !entry.reportLocation) {
        const failure = childFailure(entry.failure ?? {});
        const location = failure.executionName
          ? access.locationOf(failure.executionName, entry.sourceVaultName)
          : undefined;
        const report = await tryRead(access, location);
        const error = describeExecutionError(failure.error, failure.cause);
        if (report) {
          const vault = fromReport(report, siblingFiles(location ?? ''));
          summary.vaults.push({ ...vault, outcome: 'FAILED', error: vault.error ?? error });
        } else {
          summary.vaults.push(fromFailure(entry.sourceVaultName, error, failure.executionName ?? null));
        }
        continue;
      }
      const report = await tryRead(access, entry.reportLocation.json);
      summary.vaults.push(
        report
          ? fromReport(report, filesOf(entry.reportLocation))
          : fromResult(
              {
                outcome: entry.outcome,
                sourceVaultName: entry.sourceVaultName,
                summary: entry.summary ?? '',
                reportLocation: entry.reportLocation,
                counts: {},
              },
              null,
            ),
      );
    }
    return summary;
  }
  // A batch that failed (or is still running) has no vaults to show yet.
  if (view.stateMachine === 'MigrateAllVaults') return summary;
  const vault = await oneVault(view, access);
  if (vault) {
    summary.vaults.push(vault);
    summary.dryRun ||= vault.outcome === 'DRY_RUN';
  }
  return summary;
}
