/**
 * The migration report, free of AWS clients: one row per source recovery point (built from what
 * AWS Backup holds now, not from the execution state), the totals, the outcome, the CSV and the
 * human-readable summary.
 *
 * DESIGN invariant 4 ("honest encryption"): each copy's encryption is what AWS reports for that
 * copy (`describeActualEncryption`), and the summary says plainly that copies of types AWS Backup
 * does not fully manage keep their source's key or stay unencrypted.
 */

import type { CopyJob, RecoveryPointByBackupVault } from '@aws-sdk/client-backup';
import { stringify } from 'csv-stringify/sync';
import {
  type CopyableRecoveryPoint,
  isFinishedStatus,
  type SkippedRecoveryPoint,
  type SkipReason,
} from '#shared/classify.ts';
import type {
  EncryptionTally,
  Migration,
  MigrationOutcome,
  PlanRepointResult,
  ReportResult,
  RetirementState,
  VerificationState,
} from '#shared/contracts.ts';
import {
  type ActualEncryptionOutcome,
  describeActualEncryption,
  type EncryptionOutcome,
} from '#shared/encryption.ts';
import { copyKey } from '#shared/ledger.ts';
import { recoveryPointTraits } from '#shared/resource-types.ts';
import { compareRetention, type RetentionOutcome, sourceExpiresAt } from '#shared/retention.ts';

export { compareRetention, type RetentionOutcome };

import type { ListedRecoveryPoint } from '#shared/source-listing.ts';
import { countEncryptionByType, type EncryptionByResourceType } from './by-type.ts';

/** A source recovery point as listed, with its classification (see shared/source-listing.ts). */
export interface ClassifiedSource {
  recoveryPoint: Omit<ListedRecoveryPoint, 'ParentRecoveryPointArn' | 'StorageClass'>;
  classification: ReportClassification;
}

/** What a row says of a classification: whether it is copyable, and why not or with what key. */
export type ReportClassification =
  | (Pick<CopyableRecoveryPoint, 'copyable' | 'recoveryPointArn' | 'notes'> & {
      readonly predictedEncryption: Pick<
        CopyableRecoveryPoint['predictedEncryption'],
        'outcome' | 'confidence'
      >;
    })
  | Pick<SkippedRecoveryPoint, 'copyable' | 'recoveryPointArn' | 'reason' | 'detail'>;

/** What became of one source recovery point. */
export type RowOutcome =
  | 'COPIED'
  | 'NOT_COPIED'
  | 'COPY_FAILED'
  | 'COPY_IN_PROGRESS'
  | 'SKIPPED'
  | 'WOULD_COPY'
  | 'WOULD_SKIP'
  | 'NOT_NEEDED';

/** One recovery point of the report. `null`: not known or not applicable (an empty CSV cell). */
export interface ReportRow {
  recoveryPointArn: string;
  outcome: RowOutcome;
  resourceType: string | null;
  resourceArn: string | null;
  creationDate: string | null;
  sizeBytes: number | null;
  /** Status in the source vault now; GONE when it is no longer there (retired, or expired). */
  sourceStatus: string;
  sourceEncrypted: boolean | null;
  sourceKeyArn: string | null;
  /** ISO date, NEVER, or null when unknown (source gone). */
  sourceExpiresAt: string | null;
  /** COPYABLE or the skip reason (a source gone from the vault had a copy job: COPYABLE). */
  classification: 'COPYABLE' | SkipReason;
  detail: string | null;
  predictedEncryption: EncryptionOutcome | null;
  /** `unconfirmed`: a prediction AWS does not document (same-Region copies of types it does not fully manage). */
  predictionConfidence: 'documented' | 'unconfirmed' | null;
  copyJobId: string | null;
  copyJobState: string | null;
  copyJobs: number;
  copyFailure: string | null;
  copyRecoveryPointArn: string | null;
  copyStatus: string | null;
  copyEncryption: ActualEncryptionOutcome | null;
  copyKeyArn: string | null;
  copyExpiresAt: string | null;
  retention: RetentionOutcome | null;
}

/** CSV columns: every field of a row, in this order. */
export const REPORT_COLUMNS: readonly (keyof ReportRow)[] = Object.freeze([
  'recoveryPointArn',
  'outcome',
  'resourceType',
  'resourceArn',
  'creationDate',
  'sizeBytes',
  'sourceStatus',
  'sourceEncrypted',
  'sourceKeyArn',
  'sourceExpiresAt',
  'classification',
  'detail',
  'predictedEncryption',
  'copyJobId',
  'copyJobState',
  'copyJobs',
  'copyFailure',
  'copyRecoveryPointArn',
  'copyStatus',
  'copyEncryption',
  'copyKeyArn',
  'copyExpiresAt',
  'retention',
  'predictionConfidence',
]);

export type ReportCopyJob = Pick<
  CopyJob,
  | 'CopyJobId'
  | 'State'
  | 'StatusMessage'
  | 'SourceRecoveryPointArn'
  | 'SourceBackupVaultArn'
  | 'DestinationRecoveryPointArn'
  | 'DestinationEncryptionKeyArn'
  | 'CreationDate'
  | 'ResourceArn'
  | 'ResourceType'
  | 'BackupSizeInBytes'
