/**
 * Retention rules: a copy must expire exactly when its source would have, never earlier and
 * never "never" (DESIGN invariant 5).
 *
 * AWS facts relied on: copies keep the SOURCE's creation date and `DeleteAfterDays` counts from
 * it; a copy without a Lifecycle (or with `DeleteAfterDays: -1`) inherits the source's expiry;
 * `DeleteAfterDays` must be at least `MoveToColdStorageAfterDays + 90`; `DeleteAfterEvent` is not
 * valid as an input; copies whose retention is outside a locked destination vault's
 * Min/MaxRetentionDays fail.
 */
import type { Lifecycle, RecoveryPointByBackupVault } from '@aws-sdk/client-backup';

export const DAY_MS = 86_400_000;

/** AWS Backup keeps a recovery point at least this long in cold storage. */
export const MIN_COLD_STORAGE_DAYS = 90;

type RetentionFields = Pick<RecoveryPointByBackupVault, 'CreationDate' | 'CalculatedLifecycle' | 'Lifecycle'>;

/** The Lifecycle to pass to StartCopyJob, and what the copy's expiry will be. */
export interface CopyLifecycle {
  /**
   * Lifecycle for StartCopyJob. Undefined means "pass none": the copy then inherits the
   * source's retention, which is how a source kept forever gives a copy kept forever.
   */
  readonly lifecycle: Lifecycle | undefined;
  /** When the copy will expire; undefined when it is kept forever. */
  readonly expiresAt: Date | undefined;
  /** Adjustments made, in words for the report (e.g. cold storage dropped). */
  readonly notes: readonly string[];
}

/** Whole days from `from` to `to`, rounded up: a copy may outlive its source by < 1 day, never die before it. */
export function wholeDaysCeil(from: Date, to: Date): number {
  return Math.ceil((to.getTime() - from.getTime()) / DAY_MS);
}

/** Whether a Lifecycle keeps a recovery point forever. */
export function keepsForever(lifecycle: Lifecycle | undefined): boolean {
  const days = lifecycle?.DeleteAfterDays;
  return days === undefined || days === null || days < 0;
}

/** When a recovery point created at `creationDate` expires under `lifecycle`; undefined = never. */
export function expiresAt(creationDate: Date, lifecycle: Lifecycle | undefined): Date | undefined {
  if (keepsForever(lifecycle)) {
    return undefined;
  }
  return new Date(creationDate.getTime() + (lifecycle?.DeleteAfterDays ?? 0) * DAY_MS);
}

/** The source's own expiry: `CalculatedLifecycle.DeleteAt`, else creation + `Lifecycle.DeleteAfterDays`. */
export function sourceExpiresAt(recoveryPoint: RetentionFields): Date | undefined {
  const deleteAt = recoveryPoint.CalculatedLifecycle?.DeleteAt;
  if (deleteAt !== undefined) {
    return deleteAt;
  }
  if (recoveryPoint.CreationDate !== undefined) {
    return expiresAt(recoveryPoint.CreationDate, recoveryPoint.Lifecycle);
  }
  return undefined;
}

/**
 * How a copy's expiry compares with its source's: the one retention rule that verification, the
 * report and retirement all read (DESIGN invariant 5: the same, never earlier, never "never").
 * UNKNOWN: the source is gone and cannot be compared.
 */
export type RetentionOutcome = 'KEPT' | 'SHORTENED' | 'NEVER_EXPIRES' | 'LENGTHENED' | 'UNKNOWN';

/**
 * Compares a copy's expiry with its source's (undefined: kept forever). Copies are rounded up to
 * whole days, so a copy outliving its source by less than a day keeps the retention.
 */
export function compareRetention(
  sourceExpiry: Date | undefined | 'UNKNOWN',
  copyExpiry: Date | undefined,
): RetentionOutcome {
  if (sourceExpiry === 'UNKNOWN') return 'UNKNOWN';
  if (copyExpiry === undefined) return sourceExpiry === undefined ? 'KEPT' : 'NEVER_EXPIRES';
  if (sourceExpiry === undefined || copyExpiry.getTime() < sourceExpiry.getTime()) return 'SHORTENED';
  return copyExpiry.getTime() - sourceExpiry.getTime() >= DAY_MS ? 'LENGTHENED' : 'KEPT';
}

