/**
 * One row per vault, whatever the source of the figures: the full report a migration wrote
 * (report.json), or, when it cannot be read, the short output of the execution. The table, CSV,
 * JSON and HTML renderers all read this model, so they always agree.
 */
import type { SkipReason } from '#shared/classify.ts';
import type { MigrationOutcome, ReportResult } from '#shared/contracts.ts';
import { describeKept } from '../../lambdas/delete-source-vault/decide.ts';
import { type ReportHead, sourceFate } from '../../lambdas/write-report/report.ts';
import { describeExecutionError } from '../errors.ts';
import type { RunContext } from './context.ts';

/** report.json without its per-recovery-point rows (the CLI never needs them). */
export type { ReportHead };

/** Outcomes that count as success: the copies that could be made are made and verified. */
export const SUCCESS_OUTCOMES: readonly MigrationOutcome[] = Object.freeze([
  'MIGRATED',
  'MIGRATED_SOURCE_RETIRED',
  'MIGRATED_SOURCE_KEPT',
  'ALREADY_COMPLIANT',
  'DRY_RUN',
]);

/** How each outcome reads in a table. */
export const OUTCOME_LABEL: Readonly<Record<MigrationOutcome, string>> = Object.freeze({
  MIGRATED: 'migrated',
  MIGRATED_SOURCE_RETIRED: 'migrated, source retired',
  MIGRATED_SOURCE_KEPT: 'migrated, source kept',
  ALREADY_COMPLIANT: 'already compliant',
  DRY_RUN: 'dry run',
  INCOMPLETE: 'incomplete',
  FAILED: 'failed',
});

/** Why recovery points were skipped, in a few words each. */
export const SKIP_LABEL: Readonly<Record<SkipReason, string>> = Object.freeze({
  NOT_COMPLETED: 'not completed',
  COLD_STORAGE: 'in cold storage',
  CONTINUOUS_BACKUP: 'continuous backup',
  COPY_NOT_SUPPORTED: 'type cannot be copied',
  COMPOSITE_CHILD: 'nested in a composite',
  ALREADY_EXPIRED: 'already expired',
  RETENTION_OUTSIDE_VAULT_LOCK: 'outside the target vault lock',
});

export interface EncryptionCounts {
  /** Copies encrypted with the target vault's key. */
  targetKey: number;
  /** Copies that kept their source recovery point's key. */
  sourceKey: number;
  unencrypted: number;
  /** Another key, or not reported. */
  other: number;
}

export type SourceFate = 'retired' | 'kept' | 'untouched' | 'unknown';

export interface VaultSummary {
  vault: string;
  targetVault: string | null;
  targetKeyArn: string | null;
  /** The source vault's key (null: no key, or not known; see sourceVaultArn). */
  sourceKeyArn: string | null;
  sourceVaultArn: string | null;
  /** The MigrateVault execution that migrated it. */
  execution: string | null;
  outcome: MigrationOutcome;
  /** The named error and its cause, on one line, when the migration failed or is incomplete. */
  error: string | null;
  recoveryPoints: number | null;
  copyable: number | null;
  copied: number | null;
  skipped: number | null;
  skippedReasons: Array<{ reason: string; label: string; count: number }>;
  /** Copyable recovery points without a verified copy (failed, not copied, or still copying). */
  failed: number | null;
  /** Encryption of the copies, or in a dry run the prediction for the copies to be made. */
  encryption: EncryptionCounts | null;
  encryptionPredicted: boolean;
  /** The same counts per resource type (from report.json; null when the report does not say). */
  encryptionByType: Array<{ resourceType: string } & EncryptionCounts> | null;
  /** Backup plans: examined and updated by the migration; in a dry run, rules that would move. */
  plans: { examined: number | null; repointed: number; notRepointed: string[] } | null;
  plansPlanned: number | null;
  source: { fate: SourceFate; short: string; why: string };
  reportFiles: { json: string | null; csv: string | null; text: string | null };
  /** Where the figures come from: the report file, the execution's output, or neither. */
  basis: 'report' | 'output' | 'none';
}

/** A vault MigrateAllVaults left alone, and why. */
export interface SkippedVault {
  vault: string;
  reason: string;
}

/** Everything one execution (one vault, or a batch) comes to. */
export interface MigrationSummary {
  execution: string;
  stateMachine: string;
  /** RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED. */
  status: string;
  /** The execution's own error (a batch that failed before migrating anything, one vault's failure). */
  error: string | null;
  startedAt: string | null;
  stoppedAt: string | null;
  dryRun: boolean;
  vaults: VaultSummary[];
  skippedVaults: SkippedVault[];
  /** Account, Region, caller, tool version, clock: set by the command that read the execution. */
  context?: RunContext | undefined;
}

/** Whether the execution ended well: it succeeded and every vault's outcome is a success. */
export function succeeded(summary: Pick<MigrationSummary, 'status' | 'vaults'>): boolean {
  return (
    summary.status === 'SUCCEEDED' &&
    summary.vaults.every((vault) => SUCCESS_OUTCOMES.includes(vault.outcome))
  );
}

