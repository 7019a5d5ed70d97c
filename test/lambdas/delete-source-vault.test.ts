import {
  BackupClient,
  DeleteBackupVaultCommand,
  DeleteRecoveryPointCommand,
  DescribeBackupVaultCommand,
  DescribeRecoveryPointCommand,
  InvalidParameterValueException,
  InvalidRequestException,
  ListBackupVaultsCommand,
  ListCopyJobsCommand,
  ListRecoveryPointsByBackupVaultCommand,
  type RecoveryPointByBackupVault,
  ResourceNotFoundException,
  UpdateRecoveryPointLifecycleCommand,
} from '@aws-sdk/client-backup';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS, MINUTE_MS } from '#emulator/clock.ts';
import type { Emulator } from '#emulator/index.ts';
import type { RecoveryPointSeed } from '#emulator/seed.ts';
import type { ClassificationContext, SourceRecoveryPoint } from '#shared/classify.ts';
import { resetClients } from '#shared/clients.ts';
import type { Migration, PlanRepointResult, RetirementEvent, VerificationState } from '#shared/contracts.ts';
import {
  type CopyReadBack,
  copyOutlivesSource,
  copyVerdict,
  deleteRefusalReason,
  deleteSourceVault,
  deletionRefusal,
  describeKept,
  indexCompletedCopies,
  initialProgress,
  listingVerdict,
  RETIREMENT_LIMITS,
  RETIREMENT_WAITS,
  type RetirementProgress,
  reasonToKeepEverything,
  recordKept,
} from '../../lambdas/delete-source-vault/handler.ts';
import { mapLimit } from '../../lambdas/shared/map-limit.ts';
import { COPY_ROLE_ARN, emulatorForHandlers, migrationFor, stopEmulator, withEnv } from './helpers.ts';

const NOW = new Date('2026-06-01T00:00:00Z');
const TARGET_KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const SOURCE_VAULT_ARN = 'arn:aws:backup:us-east-1:123456789012:backup-vault:legacy';
const TARGET_VAULT_ARN = 'arn:aws:backup:us-east-1:123456789012:backup-vault:legacy-encrypted';
const ebs = (id: string) => `arn:aws:ec2:us-east-1::snapshot/snap-${id.padStart(17, '0')}`;
const backupRp = (id: string) => `arn:aws:backup:us-east-1:123456789012:recovery-point:${id}`;
const daysBefore = (date: Date, days: number) => new Date(date.getTime() - days * DAY_MS);

const CONTEXT: ClassificationContext = { targetKeyArn: TARGET_KEY, now: NOW, isParentInVault: () => false };

function verification(overrides: Partial<VerificationState> = {}): VerificationState {
  return {
    cursor: null,
    done: true,
    sourceRecoveryPoints: 0,
    copyable: 0,
    verified: 0,
    missing: 0,
    newSinceStart: 0,
    skipped: {},
    encryption: { TARGET_KEY: 0, SOURCE_KEY: 0, UNENCRYPTED: 0, OTHER_KEY: 0, UNKNOWN: 0 },
    retentionShortened: 0,
    missingSample: [],
    duplicateCopies: 0,
    needsAnotherSweep: false,
    sweep: 1,
    ...overrides,
  };
}

const PLANS_REPOINTED: PlanRepointResult = {
  plansExamined: 1,
  plansUpdated: 1,
  rulesRepointed: 1,
  copyActionsRepointed: 0,
  failures: [],
  updates: [{ backupPlanId: 'plan-1', oldVersionId: 'v1', newVersionId: 'v2' }],
};

function sourceRecoveryPoint(overrides: Partial<SourceRecoveryPoint> = {}): SourceRecoveryPoint {
  const creation = daysBefore(NOW, 10);
  return {
    RecoveryPointArn: ebs('1'),
    ResourceType: 'EBS',
    ResourceArn: 'arn:aws:ec2:us-east-1:123456789012:volume/vol-1',
    Status: 'COMPLETED',
    CreationDate: creation,
    Lifecycle: { DeleteAfterDays: 35 },
    CalculatedLifecycle: { DeleteAt: new Date(creation.getTime() + 35 * DAY_MS) },
    BackupSizeInBytes: 1024,
    ...overrides,
  };
}

describe('deletionRefusal', () => {
  const migration = {
    executionId: 'exec-1',
    sourceVaultName: 'legacy',
    deleteSourceVault: true,
    dryRun: false,
    status: 'READY' as const,
  };

  it('allows a migration that asked for deletion in a deployment that allows it', () => {
    expect(deletionRefusal(migration, true)).toBeNull();
  });

  it('refuses a migration that did not ask to delete its source', () => {
    expect(deletionRefusal({ ...migration, deleteSourceVault: false }, true)).toMatch(
      /deleteSourceVault is false/,
    );
  });

  it('refuses when the deployment does not allow deletions', () => {
    expect(deletionRefusal(migration, false)).toMatch(/ALLOW_SOURCE_DELETION/);
  });

  it('refuses a dry run and an already compliant vault', () => {
    expect(deletionRefusal({ ...migration, dryRun: true }, true)).toMatch(/dry run/);
    expect(deletionRefusal({ ...migration, status: 'ALREADY_COMPLIANT' }, true)).toMatch(/ALREADY_COMPLIANT/);
  });
});

describe('reasonToKeepEverything', () => {
  it('lets retirement go on when every copy is verified and every plan was repointed', () => {
    expect(reasonToKeepEverything({ done: true, missing: 0 }, PLANS_REPOINTED)).toBeNull();
  });

  it('keeps everything while copies are missing', () => {
    expect(reasonToKeepEverything({ done: true, missing: 3 }, PLANS_REPOINTED)).toBe(
      '3 recovery points have no verified copy in the target vault.',
    );
  });

  it('keeps everything before verification has finished', () => {
    expect(reasonToKeepEverything({ done: false, missing: 0 }, PLANS_REPOINTED)).toMatch(/not finished/);
  });

  it('keeps everything when a plan still names the source, naming the plan', () => {
    const failures = [{ backupPlanId: 'p-1', backupPlanName: 'nightly', reason: 'AccessDenied' }];
    expect(reasonToKeepEverything({ done: true, missing: 0 }, { ...PLANS_REPOINTED, failures })).toMatch(
      /Backup plans still name the source vault \(nightly\)/,
    );
  });

  it('keeps everything when no plan repointing result was passed', () => {
    expect(reasonToKeepEverything({ done: true, missing: 0 }, undefined)).toMatch(/a plan may still name/);
  });
});

