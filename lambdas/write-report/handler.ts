/**
 * Report (DESIGN step 8): whatever the execution reached, read AWS Backup (source vault, target
 * vault, copy jobs into the target) and write the per-recovery-point report, its CSV and a summary,
 * then return a short execution output with where they are. Failures come through here too, before
 * the execution fails with its named error.
 */
import {
  type BackupClient,
  type CopyJob,
  paginateListRecoveryPointsByBackupVault,
  type RecoveryPointByBackupVault,
} from '@aws-sdk/client-backup';
import type { SNSClient } from '@aws-sdk/client-sns';
import { z } from 'zod';
import { backupClient, s3Client, snsClient } from '#shared/clients.ts';
import { currentTime } from '#shared/clock.ts';
import { readConfig } from '#shared/config.ts';
import type { Migration, ReportEvent, ReportResult } from '#shared/contracts.ts';
import { describeError, isAwsError, isVaultNotFound } from '#shared/errors.ts';
import { lambdaHandler } from '#shared/handler.ts';
import { listCopyJobs, PAGE_SIZE } from '#shared/ledger.ts';
import { logger } from '#shared/logger.ts';
import { MigrationSchema, parseEvent } from '#shared/schemas.ts';
import { classifySourceRecoveryPoints } from '../plan-migration/source-listing.ts';
import { encryptionByResourceType } from './by-type.ts';
import { notifyReport } from './notify.ts';
import { readBackUnlistedCopies } from './read-back.ts';
import {
  buildRows,
  type ClassifiedSource,
  csvLines,
  decideOutcome,
  type Report,
  readableCause,
  reportJsonChunks,
  reportResult,
  summarizeRows,
  summaryText,
} from './report.ts';
import { type ReportClients, type ReportSink, reportFolder, reportSinkFromConfig } from './sink.ts';

export * from './notify.ts';
export * from './report.ts';
export * from './sink.ts';

const count = z.number().int().min(0);

/** Everything is optional: a failure in Prepare leaves only `input` and `error`. */
const ReportEventSchema = z.looseObject({
  /** The execution's name, for reports of failures before Prepare produced `migration`. */
  executionId: z.string().min(1).nullish(),
  migration: MigrationSchema.nullish(),
  input: z.unknown().optional(),
  plan: z.unknown().optional(),
  planRepoint: z
    .looseObject({
      plansExamined: count,
      plansUpdated: count,
      rulesRepointed: count,
      copyActionsRepointed: count,
      failures: z.array(
        z.looseObject({
          backupPlanId: z.string(),
          backupPlanName: z.string().optional(),
          reason: z.string(),
        }),
      ),
    })
    .nullish(),
  // "Start verifying" seeds `{cursor, done, sweep: -1}`: if the first verification round failed
  // (a timeout, say), that seed is all there is, and the failure must still be reported.
  verification: z.preprocess(
    (value) =>
      typeof value === 'object' && value !== null && !('missing' in value) && !('verified' in value)
        ? null
        : value,
    z
      .looseObject({
        done: z.boolean(),
        missing: count,
        verified: count,
        sweep: count.default(0),
        retentionShortened: count.default(0),
      })
      .nullish(),
  ),
  retirement: z
    .looseObject({
      done: z.boolean(),
      deleted: count,
      retiredWithExpiry: count,
      kept: z.record(z.string(), count),
      keptSample: z.array(z.object({ rp: z.string(), why: z.string() })),
      vaultDeleted: z.boolean(),
      vaultKeptBecause: z.string().nullish(),
    })
    .nullish(),
  error: z.looseObject({ Error: z.string(), Cause: z.string().nullish() }).nullish(),
});

type ParsedReportEvent = z.output<typeof ReportEventSchema>;

/** What AWS Backup holds now for this migration. */
interface AwsView {
  sourceExists: boolean | null;
  sources: ClassifiedSource[];
  targetExists: boolean | null;
  targetRecoveryPoints: RecoveryPointByBackupVault[];
  copyJobs: CopyJob[];
  readErrors: string[];
}

async function listVault(client: BackupClient, vaultName: string): Promise<RecoveryPointByBackupVault[]> {
  const recoveryPoints: RecoveryPointByBackupVault[] = [];
  const pages = paginateListRecoveryPointsByBackupVault(
    { client, pageSize: PAGE_SIZE },
    { BackupVaultName: vaultName, MaxResults: PAGE_SIZE },
  );
  for await (const page of pages) recoveryPoints.push(...(page.RecoveryPoints ?? []));
  return recoveryPoints;
}