>;

export type TargetRecoveryPoint = Pick<
  RecoveryPointByBackupVault,
  | 'RecoveryPointArn'
  | 'ResourceArn'
  | 'Status'
  | 'IsEncrypted'
  | 'EncryptionKeyArn'
  | 'CreationDate'
  | 'Lifecycle'
  | 'CalculatedLifecycle'
>;

export interface RowInputs {
  migration: Pick<Migration, 'sourceVaultArn' | 'kmsKeyArn' | 'dryRun' | 'status'>;
  /** The source vault's recovery points, classified (empty when the vault is gone). */
  sources: readonly ClassifiedSource[];
  targetRecoveryPoints: readonly TargetRecoveryPoint[];
  /** Copy jobs into the target vault, any state. */
  copyJobs: readonly ReportCopyJob[];
}

const DATE_NEVER = 'NEVER';

function iso(date: Date | undefined): string | null {
  return date === undefined ? null : date.toISOString();
}

/** Expiry of a recovery point for the report: ISO date, NEVER, or null without a creation date. */
function expiryText(recoveryPoint: Parameters<typeof sourceExpiresAt>[0]): string | null {
  const expiry = sourceExpiresAt(recoveryPoint);
  if (expiry !== undefined) return expiry.toISOString();
  return recoveryPoint.CreationDate === undefined ? null : DATE_NEVER;
}

const IN_FLIGHT_STATES: readonly string[] = ['CREATED', 'RUNNING'];

/**
 * The copy job that tells what became of a source: a COMPLETED one whose copy is still in the
 * target, else one still running, else a COMPLETED one whose copy is gone, else the latest failure.
 */
export function pickCopyJob<T extends ReportCopyJob>(
  jobs: readonly T[],
  copyExists: (copyRecoveryPointArn: string) => boolean,
): T | undefined {
  const latestFirst = [...jobs].sort(
    (a, b) => (b.CreationDate?.getTime() ?? 0) - (a.CreationDate?.getTime() ?? 0),
  );
  return (
    latestFirst.find(
      (job) =>
        job.State === 'COMPLETED' &&
        job.DestinationRecoveryPointArn &&
        copyExists(job.DestinationRecoveryPointArn),
    ) ??
    latestFirst.find((job) => IN_FLIGHT_STATES.includes(job.State ?? '')) ??
    latestFirst.find((job) => job.State === 'COMPLETED') ??
    latestFirst[0]
  );
}

function rowOutcome(
  migration: RowInputs['migration'],
  copyable: boolean | null,
  copied: boolean,
  jobState: string | null,
): RowOutcome {
  if (copied) return 'COPIED';
  if (migration.status === 'ALREADY_COMPLIANT') return 'NOT_NEEDED';
  if (migration.dryRun) return copyable === false ? 'WOULD_SKIP' : 'WOULD_COPY';
  if (copyable === false) return 'SKIPPED';
  if (jobState !== null && IN_FLIGHT_STATES.includes(jobState)) return 'COPY_IN_PROGRESS';
  if (jobState === 'FAILED' || jobState === 'PARTIAL') return 'COPY_FAILED';
  return 'NOT_COPIED';
}

/**
 * One row per source recovery point: those in the source vault now, then those known only from a
 * copy job (the source was retired, or expired), in the order AWS listed them.
 */
