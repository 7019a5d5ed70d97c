/**
 * Progress of each vault, read from what the state machine's tasks return: the batch's list of
 * vaults, the plan's count of copyable recovery points, the copy pump's running counters, the
 * verification and retirement, and the report's outcome. Time is simulated time.
 */
import type {
  CopyState,
  Migration,
  MigrationOutcome,
  ReportResult,
  RetirementState,
  VerificationState,
} from '#shared/contracts.ts';
import { describeExecutionError } from '../errors.ts';
import type { TaskObservation } from '../local/observe.ts';
import type { SkippedVault } from '../report/model.ts';

export type Phase =
  | 'waiting'
  | 'preparing'
  | 'planning'
  | 'creating the target vault'
  | 'repointing backup plans'
  | 'copying'
  | 'verifying'
  | 'retiring the source'
  | 'writing the report'
  | 'done';

export interface VaultProgress {
  vault: string;
  phase: Phase;
  dryRun: boolean;
  /** Copyable recovery points (from the plan; grows if new backups arrive). */
  total: number | null;
  recoveryPoints: number | null;
  /** Copies completed, or found already made. */
  done: number;
  inFlight: number;
  failedAttempts: number;
  permanentFailures: number;
  verified: number;
  deleted: number;
  /** Simulated time left, while copying. */
  etaMs: number | null;
  outcome?: MigrationOutcome;
  error?: string;
  /** Simulated ms when copying began, and the plan's estimate of the copy time. */
  copyStartMs?: number;
  plannedMs?: number;
  /** The new vault (from the migration's preparation): where the copy jobs go. */
  targetVaultArn?: string;
  /** The last copy round: when it ended, and the copies done and in flight it counted. */
  round?: { atMs: number; done: number; inFlight: number };
}

/** Fewer copies than this make a poor rate: the plan's estimate is used instead. */
const MIN_COPIES_FOR_RATE = 5;

const HOUR_MS = 3_600_000;

function vaultOf(event: unknown): string | undefined {
  const shape = event as
    | { migration?: { sourceVaultName?: unknown } | null; input?: { sourceVaultName?: unknown } | null }
    | undefined;
  const name = shape?.migration?.sourceVaultName ?? shape?.input?.sourceVaultName;
  return typeof name === 'string' ? name : undefined;
}

export class ProgressTracker {
  readonly vaults = new Map<string, VaultProgress>();
  skippedVaults: SkippedVault[] = [];
  startedMs: number | undefined;
  nowMs: number | undefined;
  /** Called after every change. */
  onChange: (() => void) | undefined;
  /** Called when a vault first appears (to look up its size: the plan only runs in dry runs). */
  onVaultAdded: ((vault: string) => void) | undefined;

  /** Makes a vault known (a batch lists them before any starts). */
  add(vault: string, phase: Phase = 'waiting'): VaultProgress {
    let progress = this.vaults.get(vault);
    if (!progress) {
      progress = {
        vault,
        phase,
        dryRun: false,
        total: null,
        recoveryPoints: null,
        done: 0,
        inFlight: 0,
        failedAttempts: 0,
        permanentFailures: 0,
        verified: 0,
        deleted: 0,
        etaMs: null,
      };
      this.vaults.set(vault, progress);
      this.onVaultAdded?.(vault);
      this.onChange?.();
    }
    return progress;
  }

  /** The source vault's size as AWS Backup states it (approximate), until the listing gives the total. */
  estimate(vault: string, recoveryPoints: number): void {
    const progress = this.vaults.get(vault);
    if (!progress || progress.recoveryPoints !== null) return;
    progress.recoveryPoints = recoveryPoints;
    progress.total ??= recoveryPoints;
    this.onChange?.();
  }

  get simulatedElapsedMs(): number {
    return this.startedMs === undefined || this.nowMs === undefined ? 0 : this.nowMs - this.startedMs;
  }

  observe(observation: TaskObservation): void {
    const now = observation.simulatedNow.getTime();
    this.startedMs ??= now;
    this.nowMs = Math.max(this.nowMs ?? now, now);
    if (observation.task === 'FindVaultsToMigrate') {
      const result = observation.result as
        | {
            vaults?: Array<{ sourceVaultName: string }>;
            skipped?: Array<{ vaultName: string; reason: string }>;
          }
        | undefined;
      for (const vault of result?.vaults ?? []) this.add(vault.sourceVaultName);
      this.skippedVaults = (result?.skipped ?? []).map((vault) => ({
        vault: vault.vaultName,
        reason: vault.reason,
      }));
      this.onChange?.();
      return;
    }
    const name = vaultOf(observation.event);
    if (!name) return;
    const vault = this.add(name);
    this.apply(vault, observation, now);
    this.onChange?.();
  }