/**
 * Reads the source, the target and the copy jobs into the target. Only reads, and never fails the
 * report: a read that fails is named in `readErrors` and the report says the rows may be partial.
 */
async function readAws(migration: Migration, now: Date): Promise<AwsView> {
  const client = backupClient();
  const view: AwsView = {
    sourceExists: null,
    sources: [],
    targetExists: null,
    targetRecoveryPoints: [],
    copyJobs: [],
    readErrors: [],
  };
  try {
    for await (const classified of classifySourceRecoveryPoints(client, {
      sourceVaultName: migration.sourceVaultName,
      targetKeyArn: migration.kmsKeyArn,
      targetVaultLock: migration.targetVaultLock,
      now,
    })) {
      view.sources.push(classified);
    }
    view.sourceExists = true;
  } catch (error) {
    if (isAwsError(error, 'SourceVaultNotFound')) view.sourceExists = false;
    else view.readErrors.push(`source vault ${migration.sourceVaultName}: ${describeError(error)}`);
  }
  try {
    view.targetRecoveryPoints = await listVault(client, migration.targetVaultName);
    view.targetExists = true;
  } catch (error) {
    if (isVaultNotFound(error)) view.targetExists = false;
    else view.readErrors.push(`target vault ${migration.targetVaultName}: ${describeError(error)}`);
  }
  if (view.targetExists !== false) {
    try {
      view.copyJobs = await listCopyJobs({ ByDestinationVaultArn: migration.targetVaultArn });
      view.targetRecoveryPoints.push(
        ...(await readBackUnlistedCopies(
          client,
          migration.targetVaultName,
          view.targetRecoveryPoints,
          view.copyJobs,
        )),
      );
    } catch (error) {
      view.readErrors.push(`copy jobs into ${migration.targetVaultName}: ${describeError(error)}`);
    }
  }
  return view;
}

const NO_AWS_VIEW: AwsView = {
  sourceExists: null,
  sources: [],
  targetExists: null,
  targetRecoveryPoints: [],
  copyJobs: [],
  readErrors: [],
};

/** The source vault named by a raw execution input, if it names one. */
function inputVaultName(input: unknown): string | null {
  if (typeof input !== 'object' || input === null) return null;
  const name = (input as { sourceVaultName?: unknown }).sourceVaultName;
  return typeof name === 'string' && name !== '' ? name : null;
}

function executionIdOf(event: ParsedReportEvent, now: Date): string {
  return (
    event.executionId ??
    event.migration?.executionId ??
    `report-${inputVaultName(event.input) ?? 'unknown'}-${now.toISOString().replace(/[:.]/g, '-')}`
  );
}