function skipLabel(reason: string): string {
  return SKIP_LABEL[reason as SkipReason] ?? reason.toLowerCase().replaceAll('_', ' ');
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function sourceOf(report: ReportHead): VaultSummary['source'] {
  const why = sourceFate(report).replace(/\.$/, '');
  const { retirement, options, outcome } = report;
  if (outcome === 'DRY_RUN') return { fate: 'untouched', short: 'untouched (dry run)', why };
  if (outcome === 'ALREADY_COMPLIANT') return { fate: 'untouched', short: 'untouched', why };
  if (!options.deleteSourceVault) return { fate: 'kept', short: 'kept: not asked', why };
  if (retirement === null) {
    return { fate: 'kept', short: 'kept: not retired', why };
  }
  if (retirement.vaultDeleted) return { fate: 'retired', short: 'retired', why };
  const keptCount = Object.values(retirement.kept).reduce((sum, count) => sum + count, 0);
  const short =
    keptCount > 0
      ? `kept: ${plural(keptCount, 'recovery point')} stay`
      : retirement.retiredWithExpiry > 0
        ? 'kept until its recovery points expire'
        : 'kept';
  const reason = retirement.vaultKeptBecause ?? describeKept(retirement.kept) ?? why;
  // "Source vault X is kept: 4 recovery points kept: ..." says "kept" once too often.
  return { fate: 'kept', short, why: reason.replace(/^Source vault \S+ is kept: /, '').replace(/\.$/, '') };
}

function reportError(report: ReportHead): string | null {
  if (report.error) return describeExecutionError(report.error.Error, report.error.Cause);
  if (report.outcome === 'INCOMPLETE') {
    const missing = report.verification?.missing ?? report.counts.copyable - report.counts.copied;
    return describeExecutionError(
      'MigrationIncomplete',
      `${plural(missing, 'recovery point')} without a verified copy`,
    );
  }
  return null;
}

function planRules(plan: unknown): number | null {
  const count = (plan as { references?: { backupPlanRuleCount?: unknown } } | null)?.references
    ?.backupPlanRuleCount;
  return typeof count === 'number' ? count : null;
}

/** The report a migration wrote, as a row. */
export function fromReport(
  report: ReportHead,
  files: VaultSummary['reportFiles'] = { json: null, csv: null, text: null },
): VaultSummary {
  const { counts } = report;
  const dryRun = report.outcome === 'DRY_RUN';
  const encryption: EncryptionCounts = dryRun
    ? {
        targetKey: counts.predictedEncryption.TARGET_KEY,
        sourceKey: counts.predictedEncryption.SOURCE_KEY,
        unencrypted: counts.predictedEncryption.UNENCRYPTED,
        other: 0,
      }
    : {
        targetKey: counts.copyEncryption.TARGET_KEY,
        sourceKey: counts.copyEncryption.SOURCE_KEY,
        unencrypted: counts.copyEncryption.UNENCRYPTED,
        other: counts.copyEncryption.OTHER_KEY + counts.copyEncryption.UNKNOWN,
      };
  const hasRows = counts.recoveryPoints > 0 || report.outcome !== 'FAILED';
  return {
    vault: report.sourceVault.name ?? '(unknown)',
    targetVault: report.targetVault.name,
    targetKeyArn: report.targetVault.keyArn,
    sourceKeyArn: report.sourceVault.keyArn,
    sourceVaultArn: report.sourceVault.arn,
    execution: report.executionId,
    outcome: report.outcome,
    error: reportError(report),
    recoveryPoints: hasRows ? counts.recoveryPoints : null,
    copyable: hasRows ? counts.copyable : null,
    copied: hasRows && !dryRun ? counts.copied : null,
    skipped: hasRows ? counts.skipped : null,
    skippedReasons: Object.entries(counts.skippedByReason)
      .filter(([, count]) => (count ?? 0) > 0)
      .map(([reason, count]) => ({ reason, label: skipLabel(reason), count: count ?? 0 }))
      .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
    failed: hasRows && !dryRun ? counts.copyFailed + counts.notCopied + counts.copyInProgress : null,
    encryption: hasRows && (dryRun || counts.copied > 0) ? encryption : null,
    encryptionPredicted: dryRun,
    encryptionByType: report.encryptionByResourceType
      ? Object.entries(report.encryptionByResourceType)
          .map(([resourceType, tally]) => ({
            resourceType,
            targetKey: tally.TARGET_KEY,
            sourceKey: tally.SOURCE_KEY,
            unencrypted: tally.UNENCRYPTED,
            other: tally.OTHER_KEY + tally.UNKNOWN,
          }))
          .sort((a, b) => a.resourceType.localeCompare(b.resourceType))
      : null,
    plans: report.planRepoint
      ? {
          examined: report.planRepoint.plansExamined,
          repointed: report.planRepoint.plansUpdated,
          notRepointed: report.planRepoint.failures.map(
            (failure) => `${failure.backupPlanName ?? failure.backupPlanId}: ${failure.reason}`,
          ),
        }
      : null,
    plansPlanned: dryRun ? planRules(report.plan) : null,
    source: sourceOf(report),
    reportFiles: files,
    basis: 'report',
  };
}

/**
 * The execution's short output as a row, when report.json cannot be read: counts without reasons.
 * A batch's entries carry no counts at all (only the outcome and where the report is): then the
 * figures stay unknown rather than zero.
 */
export function fromResult(result: ReportResult, execution: string | null): VaultSummary {
  const known = Object.keys(result.counts ?? {}).length > 0;
  const counts = (name: string): number | null => (known ? (result.counts[name] ?? 0) : null);
  const dryRun = result.outcome === 'DRY_RUN';
  const deleted = counts('sourceRecoveryPointsDeleted');
  const kept = counts('sourceRecoveryPointsKept');
  let source: VaultSummary['source'];
  if (result.outcome === 'MIGRATED_SOURCE_RETIRED') {
    source = {
      fate: 'retired',
      short: 'retired',
      why: deleted === null ? 'retired' : `${plural(deleted, 'recovery point')} deleted, then the vault`,
    };
  } else if (result.outcome === 'MIGRATED_SOURCE_KEPT') {
    source = {
      fate: 'kept',
      short: kept === null ? 'kept' : `kept: ${plural(kept, 'recovery point')} stay`,
      why: 'the report says why',
    };
  } else if (dryRun || result.outcome === 'ALREADY_COMPLIANT') {
    source = { fate: 'untouched', short: 'untouched', why: 'nothing was changed' };
  } else {
    source = { fate: 'kept', short: 'kept', why: 'the report says why' };
  }
  const plansUpdated = counts('plansUpdated');
  return {
    vault: result.sourceVaultName ?? '(unknown)',
    targetVault: result.targetVaultName ?? null,
    targetKeyArn: null,
    sourceKeyArn: null,
    sourceVaultArn: null,
    execution,
    outcome: result.outcome,
    error: result.error ? describeExecutionError(result.error.Error, result.error.Cause) : null,
    recoveryPoints: counts('recoveryPoints'),
    copyable: counts('copyable'),
    copied: dryRun ? null : counts('copied'),
    skipped: counts('skipped'),
    skippedReasons: [],
    failed: dryRun ? null : counts('notCopied'),
    encryption:
      dryRun || !known
        ? null
        : {
            targetKey: counts('copiesWithTargetKey') ?? 0,
            sourceKey: counts('copiesWithSourceKey') ?? 0,
            unencrypted: counts('copiesUnencrypted') ?? 0,
            other: counts('copiesWithOtherKey') ?? 0,
          },
    encryptionPredicted: false,
    encryptionByType: null,
    plans:
      dryRun || plansUpdated === null ? null : { examined: null, repointed: plansUpdated, notRepointed: [] },
    plansPlanned: null,
    source,
    reportFiles: {
      json: result.reportLocation?.json ?? null,
      csv: result.reportLocation?.csv ?? null,
      text: result.reportLocation?.text ?? null,
    },
    basis: 'output',
  };
}

/** A vault whose migration failed and left no readable report. */
export function fromFailure(vault: string, error: string, execution: string | null): VaultSummary {
  return {
    vault,
    targetVault: null,
    targetKeyArn: null,
    sourceKeyArn: null,
    sourceVaultArn: null,
    execution,
    outcome: 'FAILED',
    error,
    recoveryPoints: null,
    copyable: null,
    copied: null,
    skipped: null,
    skippedReasons: [],
    failed: null,
    encryption: null,
    encryptionPredicted: false,
    encryptionByType: null,
    plans: null,
    plansPlanned: null,
    source: { fate: 'unknown', short: 'not known', why: 'not known: no report says what became of it' },
    reportFiles: { json: null, csv: null, text: null },
    basis: 'none',
  };
}

/** Sums of the vault rows, for the table's total line (nulls count as nothing). */
export function totals(vaults: readonly VaultSummary[]) {
  const sum = (pick: (vault: VaultSummary) => number | null | undefined) =>
    vaults.reduce((total, vault) => total + (pick(vault) ?? 0), 0);
  return {
    recoveryPoints: sum((vault) => vault.recoveryPoints),
    copyable: sum((vault) => vault.copyable),
    copied: sum((vault) => vault.copied),
    skipped: sum((vault) => vault.skipped),
    failed: sum((vault) => vault.failed),
    encryption: {
      targetKey: sum((vault) => vault.encryption?.targetKey),
      sourceKey: sum((vault) => vault.encryption?.sourceKey),
      unencrypted: sum((vault) => vault.encryption?.unencrypted),
      other: sum((vault) => vault.encryption?.other),
    },
    plansExamined: sum((vault) => vault.plans?.examined),
    plansRepointed: sum((vault) => vault.plans?.repointed),
    /** Vaults whose figures are not known (failed before a report could count): the sums leave them out. */
    unknownVaults: vaults.filter((vault) => vault.recoveryPoints === null).map((vault) => vault.vault),
  };
}