export function buildRows({ migration, sources, targetRecoveryPoints, copyJobs }: RowInputs): ReportRow[] {
  const targetByArn = new Map(
    targetRecoveryPoints.flatMap((rp) => (rp.RecoveryPointArn ? [[rp.RecoveryPointArn, rp] as const] : [])),
  );
  const jobsBySource = new Map<string, ReportCopyJob[]>();
  for (const job of copyJobs) {
    const source = job.SourceRecoveryPointArn;
    if (!source) continue;
    if (job.SourceBackupVaultArn !== undefined && job.SourceBackupVaultArn !== migration.sourceVaultArn)
      continue;
    jobsBySource.set(source, [...(jobsBySource.get(source) ?? []), job]);
  }

  // A copy keeps its source's resource and creation date: the target vault's recovery points are
  // the ledger that outlives copy-job history (AWS lists jobs for a limited time).
  const sourceKeys = new Map<string, number>();
  for (const { recoveryPoint } of sources) {
    if (!recoveryPoint.ResourceArn || !recoveryPoint.CreationDate) continue;
    sourceKeys.set(copyKey(recoveryPoint), (sourceKeys.get(copyKey(recoveryPoint)) ?? 0) + 1);
  }
  const targetByKey = new Map<string, TargetRecoveryPoint[]>();
  for (const recoveryPoint of targetRecoveryPoints) {
    if (!recoveryPoint.ResourceArn || !recoveryPoint.CreationDate) continue;
    const key = copyKey(recoveryPoint);
    targetByKey.set(key, [...(targetByKey.get(key) ?? []), recoveryPoint]);
  }

  const findCopy = (arn: string, source?: ClassifiedSource['recoveryPoint']) => {
    const jobs = jobsBySource.get(arn) ?? [];
    const job = pickCopyJob(jobs, (copyArn) => targetByArn.has(copyArn));
    const byJob = job?.DestinationRecoveryPointArn
      ? targetByArn.get(job.DestinationRecoveryPointArn)
      : undefined;
    if (byJob || !source?.ResourceArn || !source.CreationDate) return { jobs, job, copy: byJob };
    // No job names a copy that is still there: look for a finished copy itself, when no other
    // source shares the resource and creation date (it could be that one's copy).
    const key = copyKey(source);
    const copy =
      (sourceKeys.get(key) ?? 0) === 1
        ? (targetByKey.get(key) ?? []).find((candidate) => isFinishedStatus(candidate.Status))
        : undefined;
    if (!copy) return { jobs, job, copy: byJob };
    return { jobs, job: undefined, copy, copyArn: copy.RecoveryPointArn };
  };

  const copyFields = (
    { jobs, job, copy, copyArn }: ReturnType<typeof findCopy>,
    sourceExpiry: Date | undefined | 'UNKNOWN',
    sourceKeyArn: string | undefined,
  ) => {
    // The copy as read back; when AWS names no key for it, the copy job's DestinationEncryptionKeyArn.
    const readBack =
      copy && !copy.EncryptionKeyArn && copy.IsEncrypted !== false && job?.DestinationEncryptionKeyArn
        ? { ...copy, EncryptionKeyArn: job.DestinationEncryptionKeyArn }
        : copy;
    const encryption = readBack
      ? describeActualEncryption(readBack, migration.kmsKeyArn, sourceKeyArn)
      : undefined;
    return {
      copyJobId: job?.CopyJobId ?? null,
      copyJobState: job?.State ?? null,
      copyJobs: jobs.length,
      copyFailure: job?.State === 'FAILED' || job?.State === 'PARTIAL' ? (job.StatusMessage ?? null) : null,
      copyRecoveryPointArn: job?.DestinationRecoveryPointArn ?? copyArn ?? null,
      copyStatus: copy ? (copy.Status ?? null) : job?.DestinationRecoveryPointArn ? 'GONE' : null,
      copyEncryption: encryption?.outcome ?? null,
      copyKeyArn: encryption?.keyArn ?? null,
      copyExpiresAt: copy ? expiryText(copy) : null,
      retention: copy ? compareRetention(sourceExpiry, sourceExpiresAt(copy)) : null,
    };
  };

  const rows: ReportRow[] = [];
  const seen = new Set<string>();
  for (const { recoveryPoint, classification } of sources) {
    const arn = recoveryPoint.RecoveryPointArn ?? classification.recoveryPointArn;
    seen.add(arn);
    const sourceKeyArn = recoveryPoint.EncryptionKeyArn || undefined;
    const found = findCopy(arn, recoveryPoint);
    const copied = found.copy !== undefined && isFinishedStatus(found.copy.Status);
    rows.push({
      recoveryPointArn: arn,
      outcome: rowOutcome(migration, classification.copyable, copied, found.job?.State ?? null),
      resourceType: recoveryPoint.ResourceType ?? null,
      resourceArn: recoveryPoint.ResourceArn ?? null,
      creationDate: iso(recoveryPoint.CreationDate),
      sizeBytes: recoveryPoint.BackupSizeInBytes ?? null,
      sourceStatus: recoveryPoint.Status ?? '(none)',
      sourceEncrypted: recoveryPoint.IsEncrypted ?? null,
      sourceKeyArn: sourceKeyArn ?? null,
      sourceExpiresAt: expiryText(recoveryPoint),
      classification: classification.copyable ? 'COPYABLE' : classification.reason,
      detail: classification.copyable ? classification.notes.join(' ') || null : classification.detail,
      predictedEncryption: classification.copyable ? classification.predictedEncryption.outcome : null,
      predictionConfidence: classification.copyable ? classification.predictedEncryption.confidence : null,
      ...copyFields(found, sourceExpiresAt(recoveryPoint), sourceKeyArn),
    });
  }

  for (const [arn, jobs] of jobsBySource) {
    if (seen.has(arn)) continue;
    const found = findCopy(arn);
    const { job, copy } = found;
    const first = job ?? jobs[0];
    const copied = copy !== undefined && isFinishedStatus(copy.Status);
    // The source's key can no longer be read. For a type AWS Backup does not fully manage, a copy
    // keeps its source's key (the seed's table), so a copy key other than the target's is the source's.
    const keptSourceKey =
      copy?.EncryptionKeyArn &&
      !recoveryPointTraits({ RecoveryPointArn: copy.RecoveryPointArn, ResourceType: first?.ResourceType })
        .fullyManaged
        ? copy.EncryptionKeyArn
        : undefined;
    rows.push({
      recoveryPointArn: arn,
      outcome: rowOutcome(migration, true, copied, job?.State ?? null),
      resourceType: first?.ResourceType ?? null,
      resourceArn: first?.ResourceArn ?? null,
      // A copy keeps its source's creation date.
      creationDate: iso(copy?.CreationDate),
      sizeBytes: first?.BackupSizeInBytes ?? null,
      sourceStatus: 'GONE',
      sourceEncrypted: null,
      sourceKeyArn: null,
      sourceExpiresAt: null,
      // A copy job was started for it: the migration judged it copyable.
      classification: 'COPYABLE',
      detail:
        'No longer in the source vault: known from its copy job.' +
        (keptSourceKey
          ? " Its key is taken to be its copy's, since AWS keeps the source key for this type."
          : ''),
      predictedEncryption: null,
      predictionConfidence: null,
      ...copyFields(found, 'UNKNOWN', keptSourceKey),
    });
  }
  return rows;
}

