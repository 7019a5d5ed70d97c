/**
 * The decisions of the source retirement, free of AWS clients: whether this migration may delete
 * at all, whether everything must be kept, and what to do with each source recovery point.
 *
 * DESIGN invariant 1 ("nothing is lost") is enforced here: a recovery point is deleted (or retired
 * with an expiry) only when a copy of it, read back from the target vault in the same invocation,
 * is finished and does not expire before it. Everything else is kept with a reason.
 */
import type { CopyJob, RecoveryPointByBackupVault } from '@aws-sdk/client-backup';
import {
  type ClassificationContext,
  classifyRecoveryPoint,
  isFinishedStatus,
  type SkipReason,
  type SourceRecoveryPoint,
} from '#shared/classify.ts';
import type { Migration, RetirementState, VerificationState } from '#shared/contracts.ts';
import { copyOutlivesSource } from '#shared/retention.ts';

/** Bounds of one invocation and of the whole retirement. */
export const RETIREMENT_LIMITS = Object.freeze({
  /**
   * MaxResults of the source listing. One page is handled whole within one invocation (every
   * delete of the page is requested before the cursor moves), so kept recovery points are counted
   * exactly once; a page is therefore also the bound on deletions per invocation.
   */
  pageSize: 200,
  /** Deletions requested but not yet read back that the state may carry (ARNs: ~100 bytes each), children included. */
  maxPending: 400,
  /**
   * Pages of 1,000 the listing of a page's copies in the target may take before each recovery point
   * is read on its own instead. (The source's windows, twins and deletions, take one page: the
   * source changes under them while deletions finish.)
   */
  windowPages: 3,
  /** Pages one invocation may handle (pages with few deletions go quickly). */
  maxPagesPerInvocation: 10,
  /**
   * Passes over the source: a later pass picks up what a listing shifted by deletions missed,
   * recovery points busy with another action, and composite parents once their children are gone.
   */
  maxPasses: 4,
  /** Composite parents refused because of their children that the state may carry. */
  maxParentsRefused: 50,
  /** Twin copy keys the state may carry (each about 150 bytes). */
  maxTwinKeys: 50,
  /**
   * Seconds a deletion may stay DELETING before it counts as stuck (AWS-FACTS: deletions stuck in
   * DELETING are checked again after 2-3 days).
   */
  stuckDeletionSeconds: 3 * 24 * 3600,
  /** DeleteBackupVault calls (and read-backs) before the vault is kept. */
  maxVaultDeleteAttempts: 10,
  /** Recovery points named in `keptSample`. */
  sampleSize: 20,
  /** AWS calls in flight at once. */
  concurrency: 10,
});

/** Seconds to wait before the next invocation. */
export const RETIREMENT_WAITS = Object.freeze({
  /** More pages to handle now. */
  next: 0,
  /** Deletions are asynchronous (DELETING for minutes). */
  deletions: 60,
  /** DeleteBackupVault can fail with ERROR_9101 just after the vault was emptied. */
  vaultRetry: 30,
  /** Longest wait between read-backs of slow deletions (the wait doubles from `deletions`). */
  deletionsMax: 6 * 3600,
});

/** Seconds to wait for deletions after `waits` earlier consecutive waits: doubling, bounded. */
export function deletionWaitSeconds(waits: number): number {
  return Math.min(RETIREMENT_WAITS.deletions * 2 ** Math.min(waits, 20), RETIREMENT_WAITS.deletionsMax);
}

/** Why a source recovery point was kept. */
export type KeepReason =
  | SkipReason
  | 'NO_VERIFIED_COPY'
  | 'COPY_EXPIRES_EARLIER'
  | 'LEGAL_HOLD'
  | 'VAULT_LOCK'
  | 'DELETE_REFUSED'
  | 'DELETE_DID_NOT_TAKE'
  | 'DELETE_DENIED'
  | 'RESOURCE_BUSY'
  | 'COMPOSITE_HAS_CHILDREN'
  | 'DELETION_STUCK'
  | 'LIFECYCLE_UPDATE_REFUSED';

