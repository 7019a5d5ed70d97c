import type { HistoryBudget } from './budget.ts';

/**
 * The data that flows between the states of MigrateVault: every Lambda's input and output. All of it
 * is JSON (dates as ISO strings) and small, whatever the size of the vault: AWS is the ledger, and
 * anything proportional to the number of recovery points is read back from AWS Backup, never carried.
 */

/** Fixed parameters of one migration, produced by Prepare and carried as `$.migration`. */
export interface Migration {
  /** Name of the root execution (continuations keep it), for logs, tokens and report names. */
  executionId: string;
  sourceVaultName: string;
  sourceVaultArn: string;
  /** The source vault's key; absent for the vaults Prowler flags. */
  sourceKeyArn?: string;
  targetVaultName: string;
  targetVaultArn: string;
  /** Resolved key ARN (never an alias) the target vault is encrypted with. */
  kmsKeyArn: string;
  deleteSourceVault: boolean;
  /** Retire (expire after N days) instead of deleting the verified source recovery points. */
  retireAfterDays?: number;
  dryRun: boolean;
  maxConcurrentCopies: number;
  /** ISO time Prepare ran: recovery points created later are "new since the start". */
  startedAt: string;
  /** READY: go on; ALREADY_COMPLIANT: the source already uses the key, nothing to do. */
  status: 'READY' | 'ALREADY_COMPLIANT';
  /** Target vault lock bounds, when the target exists and is locked (copies must fit them). */
  targetVaultLock?: { minRetentionDays?: number; maxRetentionDays?: number };
}

/** Event of every step after Prepare. */
export interface MigrationEvent {
  migration: Migration;
}

/** Output of create-target-vault, at `$.targetVault`. */
export interface TargetVaultResult {
  targetVaultArn: string;
  created: boolean;
  encryptionKeyArn: string;
  carried: { tags: number; accessPolicy: boolean; notifications: boolean; vaultLock: boolean };
}

/** Output of repoint-backup-plans, at `$.planRepoint`. */
export interface PlanRepointResult {
  plansExamined: number;
  plansUpdated: number;
  rulesRepointed: number;
  copyActionsRepointed: number;
  /** Plans that could not be updated: they still name the source, so the source vault is kept. */
  failures: Array<{ backupPlanId: string; backupPlanName?: string; reason: string }>;
  /** Old and new VersionId of each updated plan (at most 300 plans in an account). */
  updates: Array<{ backupPlanId: string; oldVersionId: string; newVersionId: string }>;
}

/** A copy job the pump started and follows. Kept short: up to 100 of these are carried. */
export interface InFlightCopy {
  /** CopyJobId */
  j: string;
  /** Source recovery point ARN */
  rp: string;
  /** Resource ARN (one copy at a time per resource) */
  r: string;
  /** Attempt number, from 0 */
  a: number;
  /** ISO creation time of the job */
  t: string;
}

/** A failed copy waiting for its next attempt. */
export interface PendingRetry {
  rp: string;
  r: string;
  a: number;
  why: string;
}

/**
 * One page of the source the pump has open: the recovery points created in a window of time the
 * pump chose, with which of them are handled. A window, not a page token: AWS promises neither how
 * long a NextToken lives nor that it stays put when recovery points come and go, so the pump owns
 * its cursor (creation time) and uses page tokens only within one invocation.
 */
export interface OpenPage {
  /** Creation-time window, epoch ms: from (inclusive) to `to` (exclusive). */
  from: number;
  to: number;
  /** Handled entries (started, skipped or already copied), as base64 32-bit ARN hashes. */
  done: string;
  /**
   * Whether the target was searched for existing copies of this page's entries (once, when the page
   * is opened: later arrivals are new backups, and idempotency tokens cover any entry that shifts in).
   */
  checked?: boolean;
}

/** Where the pump's listing of the source stands in a sweep. */
export interface ListingCursor {
  /** Creation time (epoch ms) the next window starts at. */
  next: number;
  /** Width (ms) to try for the next window, learnt from the last ones. */
  span: number;
  /** The sweep lists recovery points created before this (set when the sweep starts); later ones are the next sweep's. */
  end: number;
}

export interface CopyCounters {
  listed: number;
  started: number;
  completed: number;
  failedAttempts: number;
  retried: number;
  permanentlyFailed: number;
  skipped: number;
  alreadyCopied: number;
  throttled: number;
  rounds: number;
}

/** The pump's state between rounds, at `$.copy`. Its size does not grow with the vault. */
export interface CopyState {
  /** Which pass over the source this is (verification may ask for another). */
  sweep: number;
  /** Pages of the source listing still open (at most three: the oldest unfinished one and look-aheads). */
  pages: OpenPage[];
  /** The listing cursor, set by the sweep's first round. */
  cursor?: ListingCursor;
  /** Whether the listing has been read to its end in this sweep. */
  listingDone: boolean;
  /** Whether in-flight jobs from an earlier run were picked up (done once per sweep). */
  adopted: boolean;
  /**
   * Whether the target had copy jobs before this sweep (an earlier sweep or run): a recovery point
   * not listed in the target then has its copy jobs read before a copy starts, since a completed
   * copy may not be listed yet, and tokens of another run do not match.
   */
  checkJobsFirst?: boolean;
  inFlight: InFlightCopy[];
  retries: PendingRetry[];
  /** A few permanently failed recovery points, for the report (the full list is read from AWS). */
  failureSample: Array<{ rp: string; why: string }>;
  counters: CopyCounters;
  /** Mean seconds a copy took, to size the wait. */
  meanCopySeconds: number;
  /** Seconds to wait before the next round; 0 with `done`. */
  waitSeconds: number;
  /** Nothing left to start and nothing in flight: go to verification. */
  done: boolean;
  /** The execution's history budget for its loops (see budget.ts). */
  budget?: HistoryBudget;
  /** The execution's history budget is spent: carry on in a child execution. */
  continueAsNew: boolean;
}

