/**
 * The product's promises (DESIGN "Invariants"), checked after a soak run against what the emulator
 * holds and what the report says. Pure: it reads an observation (the recovery points tracked since
 * the start, the account's end state, the execution's result and its report.json) and returns the
 * violations, so that it is tested on hand-made states as well as used by the soak.
 *
 * A copy is matched to its source by resource ARN and creation date: AWS keeps the source's creation
 * date on a copy, and two backups of one resource never share a creation time.
 */
import type { ReportResult } from '#shared/contracts.ts';

/** A recovery point as the account holds it at the end of the run. */
export interface ObservedRecoveryPoint {
  arn: string;
  resourceArn: string;
  creationMs: number;
  status: string;
  /** When it expires; null: kept forever. */
  deleteAtMs: number | null;
  encryptionKeyArn: string | null;
}

export interface ObservedVault {
  name: string;
  arn: string;
  recoveryPoints: ObservedRecoveryPoint[];
}

/** The latest version of a backup plan: which vaults its rules and copy actions name. */
export interface ObservedPlan {
  id: string;
  name: string;
  ruleTargets: string[];
  /** Copy action destination vault ARNs. */
  copyDestinations: string[];
}

export interface AccountState {
  nowMs: number;
  /** `arn:aws:backup:<region>:<account>:backup-vault:` of this account and Region. */
  vaultArnPrefix: string;
  vaults: ObservedVault[];
  plans: ObservedPlan[];
}

/** A source recovery point followed since it was first seen (at the start, or when it landed). */
export interface TrackedRecoveryPoint {
  arn: string;
  resourceArn: string;
  creationMs: number;
  /** Its expiry when first seen; null: kept forever. */
  deleteAtMs: number | null;
  /** It landed in the source during the migration. */
  arrived: boolean;
  /**
   * Copyable by the rules AWS documents, judged here independently of the migrator's own
   * classification (completed, warm, not continuous, of a copyable type, not a composite member,
   * not about to expire).
   */
  copyable: boolean;
  /** Its copy was set to fail every time. */
  permanentFailure: boolean;
}

export interface ExecutionOutcome {
  name: string;
  status: 'SUCCEEDED' | 'FAILED';
  error?: string;
  output?: unknown;
}

/** The parts of report.json (lambdas/write-report/report.ts `Report`) the checks read. */
export interface ReportFile {
  outcome: string;
  sourceVault: { name: string | null; exists: boolean | null };
  targetVault: { name: string | null; keyArn: string | null; exists: boolean | null };
  counts: {
    recoveryPoints: number;
    copyable: number;
    skipped: number;
    copied: number;
    copyEncryption: { TARGET_KEY: number };
  };
  recoveryPoints: Array<{
    recoveryPointArn: string;
    outcome: string;
    sourceStatus: string;
    copyRecoveryPointArn: string | null;
    copyStatus: string | null;
    copyKeyArn: string | null;
  }>;
}

export interface SoakObservation {
  sourceVaultName: string;
  targetVaultName: string;
  kmsKeyArn: string;
  deleteSourceVault: boolean;
  tracked: TrackedRecoveryPoint[];
  state: AccountState;
  /** The last execution of the run (the fresh start, when the first was killed). */
  execution: ExecutionOutcome;
  /** The last execution's report.json; null when none was written. */
  report: ReportFile | null;
}

export type InvariantName =
  | 'nothing-lost'
  | 'nothing-deleted-unasked'
  | 'no-double-copy'
  | 'no-stray-copy'
  | 'retention-preserved'
  | 'plans-point-at-vaults'
  | 'source-deleted-only-when-verified'
  | 'report-agrees'
  | 'outcome-expected'
  | 'run-completes';

export interface Violation {
  invariant: InvariantName;
  detail: string;
}

/** Outcomes that promise every copyable recovery point has a verified copy. */
const MIGRATED_OUTCOMES: readonly string[] = ['MIGRATED', 'MIGRATED_SOURCE_RETIRED', 'MIGRATED_SOURCE_KEPT'];
const FINISHED: readonly string[] = ['COMPLETED', 'AVAILABLE'];

function copyKey(recoveryPoint: { resourceArn: string; creationMs: number }): string {
  return `${recoveryPoint.resourceArn}|${recoveryPoint.creationMs}`;
}

function iso(ms: number | null): string {
  return ms === null ? 'never' : new Date(ms).toISOString();
}