/** Short wording of each reason, for `vaultKeptBecause` and the report. */
export const KEEP_REASON_TEXT: Readonly<Record<KeepReason, string>> = Object.freeze({
  NOT_COMPLETED: 'not in a completed state',
  COLD_STORAGE: 'in cold storage (cannot be copied)',
  CONTINUOUS_BACKUP: 'continuous backups (cannot be copied)',
  COPY_NOT_SUPPORTED: 'of a type AWS Backup cannot copy',
  COMPOSITE_CHILD: 'nested in a composite recovery point',
  ALREADY_EXPIRED: 'already expired',
  RETENTION_OUTSIDE_VAULT_LOCK: "with a retention outside the target vault lock's bounds",
  NO_VERIFIED_COPY: 'without a completed copy in the target vault',
  COPY_EXPIRES_EARLIER: 'whose copy expires earlier than they do',
  LEGAL_HOLD:
    'under a legal hold (their copies in the target vault are not: legal holds do not travel with copies)',
  VAULT_LOCK: 'protected by the vault lock',
  DELETE_REFUSED: 'whose deletion AWS Backup refused',
  DELETE_DID_NOT_TAKE:
    'still there, EXPIRED, after DeleteRecoveryPoint answered 200 (AWS Backup does this when the caller lacks a ' +
    'permission, such as iam:CreateServiceLinkedRole for its service-linked role: DeleteRecoveryPoint API reference)',
  DELETE_DENIED:
    'whose deletion was denied (AccessDeniedException: a vault access policy or IAM policy denies it)',
  RESOURCE_BUSY: 'in use by another action on every attempt (InvalidResourceStateException)',
  COMPOSITE_HAS_CHILDREN: 'composite recovery points whose nested recovery points are still there',
  DELETION_STUCK: 'stuck in DELETING for days after DeleteRecoveryPoint',
  LIFECYCLE_UPDATE_REFUSED: 'whose lifecycle AWS Backup refused to change',
});

/**
 * The retirement's state between invocations, at `$.retirement`: the contract's fields plus the
 * progress this Lambda needs to resume (its size is bounded by `maxPending` ARNs).
 */
export interface RetirementProgress extends RetirementState {
  /** Pass over the source listing, from 1. */
  pass: number;
  /** Whether this pass has read the listing to its end. */
  listingDone: boolean;
  /**
   * Recovery points seen DELETING (our DeleteRecoveryPoint returned 200, or their composite parent
   * is being deleted) that were not yet read back.
   */
  pending: string[];
  /**
   * Composite children whose parent's DeleteRecoveryPoint returned 200: the parent takes them
   * along. Read back like `pending`, except that a child still there is left to the next pass
   * (the service may keep children of a deleted parent), not counted as a failed delete.
   */
  pendingWithParent: string[];
  /** When the oldest deletion still unconfirmed was seen DELETING (ISO), or null. */
  pendingSince: string | null;
  /**
   * Creation dates (ms) of the oldest and newest pending recovery point: deletions are read back
   * with one listing of that window rather than one DescribeRecoveryPoint each. UNDATED when the
   * window cannot speak for every pending point (one without a creation date, or points pending
   * from a state that had no window); null when nothing is pending.
   */
  pendingWindow: [number, number] | 'UNDATED' | null;
  /** Consecutive rounds that ended waiting for deletions (the wait doubles with each). */
  deletionWaits: number;
  /** Recovery points of this pass to try again on the next one (InvalidResourceStateException, composite parents). */
  retryLater: number;
  /** Composite parents refused because their nested recovery points are there: those are deleted on their own first. */
  parentsRefused: string[];
  /**
   * Copy keys (resource and creation date) seen shared by more than one source point. Once one of
   * the twins is deleted the other looks alone, yet the copy under that key may be the deleted
   * one's: for these keys only a copy job from the exact source proves a copy (invariant 1).
   */
  twinKeys: string[];
  /** More twin keys than the state may carry: no copy is proven by its key alone any more. */
  twinKeysOverflow: boolean;
}

export function initialProgress(): RetirementProgress {
  return {
    cursor: null,
    done: false,
    deleted: 0,
    retiredWithExpiry: 0,
    kept: {},
    keptSample: [],
    awaitingConfirmation: 0,
    vaultDeleted: false,
    vaultDeleteAttempts: 0,
    waitSeconds: 0,
    pass: 1,
    listingDone: false,
    pending: [],
    pendingWithParent: [],
    pendingSince: null,
    pendingWindow: null,
    deletionWaits: 0,
    retryLater: 0,
    parentsRefused: [],
    twinKeys: [],
    twinKeysOverflow: false,
  };
}

/** Why this migration may not delete anything (DeletionNotAllowed), or null. */
export function deletionRefusal(
  migration: Pick<Migration, 'executionId' | 'sourceVaultName' | 'deleteSourceVault' | 'dryRun' | 'status'>,
  allowSourceDeletion: boolean,
): string | null {
  if (!migration.deleteSourceVault) {
    return `Migration ${migration.executionId} did not ask to delete source vault ${migration.sourceVaultName} (deleteSourceVault is false)`;
  }
  if (!allowSourceDeletion) {
    return 'This deployment does not allow deleting source vaults (ALLOW_SOURCE_DELETION is not "true")';
  }
  if (migration.dryRun) {
    return 'A dry run changes nothing: the source vault is not deleted';
  }
  if (migration.status !== 'READY') {
    return `Source vault ${migration.sourceVaultName} is ${migration.status}: there is nothing to retire`;
  }
  return null;
}

