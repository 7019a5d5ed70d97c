/**
 * The dry run's plan: what a migration of the source vault would copy, skip and touch. Pure: the
 * handler feeds it classified recovery points and backup plans read from AWS Backup.
 *
 * The plan travels through Step Functions state (256 KiB per state), so whatever the vault's size
 * it holds counts, a bounded sample and a bounded list of plan references, never one entry per
 * recovery point: the per-recovery-point detail is re-read from AWS for the report's CSV.
 */
import type { BackupPlan } from '@aws-sdk/client-backup';
import { type Classification, SKIP_REASONS, type SkipReason } from '#shared/classify.ts';
import type { EncryptionOutcome } from '#shared/encryption.ts';
import type { ClassifiedRecoveryPoint } from '#shared/source-listing.ts';

/** Example classifications carried in the plan. */
export const SAMPLE_SIZE = 20;

/** Plan rule references carried in the plan; `backupPlanRuleCount` has the full count. */
export const MAX_PLAN_REFERENCES = 25;

/**
 * Copy throughput assumed per copy job. AWS publishes none; EBS copies into a vault with another
 * key are full copies, so this is deliberately modest.
 */
export const ASSUMED_BYTES_PER_HOUR_PER_COPY = 50 * 1024 ** 3;

/** Fixed time assumed per copy job (queueing, snapshot setup, completion), whatever its size. */
export const ASSUMED_MINUTES_PER_COPY_JOB = 10;

export interface PlanRuleReference {
  backupPlanId: string;
  backupPlanName: string;
  ruleName: string;
  /** TARGET: the rule backs up into the source; COPY_ACTION: it copies into the source. */
  kind: 'TARGET' | 'COPY_ACTION';
}

export interface SourceReferences {
  /** At most {@link MAX_PLAN_REFERENCES} entries. */
  backupPlanRules: PlanRuleReference[];
  /** Every rule reference found, also those beyond the list's cap. */
  backupPlanRuleCount: number;
  notifications: boolean;
  accessPolicy: boolean;
}

export interface PlanSampleEntry {
  recoveryPointArn: string;
  resourceType: string | null;
  copyable: boolean;
  /** Why it is skipped (skipped recovery points only). */
  reason?: SkipReason;
  /** Where the copy's encryption is predicted to come from (copyable recovery points only). */
  predictedEncryption?: EncryptionOutcome;
}

export interface CopyEstimate {
  /** Always true: no AWS API says how long a copy takes. */
  isEstimate: true;
  assumedBytesPerHourPerCopy: number;
  assumedMinutesPerCopyJob: number;
  concurrency: number;
  /** Copies of one resource run one at a time: the longest such chain, in hours. */
  longestResourceChainHours: number;
  basis: string;
}

/** Output of the dry run, at `$.plan`. */
export interface MigrationPlan {
  recoveryPoints: number;
  copyable: number;
  skipped: Record<SkipReason, number>;
  predictedEncryption: Record<EncryptionOutcome, number>;
  bytesToCopy: number;
  bytesTotal: number;
  /** An estimate; see `estimate` for how it is made. */
  estimatedCopyHours: number;
  estimate: CopyEstimate;
  references: SourceReferences;
  newestRecoveryPoint?: string;
  oldestRecoveryPoint?: string;
  sample: PlanSampleEntry[];
}

function zeroCounts<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;
}

/** Details (skip explanations, retention notes) stay out of the plan: the report's CSV has them. */
function sampleEntry(classification: Classification): PlanSampleEntry {
  return classification.copyable
    ? {
        recoveryPointArn: classification.recoveryPointArn,
        resourceType: classification.resourceType ?? null,
        copyable: true,
        predictedEncryption: classification.predictedEncryption.outcome,
      }
    : {
        recoveryPointArn: classification.recoveryPointArn,
        resourceType: classification.resourceType ?? null,
        copyable: false,
        reason: classification.reason,
      };
}

function category(classification: Classification): string {
  return classification.copyable
    ? `copy:${classification.predictedEncryption.outcome}`
    : `skip:${classification.reason}`;
}

/** Hours that `copyJobs` copies of `bytes` in all take one after another, under the assumptions above. */
export function serialCopyHours(copyJobs: number, bytes: number): number {
  return (copyJobs * ASSUMED_MINUTES_PER_COPY_JOB) / 60 + bytes / ASSUMED_BYTES_PER_HOUR_PER_COPY;
}

function roundUpHours(hours: number): number {
  return Math.ceil(hours * 100) / 100;
}

/**
 * Hours to copy everything: the larger of (a) all the copy work spread over `concurrency` jobs and
 * (b) the longest run of copies of a single resource, which AWS runs one at a time.
 */
export function estimateCopyHours(input: {
  copyJobs: number;
  bytesToCopy: number;
  concurrency: number;
  /** Largest copy work for one resource: its recovery points and their bytes. */
  longestResourceChain: { copyJobs: number; bytes: number };
}): { hours: number; longestResourceChainHours: number } {
  const concurrency = Math.max(1, Math.min(input.concurrency, input.copyJobs));
  const spread = serialCopyHours(input.copyJobs, input.bytesToCopy) / concurrency;
  const chain = serialCopyHours(input.longestResourceChain.copyJobs, input.longestResourceChain.bytes);
  return { hours: roundUpHours(Math.max(spread, chain)), longestResourceChainHours: roundUpHours(chain) };
}