describe('listingVerdict', () => {
  it('leaves a recovery point already DELETING to the read-back', () => {
    expect(listingVerdict(sourceRecoveryPoint({ Status: 'DELETING' }), false, CONTEXT)).toEqual({
      kind: 'IN_PROGRESS',
    });
  });

  it('leaves a composite child to its parent while the parent is in the vault', () => {
    const child = sourceRecoveryPoint({ ParentRecoveryPointArn: backupRp('parent') });
    expect(listingVerdict(child, true, CONTEXT)).toEqual({ kind: 'WITH_PARENT' });
    expect(listingVerdict(child, false, CONTEXT)).toEqual({ kind: 'NEEDS_COPY' });
  });

  it('keeps an EXPIRED recovery point as not completed, whatever copies exist', () => {
    expect(listingVerdict(sourceRecoveryPoint({ Status: 'EXPIRED' }), false, CONTEXT)).toMatchObject({
      kind: 'KEEP',
      reason: 'NOT_COMPLETED',
    });
  });

  it('keeps a stopped continuous backup as continuous', () => {
    const continuous = sourceRecoveryPoint({
      RecoveryPointArn: 'arn:aws:backup:us-east-1:123456789012:recovery-point:continuous:db-1',
      Status: 'STOPPED',
    });
    expect(listingVerdict(continuous, false, CONTEXT)).toMatchObject({
      kind: 'KEEP',
      reason: 'CONTINUOUS_BACKUP',
    });
  });
});

describe('copyVerdict and copyOutlivesSource', () => {
  const source = sourceRecoveryPoint();
  const sameExpiryCopy: CopyReadBack = {
    RecoveryPointArn: ebs('copy'),
    Status: 'COMPLETED',
    CreationDate: source.CreationDate,
    Lifecycle: { DeleteAfterDays: 35 },
    CalculatedLifecycle: source.CalculatedLifecycle,
  };

  it('verifies a finished copy that expires when its source does', () => {
    expect(copyVerdict(source, [sameExpiryCopy], CONTEXT)).toEqual({
      kind: 'VERIFIED',
      copyRecoveryPointArn: ebs('copy'),
    });
  });

  it('accepts a copy whose status is AVAILABLE', () => {
    expect(copyVerdict(source, [{ ...sameExpiryCopy, Status: 'AVAILABLE' }], CONTEXT).kind).toBe('VERIFIED');
  });

  it('keeps a source whose only copy expires earlier', () => {
    const shorter = {
      ...sameExpiryCopy,
      Lifecycle: { DeleteAfterDays: 20 },
      CalculatedLifecycle: { DeleteAt: new Date(source.CreationDate!.getTime() + 20 * DAY_MS) },
    };
    expect(copyVerdict(source, [shorter], CONTEXT)).toMatchObject({
      kind: 'KEEP',
      reason: 'COPY_EXPIRES_EARLIER',
    });
  });

  it('keeps a source whose copy is DELETING, saying what was seen', () => {
    expect(copyVerdict(source, [{ ...sameExpiryCopy, Status: 'DELETING' }], CONTEXT)).toEqual({
      kind: 'KEEP',
      reason: 'NO_VERIFIED_COPY',
      detail: `No finished copy in the target vault (${ebs('copy')} is DELETING).`,
    });
  });

  it('names why a recovery point without a copy could not be copied', () => {
    const cold = sourceRecoveryPoint({ StorageClass: 'COLD' });
    expect(copyVerdict(cold, [], CONTEXT)).toMatchObject({ kind: 'KEEP', reason: 'COLD_STORAGE' });
    expect(copyVerdict(source, [], CONTEXT)).toMatchObject({ kind: 'KEEP', reason: 'NO_VERIFIED_COPY' });
  });

  it('treats a copy kept forever as outliving any source, and a source kept forever as outliving any dated copy', () => {
    const forever = { CreationDate: source.CreationDate };
    expect(copyOutlivesSource(source, forever)).toBe(true);
    expect(copyOutlivesSource(forever, sameExpiryCopy)).toBe(false);
    expect(copyOutlivesSource(forever, forever)).toBe(true);
  });
});

describe('indexCompletedCopies', () => {
  it('maps each source to the destinations of its COMPLETED copy jobs into the target only', () => {
    const index = indexCompletedCopies(
      [
        {
          State: 'COMPLETED',
          SourceRecoveryPointArn: 'a',
          DestinationRecoveryPointArn: 'a1',
          DestinationBackupVaultArn: TARGET_VAULT_ARN,
        },
        {
          State: 'COMPLETED',
          SourceRecoveryPointArn: 'a',
          DestinationRecoveryPointArn: 'a2',
          DestinationBackupVaultArn: TARGET_VAULT_ARN,
        },
        {
          State: 'COMPLETED',
          SourceRecoveryPointArn: 'a',
          DestinationRecoveryPointArn: 'a1',
          DestinationBackupVaultArn: TARGET_VAULT_ARN,
        },
        { State: 'FAILED', SourceRecoveryPointArn: 'b', DestinationBackupVaultArn: TARGET_VAULT_ARN },
        {
          State: 'COMPLETED',
          SourceRecoveryPointArn: 'c',
          DestinationRecoveryPointArn: 'c1',
          DestinationBackupVaultArn: SOURCE_VAULT_ARN,
        },
      ],
      TARGET_VAULT_ARN,
    );
    expect(Object.fromEntries(index)).toEqual({ a: ['a1', 'a2'] });
  });
});

describe('kept bookkeeping', () => {
  it('names legal holds and vault locks from the refusal message', () => {
    expect(deleteRefusalReason('Recovery point x is under a legal hold and cannot be deleted')).toBe(
      'LEGAL_HOLD',
    );
    expect(deleteRefusalReason('protected by the vault lock of legacy')).toBe('VAULT_LOCK');
    expect(deleteRefusalReason('is being copied and cannot be deleted now')).toBe('DELETE_REFUSED');
  });

  it('counts every kept recovery point but samples only the first few', () => {
    const state = initialProgress();
    for (let index = 0; index < RETIREMENT_LIMITS.sampleSize + 5; index++) {
      recordKept(state, ebs(String(index)), 'LEGAL_HOLD', 'held');
    }
    expect(state.kept).toEqual({ LEGAL_HOLD: RETIREMENT_LIMITS.sampleSize + 5 });
    expect(state.keptSample).toHaveLength(RETIREMENT_LIMITS.sampleSize);
    expect(state.keptSample[0]).toEqual({ rp: ebs('0'), why: 'LEGAL_HOLD: held' });
  });

  it('describes kept recovery points largest reason first', () => {
    expect(describeKept({ LEGAL_HOLD: 1, CONTINUOUS_BACKUP: 2 })).toBe(
      '3 recovery points kept: 2 continuous backups (cannot be copied), 1 under a legal hold (their copies in the target vault are not: legal holds do not travel with copies).',
    );
    expect(describeKept({})).toBeNull();
  });
});

describe('mapLimit', () => {
  it('never has more than the limit in flight and keeps the order of results', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (value) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, value));
      inFlight--;
      return value * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
  });

  it('starts nothing new after a failure and rethrows it once the calls in flight are done', async () => {
    const started: number[] = [];
    await expect(
      mapLimit([1, 2, 3, 4, 5], 2, async (value) => {
        started.push(value);
        if (value === 2) throw new Error('boom');
        await new Promise((resolve) => setTimeout(resolve, 5));
        return value;
      }),
    ).rejects.toThrow('boom');
    expect(started).toEqual([1, 2]);
  });
});

// ------------------------------------------------------------------ against the emulator

