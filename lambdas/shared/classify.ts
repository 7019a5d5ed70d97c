/**
 * Classification of a source recovery point: copy it (with which Lifecycle, expecting which
 * encryption) or skip it, and why. Used by the dry run, the copy loop and the verification
 * alike, so that all three agree on what "everything that can be copied" means.
 */
import type { Lifecycle, RecoveryPointByBackupVault, StorageClass } from '@aws-sdk/client-backup';
import { type EncryptionOutcome, type PredictedEncryption, predictCopyEncryption } from './encryption.ts';
import { isContinuousRecoveryPointArn, recoveryPointTraits } from './resource-types.ts';
import {
  checkVaultLockBounds,
  copyLifecycleFor,
  sourceExpiresAt,
  type VaultLockBounds,
} from './retention.ts';

/**
 * A recovery point as listed by ListRecoveryPointsByBackupVault; `StorageClass` is only returned
 * by DescribeRecoveryPoint, so it is optional here.
 */
export type SourceRecoveryPoint = RecoveryPointByBackupVault & { StorageClass?: StorageClass | undefined };

export const SKIP_REASONS = [
  'NOT_COMPLETED',
  'COLD_STORAGE',
  'CONTINUOUS_BACKUP',
  'COPY_NOT_SUPPORTED',
  'COMPOSITE_CHILD',
  'ALREADY_EXPIRED',
  'RETENTION_OUTSIDE_VAULT_LOCK',
] as const;

export type SkipReason = (typeof SKIP_REASONS)[number];

/**
 * Statuses of a finished snapshot recovery point. AWS documents `AVAILABLE` as "the backup was
 * successfully created" next to the long-standing `COMPLETED`, so both count as finished; the
 * verification must accept a copy in either.
 */
export const FINISHED_STATUSES: readonly string[] = Object.freeze(['COMPLETED', 'AVAILABLE']);

export function isFinishedStatus(status: string | undefined): boolean {
  return status !== undefined && FINISHED_STATUSES.includes(status);
}

export interface ClassificationContext {
  /** ARN of the target vault's key (resolved, not an alias). */
  readonly targetKeyArn: string;
  readonly now: Date;
  /** The target vault's lock bounds, when it is locked. */
  readonly targetVaultLock?: VaultLockBounds | undefined;
  /** Whether a composite parent is in the source vault (its children are then copied with it). */
  readonly isParentInVault: (parentRecoveryPointArn: string) => boolean;
}

interface ClassificationBase {
  readonly recoveryPointArn: string;
  readonly resourceType: string | undefined;
  readonly bytes: number;
}

export interface CopyableRecoveryPoint extends ClassificationBase {
  readonly copyable: true;
  /** Lifecycle for StartCopyJob; undefined = pass none (the copy inherits the source's, kept forever). */
  readonly lifecycle: Lifecycle | undefined;
  /** When the copy will expire; undefined = kept forever. */
  readonly expiresAt: Date | undefined;
  readonly predictedEncryption: PredictedEncryption;
  /** Retention adjustments and uncertainties, for the report. */
  readonly notes: readonly string[];
}

export interface SkippedRecoveryPoint extends ClassificationBase {
  readonly copyable: false;
  readonly reason: SkipReason;
  readonly detail: string;
}

export type Classification = CopyableRecoveryPoint | SkippedRecoveryPoint;

/**
 * Classifies one source recovery point. The first rule that applies decides:
 * 1. CONTINUOUS_BACKUP: the ARN has a `recovery-point:continuous:` segment (StartCopyJob does not
 *    take continuous backups; their status is AVAILABLE or STOPPED, so this comes first);
 * 2. NOT_COMPLETED: status other than COMPLETED/AVAILABLE (PARTIAL, CREATING, DELETING, EXPIRED,
 *    STOPPED, or none);
 * 3. ALREADY_EXPIRED: its DeleteAt has passed (AWS is about to delete it);
 * 4. COLD_STORAGE: StorageClass COLD or DELETED, or, when StorageClass was not reported, a passed
 *    MoveToColdStorageAt for a type that can be in cold storage;
 * 5. COMPOSITE_CHILD: a nested recovery point whose parent is in the vault (copied with it);
 * 6. COPY_NOT_SUPPORTED: AWS Backup cannot copy this type (see resource-types.ts);
 * 7. RETENTION_OUTSIDE_VAULT_LOCK: its copy's retention breaks the target vault lock's bounds.
 */