export interface ReportCounts {
  recoveryPoints: number;
  inSourceVault: number;
  sourceGone: number;
  copyable: number;
  skipped: number;
  skippedByReason: Partial<Record<SkipReason, number>>;
  copied: number;
  notCopied: number;
  copyFailed: number;
  copyInProgress: number;
  /** Actual encryption of the copies that exist and are finished. */
  copyEncryption: EncryptionTally;
  /** Dry runs: predicted encryption of the copies to be made. */
  predictedEncryption: Record<EncryptionOutcome, number>;
  /** Of the predictions, those AWS does not document (UNCONFIRMED in AWS-FACTS). */
  predictedUnconfirmed?: number;
  retention: Record<RetentionOutcome, number>;
  /** Recovery points in the target vault not made by this migration's copy jobs (new backups). */
  targetOther: number;
}

function emptyCounts(): ReportCounts {
  return {
    recoveryPoints: 0,
    inSourceVault: 0,
    sourceGone: 0,
    copyable: 0,
    skipped: 0,
    skippedByReason: {},
    copied: 0,
    notCopied: 0,
    copyFailed: 0,
    copyInProgress: 0,
    copyEncryption: { TARGET_KEY: 0, SOURCE_KEY: 0, UNENCRYPTED: 0, OTHER_KEY: 0, UNKNOWN: 0 },
    predictedEncryption: { TARGET_KEY: 0, SOURCE_KEY: 0, UNENCRYPTED: 0 },
    predictedUnconfirmed: 0,
    retention: { KEPT: 0, SHORTENED: 0, NEVER_EXPIRES: 0, LENGTHENED: 0, UNKNOWN: 0 },
    targetOther: 0,
  };
}

/**
 * The counts, a row at a time: the report writes each row as it is built, so nothing waits for
 * (or holds) every row.
 */
export class RowTally {
  private readonly counts = emptyCounts();
  private copiesInTarget = 0;
  readonly byType: EncryptionByResourceType = {};

  add(row: ReportRow): void {
    const { counts } = this;
    counts.recoveryPoints++;
    if (row.sourceStatus === 'GONE') counts.sourceGone++;
    else counts.inSourceVault++;
    if (row.classification === 'COPYABLE') {
      counts.copyable++;
      if (row.predictedEncryption) counts.predictedEncryption[row.predictedEncryption]++;
      if (row.predictionConfidence === 'unconfirmed')
        counts.predictedUnconfirmed = (counts.predictedUnconfirmed ?? 0) + 1;
    } else {
      counts.skipped++;
      counts.skippedByReason[row.classification] = (counts.skippedByReason[row.classification] ?? 0) + 1;
    }
    if (row.copyStatus !== null && row.copyStatus !== 'GONE') this.copiesInTarget++;
    if (row.outcome === 'COPIED') {
      counts.copied++;
      if (row.copyEncryption) counts.copyEncryption[row.copyEncryption]++;
      if (row.retention) counts.retention[row.retention]++;
    } else if (row.outcome === 'NOT_COPIED') counts.notCopied++;
    else if (row.outcome === 'COPY_FAILED') counts.copyFailed++;
    else if (row.outcome === 'COPY_IN_PROGRESS') counts.copyInProgress++;
    countEncryptionByType(this.byType, row);
  }

  /** The counts so far; `targetRecoveryPoints` is how many recovery points the target vault holds. */
  result(targetRecoveryPoints = 0): ReportCounts {
    return structuredClone({
      ...this.counts,
      targetOther: Math.max(0, targetRecoveryPoints - this.copiesInTarget),
    });
  }
}

export function summarizeRows(rows: Iterable<ReportRow>, targetRecoveryPoints = 0): ReportCounts {
  const tally = new RowTally();
  for (const row of rows) tally.add(row);
  return tally.result(targetRecoveryPoints);
}

/** The parts of the execution state the outcome depends on. */
export interface OutcomeInputs {
  migration?: Pick<Migration, 'status' | 'dryRun' | 'deleteSourceVault'> | null | undefined;
  verification?: Pick<VerificationState, 'done' | 'missing'> | null | undefined;
  retirement?: Pick<RetirementState, 'vaultDeleted'> | null | undefined;
  error?: { Error: string } | null | undefined;
}

