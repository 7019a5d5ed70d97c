import { SeededRandom } from './random.ts';

/** What goes wrong, on purpose and reproducibly from a seed. Mutable while the emulator runs. */
export interface Faults {
  /** Probability of ThrottlingException per operation name; '*' applies to every operation. */
  throttleRate: Record<string, number>;
  /** Probability that a copy job ends FAILED (a transient failure). */
  copyFailureRate: number;
  /** Copy failures planned per source recovery point ARN: a count, or Infinity for a permanent failure. */
  copyFailures: Map<string, number>;
  /** How a missing vault is answered (AWS-FACTS: both have been seen). */
  missingVaultAs: 'ResourceNotFoundException' | 'AccessDeniedException';
  /** DeleteBackupVault calls answered ERROR_9101 right after a vault was emptied (eventual consistency). */
  emptyVaultDeleteFailures: number;
  /** Recovery points whose DeleteRecoveryPoint returns 200 but leaves them EXPIRED. */
  silentDeleteFailures: Set<string>;
  /**
   * Calls answered HTTP 403 AccessDeniedException although the vault exists (a missing
   * permission, an SCP): an operation name, optionally only for one vault.
   */
  accessDenied: Array<{ operation: string; vaultName?: string }>;
  /** DeleteRecoveryPoint / UpdateRecoveryPointLifecycle answered InvalidResourceStateException this many times per ARN. */
  busyRecoveryPoints: Map<string, number>;
  /** Recovery points whose deletion stays DELETING for good (AWS: checked again after 2-3 days). */
  stuckDeletions: Set<string>;
  /**
   * Copies that end PARTIAL (issue 15), per source recovery point ARN: how many of its next copy
   * jobs end PARTIAL, leaving a copy with Status PARTIAL in the target (nested members missing).
   */
  partialCopies: Map<string, number>;
  random: SeededRandom;
  /** How many faults of each kind were injected, for soak reports. */
  injected: {
    throttles: number;
    copyFailures: number;
    limitExceeded: number;
    vaultDeleteConsistency: number;
    partialCopies: number;
  };
}

export interface FaultSettings {
  throttleRate?: Record<string, number>;
  copyFailureRate?: number;
  copyFailures?: Record<string, number | 'permanent'>;
  missingVaultAs?: Faults['missingVaultAs'];
  emptyVaultDeleteFailures?: number;
  silentDeleteFailures?: string[];
  /** Replaces the list (an empty list ends every denial). */
  accessDenied?: Array<{ operation: string; vaultName?: string }>;
  busyRecoveryPoints?: Record<string, number>;
  stuckDeletions?: string[];
  partialCopies?: Record<string, number>;
}

export function createFaults(seed: number): Faults {
  return {
    throttleRate: {},
    copyFailureRate: 0,
    copyFailures: new Map(),
    missingVaultAs: 'ResourceNotFoundException',
    emptyVaultDeleteFailures: 0,
    silentDeleteFailures: new Set(),
    accessDenied: [],
    busyRecoveryPoints: new Map(),
    stuckDeletions: new Set(),
    partialCopies: new Map(),
    random: new SeededRandom(seed ^ 0x5eed),
    injected: {
      throttles: 0,
      copyFailures: 0,
      limitExceeded: 0,
      vaultDeleteConsistency: 0,
      partialCopies: 0,
    },
  };
}

/** Applies settings (from code or the admin API); fields not given are left as they are. */
export function applyFaults(faults: Faults, settings: FaultSettings): void {
  if (settings.throttleRate) faults.throttleRate = { ...settings.throttleRate };
  if (settings.copyFailureRate !== undefined) faults.copyFailureRate = settings.copyFailureRate;
  if (settings.copyFailures) {
    for (const [arn, count] of Object.entries(settings.copyFailures)) {
      faults.copyFailures.set(arn, count === 'permanent' ? Number.POSITIVE_INFINITY : count);
    }
  }
  if (settings.missingVaultAs) faults.missingVaultAs = settings.missingVaultAs;
  if (settings.emptyVaultDeleteFailures !== undefined)
    faults.emptyVaultDeleteFailures = settings.emptyVaultDeleteFailures;
  for (const arn of settings.silentDeleteFailures ?? []) faults.silentDeleteFailures.add(arn);
  if (settings.accessDenied) faults.accessDenied = settings.accessDenied.map((denial) => ({ ...denial }));
  for (const [arn, count] of Object.entries(settings.busyRecoveryPoints ?? {}))
    faults.busyRecoveryPoints.set(arn, count);
  for (const arn of settings.stuckDeletions ?? []) faults.stuckDeletions.add(arn);
  for (const [arn, count] of Object.entries(settings.partialCopies ?? {}))
    faults.partialCopies.set(arn, count);
}

/** Whether a call is answered 403 by the `accessDenied` fault. */
export function isDenied(faults: Faults, operation: string, vaultName: string | undefined): boolean {
  return faults.accessDenied.some(
    (denial) =>
      denial.operation === operation && (denial.vaultName === undefined || denial.vaultName === vaultName),
  );
}

export function shouldThrottle(faults: Faults, operation: string): boolean {
  const rate = faults.throttleRate[operation] ?? faults.throttleRate['*'] ?? 0;
  if (!faults.random.chance(rate)) return false;
  faults.injected.throttles++;
  return true;
}