/** Checks every invariant; an empty list means the run kept every promise. */
export function checkInvariants(observation: SoakObservation): Violation[] {
  const violations: Violation[] = [];
  const fail = (invariant: InvariantName, detail: string) => violations.push({ invariant, detail });
  const { state, tracked, sourceVaultName, targetVaultName } = observation;

  const source = state.vaults.find((vault) => vault.name === sourceVaultName);
  const target = state.vaults.find((vault) => vault.name === targetVaultName);
  const inSource = new Map((source?.recoveryPoints ?? []).map((rp) => [rp.arn, rp]));
  const copiesByKey = new Map<string, ObservedRecoveryPoint[]>();
  for (const copy of target?.recoveryPoints ?? []) {
    copiesByKey.set(copyKey(copy), [...(copiesByKey.get(copyKey(copy)) ?? []), copy]);
  }
  const finishedCopy = (rp: TrackedRecoveryPoint) =>
    (copiesByKey.get(copyKey(rp)) ?? []).find((copy) => FINISHED.includes(copy.status));
  /** Gone from the source, or on its way out. */
  const gone = (rp: TrackedRecoveryPoint) => {
    const now = inSource.get(rp.arn);
    return now === undefined || now.status === 'DELETING';
  };
  const expiredByItself = (rp: TrackedRecoveryPoint) =>
    rp.deleteAtMs !== null && rp.deleteAtMs <= state.nowMs;

  // Source points per copy key: twins (one resource, one instant) need a copy each.
  const sourcesByKey = new Map<string, TrackedRecoveryPoint[]>();
  for (const rp of tracked) sourcesByKey.set(copyKey(rp), [...(sourcesByKey.get(copyKey(rp)) ?? []), rp]);
  const finishedCopies = (key: string) =>
    (copiesByKey.get(key) ?? []).filter((copy) => FINISHED.includes(copy.status)).length;

  // 1. Nothing lost: a source recovery point is gone only if a verified copy exists, one per point.
  for (const [key, sources] of sourcesByKey) {
    const lost = sources.filter((rp) => gone(rp) && !expiredByItself(rp));
    for (const rp of lost.slice(finishedCopies(key))) {
      fail(
        'nothing-lost',
        `${rp.arn}${rp.arrived ? ' (landed mid-run)' : ''} is gone from ${sourceVaultName} without a completed copy in ${targetVaultName}` +
          (sources.length > 1
            ? ` (${lost.length} of its ${sources.length} twins gone, ${finishedCopies(key)} copies)`
            : ''),
      );
    }
  }

  // 2. Nothing deleted unless deletion was asked.
  if (!observation.deleteSourceVault) {
    if (!source)
      fail('nothing-deleted-unasked', `${sourceVaultName} was deleted, but deletion was not asked`);
    for (const rp of tracked) {
      if (source && gone(rp)) {
        fail('nothing-deleted-unasked', `${rp.arn} was deleted, but deletion was not asked`);
      }
    }
  }

  // 3. Nothing copied twice, and nothing in the target that is not a copy of a source recovery point.
  const trackedKeys = new Set(tracked.map(copyKey));
  for (const rp of tracked) {
    const copies = copiesByKey.get(copyKey(rp)) ?? [];
    if (copies.length > (sourcesByKey.get(copyKey(rp))?.length ?? 1)) {
      fail(
        'no-double-copy',
        `${rp.arn} has ${copies.length} copies in ${targetVaultName}: ${copies.map((c) => c.arn).join(', ')}`,
      );
    }
  }
  for (const copy of target?.recoveryPoints ?? []) {
    if (!trackedKeys.has(copyKey(copy))) {
      fail('no-stray-copy', `${copy.arn} in ${targetVaultName} is a copy of no source recovery point`);
    }
  }

  // 4. Retention preserved: a copy expires no earlier than its source, and never "never" instead.
  for (const rp of tracked) {
    for (const copy of copiesByKey.get(copyKey(rp)) ?? []) {
      if (rp.deleteAtMs === null) {
        if (copy.deleteAtMs !== null) {
          fail(
            'retention-preserved',
            `${copy.arn} expires ${iso(copy.deleteAtMs)}; its source ${rp.arn} is kept forever`,
          );
        }
      } else if (copy.deleteAtMs === null || copy.deleteAtMs < rp.deleteAtMs) {
        fail(
          'retention-preserved',
          `${copy.arn} expires ${iso(copy.deleteAtMs)}; its source ${rp.arn} expires ${iso(rp.deleteAtMs)}`,
        );
      }
    }
  }

  // 5. Every backup plan points at an existing vault.
  const vaultNames = new Set(state.vaults.map((vault) => vault.name));
  for (const plan of state.plans) {
    for (const name of plan.ruleTargets) {
      if (!vaultNames.has(name))
        fail('plans-point-at-vaults', `plan ${plan.name} backs up into ${name}, which does not exist`);
    }
    for (const arn of plan.copyDestinations) {
      if (!arn.startsWith(state.vaultArnPrefix)) continue;
      const name = arn.slice(state.vaultArnPrefix.length);
      if (!vaultNames.has(name))
        fail('plans-point-at-vaults', `plan ${plan.name} copies to ${name}, which does not exist`);
    }
  }

  // 6. The source vault is deleted only when asked and every recovery point it held was verified.
  if (!source && observation.deleteSourceVault) {
    const unverified = tracked.filter((rp) => !finishedCopy(rp) && !expiredByItself(rp));
    if (unverified.length > 0) {
      fail(
        'source-deleted-only-when-verified',
        `${sourceVaultName} was deleted while ${unverified.length} of its recovery points had no completed copy (${unverified
          .slice(0, 3)
          .map((rp) => rp.arn)
          .join(', ')})`,
      );
    }
  }

  checkOutcome(observation, finishedCopy, fail);
  checkReport(observation, { source, target, copiesByKey, finishedCopy }, fail);
  return violations;
}

