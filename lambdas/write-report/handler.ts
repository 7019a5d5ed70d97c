/**
 * Report (DESIGN step 8): whatever the execution reached, read AWS Backup (source vault, target
 * vault, copy jobs into the target) and write the per-recovery-point report, its CSV and a summary,
 * then return a short execution output with where they are. Failures come through here too, before
 * the execution fails with its named error.
 */
import {
  type BackupClient,
  paginateListCopyJobs,
  paginateListRecoveryPointsByBackupVault,
} from '@aws-sdk/client-backup';
import type { SNSClient } from '@aws-sdk/client-sns';
import { z } from 'zod';
import { backupClient, s3Client, snsClient } from '#shared/clients.ts';
import { currentTime } from '#shared/clock.ts';
import { readConfig } from '#shared/config.ts';
import type { Migration, ReportEvent, ReportResult } from '#shared/contracts.ts';
import { describeError, isAwsError, isVaultNotFound } from '#shared/errors.ts';
import { lambdaHandler } from '#shared/handler.ts';
import { PAGE_SIZE } from '#shared/ledger.ts';
import { logger } from '#shared/logger.ts';
import { MigrationSchema, parseEvent } from '#shared/schemas.ts';
import { classifySourceRecoveryPoints } from '#shared/source-listing.ts';
import type { EncryptionByResourceType } from './by-type.ts';
import { notifyReport } from './notify.ts';
import { ResourcePartitions, type ScratchFile } from './partitions.ts';
import { readBackUnlistedCopies } from './read-back.ts';
import {
  buildRows,
  csvHeader,
  csvLine,
  decideOutcome,
  type ReportCounts,
  type ReportHead,
  RowTally,
  readableCause,
  reportJsonRow,
  reportJsonStream,
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

/** What AWS Backup said of the vaults while the listings were spilled (the rows are in the partitions). */
interface AwsView {
  sourceExists: boolean | null;
  targetExists: boolean | null;
  readErrors: string[];
}

/**
 * Lists the source, the target and the copy jobs into the target into the partitions (the source
 * beside the other two). Only reads, and never fails the report: a read that fails is named in
 * `readErrors` and the report says the rows may be partial.
 */
async function spillAws(
  client: BackupClient,
  migration: Migration,
  now: Date,
  partitions: ResourcePartitions,
): Promise<AwsView> {
  const view: AwsView = { sourceExists: null, targetExists: null, readErrors: [] };
  const readSource = async () => {
    try {
      for await (const classified of classifySourceRecoveryPoints(client, {
        sourceVaultName: migration.sourceVaultName,
        targetKeyArn: migration.kmsKeyArn,
        targetVaultLock: migration.targetVaultLock,
        now,
      })) {
        await partitions.addSource(classified);
      }
      view.sourceExists = true;
    } catch (error) {
      if (isAwsError(error, 'SourceVaultNotFound')) view.sourceExists = false;
      else view.readErrors.push(`source vault ${migration.sourceVaultName}: ${describeError(error)}`);
    }
  };
  const readTarget = async () => {
    try {
      const pages = paginateListRecoveryPointsByBackupVault(
        { client, pageSize: PAGE_SIZE },
        { BackupVaultName: migration.targetVaultName, MaxResults: PAGE_SIZE },
      );
      for await (const page of pages) {
        for (const recoveryPoint of page.RecoveryPoints ?? []) {
          await partitions.addTargetRecoveryPoint(recoveryPoint);
        }
      }
      view.targetExists = true;
    } catch (error) {
      if (isVaultNotFound(error)) view.targetExists = false;
      else view.readErrors.push(`target vault ${migration.targetVaultName}: ${describeError(error)}`);
    }
  };
  const readCopyJobs = async () => {
    try {
      const pages = paginateListCopyJobs(
        { client, pageSize: PAGE_SIZE },
        { ByDestinationVaultArn: migration.targetVaultArn, MaxResults: PAGE_SIZE },
      );
      for await (const page of pages) {
        for (const job of page.CopyJobs ?? []) await partitions.addCopyJob(job);
      }
    } catch (error) {
      view.readErrors.push(`copy jobs into ${migration.targetVaultName}: ${describeError(error)}`);
    }
  };
  // No target, no copy jobs into it worth asking for.
  await Promise.all([
    readSource(),
    readTarget().then(() => (view.targetExists === false ? undefined : readCopyJobs())),
  ]);
  return view;
}

/** What the rows add up to, once every partition is written. */
interface RowsWritten {
  counts: ReportCounts;
  encryptionByResourceType: EncryptionByResourceType;
  rows: number;
  targetRecoveryPoints: number;
}

/**
 * Joins each partition into rows and writes them as they are built: to the CSV, and to the rows of
 * report.json (a scratch file, since report.json opens with the counts the rows add up to).
 * Copies the target's listing does not show yet are read back partition by partition.
 */
async function writeRows(
  client: BackupClient,
  migration: Migration,
  partitions: ResourcePartitions,
  view: AwsView,
  out: { csv: ScratchFile; json: ScratchFile },
): Promise<RowsWritten> {
  const tally = new RowTally();
  let rows = 0;
  let targetRecoveryPoints = 0;
  let readBackFailed = view.targetExists === false;
  await out.csv.write(csvHeader());
  for await (const partition of partitions.partitions()) {
    if (!readBackFailed && partition.copyJobs.length > 0) {
      try {
        partition.targetRecoveryPoints.push(
          ...(await readBackUnlistedCopies(
            client,
            migration.targetVaultName,
            partition.targetRecoveryPoints,
            partition.copyJobs,
          )),
        );
      } catch (error) {
        readBackFailed = true;
        view.readErrors.push(`copies into ${migration.targetVaultName}: ${describeError(error)}`);
      }
    }
    targetRecoveryPoints += partition.targetRecoveryPoints.length;
    for (const row of buildRows({ migration, ...partition })) {
      tally.add(row);
      await out.csv.write(csvLine(row));
      await out.json.write(reportJsonRow(row, rows === 0));
      rows++;
    }
  }
  return {
    counts: tally.result(targetRecoveryPoints),
    encryptionByResourceType: tally.byType,
    rows,
    targetRecoveryPoints,
  };
}

const NO_AWS_VIEW: AwsView = { sourceExists: null, targetExists: null, readErrors: [] };

const NO_ROWS: RowsWritten = {
  counts: summarizeRows([]),
  encryptionByResourceType: {},
  rows: 0,
  targetRecoveryPoints: 0,
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

/** Assembles the report, without its rows, from the state, the AWS view and what the rows add up to. */
function assemble(event: ParsedReportEvent, view: AwsView, written: RowsWritten, now: Date): ReportHead {
  const { migration } = event;
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
    counts: written.counts,
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
    encryptionByResourceType: written.encryptionByResourceType,
  };
}

/** Where the report goes and the clients to send it with; by default, as configured. */
export interface WriteReportOptions {
  sink?: ReportSink;
  /** Where the listings are spilled while the report is joined (default: the OS's, /tmp on Lambda). */
  scratchDirectory?: string;
  /** How many partitions the listings are spread over (default PARTITIONS; 1 joins them all at once). */
  partitions?: number;
  /** Told, once the report is stored, how the join went: the most records one partition held. */
  observe?: (stats: { rows: number; largestPartition: number; partitions: number }) => void;
  /** S3 for REPORT_BUCKET, SNS for REPORT_TOPIC_ARN (the handler passes the shared clients). */
  clients?: ReportClients & { sns?: () => SNSClient };
}

/**
 * Writes `<vault>/<executionId>/report.json`, `report.csv` and `summary.txt`, streaming the rows (memory
 * holds one partition of the listings, see partitions.ts, and a few upload parts), notifies REPORT_TOPIC_ARN
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
  const partitions = await ResourcePartitions.open(options.scratchDirectory, options.partitions);
  try {
    const csv = await partitions.scratch('report.csv');
    const rows = await partitions.scratch('rows');
    let view = NO_AWS_VIEW;
    let written = NO_ROWS;
    if (event.migration) {
      const client = backupClient();
      view = await spillAws(client, event.migration, now, partitions);
      written = await writeRows(client, event.migration, partitions, view, { csv, json: rows });
      if (partitions.unkeyed > 0) {
        view.readErrors.push(
          `${partitions.unkeyed} copy jobs or copies in ${event.migration.targetVaultName} had no ResourceArn: ` +
            'their rows may show them apart from their source',
        );
      }
    } else {
      await csv.write(csvHeader());
    }
    const report = assemble(event, view, written, now);
    const summary = summaryText(report);

    const folder = reportFolder(report.executionId, report.sourceVault.name);
    const location = {
      json: await destination.put(
        `${folder}/report.json`,
        reportJsonStream(report, rows.read(), written.rows > 0),
        'application/json',
      ),
      csv: await destination.put(`${folder}/report.csv`, csv.read(), 'text/csv'),
      text: await destination.put(`${folder}/summary.txt`, [summary], 'text/plain'),
    };
    const result = reportResult(report, location);
    options.observe?.({
      rows: written.rows,
      largestPartition: partitions.largestPartition,
      partitions: partitions.count,
    });
    await notify(config.reportTopicArn, options.clients?.sns, result, summary);
    logger.info('Report written', {
      outcome: result.outcome,
      counts: result.counts,
      location: location.json,
      rows: written.rows,
      largestPartition: partitions.largestPartition,
    });
    return result;
  } finally {
    await partitions.close();
  }
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
