import type { TaskObservation } from '../../cli/local/observe.ts';
import { fromFailure, type MigrationSummary } from '../../cli/report/model.ts';
import { type Report, reportJsonChunks } from '../../lambdas/write-report/report.ts';

const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** A report as write-report writes it: a migration that kept its source for four uncopyable recovery points. */
export function sampleReport(overrides: Partial<Report> = {}): Report {
  return {
    reportVersion: 1,
    generatedAt: '2026-06-01T04:56:02.000Z',
    executionId: 'legacy-run',
    outcome: 'MIGRATED_SOURCE_KEPT',
    sourceVault: {
      name: 'legacy',
      arn: 'arn:aws:backup:eu-west-1:123456789012:backup-vault:legacy',
      keyArn: null,
      exists: true,
    },
    targetVault: {
      name: 'legacy-encrypted',
      arn: 'arn:aws:backup:eu-west-1:123456789012:backup-vault:legacy-encrypted',
      keyArn: KEY,
      exists: true,
    },
    options: { deleteSourceVault: true, dryRun: false, retireAfterDays: null, maxConcurrentCopies: 20 },
    startedAt: '2026-06-01T00:00:00.000Z',
    counts: {
      recoveryPoints: 305,
      inSourceVault: 4,
      sourceGone: 301,
      copyable: 301,
      skipped: 4,
      skippedByReason: { CONTINUOUS_BACKUP: 1, NOT_COMPLETED: 1, COLD_STORAGE: 2 },
      copied: 301,
      notCopied: 0,
      copyFailed: 0,
      copyInProgress: 0,
      copyEncryption: { TARGET_KEY: 120, SOURCE_KEY: 130, UNENCRYPTED: 51, OTHER_KEY: 0, UNKNOWN: 0 },
      predictedEncryption: { TARGET_KEY: 0, SOURCE_KEY: 0, UNENCRYPTED: 0 },
      retention: { KEPT: 0, SHORTENED: 0, NEVER_EXPIRES: 0, LENGTHENED: 0, UNKNOWN: 301 },
      targetOther: 0,
    },
    verification: { done: true, missing: 0, verified: 301, sweep: 0, retentionShortened: 0 },
    planRepoint: {
      plansExamined: 3,
      plansUpdated: 2,
      rulesRepointed: 1,
      copyActionsRepointed: 1,
      failures: [],
    },
    retirement: {
      done: true,
      deleted: 301,
      retiredWithExpiry: 0,
      kept: { CONTINUOUS_BACKUP: 1, NOT_COMPLETED: 1, COLD_STORAGE: 2 },
      keptSample: [],
      vaultDeleted: false,
      vaultKeptBecause:
        'Source vault legacy is kept: 4 recovery points kept: 2 in cold storage (cannot be copied), 1 continuous backups (cannot be copied), 1 not in a completed state.',
    },
    plan: null,
    input: null,
    error: null,
    readErrors: [],
    recoveryPoints: [],
    ...overrides,
  };
}

/** report.json text, rows last, exactly as the report Lambda lays it out. */
export function reportFile(report: Report): string {
  return [...reportJsonChunks(report)].join('');
}