/** The run ends as the faults allow: migrated, or incomplete only for a reason the run created. */
function checkOutcome(
  observation: SoakObservation,
  finishedCopy: (rp: TrackedRecoveryPoint) => ObservedRecoveryPoint | undefined,
  fail: (invariant: InvariantName, detail: string) => void,
): void {
  const { execution, tracked } = observation;
  const outcome = (execution.output as ReportResult | undefined)?.outcome ?? observation.report?.outcome;
  if (execution.status === 'FAILED') {
    if (execution.error !== 'MigrationIncomplete') {
      fail('outcome-expected', `${execution.name} failed with ${execution.error ?? 'no error name'}`);
      return;
    }
    const excused = tracked.some((rp) => rp.permanentFailure || rp.arrived);
    if (!excused) {
      fail(
        'outcome-expected',
        `${execution.name} ended MigrationIncomplete with no copy set to fail and no late backup`,
      );
    }
    return;
  }
  if (outcome !== undefined && MIGRATED_OUTCOMES.includes(outcome)) {
    for (const rp of tracked) {
      // Backups landing after the last verification are not part of the promise (they stay in the source).
      if (rp.arrived || !rp.copyable) continue;
      if (!finishedCopy(rp)) {
        fail('outcome-expected', `outcome ${outcome}, but ${rp.arn} has no completed copy`);
      }
    }
  } else {
    fail('outcome-expected', `${execution.name} succeeded with outcome ${String(outcome)}`);
  }
}