/**
 * FAILED when an error reached the report (or nothing did); then ALREADY_COMPLIANT, DRY_RUN;
 * INCOMPLETE while verification is missing copies (or never finished); with deletion asked,
 * MIGRATED_SOURCE_RETIRED once the vault is gone, else MIGRATED_SOURCE_KEPT; else MIGRATED.
 */
export function decideOutcome({
  migration,
  verification,
  retirement,
  error,
}: OutcomeInputs): MigrationOutcome {
  if (error || !migration) return 'FAILED';
  if (migration.status === 'ALREADY_COMPLIANT') return 'ALREADY_COMPLIANT';
  if (migration.dryRun) return 'DRY_RUN';
  if (!verification?.done || verification.missing > 0) return 'INCOMPLETE';
  if (migration.deleteSourceVault) {
    return retirement?.vaultDeleted ? 'MIGRATED_SOURCE_RETIRED' : 'MIGRATED_SOURCE_KEPT';
  }
  return 'MIGRATED';
}

/**
 * One CSV cell, as csvRecord writes it (below): quoted when it holds a comma, a quote or a line
 * break; text a spreadsheet would run as a formula gets a leading apostrophe.
 */
export function csvEscape(value: CsvValue): string {
  return csvRecord([value]).slice(0, -CRLF.length);
}

/** A CSV cell's value: text, a number, a flag, or nothing. */
export type CsvValue = string | number | boolean | null | undefined;

const CRLF = '\r\n';

/**
 * csv-stringify does the quoting (RFC 4180: commas, quotes, any line break) and defuses formulas
 * (`escape_formulas`: text starting with = + - @, a tab or a carriage return, or their full-width
 * forms, gets a leading '); flags are written as true and false, not its default 1 and empty.
 */
const CSV_OPTIONS = {
  escape_formulas: true,
  record_delimiter: 'windows',
  // With a record delimiter named, csv-stringify would quote only a whole CRLF: a lone line feed or
  // carriage return in a value must be quoted too, or a reader splitting lines breaks the row.
  quote_record_delimiter: true,
  cast: { boolean: (value: boolean) => String(value) },
} as const;

/** One CSV line of values, CRLF-terminated. */
export function csvRecord(values: readonly CsvValue[]): string {
  return stringify([values as CsvValue[]], CSV_OPTIONS);
}

/** The CSV's header line, CRLF line ends as RFC 4180 has them. */
export function csvHeader(): string {
  return csvRecord(REPORT_COLUMNS);
}

/** One row of the CSV. */
export function csvLine(row: ReportRow): string {
  return csvRecord(REPORT_COLUMNS.map((column) => row[column]));
}

/** The CSV file, line by line: a header and one line per row. */
export function* csvLines(rows: Iterable<ReportRow>): Generator<string> {
  yield csvHeader();
  for (const row of rows) yield csvLine(row);
}

export function toCsv(rows: Iterable<ReportRow>): string {
  return [...csvLines(rows)].join('');
}

/**
 * report.json around its rows: the report without them, up to the opening of the
 * `recoveryPoints` array, and what closes the array and the report.
 */
function reportJsonFrame(head: ReportHead, hasRows: boolean): { opening: string; closing: string } {
  const text = JSON.stringify({ ...head, recoveryPoints: [] }, null, 2);
  // Splice the rows into the empty array the head ends with.
  return { opening: text.slice(0, text.lastIndexOf('[') + 1), closing: `${hasRows ? '\n  ' : ''}]\n}\n` };
}

/** One row of report.json's `recoveryPoints`, as written after the one before it (if any). */
export function reportJsonRow(row: ReportRow, first: boolean): string {
  return `${first ? '' : ','}\n    ${JSON.stringify(row)}`;
}

/** report.json in pieces: the report without its rows, then the rows one per line. */
export function* reportJsonChunks(report: Report): Generator<string> {
  const { recoveryPoints, ...head } = report;
  const { opening, closing } = reportJsonFrame(head, recoveryPoints.length > 0);
  yield opening;
  let first = true;
  for (const row of recoveryPoints) {
    yield reportJsonRow(row, first);
    first = false;
  }
  yield closing;
}

/**
 * report.json from its head and its rows already written as {@link reportJsonRow} wrote them (a
 * file streamed back): the rows never need to be in memory together.
 */
export async function* reportJsonStream(
  head: ReportHead,
  rows: AsyncIterable<string>,
  hasRows: boolean,
): AsyncGenerator<string> {
  const { opening, closing } = reportJsonFrame(head, hasRows);
  yield opening;
  yield* rows;
  yield closing;
}

/** The full report, as written to report.json (rows included) and summarized in summary.txt. */
export interface Report extends ReportHead {
  recoveryPoints: ReportRow[];
}