describe('deleteSourceVault against the emulator', () => {
  let emulator: Emulator;
  let restoreEnv: () => void;
  let keyArn: string;

  beforeEach(async () => {
    emulator = await emulatorForHandlers({ deleteDelayMs: 2 * MINUTE_MS });
    restoreEnv = withEnv({ ALLOW_SOURCE_DELETION: 'true' });
  });

  afterEach(async () => {
    restoreEnv();
    await stopEmulator(emulator);
  });

  function seedVaults(source: {
    recoveryPoints?: RecoveryPointSeed[];
    count?: number;
    lock?: boolean;
  }): void {
    emulator.seed({
      keys: [{ alias: 'alias/migration' }],
      vaults: [
        {
          name: 'legacy',
          encryptionKey: 'none',
          recoveryPoints: source.recoveryPoints ?? [],
          ...(source.count ? { generate: { count: source.count, mix: { EBS: 2, S3: 1, RDS: 1 } } } : {}),
          ...(source.lock ? { lock: { minRetentionDays: 1 } } : {}),
        },
        { name: 'legacy-encrypted', encryptionKey: 'alias/migration' },
      ],
    });
    keyArn = emulator.kms.findKey('alias/migration')!.arn;
  }

  /** Copies the named (default: every top-level warm snapshot) source recovery points, as the pump would. */
  function copyToTarget(filter: (arn: string) => boolean = () => true): number {
    let copies = 0;
    for (const recoveryPoint of [...emulator.backup.vaults.get('legacy')!.recoveryPoints.values()]) {
      if (recoveryPoint.parentRecoveryPointArn || recoveryPoint.isContinuous || !filter(recoveryPoint.arn))
        continue;
      if (recoveryPoint.status !== 'COMPLETED' || emulator.backup.storageClassOf(recoveryPoint) !== 'WARM')
        continue;
      emulator.backup.startCopyJob({
        RecoveryPointArn: recoveryPoint.arn,
        SourceBackupVaultName: 'legacy',
        DestinationBackupVaultArn: emulator.backup.vaultArn('legacy-encrypted'),
        IamRoleArn: COPY_ROLE_ARN,
      });
      copies++;
    }
    emulator.runUntilIdle();
    return copies;
  }

  function eventFor(
    overrides: Partial<Migration> = {},
    extra: Partial<RetirementEvent> = {},
  ): RetirementEvent {
    return {
      migration: migrationFor(emulator, { kmsKeyArn: keyArn, deleteSourceVault: true, ...overrides }),
      verification: verification({ verified: emulator.backup.copyJobs.size }),
      planRepoint: PLANS_REPOINTED,
      retirement: null,
      ...extra,
    };
  }

  /** Plays the state machine's loop: invoke, wait `waitSeconds` of simulated time, until done. */
  async function retireUntilDone(event: RetirementEvent, maxRounds = 60) {
    let state: RetirementProgress | null = null;
    let rounds = 0;
    do {
      state = await deleteSourceVault({ ...event, retirement: state }, emulator.clock.now());
      rounds++;
      if (!state.done) emulator.advance(Math.max(state.waitSeconds, 1) * 1000);
    } while (!state.done && rounds < maxRounds);
    return { state, rounds };
  }

  function sourceArns(): string[] {
    return [...(emulator.backup.vaults.get('legacy')?.recoveryPoints.keys() ?? [])];
  }

  /** Invariant 1: every source recovery point that is gone has a completed copy that exists in the target. */
  function expectNothingLost(before: readonly string[]): void {
    const remaining = new Set(sourceArns());
    const target = emulator.backup.vaults.get('legacy-encrypted')!.recoveryPoints;
    for (const arn of before.filter((candidate) => !remaining.has(candidate))) {
      const copy = [...emulator.backup.copyJobs.values()].find(
        (job) => job.sourceRecoveryPointArn === arn && job.state === 'COMPLETED',
      );
      expect(copy?.destinationRecoveryPointArn && target.has(copy.destinationRecoveryPointArn), arn).toBe(
        true,
      );
    }
  }

  it('deletes every verified recovery point page by page, then the vault, and reads both back', async () => {
    seedVaults({ count: 450 });
    expect(copyToTarget()).toBe(450);
    const before = sourceArns();
    emulator.resetStats();

    const { state, rounds } = await retireUntilDone(eventFor());

    expect(state).toMatchObject({
      done: true,
      vaultDeleted: true,
      deleted: 450,
      kept: {},
      keptSample: [],
      awaitingConfirmation: 0,
      vaultDeleteAttempts: 1,
      waitSeconds: 0,
    });
    expect(state.vaultKeptBecause).toBeUndefined();
    expect(emulator.backup.vaults.has('legacy')).toBe(false);
    expect(emulator.backup.vaults.get('legacy-encrypted')!.recoveryPoints.size).toBe(450);
    expectNothingLost(before);
    const calls = emulator.stats().calls;
    expect(calls.DeleteRecoveryPoint).toBe(450);
    // 3 pages of 200, each proven by a listing of its copies in the target and one of its twins in
    // the source; one listing a round reads the deletions back; one look at the emptied vault.
    expect(calls.DescribeRecoveryPoint ?? 0).toBe(0);
    expect(calls.ListRecoveryPointsByBackupVault).toBeLessThanOrEqual(3 * 3 + rounds + 1);
    expect(rounds).toBeLessThan(15);
  });

  it("does not take a deleted twin's copy for the copy of the twin left behind (invariant 1)", async () => {
    // A and B: one resource, one creation instant, listed pages apart. Only A is copied. Once A is
    // deleted B looks alone, and A's copy sits under B's key: it proves nothing for B.
    const twin = { resourceType: 'EBS', resourceId: 'vol-twin', createdDaysAgo: 3 };
    seedVaults({
      recoveryPoints: [
        { ...twin, arn: ebs('twin-a') },
        ...Array.from({ length: 450 }, (_, index) => ({ resourceType: 'S3', resourceId: `bucket-${index}` })),
        { ...twin, arn: ebs('twin-b') },
      ],
    });
    copyToTarget((arn) => arn !== ebs('twin-b'));
    const before = sourceArns();

    const { state } = await retireUntilDone(eventFor(), 200);

    expect(sourceArns()).toEqual([ebs('twin-b')]);
    expect(state).toMatchObject({ deleted: 451, vaultDeleted: false, kept: { NO_VERIFIED_COPY: 1 } });
    expectNothingLost(before);
  });

  it('falls back to reading each point when its page spans a crowded window (listing order not by creation)', async () => {
    // Listed in insertion order, created all over the last 1,200 days: each page of 200 spans
    // nearly the whole vault, more than one page of 1,000 per window.
    seedVaults({
      recoveryPoints: Array.from({ length: 1_200 }, (_, index) => ({
        resourceType: 'S3',
        resourceId: `bucket-${index}`,
        createdDaysAgo: ((index * 7919) % 1_200) + 1,
        lifecycle: { DeleteAfterDays: 2_000 },
      })),
    });
    expect(copyToTarget()).toBe(1_200);
    const before = sourceArns();
    emulator.resetStats();

    const { state } = await retireUntilDone(eventFor(), 200);

    expect(state).toMatchObject({ done: true, vaultDeleted: true, deleted: 1_200, kept: {} });
    expectNothingLost(before);
    // While the vault held more than a page in each window, the windows gave up and each point of
    // those pages was proven through its copy job and its copy read back on its own (later pages,
    // with the vault thinner, fit a window again).
    const calls = emulator.stats().calls;
    expect(calls.ListCopyJobs).toBeGreaterThanOrEqual(200);
    expect(calls.DescribeRecoveryPoint).toBeGreaterThanOrEqual(calls.ListCopyJobs ?? 0);
  });

  it('reads copies back a page at a time, not a copy-job listing of the whole target per round (calls grow with the vault, not with vault x rounds)', async () => {
    seedVaults({ count: 3_000 });
    expect(copyToTarget()).toBe(3_000);
    const before = sourceArns();
    emulator.resetStats();

    const { state } = await retireUntilDone(eventFor(), 200);

    expect(state).toMatchObject({ done: true, vaultDeleted: true, deleted: 3_000, kept: {} });
    expectNothingLost(before);
    const calls = emulator.stats().calls;
    expect(calls.DeleteRecoveryPoint).toBe(3_000);
    // Each page of 200 is proven with a few window listings (its copies in the target, its twins in
    // the source), not by listing every copy job into the target again in every round.
    expect(calls.ListCopyJobs ?? 0).toBeLessThan(3_000 / 200);
    const reads = Object.entries(calls)
      .filter(([operation]) => operation !== 'DeleteRecoveryPoint')
      .reduce((sum, [, count]) => sum + count, 0);
    expect(reads / 3_000).toBeLessThan(1.2);
  });

  it('does not slow down while each read-back confirms deletions (a large vault in steady rounds)', {
    timeout: 120_000,
  }, async () => {
    seedVaults({ count: 1200 });
    expect(copyToTarget()).toBe(1200);
    const started = emulator.clock.now().getTime();
    let state: RetirementProgress | null = null;
    const waits: number[] = [];
    for (let round = 0; round < 200 && !state?.done; round++) {
      state = await deleteSourceVault({ ...eventFor(), retirement: state }, emulator.clock.now());
      waits.push(state.waitSeconds);
      if (!state.done) emulator.advance(Math.max(state.waitSeconds, 1) * 1000);
    }
    expect(state?.done).toBe(true);
    expect(state?.deleted).toBe(1200);
    expect(state?.kept).toEqual({});
    // Deletions take 2 minutes here: no wait grows past a few minutes while they keep confirming.
    expect(Math.max(...waits)).toBeLessThanOrEqual(2 * RETIREMENT_WAITS.deletions);
    expect(emulator.clock.now().getTime() - started).toBeLessThan(2 * 3600 * 1000);
  });

  it('does not take one copy for two source points of one resource created at the same instant', async () => {
    const twin = {
      resourceType: 'EBS',
      resourceId: 'vol-twin',
      createdDaysAgo: 5,
      lifecycle: { DeleteAfterDays: 365 },
    };
    seedVaults({ recoveryPoints: [twin, twin] });
    const [first, second] = sourceArns();
    expect(copyToTarget((arn) => arn === first)).toBe(1);
    // Months later AWS no longer lists the copy job: only the target's recovery points are left.
    emulator.backup.settings.copyJobHistoryDays = 30;
    emulator.advance(60 * DAY_MS);

    const { state } = await retireUntilDone(eventFor());

    // Which of the two the copy belongs to cannot be told from the target: both stay.
    expect(sourceArns()).toEqual(expect.arrayContaining([first, second]));
    expect(state.deleted).toBe(0);
    expect(state.vaultDeleted).toBe(false);
  });

  it('keeps what it cannot prove copied, names each reason, and keeps the vault', async () => {
    seedVaults({
      recoveryPoints: [
        { resourceType: 'EBS', resourceId: 'plain' },
        { resourceType: 'S3', resourceId: 'held', legalHold: true },
        { resourceType: 'RDS', resourceId: 'pitr', continuous: true },
        { resourceType: 'EBS', resourceId: 'cold', storageClass: 'COLD' },
        { resourceType: 'EFS', resourceId: 'never-copied' },
      ],
    });
    const neverCopied = [...emulator.backup.vaults.get('legacy')!.recoveryPoints.values()].find(
      (rp) => rp.resourceName === 'never-copied',
    )!.arn;
    expect(copyToTarget((arn) => arn !== neverCopied)).toBe(2);
    const before = sourceArns();

    // Verification claims nothing is missing: retirement still checks each recovery point itself.
    const { state } = await retireUntilDone(eventFor());

    expect(state.done).toBe(true);
    expect(state.vaultDeleted).toBe(false);
    expect(state.deleted).toBe(1);
    expect(state.kept).toEqual({ LEGAL_HOLD: 1, CONTINUOUS_BACKUP: 1, COLD_STORAGE: 1, NO_VERIFIED_COPY: 1 });
    expect(state.keptSample.map((sample) => sample.rp).sort()).toEqual(
      before.filter((arn) => sourceArns().includes(arn)).sort(),
    );
    expect(state.vaultKeptBecause).toBe(
      'Source vault legacy is kept: 4 recovery points kept: 1 in cold storage (cannot be copied), ' +
        '1 continuous backups (cannot be copied), 1 under a legal hold (their copies in the target vault are not: legal holds do not travel with copies), 1 without a completed copy in the target vault.',
    );
    expect(sourceArns()).toHaveLength(4);
    expect(sourceArns()).toContain(neverCopied);
    expect(emulator.stats().calls.DeleteBackupVault).toBeUndefined();
    expectNothingLost(before);
  });

  it('deletes a composite parent and counts the nested recovery points it takes along', async () => {
    seedVaults({
      recoveryPoints: [{ resourceType: 'CloudFormation', resourceId: 'stack', compositeMembers: 2 }],
    });
    expect(copyToTarget()).toBe(1);
    const before = sourceArns();
    expect(before).toHaveLength(3);

    const { state } = await retireUntilDone(eventFor());

    expect(state).toMatchObject({ done: true, vaultDeleted: true, deleted: 3, kept: {} });
    // Only the parent is deleted explicitly: the emulator, like AWS, deletes the children with it.
    expect(emulator.stats().calls.DeleteRecoveryPoint).toBe(1);
    expectNothingLost(before);
  });

  it('keeps a recovery point whose DeleteRecoveryPoint returned 200 but left it EXPIRED', async () => {
    seedVaults({ recoveryPoints: [{ resourceType: 'EBS' }, { resourceType: 'EBS' }] });
    copyToTarget();
    const [stubborn, regular] = sourceArns();
    emulator.setFaults({ silentDeleteFailures: [stubborn!] });

    const { state } = await retireUntilDone(eventFor());

    expect(state.deleted).toBe(1);
    expect(state.kept).toEqual({ DELETE_DID_NOT_TAKE: 1 });
    expect(state.keptSample).toEqual([
      {
        rp: stubborn,
        why: 'DELETE_DID_NOT_TAKE: DeleteRecoveryPoint succeeded but the recovery point is EXPIRED (AWS does this without permission).',
      },
    ]);
    expect(state.vaultDeleted).toBe(false);
    expect(sourceArns()).toEqual([stubborn]);
    expect(sourceArns()).not.toContain(regular);
  });

  it('retries DeleteBackupVault through ERROR_9101 just after the vault was emptied', async () => {
    seedVaults({ recoveryPoints: [{ resourceType: 'S3' }] });
    copyToTarget();
    emulator.setFaults({ emptyVaultDeleteFailures: 2 });

    const { state } = await retireUntilDone(eventFor());

    expect(state).toMatchObject({ done: true, vaultDeleted: true, deleted: 1, vaultDeleteAttempts: 3 });
    expect(emulator.stats().injected.vaultDeleteConsistency).toBe(2);
    expect(emulator.backup.vaults.has('legacy')).toBe(false);
  });

  it('keeps the vault after ten ERROR_9101 answers, saying so', async () => {
    seedVaults({ recoveryPoints: [{ resourceType: 'S3' }] });
    copyToTarget();
    emulator.setFaults({ emptyVaultDeleteFailures: 50 });

    const { state } = await retireUntilDone(eventFor());

    expect(state.done).toBe(true);
    expect(state.vaultDeleted).toBe(false);
    expect(state.vaultDeleteAttempts).toBe(RETIREMENT_LIMITS.maxVaultDeleteAttempts);
    expect(state.vaultKeptBecause).toMatch(
      /DeleteBackupVault failed \(attempt 10\): InvalidRequestException/,
    );
    expect(emulator.backup.vaults.get('legacy')!.recoveryPoints.size).toBe(0);
  });

  it('keeps a locked vault whole without trying a single deletion', async () => {
    seedVaults({ recoveryPoints: [{ resourceType: 'EBS' }, { resourceType: 'S3' }], lock: true });
    copyToTarget();
    emulator.resetStats();

    const { state, rounds } = await retireUntilDone(eventFor());

    expect(rounds).toBe(1);
    expect(state.kept).toEqual({ VAULT_LOCK: 2 });
    expect(state.vaultKeptBecause).toMatch(
      /^Source vault legacy is locked \(vault lock\)\. 2 recovery points kept/,
    );
    expect(emulator.mutations()).toEqual([]);
  });

  it('changes nothing and keeps everything when verification found missing copies', async () => {
    seedVaults({ recoveryPoints: [{ resourceType: 'EBS' }] });
    copyToTarget();
    emulator.resetStats();

    const state = await deleteSourceVault(eventFor({}, { verification: verification({ missing: 2 }) }));

    expect(state).toMatchObject({ done: true, deleted: 0, vaultDeleted: false, waitSeconds: 0 });
    expect(state.vaultKeptBecause).toBe(
      'Source vault kept: 2 recovery points have no verified copy in the target vault.',
    );
    expect(emulator.stats().totalCalls).toBe(0);
  });

  it('changes nothing when a backup plan could not be repointed', async () => {
    seedVaults({ recoveryPoints: [{ resourceType: 'EBS' }] });
    copyToTarget();
    emulator.resetStats();
    const planRepoint = {
      ...PLANS_REPOINTED,
      failures: [{ backupPlanId: 'p-9', backupPlanName: 'weekly', reason: 'LimitExceededException' }],
    };

    const state = await deleteSourceVault(eventFor({}, { planRepoint }));

    expect(state.vaultKeptBecause).toMatch(/\(weekly\)/);
    expect(emulator.mutations()).toEqual([]);
    expect(sourceArns()).toHaveLength(1);
  });

  it('refuses with DeletionNotAllowed before any AWS call when the deployment does not allow deletions', async () => {
    seedVaults({ recoveryPoints: [{ resourceType: 'EBS' }] });
    copyToTarget();
    emulator.resetStats();
    const restore = withEnv({ ALLOW_SOURCE_DELETION: undefined });
    try {
      await expect(deleteSourceVault(eventFor())).rejects.toMatchObject({ name: 'DeletionNotAllowed' });
    } finally {
      restore();
    }
    expect(emulator.stats().totalCalls).toBe(0);
    expect(emulator.mutations()).toEqual([]);
  });

  it('refuses with DeletionNotAllowed when the migration did not ask to delete its source', async () => {
    seedVaults({ recoveryPoints: [{ resourceType: 'EBS' }] });
    emulator.resetStats();
    await expect(deleteSourceVault(eventFor({ deleteSourceVault: false }))).rejects.toMatchObject({
      name: 'DeletionNotAllowed',
      message: expect.stringMatching(/did not ask/),
    });
    expect(emulator.mutations()).toEqual([]);
  });

  it('rejects a malformed event with InvalidInput, naming the field, and changes nothing', async () => {
    seedVaults({ recoveryPoints: [{ resourceType: 'EBS' }] });
    emulator.resetStats();
    const event = eventFor();
    const broken = { ...event, migration: { ...event.migration, sourceVaultName: 'bad name!' } };
    await expect(deleteSourceVault(broken)).rejects.toMatchObject({
      name: 'InvalidInput',
      message: expect.stringMatching(/migration\.sourceVaultName/),
    });
    expect(emulator.stats().totalCalls).toBe(0);
  });

  it('finishes under 20% throttling thanks to the client retries', async () => {
    seedVaults({ count: 20 });
    copyToTarget();
    const before = sourceArns();
    emulator.setFaults({ throttleRate: { '*': 0.2 } });

    const { state } = await retireUntilDone(eventFor());

    expect(state).toMatchObject({ done: true, vaultDeleted: true, deleted: 20, kept: {} });
    expect(emulator.stats().injected.throttles).toBeGreaterThan(0);
    expectNothingLost(before);
  });

  it('reads a copy the target does not list yet through its copy jobs, one source at a time', async () => {
    seedVaults({
      recoveryPoints: [{ resourceType: 'EBS' }, { resourceType: 'S3' }, { resourceType: 'RDS' }],
    });
    emulator.backup.settings.listingLagMs = 30 * 24 * 3600 * 1000;
    copyToTarget();
    emulator.resetStats();

    const { state } = await retireUntilDone(eventFor());

    expect(state).toMatchObject({ vaultDeleted: true, deleted: 3 });
    expect(emulator.stats().calls.ListCopyJobs).toBe(3);
    expect(emulator.stats().calls.DescribeRecoveryPoint).toBe(3);
  });

  it('returns a finished state as it is, without calling AWS', async () => {
    seedVaults({ recoveryPoints: [{ resourceType: 'EBS' }] });
    emulator.resetStats();
    const finished: RetirementProgress = { ...initialProgress(), done: true, deleted: 7, vaultDeleted: true };
    const event = { ...eventFor(), retirement: finished };

    expect(await deleteSourceVault(event)).toEqual(finished);
    expect(emulator.stats().totalCalls).toBe(0);
  });

  it('does not claim a source vault that was gone before it called DeleteBackupVault as retired', async () => {
    seedVaults({});
    emulator.backup.vaults.delete('legacy');

    const state = await deleteSourceVault(eventFor());

    expect(state).toMatchObject({ done: true, vaultDeleted: false, deleted: 0 });
    expect(state.vaultKeptBecause).toMatch(/not found before this retirement called DeleteBackupVault/);
  });

  it('verifies copies from the target vault once copy-job history has ended, and deletes only those', async () => {
    emulator.backup.settings.copyJobHistoryDays = 30;
    seedVaults({
      recoveryPoints: Array.from({ length: 4 }, (_, index) => ({
        resourceType: 'EBS',
        resourceId: `vol-${index}`,
        lifecycle: { DeleteAfterDays: 400 },
      })),
    });
    copyToTarget();
    emulator.advance(90 * DAY_MS);
    expect(emulator.backup.listCopyJobs({}, 100).CopyJobs).toEqual([]);
    const target = emulator.backup.vaults.get('legacy-encrypted')!;
    const lost = [...target.recoveryPoints.values()][0]!;
    emulator.backup.loseRecoveryPoint('legacy-encrypted', lost.arn);
    const before = [...emulator.backup.vaults.get('legacy')!.recoveryPoints.values()].map((rp) => ({
      arn: rp.arn,
      key: `${rp.resourceArn}|${rp.creationDate.getTime()}`,
    }));

    const { state } = await retireUntilDone(eventFor({}, { verification: verification({ verified: 4 }) }));

    expect(state.deleted).toBe(3);
    expect(state.kept).toEqual({ NO_VERIFIED_COPY: 1 });
    const kept = sourceArns();
    expect(kept).toHaveLength(1);
    expect(emulator.backup.vaults.get('legacy')!.recoveryPoints.get(kept[0]!)?.resourceArn).toBe(
      lost.resourceArn,
    );
    expectNothingLostByTarget(before);
  });

  /** Invariant 1 without copy jobs: every source gone has a completed copy of its resource and date in the target. */
  function expectNothingLostByTarget(before: ReadonlyArray<{ arn: string; key: string }>): void {
    const remaining = new Set(sourceArns());
    const copies = new Set(
      [...emulator.backup.vaults.get('legacy-encrypted')!.recoveryPoints.values()]
        .filter((copy) => copy.status === 'COMPLETED')
        .map((copy) => `${copy.resourceArn}|${copy.creationDate.getTime()}`),
    );
    for (const { arn, key } of before.filter((source) => !remaining.has(source.arn))) {
      expect(copies.has(key), arn).toBe(true);
    }
  }
});