/** {@link compareRetention} of two recovery points as AWS lists them. */
export function copyRetention(source: RetentionFields, copy: RetentionFields): RetentionOutcome {
  return compareRetention(sourceExpiresAt(source), sourceExpiresAt(copy));
}

/** Invariant 5 held: the copy expires when its source would have, or later; not earlier, not never. */
export function retentionKept(outcome: RetentionOutcome): boolean {
  return outcome === 'KEPT' || outcome === 'LENGTHENED';
}

/**
 * Whether retiring the source loses nothing: its copy lasts at least as long as the source would
 * have (a copy kept forever does, though it breaks invariant 5, which verification reports).
 */
export function copyOutlivesSource(source: RetentionFields, copy: RetentionFields): boolean {
  const outcome = copyRetention(source, copy);
  return retentionKept(outcome) || outcome === 'NEVER_EXPIRES';
}

/**
 * Whether the source is still bound for cold storage: its Lifecycle names a transition that has
 * not happened yet. (A recovery point already in cold storage cannot be copied at all.)
 */
function pendingColdStorageDays(recoveryPoint: RetentionFields, now: Date): number | undefined {
  const days = recoveryPoint.Lifecycle?.MoveToColdStorageAfterDays;
  if (days === undefined || days === null || days < 0) {
    return undefined;
  }
  const moveAt =
    recoveryPoint.CalculatedLifecycle?.MoveToColdStorageAt ??
    (recoveryPoint.CreationDate ? new Date(recoveryPoint.CreationDate.getTime() + days * DAY_MS) : undefined);
  if (moveAt !== undefined && moveAt.getTime() <= now.getTime()) {
    return undefined;
  }
  return days;
}

/**
 * The Lifecycle for copying `recoveryPoint` so that the copy expires when the source would:
 * - source with an expiry: `DeleteAfterDays` = whole days from its creation date to its
 *   `DeleteAt`, rounded up (at least 1);
 * - source kept forever: no `DeleteAfterDays` (and no Lifecycle at all unless cold storage or
 *   archive opt-in must be carried), so the copy is kept forever too;
 * - `MoveToColdStorageAfterDays` only while the source still has a pending transition, and only
 *   if `DeleteAfterDays >= MoveToColdStorageAfterDays + 90` holds (otherwise it is dropped and
 *   a note says so);
 * - `OptInToArchiveForSupportedResources` when the source has it; `DeleteAfterEvent` never.
 */
export function copyLifecycleFor(recoveryPoint: RetentionFields, now: Date): CopyLifecycle {
  const notes: string[] = [];
  const creationDate = recoveryPoint.CreationDate;
  const deleteAt = sourceExpiresAt(recoveryPoint);

  let deleteAfterDays: number | undefined;
  if (deleteAt !== undefined) {
    if (creationDate === undefined) {
      // Without the creation date the days cannot be counted; no Lifecycle makes AWS carry the
      // source's own expiry over to the copy.
      notes.push('Source has no CreationDate: the copy inherits the source expiry (no Lifecycle passed).');
      return { lifecycle: undefined, expiresAt: deleteAt, notes };
    }
    deleteAfterDays = Math.max(1, wholeDaysCeil(creationDate, deleteAt));
  }

  let coldDays = pendingColdStorageDays(recoveryPoint, now);
  if (
    coldDays !== undefined &&
    deleteAfterDays !== undefined &&
    deleteAfterDays < coldDays + MIN_COLD_STORAGE_DAYS
  ) {
    notes.push(
      `Cold storage after ${coldDays} days dropped: the copy expires after ${deleteAfterDays} days, ` +
        `less than the ${MIN_COLD_STORAGE_DAYS} days AWS requires in cold storage.`,
    );
    coldDays = undefined;
  }

  const lifecycle: Lifecycle = {};
  if (coldDays !== undefined) {
    lifecycle.MoveToColdStorageAfterDays = coldDays;
  }
  if (deleteAfterDays !== undefined) {
    lifecycle.DeleteAfterDays = deleteAfterDays;
  }
  if (recoveryPoint.Lifecycle?.OptInToArchiveForSupportedResources !== undefined) {
    lifecycle.OptInToArchiveForSupportedResources =
      recoveryPoint.Lifecycle.OptInToArchiveForSupportedResources;
  }

  const copyExpiresAt = creationDate === undefined ? undefined : expiresAt(creationDate, lifecycle);
  return {
    lifecycle: Object.keys(lifecycle).length === 0 ? undefined : lifecycle,
    expiresAt: copyExpiresAt,
    notes,
  };
}