/** The report without its rows: what summary.txt, the headline and the execution output read. */
export interface ReportHead {
  reportVersion: 1;
  generatedAt: string;
  executionId: string;
  outcome: MigrationOutcome;
  sourceVault: { name: string | null; arn: string | null; keyArn: string | null; exists: boolean | null };
  targetVault: { name: string | null; arn: string | null; keyArn: string | null; exists: boolean | null };
  options: {
    deleteSourceVault: boolean | null;
    dryRun: boolean | null;
    retireAfterDays: number | null;
    maxConcurrentCopies: number | null;
  };
  startedAt: string | null;
  counts: ReportCounts;
  verification: Pick<
    VerificationState,
    'done' | 'missing' | 'verified' | 'sweep' | 'retentionShortened'
  > | null;
  planRepoint: Pick<
    PlanRepointResult,
    'plansExamined' | 'plansUpdated' | 'rulesRepointed' | 'copyActionsRepointed' | 'failures'
  > | null;
  retirement: Pick<
    RetirementState,
    'done' | 'deleted' | 'retiredWithExpiry' | 'kept' | 'keptSample' | 'vaultDeleted' | 'vaultKeptBecause'
  > | null;
  /** The dry run's plan as the state carried it (counts and samples only). */
  plan: unknown;
  /** The raw execution input, when the failure came before Prepare produced the migration. */
  input: unknown;
  error: { Error: string; Cause?: string } | null;
  /** AWS reads that failed: the rows may then be incomplete. */
  readErrors: string[];
  /** Encryption of the copies (dry run: predicted) per resource type; absent from older reports. */
  encryptionByResourceType?: EncryptionByResourceType;
}

const OUTCOME_TEXT: Readonly<Record<MigrationOutcome, string>> = Object.freeze({
  MIGRATED:
    'every copyable recovery point has a verified copy in the target vault; the source vault was kept as asked',
  MIGRATED_SOURCE_RETIRED:
    'every copyable recovery point has a verified copy in the target vault; the source vault was retired',
  MIGRATED_SOURCE_KEPT:
    'every copyable recovery point has a verified copy in the target vault, but the source vault was kept',
  ALREADY_COMPLIANT: 'the source vault already uses the requested key; nothing was done',
  DRY_RUN: 'dry run: nothing was changed; this is what a migration would do',
  INCOMPLETE: 'some copyable recovery points have no verified copy; the source vault was kept',
  FAILED: 'the migration stopped with an error',
});

const SKIP_TEXT: Readonly<Record<SkipReason, string>> = Object.freeze({
  NOT_COMPLETED: 'not completed',
  COLD_STORAGE: 'in cold storage',
  CONTINUOUS_BACKUP: 'continuous backups',
  COPY_NOT_SUPPORTED: 'type cannot be copied',
  COMPOSITE_CHILD: 'nested (copied with parent)',
  ALREADY_EXPIRED: 'already expired',
  RETENTION_OUTSIDE_VAULT_LOCK: 'outside target vault lock',
});

/** The seed's table, said plainly: what the new key does and does not cover. */
export function encryptionNote(
  keyArn: string | null,
  counts: Pick<ReportCounts, 'copied' | 'copyEncryption'>,
): string {
  const notTargetKey = counts.copied - counts.copyEncryption.TARGET_KEY;
  return [
    `The target vault is encrypted with ${keyArn ?? 'the requested key'}, so the vault passes checks such as`,
    "Prowler's backup_vaults_encrypted. That does not re-encrypt every backup in it: AWS Backup encrypts a",
    'copy with the target key only for the resource types it fully manages (S3, EFS, DynamoDB with advanced',
    'backup, VMware, Timestream, CloudFormation, SAP HANA on EC2). Copies of EBS, EC2, RDS, Aurora, DocumentDB,',
    'Neptune, Redshift, FSx, Storage Gateway and DynamoDB without advanced backup keep the key of their source',
    'recovery point, and copies of unencrypted ones stay unencrypted.',
    counts.copied === 0
      ? ''
      : `Here ${notTargetKey} of ${counts.copied} copies are not encrypted with the target key (per copy, as AWS Backup reports it).`,
  ]
    .filter((line) => line !== '')
    .join('\n');
}

function line(label: string, value: string | number): string {
  return `  ${`${label}:`.padEnd(34)}${value}`;
}

/** Why the source is where it is, in one sentence. */
export function sourceFate(
  report: Pick<ReportHead, 'options' | 'retirement' | 'outcome' | 'sourceVault'>,
): string {
  const { retirement, options } = report;
  if (report.outcome === 'DRY_RUN' || report.outcome === 'ALREADY_COMPLIANT') return 'untouched.';
  if (!options.deleteSourceVault) return 'kept (deleteSourceVault was not asked).';
  if (retirement === null) {
    return report.outcome === 'FAILED' || report.outcome === 'INCOMPLETE'
      ? 'kept: retirement did not run because the migration did not complete.'
      : 'kept: retirement did not run.';
  }
  if (retirement.vaultDeleted) {
    return `retired: ${retirement.deleted} recovery points deleted, then the vault.`;
  }
  const retired = retirement.retiredWithExpiry > 0 ? `${retirement.retiredWithExpiry} set to expire, ` : '';
  return `kept (${retired}${retirement.deleted} recovery points deleted): ${retirement.vaultKeptBecause ?? 'no reason recorded.'}`;
}