  private apply(vault: VaultProgress, { task, event, result, error }: TaskObservation, now: number): void {
    if (error) {
      // The failure report follows; until it comes, say what went wrong.
      vault.error = describeExecutionError(error.name, error.message);
      vault.phase = 'writing the report';
      return;
    }
    switch (task) {
      case 'PrepareMigration': {
        const migration = result as Migration;
        vault.dryRun = migration.dryRun;
        if (typeof migration.targetVaultArn === 'string') vault.targetVaultArn = migration.targetVaultArn;
        vault.phase = migration.status === 'ALREADY_COMPLIANT' ? 'writing the report' : 'planning';
        break;
      }
      case 'PlanMigration': {
        const plan = result as { copyable: number; recoveryPoints: number; estimatedCopyHours?: number };
        vault.total = plan.copyable;
        vault.recoveryPoints = plan.recoveryPoints;
        if (typeof plan.estimatedCopyHours === 'number') vault.plannedMs = plan.estimatedCopyHours * HOUR_MS;
        vault.phase = vault.dryRun ? 'writing the report' : 'creating the target vault';
        break;
      }
      case 'CreateTargetVault':
        vault.phase = 'repointing backup plans';
        break;
      case 'RepointBackupPlans':
        vault.phase = 'copying';
        break;
      case 'CopyRecoveryPoints': {
        const state = result as CopyState;
        vault.copyStartMs ??= now;
        const { counters } = state;
        vault.done = counters.completed + counters.alreadyCopied;
        vault.inFlight = state.inFlight.length;
        vault.failedAttempts = counters.failedAttempts;
        vault.permanentFailures = counters.permanentlyFailed;
        // Copyable = listed - skipped once the listing is read; until then the vault's size stands in.
        const listedCopyable = counters.listed - counters.skipped;
        const estimate = state.listingDone
          ? listedCopyable
          : (vault.recoveryPoints ?? listedCopyable) - counters.skipped;
        vault.total = Math.max(
          estimate,
          vault.done + vault.inFlight + state.retries.length + vault.permanentFailures,
        );
        vault.phase = state.done ? 'verifying' : 'copying';
        vault.etaMs = state.done ? null : this.eta(vault, now);
        vault.round = { atMs: now, done: vault.done, inFlight: vault.inFlight };
        break;
      }
      case 'VerifyMigration': {
        const verification = result as VerificationState;
        const migration = (event as { migration?: Migration }).migration;
        vault.verified = verification.verified;
        vault.etaMs = null;
        if (verification.needsAnotherSweep) vault.phase = 'copying';
        else if (!verification.done) vault.phase = 'verifying';
        else vault.phase = migration?.deleteSourceVault ? 'retiring the source' : 'writing the report';
        break;
      }
      case 'DeleteSourceVault': {
        const retirement = result as RetirementState;
        vault.deleted = retirement.deleted;
        vault.phase = retirement.done ? 'writing the report' : 'retiring the source';
        break;
      }
      case 'WriteReport': {
        const report = result as ReportResult;
        vault.outcome = report.outcome;
        vault.phase = 'done';
        vault.etaMs = null;
        vault.inFlight = 0;
        if (report.error) vault.error = describeExecutionError(report.error.Error, report.error.Cause);
        if (report.counts && typeof report.counts.copyable === 'number') {
          vault.total = report.counts.copyable;
          if (!vault.dryRun) vault.done = report.counts.copied ?? vault.done;
        }
        break;
      }
      default:
        break;
    }
  }

  /**
   * Copy jobs of the vault that completed since its last copy round, as AWS Backup lists them
   * (between rounds, which may be ten minutes apart): counted as done until the next round's own
   * count replaces them. At most the jobs the round left in flight.
   */
  completedSinceRound(vaultName: string, completed: number): void {
    const vault = this.vaults.get(vaultName);
    if (!vault?.round || vault.phase !== 'copying') return;
    const counted = Math.max(0, Math.min(completed, vault.round.inFlight));
    if (vault.done === vault.round.done + counted) return;
    // The time left stays the round's: it is the state machine's clock, not this machine's.
    vault.done = vault.round.done + counted;
    vault.inFlight = vault.round.inFlight - counted;
    this.onChange?.();
  }

  /** Simulated time left: from the rate so far, or at first from the plan's estimate. */
  private eta(vault: VaultProgress, now: number): number | null {
    const remaining = Math.max(0, (vault.total ?? 0) - vault.done - vault.permanentFailures);
    if (remaining === 0) return 0;
    const elapsed = now - (vault.copyStartMs ?? now);
    if (vault.done >= MIN_COPIES_FOR_RATE && elapsed > 0) return (remaining * elapsed) / vault.done;
    if (vault.plannedMs !== undefined) return Math.max(0, vault.plannedMs - elapsed);
    return null;
  }
}