/**
 * Rules of `plan` that send backups to the source vault: rules whose target is the source
 * (by name) and copy actions whose destination is the source (by ARN).
 */
export function findSourceReferences(
  backupPlanId: string,
  plan: BackupPlan,
  sourceVaultName: string,
  sourceVaultArn: string,
): PlanRuleReference[] {
  const backupPlanName = plan.BackupPlanName ?? '';
  const references: PlanRuleReference[] = [];
  for (const rule of plan.Rules ?? []) {
    const ruleName = rule.RuleName ?? '';
    if (rule.TargetBackupVaultName === sourceVaultName) {
      references.push({ backupPlanId, backupPlanName, ruleName, kind: 'TARGET' });
    }
    if ((rule.CopyActions ?? []).some((action) => action.DestinationBackupVaultArn === sourceVaultArn)) {
      references.push({ backupPlanId, backupPlanName, ruleName, kind: 'COPY_ACTION' });
    }
  }
  return references;
}

/** Adds up classified recovery points into a {@link MigrationPlan} with memory bounded by resources, not recovery points. */
export class PlanBuilder {
  private recoveryPoints = 0;
  private copyable = 0;
  private readonly skipped = zeroCounts(SKIP_REASONS);
  private readonly predictedEncryption = zeroCounts<EncryptionOutcome>([
    'TARGET_KEY',
    'SOURCE_KEY',
    'UNENCRYPTED',
  ]);
  private bytesToCopy = 0;
  private bytesTotal = 0;
  private newest: number | undefined;
  private oldest: number | undefined;
  /** The first example of each outcome, so the sample shows every kind found. */
  private readonly firstOfCategory = new Map<string, PlanSampleEntry>();
  private readonly fillers: PlanSampleEntry[] = [];
  /** Copy work per resource (copies of one resource run one at a time). */
  private readonly perResource = new Map<string, { copyJobs: number; bytes: number }>();

  add({ recoveryPoint, classification }: ClassifiedRecoveryPoint): void {
    this.recoveryPoints += 1;
    this.bytesTotal += classification.bytes;
    const created = recoveryPoint.CreationDate?.getTime();
    if (created !== undefined && !Number.isNaN(created)) {
      this.newest = this.newest === undefined ? created : Math.max(this.newest, created);
      this.oldest = this.oldest === undefined ? created : Math.min(this.oldest, created);
    }
    if (classification.copyable) {
      this.copyable += 1;
      this.bytesToCopy += classification.bytes;
      this.predictedEncryption[classification.predictedEncryption.outcome] += 1;
      const resource = recoveryPoint.ResourceArn ?? classification.recoveryPointArn;
      const work = this.perResource.get(resource) ?? { copyJobs: 0, bytes: 0 };
      work.copyJobs += 1;
      work.bytes += classification.bytes;
      this.perResource.set(resource, work);
    } else {
      this.skipped[classification.reason] += 1;
    }
    const key = category(classification);
    if (!this.firstOfCategory.has(key)) {
      this.firstOfCategory.set(key, sampleEntry(classification));
    } else if (this.fillers.length < SAMPLE_SIZE) {
      this.fillers.push(sampleEntry(classification));
    }
  }

  build(references: SourceReferences, maxConcurrentCopies: number): MigrationPlan {
    let longest = { copyJobs: 0, bytes: 0 };
    for (const work of this.perResource.values()) {
      if (serialCopyHours(work.copyJobs, work.bytes) > serialCopyHours(longest.copyJobs, longest.bytes)) {
        longest = work;
      }
    }
    const concurrency = Math.max(1, Math.min(maxConcurrentCopies, this.copyable));
    const estimate = estimateCopyHours({
      copyJobs: this.copyable,
      bytesToCopy: this.bytesToCopy,
      concurrency: maxConcurrentCopies,
      longestResourceChain: longest,
    });
    const plan: MigrationPlan = {
      recoveryPoints: this.recoveryPoints,
      copyable: this.copyable,
      skipped: { ...this.skipped },
      predictedEncryption: { ...this.predictedEncryption },
      bytesToCopy: this.bytesToCopy,
      bytesTotal: this.bytesTotal,
      estimatedCopyHours: estimate.hours,
      estimate: {
        isEstimate: true,
        assumedBytesPerHourPerCopy: ASSUMED_BYTES_PER_HOUR_PER_COPY,
        assumedMinutesPerCopyJob: ASSUMED_MINUTES_PER_COPY_JOB,
        concurrency,
        longestResourceChainHours: estimate.longestResourceChainHours,
        basis:
          `Estimate, not a measurement: each copy job assumed to take ${ASSUMED_MINUTES_PER_COPY_JOB} minutes ` +
          `plus its size at ${ASSUMED_BYTES_PER_HOUR_PER_COPY / 1024 ** 3} GiB per hour, ${concurrency} jobs at once, ` +
          'and never less than the longest run of copies of one resource (AWS copies a resource one job at a time).',
      },
      references,
      sample: [...this.firstOfCategory.values(), ...this.fillers].slice(0, SAMPLE_SIZE),
    };
    if (this.newest !== undefined) plan.newestRecoveryPoint = new Date(this.newest).toISOString();
    if (this.oldest !== undefined) plan.oldestRecoveryPoint = new Date(this.oldest).toISOString();
    return plan;
  }
}