/** How many plan rules name the source, from the dry run's plan (`references.backupPlanRuleCount`). */
function planRuleReferences(plan: unknown): number | null {
  if (typeof plan !== 'object' || plan === null) return null;
  const references = (plan as { references?: { backupPlanRuleCount?: unknown } }).references;
  const count = references?.backupPlanRuleCount;
  return typeof count === 'number' ? count : null;
}

/** summary.txt: what an operator reads first. */
export function summaryText(report: ReportHead): string {
  const { counts, sourceVault, targetVault } = report;
  const out: string[] = [];
  out.push('Backup vault migration report', '=============================');
  out.push(
    line('Execution', `${report.executionId}${report.startedAt ? ` (started ${report.startedAt})` : ''}`),
  );
  out.push(line('Outcome', `${report.outcome}: ${OUTCOME_TEXT[report.outcome]}`));
  out.push(
    line(
      'Source vault',
      `${sourceVault.name ?? '(unknown)'} (${sourceVault.keyArn ? `key ${sourceVault.keyArn}` : 'no encryption key'})` +
        (sourceVault.exists === false ? ', no longer exists' : ''),
    ),
  );
  out.push(
    line(
      'Target vault',
      `${targetVault.name ?? '(none)'}${targetVault.keyArn ? `, key ${targetVault.keyArn}` : ''}` +
        (targetVault.exists === false ? ' (does not exist)' : ''),
    ),
  );
  if (report.error) {
    out.push(line('Error', `${report.error.Error}${report.error.Cause ? `: ${report.error.Cause}` : ''}`));
  }
  for (const readError of report.readErrors) out.push(line('Could not read', readError));

  if (counts.recoveryPoints > 0 || report.outcome !== 'FAILED') {
    out.push('', 'Recovery points');
    out.push(line('Source recovery points', counts.recoveryPoints));
    if (counts.sourceGone > 0) out.push(line('  no longer in the source vault', counts.sourceGone));
    out.push(line('Copyable', counts.copyable));
    out.push(line('Skipped (cannot be copied)', counts.skipped));
    for (const [reason, count] of Object.entries(counts.skippedByReason)) {
      out.push(line(`  ${SKIP_TEXT[reason as SkipReason] ?? reason}`, count));
    }
    if (report.outcome === 'DRY_RUN') {
      out.push(line('Copies predicted with target key', counts.predictedEncryption.TARGET_KEY));
      out.push(line('Copies predicted with source key', counts.predictedEncryption.SOURCE_KEY));
      out.push(line('Copies predicted unencrypted', counts.predictedEncryption.UNENCRYPTED));
      out.push(line('  of these, predictions AWS leaves unconfirmed', counts.predictedUnconfirmed ?? 0));
      out.push(
        '  (Predictions, not read back. Unconfirmed: whether a same-Region copy of a type AWS Backup does',
        '  not fully manage takes the target key or keeps its source key; the real run reports each copy as read back.)',
      );
    }
    if (report.outcome !== 'DRY_RUN' || counts.copied > 0)
      out.push(line('Copied and verified', counts.copied));
    if (counts.notCopied > 0) out.push(line('Not copied', counts.notCopied));
    if (counts.copyFailed > 0) out.push(line('Copy failed', counts.copyFailed));
    if (counts.copyInProgress > 0) out.push(line('Copy still running', counts.copyInProgress));
    if (counts.targetOther > 0) out.push(line('Other recovery points in target', counts.targetOther));

    if (counts.copied > 0) {
      out.push('', 'Encryption of the copies (as AWS Backup reports each one)');
      out.push(line('target key', counts.copyEncryption.TARGET_KEY));
      out.push(line("source recovery point's key", counts.copyEncryption.SOURCE_KEY));
      out.push(line('unencrypted', counts.copyEncryption.UNENCRYPTED));
      out.push(line('another key', counts.copyEncryption.OTHER_KEY));
      out.push(line('not reported', counts.copyEncryption.UNKNOWN));
      out.push('', 'Retention of the copies');
      out.push(line('expire with their source', counts.retention.KEPT));
      out.push(line('expire earlier (shortened)', counts.retention.SHORTENED));
      out.push(line('never expire, unlike the source', counts.retention.NEVER_EXPIRES));
      out.push(line('expire later', counts.retention.LENGTHENED));
      out.push(line('source gone, not compared', counts.retention.UNKNOWN));
      if (counts.retention.UNKNOWN > 0 && report.verification) {
        out.push(
          `  (Verification compared them while the sources existed: ${report.verification.retentionShortened} ` +
            'copies expired earlier than their source or never.)',
        );
      }
    }
    if (counts.copied > 0 || report.outcome === 'DRY_RUN') {
      out.push('', encryptionNote(targetVault.keyArn, counts));
    }
  }

  const { planRepoint } = report;
  out.push('');
  if (planRepoint) {
    out.push(
      `Backup plans: ${planRepoint.plansExamined} examined, ${planRepoint.plansUpdated} updated ` +
        `(rules now naming the target vault: ${planRepoint.rulesRepointed}, copy actions: ${planRepoint.copyActionsRepointed}).`,
    );
    for (const failure of planRepoint.failures) {
      out.push(`  NOT repointed: ${failure.backupPlanName ?? failure.backupPlanId}: ${failure.reason}`);
    }
  } else if (report.outcome === 'DRY_RUN') {
    const rules = planRuleReferences(report.plan);
    out.push(
      rules === null
        ? 'Backup plans: unchanged (dry run).'
        : `Backup plans: unchanged (dry run); ${rules} plan rules or copy actions name the source vault and would be repointed.`,
    );
  } else {
    out.push('Backup plans: not repointed.');
  }
  out.push(`Source vault: ${sourceFate(report)}`);
  return `${out.join('\n')}\n`;
}