/** Assembles the report from the state and the AWS view. */
function assemble(event: ParsedReportEvent, view: AwsView, now: Date): Report {
  const { migration } = event;
  const rows = migration
    ? buildRows({
        migration,
        sources: view.sources,
        targetRecoveryPoints: view.targetRecoveryPoints,
        copyJobs: view.copyJobs,
      })
    : [];
  const { error, verification, retirement, planRepoint } = event;
  return {
    reportVersion: 1,
    generatedAt: now.toISOString(),
    executionId: executionIdOf(event, now),
    outcome: decideOutcome(event),
    sourceVault: {
      name: migration?.sourceVaultName ?? inputVaultName(event.input),
      arn: migration?.sourceVaultArn ?? null,
      keyArn: migration?.sourceKeyArn ?? null,
      exists: view.sourceExists,
    },
    targetVault: {
      name: migration?.targetVaultName ?? null,
      arn: migration?.targetVaultArn ?? null,
      keyArn: migration?.kmsKeyArn ?? null,
      exists: view.targetExists,
    },
    options: {
      deleteSourceVault: migration?.deleteSourceVault ?? null,
      dryRun: migration?.dryRun ?? null,
      retireAfterDays: migration?.retireAfterDays ?? null,
      maxConcurrentCopies: migration?.maxConcurrentCopies ?? null,
    },
    startedAt: migration?.startedAt ?? null,
    counts: summarizeRows(rows, view.targetRecoveryPoints.length),
    verification: verification
      ? {
          done: verification.done,
          missing: verification.missing,
          verified: verification.verified,
          sweep: verification.sweep,
          retentionShortened: verification.retentionShortened,
        }
      : null,
    planRepoint: planRepoint
      ? {
          plansExamined: planRepoint.plansExamined,
          plansUpdated: planRepoint.plansUpdated,
          rulesRepointed: planRepoint.rulesRepointed,
          copyActionsRepointed: planRepoint.copyActionsRepointed,
          failures: planRepoint.failures.map(({ backupPlanId, backupPlanName, reason }) => ({
            backupPlanId,
            ...(backupPlanName === undefined ? {} : { backupPlanName }),
            reason,
          })),
        }
      : null,
    retirement: retirement
      ? {
          done: retirement.done,
          deleted: retirement.deleted,
          retiredWithExpiry: retirement.retiredWithExpiry,
          kept: retirement.kept,
          keptSample: retirement.keptSample,
          vaultDeleted: retirement.vaultDeleted,
          ...(retirement.vaultKeptBecause ? { vaultKeptBecause: retirement.vaultKeptBecause } : {}),
        }
      : null,
    plan: event.plan ?? null,
    input: migration ? null : (event.input ?? null),
    error: error
      ? { Error: error.Error, ...(error.Cause ? { Cause: readableCause(error.Cause) } : {}) }
      : null,
    readErrors: view.readErrors,
    encryptionByResourceType: encryptionByResourceType(rows),
    recoveryPoints: rows,
  };
}

/** Where the report goes and the clients to send it with; by default, as configured. */
export interface WriteReportOptions {
  sink?: ReportSink;
  /** S3 for REPORT_BUCKET, SNS for REPORT_TOPIC_ARN (the handler passes the shared clients). */
  clients?: ReportClients & { sns?: () => SNSClient };
}

/**
 * Writes `<executionId>/report.json`, `report.csv` and `summary.txt`, notifies REPORT_TOPIC_ARN
 * when an SNS client is wired, and returns the execution's short output. `now` is the time
 * classification is judged at (the emulator's clock in local runs).
 *
 * @throws InvalidInput when the event is malformed.
 * @throws ConfigurationError when no report destination is configured (before any AWS call).
 */
export async function writeReport(
  rawEvent: unknown,
  now: Date = currentTime(),
  options: WriteReportOptions = {},
): Promise<ReportResult> {
  const event = parseEvent(ReportEventSchema, rawEvent, 'write-report');
  const config = readConfig();
  const destination = options.sink ?? reportSinkFromConfig(config, options.clients);
  const view = event.migration ? await readAws(event.migration, now) : NO_AWS_VIEW;
  const report = assemble(event, view, now);
  const summary = summaryText(report);

  const folder = reportFolder(report.executionId);
  const json = await destination.put(`${folder}/report.json`, reportJsonChunks(report), 'application/json');
  const csv = await destination.put(`${folder}/report.csv`, csvLines(report.recoveryPoints), 'text/csv');
  const text = await destination.put(`${folder}/summary.txt`, [summary], 'text/plain');
  const result = reportResult(report, { json, csv, text });
  await notify(config.reportTopicArn, options.clients?.sns, result, summary);
  logger.info('Report written', { outcome: result.outcome, counts: result.counts, location: json });
  return result;
}

/**
 * The notification is a courtesy: the report is already stored, and failing the step now would
 * hide the migration's own outcome behind a notification error.
 */
async function notify(
  topicArn: string | undefined,
  sns: (() => SNSClient) | undefined,
  result: ReportResult,
  summary: string,
): Promise<void> {
  if (topicArn === undefined) return;
  if (sns === undefined) {
    logger.warn('REPORT_TOPIC_ARN is set, but no SNS client is wired for reports: not notified', {
      topicArn,
    });
    return;
  }
  try {
    await notifyReport(sns(), topicArn, result, summary);
  } catch (error) {
    logger.error('Report notification failed', { topicArn, error: describeError(error) });
  }
}

/** What deploys: reports to REPORT_DIR or the REPORT_BUCKET, notifying REPORT_TOPIC_ARN. */
export const handler = lambdaHandler((event: ReportEvent) =>
  writeReport(event, currentTime(), { clients: { s3: s3Client, sns: snsClient } }),
);