/** Event of the pump. `copy` is absent on the first round of a migration. */
export interface CopyEvent extends MigrationEvent {
  copy?: CopyState | null;
  /** Verification asks for a new sweep by passing its number. */
  sweep?: number;
  /** `$$.Execution.Name`, to count each execution's history events. */
  executionName?: string;
  /** The budget handed over by the loop before this one (verification, for a new sweep). */
  budget?: HistoryBudget | null;
}

export interface EncryptionTally {
  TARGET_KEY: number;
  SOURCE_KEY: number;
  UNENCRYPTED: number;
  OTHER_KEY: number;
  UNKNOWN: number;
}

/** Verification's running state and result, at `$.verification`. */
export interface VerificationState {
  /** Next page of the source listing to verify (null with done: finished). */
  cursor: string | null;
  done: boolean;
  sourceRecoveryPoints: number;
  copyable: number;
  verified: number;
  /** Copyable recovery points without a completed copy in the target. */
  missing: number;
  /** Of the missing, those created after the migration started (backups that landed meanwhile). */
  newSinceStart: number;
  skipped: Record<string, number>;
  encryption: EncryptionTally;
  /** Copies expiring earlier than their source, or never while it expires (must stay 0). */
  retentionShortened: number;
  missingSample: Array<{ rp: string; why: string }>;
  /** Source recovery points with more than one copy in the target (must stay 0). */
  duplicateCopies: number;
  /** Verification ended with missing copies and sweeps remain: run the pump again. */
  needsAnotherSweep: boolean;
  sweep: number;
  /** The execution's history budget for its loops (handed over from the copy loop). */
  budget?: HistoryBudget;
  /** The budget is spent before verification finished: carry on in a child execution. */
  continueAsNew?: boolean;
}

export interface VerificationEvent extends MigrationEvent {
  verification?: VerificationState | null;
  copy?: CopyState | null;
  /** `$$.Execution.Name`, to count each execution's history events. */
  executionName?: string;
}

/** Retirement of the source, at `$.retirement`. */
export interface RetirementState {
  cursor: string | null;
  done: boolean;
  deleted: number;
  retiredWithExpiry: number;
  /** Recovery points kept, by reason (legal hold, vault lock, not verified, uncopyable, ...). */
  kept: Record<string, number>;
  keptSample: Array<{ rp: string; why: string }>;
  /** Deletions requested but not yet confirmed by reading back. */
  awaitingConfirmation: number;
  vaultDeleted: boolean;
  vaultDeleteAttempts: number;
  /** Why the vault was kept, when it was. */
  vaultKeptBecause?: string;
  waitSeconds: number;
  /** The execution's history budget for its loops (handed over from verification). */
  budget?: HistoryBudget;
  /** The budget is spent before the retirement finished: carry on in a child execution. */
  continueAsNew?: boolean;
}

export interface RetirementEvent extends MigrationEvent {
  verification: VerificationState;
  planRepoint?: PlanRepointResult | null;
  retirement?: RetirementState | null;
  /** `$$.Execution.Name`, to count each execution's history events. */
  executionName?: string;
}

/** What the report step receives: whatever the execution reached, plus the error if it failed. */
export interface ReportEvent {
  /** Present unless Prepare itself failed. */
  migration?: Migration | null;
  /** The raw execution input, for reports of failures before Prepare produced `migration`. */
  input?: unknown;
  plan?: unknown;
  targetVault?: TargetVaultResult | null;
  planRepoint?: PlanRepointResult | null;
  copy?: CopyState | null;
  verification?: VerificationState | null;
  retirement?: RetirementState | null;
  /** Set by the Catch: `{ Error, Cause }` as Step Functions passes them. */
  error?: { Error: string; Cause?: string } | null;
}

/** How a migration ended: the report's outcome, the execution output's, the CLI's JSON. */
export const MIGRATION_OUTCOMES = [
  'MIGRATED',
  'MIGRATED_SOURCE_RETIRED',
  'MIGRATED_SOURCE_KEPT',
  'ALREADY_COMPLIANT',
  'DRY_RUN',
  'INCOMPLETE',
  'FAILED',
] as const;

export type MigrationOutcome = (typeof MIGRATION_OUTCOMES)[number];

/** The execution's output: short, with where the full report is. */
export interface ReportResult {
  outcome: MigrationOutcome;
  sourceVaultName?: string;
  targetVaultName?: string;
  summary: string;
  reportLocation: { json: string; csv: string; text: string };
  counts: Record<string, number>;
  /**
   * Why the source vault is still there although deleting it was asked (MIGRATED_SOURCE_KEPT):
   * a refusal names the action AWS denied, so the operator sees it without opening the report.
   */
  sourceVaultKeptBecause?: string;
  /** AWS reads the report could not make (its rows may be incomplete), first few, shortened. */
  reportReadErrors?: string[];
  error?: { Error: string; Cause?: string };
}