/** Longest `summary` in the execution output. */
export const HEADLINE_MAX = 400;

/** The execution output's one-line summary. */
export function headline(
  report: Pick<ReportHead, 'outcome' | 'counts' | 'sourceVault' | 'targetVault' | 'error'>,
): string {
  const { counts } = report;
  const source = report.sourceVault.name ?? '(unknown vault)';
  let text: string;
  switch (report.outcome) {
    case 'FAILED':
      text = `${source}: failed with ${report.error?.Error ?? 'an unknown error'}; ${counts.copied} of ${counts.copyable} copyable recovery points have a verified copy.`;
      break;
    case 'ALREADY_COMPLIANT':
      text = `${source} already uses the requested key: nothing to do.`;
      break;
    case 'DRY_RUN':
      text = `${source}: dry run, ${counts.copyable} of ${counts.recoveryPoints} recovery points would be copied to ${report.targetVault.name}, ${counts.skipped} skipped.`;
      break;
    default:
      text =
        `${source} -> ${report.targetVault.name}: ${counts.copied} of ${counts.copyable} copyable recovery points copied and verified, ` +
        `${counts.skipped} skipped; copies with the target key: ${counts.copyEncryption.TARGET_KEY}, ` +
        `source key: ${counts.copyEncryption.SOURCE_KEY}, unencrypted: ${counts.copyEncryption.UNENCRYPTED}.`;
  }
  return text.length > HEADLINE_MAX ? `${text.slice(0, HEADLINE_MAX - 3)}...` : text;
}

/**
 * A Catch hands a Lambda failure over as `Cause` = the Lambda's JSON error (`errorType`,
 * `errorMessage`, `trace`); the message is what a reader needs. Any other cause is kept as is.
 */
export function readableCause(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed === 'object' && parsed !== null && typeof parsed.errorMessage === 'string') {
      return parsed.errorMessage;
    }
  } catch {
    // Not JSON: a Step Functions or service cause, already readable.
  }
  return cause;
}

/** Longest error Cause carried in the execution output (the report file has it whole). */
export const CAUSE_MAX = 1000;
/** Read errors carried in the execution output, and the length of each (the report has them all). */
const READ_ERRORS_IN_OUTPUT = 3;
const READ_ERROR_MAX = 500;

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** The execution's output: short whatever the vault's size (< 4 KiB). */
export function reportResult(
  report: ReportHead,
  reportLocation: ReportResult['reportLocation'],
): ReportResult {
  const { counts } = report;
  const result: ReportResult = {
    outcome: report.outcome,
    ...(report.sourceVault.name ? { sourceVaultName: report.sourceVault.name } : {}),
    ...(report.targetVault.name ? { targetVaultName: report.targetVault.name } : {}),
    summary: headline(report),
    reportLocation,
    counts: {
      recoveryPoints: counts.recoveryPoints,
      copyable: counts.copyable,
      copied: counts.copied,
      skipped: counts.skipped,
      notCopied: counts.notCopied + counts.copyFailed + counts.copyInProgress,
      copiesWithTargetKey: counts.copyEncryption.TARGET_KEY,
      copiesWithSourceKey: counts.copyEncryption.SOURCE_KEY,
      copiesUnencrypted: counts.copyEncryption.UNENCRYPTED,
      copiesWithOtherKey: counts.copyEncryption.OTHER_KEY + counts.copyEncryption.UNKNOWN,
      retentionShortened: counts.retention.SHORTENED + counts.retention.NEVER_EXPIRES,
      sourceRecoveryPointsDeleted: report.retirement?.deleted ?? 0,
      sourceRecoveryPointsKept: Object.values(report.retirement?.kept ?? {}).reduce(
        (sum, count) => sum + count,
        0,
      ),
      plansUpdated: report.planRepoint?.plansUpdated ?? 0,
    },
  };
  const keptBecause = report.retirement?.vaultKeptBecause;
  if (report.outcome === 'MIGRATED_SOURCE_KEPT' && keptBecause) {
    result.sourceVaultKeptBecause = shorten(keptBecause, CAUSE_MAX);
  }
  if (report.readErrors.length > 0) {
    result.reportReadErrors = report.readErrors
      .slice(0, READ_ERRORS_IN_OUTPUT)
      .map((readError) => shorten(readError, READ_ERROR_MAX));
  }
  if (report.error) {
    const cause = report.error.Cause;
    result.error = {
      Error: report.error.Error,
      ...(cause === undefined ? {} : { Cause: shorten(cause, CAUSE_MAX) }),
    };
  }
  return result;
}