/** A batch of three vaults: one kept its source, one retired it, one failed. */
export function sampleBatch(): MigrationSummary {
  return {
    execution: 'nightly',
    stateMachine: 'MigrateAllVaults',
    status: 'SUCCEEDED',
    error: null,
    startedAt: '2026-06-01T00:00:00.000Z',
    stoppedAt: '2026-06-01T05:00:00.000Z',
    dryRun: false,
    vaults: [
      {
        vault: 'legacy-unencrypted',
        targetVault: 'legacy-unencrypted-encrypted',
        targetKeyArn: KEY,
        sourceKeyArn: null,
        sourceVaultArn: 'arn:aws:backup:eu-west-1:123456789012:backup-vault:legacy-unencrypted',
        execution: 'a1',
        outcome: 'MIGRATED_SOURCE_KEPT',
        error: null,
        recoveryPoints: 305,
        copyable: 301,
        copied: 301,
        skipped: 4,
        skippedReasons: [
          { reason: 'COLD_STORAGE', label: 'in cold storage', count: 2 },
          { reason: 'CONTINUOUS_BACKUP', label: 'continuous backup', count: 1 },
          { reason: 'NOT_COMPLETED', label: 'not completed', count: 1 },
        ],
        failed: 0,
        encryption: { targetKey: 120, sourceKey: 130, unencrypted: 51, other: 0 },
        encryptionPredicted: false,
        encryptionByType: [
          { resourceType: 'EBS', targetKey: 0, sourceKey: 110, unencrypted: 31, other: 0 },
          { resourceType: 'RDS', targetKey: 0, sourceKey: 20, unencrypted: 20, other: 0 },
          { resourceType: 'S3', targetKey: 120, sourceKey: 0, unencrypted: 0, other: 0 },
        ],
        plans: { examined: 3, repointed: 2, notRepointed: [] },
        plansPlanned: null,
        source: {
          fate: 'kept',
          short: 'kept: 4 recovery points stay',
          why: '4 recovery points kept: 2 in cold storage (cannot be copied), 1 continuous backups, 1 not in a completed state',
        },
        reportFiles: { json: '/reports/a1/report.json', csv: '/reports/a1/report.csv', text: null },
        basis: 'report',
      },
      {
        vault: 'Default',
        targetVault: 'Default-encrypted',
        targetKeyArn: KEY,
        sourceKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/aws-backup-managed',
        sourceVaultArn: 'arn:aws:backup:eu-west-1:123456789012:backup-vault:Default',
        execution: 'a2',
        outcome: 'MIGRATED_SOURCE_RETIRED',
        error: null,
        recoveryPoints: 120,
        copyable: 120,
        copied: 120,
        skipped: 0,
        skippedReasons: [],
        failed: 0,
        encryption: { targetKey: 28, sourceKey: 68, unencrypted: 24, other: 0 },
        encryptionPredicted: false,
        encryptionByType: null,
        plans: { examined: 3, repointed: 1, notRepointed: [] },
        plansPlanned: null,
        source: {
          fate: 'retired',
          short: 'retired',
          why: 'retired: 120 recovery points deleted, then the vault',
        },
        reportFiles: { json: '/reports/a2/report.json', csv: null, text: null },
        basis: 'report',
      },
      fromFailure(
        'analytics-<prod>',
        'TargetVaultConflict: Target vault analytics-encrypted exists with another key.',
        'a3',
      ),
    ],
    skippedVaults: [{ vault: 'compliant-app', reason: 'already encrypted with a customer-managed key' }],
  };
}

/** A batch in which every vault failed before counting anything. */
export function failedBatch(): MigrationSummary {
  return {
    ...sampleBatch(),
    execution: 'all-failed',
    vaults: [
      fromFailure('orders', 'InvalidKmsKey: the key is disabled.', 'f1'),
      fromFailure('payments', 'InvalidKmsKey: the key is disabled.', 'f2'),
    ],
    skippedVaults: [],
  };
}

/** The simulated start of the progress tests' runs. */
export const T0 = Date.parse('2026-06-01T00:00:00Z');
export const MINUTE = 60_000;

/**
 * A copy round as the progress board observes it: `minutes` after T0, `completed` copies of
 * `listed`, `inFlight` jobs running, `failedAttempts` retried.
 */
export function copyRound(
  vault: string,
  minutes: number,
  completed: number,
  inFlight: number,
  { failedAttempts = 0, listed = 100 }: { failedAttempts?: number; listed?: number } = {},
): TaskObservation {
  return {
    task: 'CopyRecoveryPoints',
    event: { migration: { sourceVaultName: vault } },
    result: {
      counters: { listed, completed, alreadyCopied: 0, failedAttempts, permanentlyFailed: 0, skipped: 0 },
      inFlight: Array.from({ length: inFlight }, () => ({})),
      retries: [],
      listingDone: true,
      done: false,
    },
    simulatedNow: new Date(T0 + minutes * MINUTE),
  };
}