export function classifyRecoveryPoint(
  recoveryPoint: SourceRecoveryPoint,
  context: ClassificationContext,
): Classification {
  const base: ClassificationBase = {
    recoveryPointArn: recoveryPoint.RecoveryPointArn ?? '',
    resourceType: recoveryPoint.ResourceType,
    bytes: recoveryPoint.BackupSizeInBytes ?? 0,
  };
  const skip = (reason: SkipReason, detail: string): SkippedRecoveryPoint => ({
    ...base,
    copyable: false,
    reason,
    detail,
  });
  const now = context.now.getTime();

  if (isContinuousRecoveryPointArn(recoveryPoint.RecoveryPointArn)) {
    return skip(
      'CONTINUOUS_BACKUP',
      'Continuous (point-in-time) backup: StartCopyJob does not copy continuous backups; ' +
        'the repointed backup plan creates new ones in the target vault.',
    );
  }

  if (!isFinishedStatus(recoveryPoint.Status)) {
    const status = recoveryPoint.Status ?? '(none)';
    const why =
      status === 'EXPIRED'
        ? ': its retention has passed but AWS Backup could not delete it'
        : status === 'PARTIAL'
          ? ': a composite backup with nested recovery points missing'
          : '';
    return skip('NOT_COMPLETED', `Status ${status}${why}.`);
  }

  const deleteAt = sourceExpiresAt(recoveryPoint);
  if (deleteAt !== undefined && deleteAt.getTime() <= now) {
    return skip('ALREADY_EXPIRED', `Expired at ${deleteAt.toISOString()}.`);
  }

  const traits = recoveryPointTraits(recoveryPoint);
  if (recoveryPoint.StorageClass === 'COLD' || recoveryPoint.StorageClass === 'DELETED') {
    return skip(
      'COLD_STORAGE',
      `Storage class ${recoveryPoint.StorageClass}: cold-tier backups cannot be copied.`,
    );
  }
  const moveToColdAt = recoveryPoint.CalculatedLifecycle?.MoveToColdStorageAt;
  if (
    recoveryPoint.StorageClass === undefined &&
    traits.coldStorage &&
    moveToColdAt !== undefined &&
    moveToColdAt.getTime() <= now
  ) {
    return skip(
      'COLD_STORAGE',
      `Moved to cold storage at ${moveToColdAt.toISOString()}: cold-tier backups cannot be copied.`,
    );
  }

  const parentArn = recoveryPoint.ParentRecoveryPointArn;
  if (parentArn !== undefined && parentArn !== '' && context.isParentInVault(parentArn)) {
    return skip('COMPOSITE_CHILD', `Nested in composite recovery point ${parentArn}, copied with it.`);
  }

  if (traits.copySupport === 'NOT_SUPPORTED') {
    return skip(
      'COPY_NOT_SUPPORTED',
      traits.note ?? `AWS Backup cannot copy ${base.resourceType ?? 'this'} backups.`,
    );
  }

  const retention = copyLifecycleFor(recoveryPoint, context.now);
  if (context.targetVaultLock !== undefined) {
    const outside = checkVaultLockBounds(retention.lifecycle, context.targetVaultLock);
    if (outside !== null) {
      return skip('RETENTION_OUTSIDE_VAULT_LOCK', outside);
    }
  }

  const notes = [...retention.notes];
  if (traits.note !== undefined) {
    notes.push(traits.note);
  }
  return {
    ...base,
    copyable: true,
    lifecycle: retention.lifecycle,
    expiresAt: retention.expiresAt,
    predictedEncryption: predictCopyEncryption(recoveryPoint, context.targetKeyArn),
    notes,
  };
}

export interface Tally {
  count: number;
  bytes: number;
}

export interface ClassificationSummary {
  readonly total: Tally;
  readonly copyable: Tally;
  readonly skipped: Tally;
  readonly bySkipReason: Record<SkipReason, Tally>;
  /** Copyable recovery points by the encryption their copies are predicted to get. */
  readonly byPredictedEncryption: Record<EncryptionOutcome, Tally>;
}

const ENCRYPTION_OUTCOMES: readonly EncryptionOutcome[] = ['TARGET_KEY', 'SOURCE_KEY', 'UNENCRYPTED'];

function tallies<K extends string>(keys: readonly K[]): Record<K, Tally> {
  return Object.fromEntries(keys.map((key) => [key, { count: 0, bytes: 0 }])) as Record<K, Tally>;
}

function add(tally: Tally, bytes: number): void {
  tally.count += 1;
  tally.bytes += bytes;
}

/** Totals of classifications: counts and bytes (BackupSizeInBytes), by skip reason and by predicted encryption. */
export function summarize(classifications: Iterable<Classification>): ClassificationSummary {
  const summary: ClassificationSummary = {
    total: { count: 0, bytes: 0 },
    copyable: { count: 0, bytes: 0 },
    skipped: { count: 0, bytes: 0 },
    bySkipReason: tallies(SKIP_REASONS),
    byPredictedEncryption: tallies(ENCRYPTION_OUTCOMES),
  };
  for (const classification of classifications) {
    add(summary.total, classification.bytes);
    if (classification.copyable) {
      add(summary.copyable, classification.bytes);
      add(summary.byPredictedEncryption[classification.predictedEncryption.outcome], classification.bytes);
    } else {
      add(summary.skipped, classification.bytes);
      add(summary.bySkipReason[classification.reason], classification.bytes);
    }
  }
  return summary;
}