/**
 * Why the whole source must be kept before any recovery point is looked at, or null: copies are
 * missing (deleting the verified ones would leave a vault half-migrated with nothing to show for
 * it), or a backup plan still names the source vault.
 */
export function reasonToKeepEverything(
  verification: Pick<VerificationState, 'done' | 'missing'>,
  planRepoint:
    | {
        failures: ReadonlyArray<{ backupPlanId: string; backupPlanName?: string | null; reason?: string }>;
      }
    | null
    | undefined,
): string | null {
  if (!verification.done) {
    return 'Verification has not finished: nothing is deleted before every copy is verified.';
  }
  if (verification.missing > 0) {
    return `${verification.missing} recovery points have no verified copy in the target vault.`;
  }
  if (planRepoint === null || planRepoint === undefined) {
    return 'No result of repointing the backup plans was passed: a plan may still name the source vault.';
  }
  if (planRepoint.failures.length > 0) {
    const names = planRepoint.failures.map((failure) => failure.backupPlanName ?? failure.backupPlanId);
    const first = planRepoint.failures[0]?.reason;
    return (
      `Backup plans still name the source vault (${names.join(', ')}): they could not be repointed` +
      (first ? ` (${first}).` : '.')
    );
  }
  return null;
}

/** What the listing says of a recovery point before its copy is looked up. */
export type ListingVerdict =
  /** DELETING: its deletion (ours, or its composite parent's) is under way. */
  | { kind: 'IN_PROGRESS' }
  /** A composite child whose parent is in the vault: deleting the parent deletes it. */
  | { kind: 'WITH_PARENT' }
  /** Finished: it may go once a copy is verified. */
  | { kind: 'NEEDS_COPY' }
  | { kind: 'KEEP'; reason: KeepReason; detail: string };

export function listingVerdict(
  recoveryPoint: SourceRecoveryPoint,
  parentInVault: boolean,
  context: ClassificationContext,
  parentRefused = false,
): ListingVerdict {
  if (recoveryPoint.Status === 'DELETING') {
    return { kind: 'IN_PROGRESS' };
  }
  // A parent AWS refused to delete while its children are there: the children go on their own first.
  if (recoveryPoint.ParentRecoveryPointArn && parentInVault && !parentRefused) {
    return { kind: 'WITH_PARENT' };
  }
  if (!isFinishedStatus(recoveryPoint.Status)) {
    const classification = classifyRecoveryPoint(recoveryPoint, { ...context, isParentInVault: () => false });
    return classification.copyable
      ? { kind: 'KEEP', reason: 'NOT_COMPLETED', detail: `Status ${recoveryPoint.Status ?? '(none)'}.` }
      : { kind: 'KEEP', reason: classification.reason, detail: classification.detail };
  }
  return { kind: 'NEEDS_COPY' };
}

/** A copy as read back from the target vault with DescribeRecoveryPoint. */
export type CopyReadBack = Pick<
  RecoveryPointByBackupVault,
  'RecoveryPointArn' | 'Status' | 'CreationDate' | 'Lifecycle' | 'CalculatedLifecycle'
>;

export { copyOutlivesSource };

export type CopyVerdict =
  | { kind: 'VERIFIED'; copyRecoveryPointArn: string }
  | { kind: 'KEEP'; reason: KeepReason; detail: string };

/**
 * Decides a finished source recovery point from the copies read back for it (completed copy jobs
 * into the target whose destination recovery point still exists). Without a usable copy, the
 * classification says why it was never copied, or it is simply "no verified copy".
 */