/** Vault lock retention bounds of a destination vault (DescribeBackupVault Min/MaxRetentionDays). */
export interface VaultLockBounds {
  readonly minRetentionDays?: number | undefined;
  readonly maxRetentionDays?: number | undefined;
}

/**
 * Why a copy with `lifecycle` would be refused by a vault locked with `bounds`, or null when
 * it fits. Retention is the copy's `DeleteAfterDays`; a copy kept forever breaks any maximum.
 */
export function checkVaultLockBounds(
  lifecycle: Lifecycle | undefined,
  bounds: VaultLockBounds,
): string | null {
  const { minRetentionDays, maxRetentionDays } = bounds;
  if (keepsForever(lifecycle)) {
    return maxRetentionDays === undefined
      ? null
      : `Kept forever, but the target vault lock allows at most ${maxRetentionDays} days of retention.`;
  }
  const days = lifecycle?.DeleteAfterDays ?? 0;
  if (minRetentionDays !== undefined && days < minRetentionDays) {
    return `Retention of ${days} days is below the target vault lock minimum of ${minRetentionDays} days.`;
  }
  if (maxRetentionDays !== undefined && days > maxRetentionDays) {
    return `Retention of ${days} days is above the target vault lock maximum of ${maxRetentionDays} days.`;
  }
  return null;
}

/**
 * The Lifecycle that retires a verified source recovery point `afterDays` from `now` instead of
 * deleting it (UpdateRecoveryPointLifecycle), or null when nothing needs changing because the
 * source already expires by then. Never lengthens retention; keeps the 90-day cold-storage rule
 * (a pending transition that no longer fits is dropped, one already made stretches the expiry to
 * its 90-day minimum).
 */
export function retirementLifecycleFor(
  recoveryPoint: RetentionFields,
  now: Date,
  afterDays: number,
): Lifecycle | null {
  const creationDate = recoveryPoint.CreationDate;
  if (creationDate === undefined) {
    return null;
  }
  const retireAt = new Date(now.getTime() + afterDays * DAY_MS);
  const currentExpiry = sourceExpiresAt(recoveryPoint);
  if (currentExpiry !== undefined && currentExpiry.getTime() <= retireAt.getTime()) {
    return null;
  }

  let deleteAfterDays = Math.max(1, wholeDaysCeil(creationDate, retireAt));
  const lifecycle: Lifecycle = {};
  const coldDays = recoveryPoint.Lifecycle?.MoveToColdStorageAfterDays;
  if (coldDays !== undefined && coldDays !== null && coldDays >= 0) {
    const pending = pendingColdStorageDays(recoveryPoint, now) !== undefined;
    if (!pending) {
      deleteAfterDays = Math.max(deleteAfterDays, coldDays + MIN_COLD_STORAGE_DAYS);
      lifecycle.MoveToColdStorageAfterDays = coldDays;
    } else if (deleteAfterDays >= coldDays + MIN_COLD_STORAGE_DAYS) {
      lifecycle.MoveToColdStorageAfterDays = coldDays;
    }
  }
  if (currentExpiry !== undefined) {
    // Stretching to the cold-storage minimum must still never outlast the current expiry.
    const currentDays = Math.max(1, wholeDaysCeil(creationDate, currentExpiry));
    if (deleteAfterDays >= currentDays) {
      return null;
    }
  }
  lifecycle.DeleteAfterDays = deleteAfterDays;
  if (recoveryPoint.Lifecycle?.OptInToArchiveForSupportedResources !== undefined) {
    lifecycle.OptInToArchiveForSupportedResources =
      recoveryPoint.Lifecycle.OptInToArchiveForSupportedResources;
  }
  return lifecycle;
}