// ------------------------------------------------------------------ error paths with aws-sdk-client-mock

describe('deleteSourceVault with a mocked AWS Backup', () => {
  // Created in beforeAll: mockClient patches BackupClient.prototype, which the emulator tests must not see.
  let backup: AwsClientStub<BackupClient>;
  let restoreEnv: () => void;
  const migration: Migration = {
    executionId: 'exec-1',
    sourceVaultName: 'legacy',
    sourceVaultArn: SOURCE_VAULT_ARN,
    targetVaultName: 'legacy-encrypted',
    targetVaultArn: TARGET_VAULT_ARN,
    kmsKeyArn: TARGET_KEY,
    deleteSourceVault: true,
    dryRun: false,
    maxConcurrentCopies: 20,
    startedAt: NOW.toISOString(),
    status: 'READY',
  };
  const event = (overrides: Partial<Migration> = {}): RetirementEvent => ({
    migration: { ...migration, ...overrides },
    verification: verification({ verified: 2 }),
    planRepoint: PLANS_REPOINTED,
    retirement: null,
  });

  beforeAll(() => {
    backup = mockClient(BackupClient);
  });

  beforeEach(() => {
    backup.reset();
    resetClients();
    restoreEnv = withEnv({ ALLOW_SOURCE_DELETION: 'true' });
    backup
      .on(DescribeBackupVaultCommand)
      .resolves({ BackupVaultName: 'legacy', Locked: false, NumberOfRecoveryPoints: 2 });
    // The target lists no copy (yet): each test's copies are read through their copy jobs.
    backup
      .on(ListRecoveryPointsByBackupVaultCommand, { BackupVaultName: 'legacy-encrypted' })
      .resolves({ RecoveryPoints: [] });
  });

  afterEach(() => {
    restoreEnv();
    resetClients();
  });

  afterAll(() => {
    backup.restore();
  });

  function copyOf(source: RecoveryPointByBackupVault, copyArn: string, days = 35): CopyReadBack {
    return {
      RecoveryPointArn: copyArn,
      Status: 'COMPLETED',
      CreationDate: source.CreationDate,
      Lifecycle: { DeleteAfterDays: days },
      CalculatedLifecycle: { DeleteAt: new Date(source.CreationDate!.getTime() + days * DAY_MS) },
    };
  }

  it('reads every page of COMPLETED copy jobs into the target before deciding', async () => {
    const source = sourceRecoveryPoint({ RecoveryPointArn: ebs('late') });
    backup
      .on(ListRecoveryPointsByBackupVaultCommand, { BackupVaultName: 'legacy' })
      .resolves({ RecoveryPoints: [source] });
    // The SDK's paginators reuse one input object from page to page: each request is noted as sent.
    const listCalls: unknown[] = [];
    const pages = [
      {
        CopyJobs: [
          {
            State: 'COMPLETED' as const,
            SourceRecoveryPointArn: ebs('other'),
            DestinationRecoveryPointArn: ebs('o1'),
          },
        ],
        NextToken: 'page-2',
      },
      {
        CopyJobs: [
          {
            State: 'COMPLETED' as const,
            SourceRecoveryPointArn: ebs('late'),
            DestinationRecoveryPointArn: ebs('c1'),
          },
        ],
      },
    ];
    backup.on(ListCopyJobsCommand).callsFake((input: object) => {
      listCalls.push(JSON.parse(JSON.stringify(input)));
      return pages.shift() ?? { CopyJobs: [] };
    });
    backup
      .on(DescribeRecoveryPointCommand, { BackupVaultName: 'legacy-encrypted' })
      .resolves(copyOf(source, ebs('c1')));
    backup.on(DeleteRecoveryPointCommand).resolves({});

    const state = await deleteSourceVault(event(), NOW);

    expect(listCalls).toEqual([
      {
        ByDestinationVaultArn: TARGET_VAULT_ARN,
        BySourceRecoveryPointArn: ebs('late'),
        ByState: 'COMPLETED',
        MaxResults: 1000,
      },
      {
        ByDestinationVaultArn: TARGET_VAULT_ARN,
        BySourceRecoveryPointArn: ebs('late'),
        ByState: 'COMPLETED',
        MaxResults: 1000,
        NextToken: 'page-2',
      },
    ]);
    expect(backup.commandCalls(DeleteRecoveryPointCommand).map((call) => call.args[0].input)).toEqual([
      { BackupVaultName: 'legacy', RecoveryPointArn: ebs('late') },
    ]);
    expect(state).toMatchObject({
      pending: [ebs('late')],
      awaitingConfirmation: 1,
      listingDone: true,
      done: false,
    });
    expect(state.waitSeconds).toBe(60);
  });

  it('names legal hold and vault lock refusals of DeleteRecoveryPoint and keeps the vault', async () => {
    const held = sourceRecoveryPoint({ RecoveryPointArn: ebs('held') });
    const locked = sourceRecoveryPoint({ RecoveryPointArn: ebs('locked') });
    backup
      .on(ListRecoveryPointsByBackupVaultCommand, { BackupVaultName: 'legacy' })
      .resolves({ RecoveryPoints: [held, locked] });
    backup.on(ListCopyJobsCommand).resolves({
      CopyJobs: [
        {
          State: 'COMPLETED',
          SourceRecoveryPointArn: ebs('held'),
          DestinationRecoveryPointArn: ebs('c-held'),
        },
        {
          State: 'COMPLETED',
          SourceRecoveryPointArn: ebs('locked'),
          DestinationRecoveryPointArn: ebs('c-locked'),
        },
      ],
    });
    backup.on(DescribeRecoveryPointCommand).resolves(copyOf(held, ebs('c-any')));
    backup
      .on(DeleteRecoveryPointCommand, { RecoveryPointArn: ebs('held') })
      .rejects(new InvalidRequestException({ message: 'Recovery point is under legal hold', $metadata: {} }));
    backup
      .on(DeleteRecoveryPointCommand, { RecoveryPointArn: ebs('locked') })
      .rejects(new InvalidRequestException({ message: 'Protected by the vault lock', $metadata: {} }));

    const state = await deleteSourceVault(event(), NOW);

    expect(state.kept).toEqual({ LEGAL_HOLD: 1, VAULT_LOCK: 1 });
    expect(state.done).toBe(true);
    expect(state.vaultKeptBecause).toBe(
      'Source vault legacy is kept: 2 recovery points kept: 1 under a legal hold (their copies in the target vault are not: legal holds do not travel with copies), 1 protected by the vault lock.',
    );
    expect(backup.commandCalls(DeleteBackupVaultCommand)).toHaveLength(0);
  });

  it('reads back a deletion pending from an earlier state on its own, not from a window opened after it', async () => {
    // A was deleted by an earlier round whose state had no window; B is deleted by this one. A
    // window opened for B says nothing of A: A must be described, and it did not take (EXPIRED).
    const earlier = ebs('earlier');
    const source = sourceRecoveryPoint();
    let sourceDeleted = false;
    backup
      .on(ListRecoveryPointsByBackupVaultCommand, { BackupVaultName: 'legacy' })
      .callsFake((input: { ByCreatedAfter?: Date }) => ({
        RecoveryPoints: input.ByCreatedAfter !== undefined && sourceDeleted ? [] : [source],
      }));
    backup.on(ListCopyJobsCommand).resolves({
      CopyJobs: [
        { State: 'COMPLETED', SourceRecoveryPointArn: ebs('1'), DestinationRecoveryPointArn: ebs('c1') },
      ],
    });
    backup
      .on(DescribeRecoveryPointCommand, { BackupVaultName: 'legacy-encrypted' })
      .resolves(copyOf(source, ebs('c1')));
    backup
      .on(DescribeRecoveryPointCommand, { BackupVaultName: 'legacy', RecoveryPointArn: earlier })
      .resolvesOnce({ RecoveryPointArn: earlier, Status: 'DELETING' })
      .resolves({ RecoveryPointArn: earlier, Status: 'EXPIRED' });
    backup.on(DeleteRecoveryPointCommand).callsFake(() => {
      sourceDeleted = true;
      return {};
    });
    const resumed = { ...initialProgress(), pending: [earlier] } as Partial<RetirementProgress>;
    delete resumed.pendingWindow;

    const first = await deleteSourceVault({ ...event(), retirement: resumed as RetirementProgress }, NOW);
    expect(first.pending).toEqual([earlier, ebs('1')]);
    const second = await deleteSourceVault({ ...event(), retirement: first }, NOW);

    expect(second.kept).toMatchObject({ DELETE_DID_NOT_TAKE: 1 });
    expect(second.deleted).toBe(1);
  });

  it('keeps a source whose copy expires before it would', async () => {
    const source = sourceRecoveryPoint();
    backup
      .on(ListRecoveryPointsByBackupVaultCommand, { BackupVaultName: 'legacy' })
      .resolves({ RecoveryPoints: [source] });
    backup.on(ListCopyJobsCommand).resolves({
      CopyJobs: [
        { State: 'COMPLETED', SourceRecoveryPointArn: ebs('1'), DestinationRecoveryPointArn: ebs('c1') },
      ],
    });
    backup.on(DescribeRecoveryPointCommand).resolves(copyOf(source, ebs('c1'), 7));

    const state = await deleteSourceVault(event(), NOW);

    expect(state.kept).toEqual({ COPY_EXPIRES_EARLIER: 1 });
    expect(backup.commandCalls(DeleteRecoveryPointCommand)).toHaveLength(0);
  });

  it('lets a throttling error that outlasted the client retries fail the round, for the state machine to retry', async () => {
    const source = sourceRecoveryPoint();
    backup
      .on(ListRecoveryPointsByBackupVaultCommand, { BackupVaultName: 'legacy' })
      .resolves({ RecoveryPoints: [source] });
    backup.on(ListCopyJobsCommand).resolves({
      CopyJobs: [
        { State: 'COMPLETED', SourceRecoveryPointArn: ebs('1'), DestinationRecoveryPointArn: ebs('c1') },
      ],
    });
    backup.on(DescribeRecoveryPointCommand).resolves(copyOf(source, ebs('c1')));
    backup
      .on(DeleteRecoveryPointCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: {} }));

    await expect(deleteSourceVault(event(), NOW)).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  it('keeps the vault at once when DeleteBackupVault is refused for another reason than ERROR_9101', async () => {
    backup
      .on(ListRecoveryPointsByBackupVaultCommand, { BackupVaultName: 'legacy' })
      .resolves({ RecoveryPoints: [] });
    backup
      .on(DeleteBackupVaultCommand)
      .rejects(
        new InvalidRequestException({ message: 'Vault is in use', Code: 'ERROR_2000', $metadata: {} }),
      );

    const state = await deleteSourceVault(event(), NOW);

    expect(state).toMatchObject({ done: true, vaultDeleted: false, vaultDeleteAttempts: 1 });
    expect(state.vaultKeptBecause).toBe(
      'Source vault legacy is kept: DeleteBackupVault failed (attempt 1): InvalidRequestException: Vault is in use',
    );
  });

  const accessDenied = () =>
    Object.assign(new Error('Insufficient privileges'), { name: 'AccessDeniedException', $metadata: {} });

  it('does not read a 403 on its first DescribeBackupVault as a deletion while ListBackupVaults lists the vault', async () => {
    backup.on(DescribeBackupVaultCommand).rejects(accessDenied());
    backup.on(ListBackupVaultsCommand).resolves({ BackupVaultList: [{ BackupVaultName: 'legacy' }] });

    const state = await deleteSourceVault(event(), NOW);

    expect(state).toMatchObject({ done: true, vaultDeleted: false, deleted: 0 });
    expect(state.vaultKeptBecause).toMatch(/reading it was denied/);
    expect(backup.commandCalls(DeleteRecoveryPointCommand)).toHaveLength(0);
  });

  it('treats a 403 after its own DeleteBackupVault as gone only once ListBackupVaults confirms it', async () => {
    backup.on(DescribeBackupVaultCommand).rejects(accessDenied());
    backup.on(ListBackupVaultsCommand).resolves({ BackupVaultList: [{ BackupVaultName: 'other' }] });

    const state = await deleteSourceVault(
      {
        ...event(),
        retirement: { ...initialProgress(), listingDone: true, vaultDeleteAttempts: 1, pending: [ebs('1')] },
      },
      NOW,
    );

    expect(state).toMatchObject({ done: true, vaultDeleted: true, deleted: 1, pending: [] });
    expect(backup.commandCalls(ListBackupVaultsCommand)).toHaveLength(1);
  });

  describe('retiring with an expiry instead of deleting (UpdateRecoveryPointLifecycle)', () => {
    it('sets each verified recovery point to expire after N days, counts it, and keeps the vault', async () => {
      const longLived = sourceRecoveryPoint({
        RecoveryPointArn: ebs('long'),
        CreationDate: daysBefore(NOW, 10),
        Lifecycle: { DeleteAfterDays: 365 },
        CalculatedLifecycle: { DeleteAt: new Date(daysBefore(NOW, 10).getTime() + 365 * DAY_MS) },
      });
      const soonGone = sourceRecoveryPoint({ RecoveryPointArn: ebs('soon') });
      const refused = sourceRecoveryPoint({
        RecoveryPointArn: ebs('refused'),
        Lifecycle: { DeleteAfterDays: 365 },
        CalculatedLifecycle: { DeleteAt: new Date(daysBefore(NOW, 10).getTime() + 365 * DAY_MS) },
      });
      const unverified = sourceRecoveryPoint({ RecoveryPointArn: ebs('unverified') });
      backup
        .on(ListRecoveryPointsByBackupVaultCommand)
        .resolves({ RecoveryPoints: [longLived, soonGone, refused, unverified] });
      // The target holds no copy of `unverified` either.
      backup
        .on(ListRecoveryPointsByBackupVaultCommand, { BackupVaultName: 'legacy-encrypted' })
        .resolves({ RecoveryPoints: [] });
      backup.on(ListCopyJobsCommand).resolves({
        CopyJobs: ['long', 'soon', 'refused'].map((id) => ({
          State: 'COMPLETED' as const,
          SourceRecoveryPointArn: ebs(id),
          DestinationRecoveryPointArn: ebs(`c-${id}`),
        })),
      });
      backup.on(DescribeRecoveryPointCommand).callsFake((input: { RecoveryPointArn: string }) => ({
        RecoveryPointArn: input.RecoveryPointArn,
        Status: 'COMPLETED',
        CreationDate: daysBefore(NOW, 10),
      }));
      backup.on(UpdateRecoveryPointLifecycleCommand, { RecoveryPointArn: ebs('long') }).resolves({
        CalculatedLifecycle: { DeleteAt: new Date(daysBefore(NOW, 10).getTime() + 40 * DAY_MS) },
      });
      backup
        .on(UpdateRecoveryPointLifecycleCommand, { RecoveryPointArn: ebs('refused') })
        .rejects(new InvalidParameterValueException({ message: 'Lifecycle not allowed', $metadata: {} }));

      const state = await deleteSourceVault(event({ retireAfterDays: 30 }), NOW);

      expect(
        backup.commandCalls(UpdateRecoveryPointLifecycleCommand).map((call) => call.args[0].input),
      ).toEqual([
        { BackupVaultName: 'legacy', RecoveryPointArn: ebs('long'), Lifecycle: { DeleteAfterDays: 40 } },
        { BackupVaultName: 'legacy', RecoveryPointArn: ebs('refused'), Lifecycle: { DeleteAfterDays: 40 } },
      ]);
      expect(state.retiredWithExpiry).toBe(2);
      expect(state.deleted).toBe(0);
      expect(state.kept).toEqual({ LIFECYCLE_UPDATE_REFUSED: 1, NO_VERIFIED_COPY: 1 });
      expect(state.done).toBe(true);
      expect(state.vaultDeleted).toBe(false);
      expect(state.vaultKeptBecause).toMatch(
        /^Verified source recovery points were set to expire within 30 days/,
      );
      expect(backup.commandCalls(DeleteRecoveryPointCommand)).toHaveLength(0);
      expect(backup.commandCalls(DeleteBackupVaultCommand)).toHaveLength(0);
    });

    it('keeps a recovery point when AWS reports an expiry later than the one asked for', async () => {
      const source = sourceRecoveryPoint({
        Lifecycle: { DeleteAfterDays: 365 },
        CalculatedLifecycle: { DeleteAt: new Date(daysBefore(NOW, 10).getTime() + 365 * DAY_MS) },
      });
      backup
        .on(ListRecoveryPointsByBackupVaultCommand, { BackupVaultName: 'legacy' })
        .resolves({ RecoveryPoints: [source] });
      backup.on(ListCopyJobsCommand).resolves({
        CopyJobs: [
          { State: 'COMPLETED', SourceRecoveryPointArn: ebs('1'), DestinationRecoveryPointArn: ebs('c1') },
        ],
      });
      backup.on(DescribeRecoveryPointCommand).resolves({ RecoveryPointArn: ebs('c1'), Status: 'COMPLETED' });
      backup
        .on(UpdateRecoveryPointLifecycleCommand)
        .resolves({ CalculatedLifecycle: source.CalculatedLifecycle });

      const state = await deleteSourceVault(event({ retireAfterDays: 30 }), NOW);

      expect(state.retiredWithExpiry).toBe(0);
      expect(state.kept).toEqual({ LIFECYCLE_UPDATE_REFUSED: 1 });
    });
  });

  it('refuses with DeletionNotAllowed for a dry run without calling AWS', async () => {
    await expect(deleteSourceVault(event({ dryRun: true }), NOW)).rejects.toMatchObject({
      name: 'DeletionNotAllowed',
    });
    expect(backup.calls()).toHaveLength(0);
  });

  it('counts a recovery point already gone when DeleteRecoveryPoint is called as deleted', async () => {
    const source = sourceRecoveryPoint();
    backup
      .on(ListRecoveryPointsByBackupVaultCommand, { BackupVaultName: 'legacy' })
      .resolves({ RecoveryPoints: [source] });
    backup.on(ListCopyJobsCommand).resolves({
      CopyJobs: [
        { State: 'COMPLETED', SourceRecoveryPointArn: ebs('1'), DestinationRecoveryPointArn: ebs('c1') },
      ],
    });
    backup.on(DescribeRecoveryPointCommand).resolves(copyOf(source, ebs('c1')));
    backup
      .on(DeleteRecoveryPointCommand)
      .rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));

    const state = await deleteSourceVault(event(), NOW);

    expect(state.deleted).toBe(1);
    expect(state.pending).toEqual([]);
  });
});