export function copyVerdict(
  recoveryPoint: SourceRecoveryPoint,
  copies: readonly CopyReadBack[],
  context: ClassificationContext,
): CopyVerdict {
  const finished = copies.filter((copy) => isFinishedStatus(copy.Status));
  const lasting = finished.find((copy) => copyOutlivesSource(recoveryPoint, copy));
  if (lasting?.RecoveryPointArn) {
    return { kind: 'VERIFIED', copyRecoveryPointArn: lasting.RecoveryPointArn };
  }
  if (finished.length > 0) {
    return {
      kind: 'KEEP',
      reason: 'COPY_EXPIRES_EARLIER',
      detail: `Copy ${finished[0]?.RecoveryPointArn ?? ''} expires before the source would: the source is kept.`,
    };
  }
  const classification = classifyRecoveryPoint(recoveryPoint, { ...context, isParentInVault: () => false });
  if (!classification.copyable) {
    return { kind: 'KEEP', reason: classification.reason, detail: classification.detail };
  }
  const seen = copies.map((copy) => `${copy.RecoveryPointArn ?? '?'} is ${copy.Status ?? 'unknown'}`);
  return {
    kind: 'KEEP',
    reason: 'NO_VERIFIED_COPY',
    detail:
      seen.length === 0
        ? 'No completed copy job into the target vault, or its copy is gone.'
        : `No finished copy in the target vault (${seen.join('; ')}).`,
  };
}

/**
 * Source recovery point ARN -> destination recovery point ARNs of COMPLETED copy jobs into the
 * target vault. Several copies of one source are possible (a re-run before idempotency existed);
 * any one that reads back finished is enough.
 */
export function indexCompletedCopies(
  copyJobs: Iterable<
    Pick<
      CopyJob,
      'State' | 'SourceRecoveryPointArn' | 'DestinationRecoveryPointArn' | 'DestinationBackupVaultArn'
    >
  >,
  targetVaultArn: string,
  into: Map<string, string[]> = new Map(),
): Map<string, string[]> {
  for (const job of copyJobs) {
    if (job.State !== 'COMPLETED' || !job.SourceRecoveryPointArn || !job.DestinationRecoveryPointArn) {
      continue;
    }
    if (job.DestinationBackupVaultArn !== undefined && job.DestinationBackupVaultArn !== targetVaultArn) {
      continue;
    }
    const copies = into.get(job.SourceRecoveryPointArn) ?? [];
    if (!copies.includes(job.DestinationRecoveryPointArn)) {
      copies.push(job.DestinationRecoveryPointArn);
    }
    into.set(job.SourceRecoveryPointArn, copies);
  }
  return into;
}

/** Names the reason an InvalidRequestException from DeleteRecoveryPoint gives. */
export function deleteRefusalReason(message: string | undefined): KeepReason {
  const text = message ?? '';
  if (/legal[\s-]?hold/i.test(text)) return 'LEGAL_HOLD';
  if (/\block/i.test(text)) return 'VAULT_LOCK';
  if (/composite|nested|child/i.test(text)) return 'COMPOSITE_HAS_CHILDREN';
  return 'DELETE_REFUSED';
}

/** Adds one kept recovery point to the counters and, while there is room, to the sample. */
export function recordKept(
  state: Pick<RetirementState, 'kept' | 'keptSample'>,
  recoveryPointArn: string,
  reason: KeepReason,
  detail: string,
  count = 1,
): void {
  state.kept[reason] = (state.kept[reason] ?? 0) + count;
  if (state.keptSample.length < RETIREMENT_LIMITS.sampleSize) {
    state.keptSample.push({ rp: recoveryPointArn, why: `${reason}: ${detail}` });
  }
}

/** Reasons whose detail is AWS's own answer (a denial or a refusal), worth quoting to the operator. */
const REFUSALS: ReadonlySet<string> = new Set<KeepReason>([
  'DELETE_DENIED',
  'DELETE_REFUSED',
  'LIFECYCLE_UPDATE_REFUSED',
]);

/** describeKept, followed by AWS's first refusal in the sample, which names the action denied. */
export function describeKeptWithRefusal(state: Pick<RetirementState, 'kept' | 'keptSample'>): string | null {
  const described = describeKept(state.kept);
  const refusal = state.keptSample.find((sample) => REFUSALS.has(sample.why.split(':', 1)[0] ?? ''));
  if (described === null || refusal === undefined) return described;
  return `${described} First refusal: ${refusal.why.slice(refusal.why.indexOf(':') + 2)}`;
}

/** "3 recovery points kept: 2 under a legal hold, 1 continuous backups (cannot be copied)." */
export function describeKept(kept: Readonly<Record<string, number>>): string | null {
  const entries = Object.entries(kept).filter(([, count]) => count > 0);
  if (entries.length === 0) {
    return null;
  }
  const total = entries.reduce((sum, [, count]) => sum + count, 0);
  const parts = entries
    .sort(([a, countA], [b, countB]) => countB - countA || a.localeCompare(b))
    .map(([reason, count]) => `${count} ${KEEP_REASON_TEXT[reason as KeepReason] ?? reason}`);
  return `${total} recovery point${total === 1 ? '' : 's'} kept: ${parts.join(', ')}.`;
}