function checkReport(
  observation: SoakObservation,
  view: {
    source: ObservedVault | undefined;
    target: ObservedVault | undefined;
    copiesByKey: Map<string, ObservedRecoveryPoint[]>;
    finishedCopy: (rp: TrackedRecoveryPoint) => ObservedRecoveryPoint | undefined;
  },
  fail: (invariant: InvariantName, detail: string) => void,
): void {
  const { report, execution, tracked, kmsKeyArn } = observation;
  if (report === null) {
    fail('report-agrees', `${execution.name} wrote no report.json`);
    return;
  }
  const output = execution.output as ReportResult | undefined;
  if (output) {
    if (output.outcome !== report.outcome) {
      fail('report-agrees', `execution output says ${output.outcome}, report.json says ${report.outcome}`);
    }
    for (const key of ['recoveryPoints', 'copyable', 'copied', 'skipped'] as const) {
      if (output.counts[key] !== report.counts[key]) {
        fail(
          'report-agrees',
          `execution output counts ${key}=${output.counts[key]}, report.json ${report.counts[key]}`,
        );
      }
    }
  } else if (execution.error === 'MigrationIncomplete' && report.outcome !== 'INCOMPLETE') {
    fail('report-agrees', `${execution.name} failed MigrationIncomplete, report.json says ${report.outcome}`);
  }

  if (report.sourceVault.exists !== (view.source !== undefined)) {
    fail(
      'report-agrees',
      `report says the source vault exists=${report.sourceVault.exists}, the account: ${view.source !== undefined}`,
    );
  }
  if (report.targetVault.exists !== (view.target !== undefined)) {
    fail(
      'report-agrees',
      `report says the target vault exists=${report.targetVault.exists}, the account: ${view.target !== undefined}`,
    );
  }
  if ((report.outcome === 'MIGRATED_SOURCE_RETIRED') !== (view.source === undefined)) {
    fail(
      'report-agrees',
      `outcome ${report.outcome}, and the source vault ${view.source ? 'still exists' : 'is gone'}`,
    );
  }

  const rows = report.recoveryPoints;
  if (report.counts.recoveryPoints !== rows.length) {
    fail('report-agrees', `counts.recoveryPoints=${report.counts.recoveryPoints}, but ${rows.length} rows`);
  }
  const copiedRows = rows.filter((row) => row.outcome === 'COPIED').length;
  if (report.counts.copied !== copiedRows) {
    fail('report-agrees', `counts.copied=${report.counts.copied}, but ${copiedRows} rows are COPIED`);
  }

  const trackedByArn = new Map(tracked.map((rp) => [rp.arn, rp]));
  const copyByArn = new Map((view.target?.recoveryPoints ?? []).map((copy) => [copy.arn, copy]));
  const rowArns = new Set(rows.map((row) => row.recoveryPointArn));
  for (const rp of view.source?.recoveryPoints ?? []) {
    if (!rowArns.has(rp.arn)) fail('report-agrees', `${rp.arn} is in the source vault but not in the report`);
  }
  let withTargetKey = 0;
  const copyNamedBy = new Map<string, string>();
  for (const row of rows) {
    const rp = trackedByArn.get(row.recoveryPointArn);
    if (!rp) {
      fail('report-agrees', `report row ${row.recoveryPointArn} is no recovery point the source held`);
      continue;
    }
    const inSource = view.source?.recoveryPoints.some((candidate) => candidate.arn === rp.arn) ?? false;
    if ((row.sourceStatus === 'GONE') === inSource) {
      fail(
        'report-agrees',
        `${rp.arn}: report says source ${row.sourceStatus}, the account ${inSource ? 'holds it' : 'does not'}`,
      );
    }
    // Twins share a key: the copy the row names, when it is one of theirs, else the first.
    const copy =
      (view.copiesByKey.get(copyKey(rp)) ?? []).find(
        (candidate) => candidate.arn === row.copyRecoveryPointArn && FINISHED.includes(candidate.status),
      ) ?? view.finishedCopy(rp);
    if (row.outcome === 'COPIED' && row.copyRecoveryPointArn) {
      const namedBy = copyNamedBy.get(row.copyRecoveryPointArn);
      if (namedBy !== undefined) {
        fail(
          'report-agrees',
          `${rp.arn} and ${namedBy}: the report names one copy for both, ${row.copyRecoveryPointArn}`,
        );
      }
      copyNamedBy.set(row.copyRecoveryPointArn, rp.arn);
    }
    if ((row.outcome === 'COPIED') !== (copy !== undefined)) {
      fail(
        'report-agrees',
        `${rp.arn}: report says ${row.outcome}, the target ${copy ? 'holds' : 'has no'} a completed copy`,
      );
    }
    if (row.outcome === 'COPIED' && copy) {
      if (row.copyRecoveryPointArn !== copy.arn) {
        fail(
          'report-agrees',
          `${rp.arn}: report names copy ${row.copyRecoveryPointArn}, the target holds ${copy.arn}`,
        );
      }
      if ((row.copyKeyArn ?? null) !== copy.encryptionKeyArn) {
        fail(
          'report-agrees',
          `${rp.arn}: report says the copy's key is ${row.copyKeyArn}, AWS says ${copy.encryptionKeyArn}`,
        );
      }
      if (copy.encryptionKeyArn === kmsKeyArn) withTargetKey++;
    }
    if (row.copyRecoveryPointArn && row.copyStatus !== 'GONE' && !copyByArn.has(row.copyRecoveryPointArn)) {
      fail(
        'report-agrees',
        `${rp.arn}: report names copy ${row.copyRecoveryPointArn}, which the target does not hold`,
      );
    }
  }
  if (report.counts.copyEncryption.TARGET_KEY !== withTargetKey) {
    fail(
      'report-agrees',
      `report counts ${report.counts.copyEncryption.TARGET_KEY} copies with the target key, the target holds ${withTargetKey}`,
    );
  }
}
