import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '#emulator/index.ts';
import type { CopyState, Migration, VerificationState } from '#shared/contracts.ts';
import { copyRecoveryPoints } from '../../lambdas/copy-recovery-points/handler.ts';
import { judgeCopy, verifyMigration } from '../../lambdas/verify-migration/handler.ts';
import {
  COPY_ROLE_ARN,
  emulatorForHandlers,
  invalidInputMessages,
  migrationFor,
  stopEmulator,
  withEnv,
} from './helpers.ts';

const DAY = 86_400_000;
const created = new Date('2026-05-01T00:00:00Z');
const migration = {
  kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/target',
  startedAt: '2026-06-01T00:00:00.000Z',
};

describe('judging one copy', () => {
  const source = {
    RecoveryPointArn: 'arn:src',
    ResourceArn: 'arn:res',
    CreationDate: created,
    Status: 'COMPLETED' as const,
    CalculatedLifecycle: { DeleteAt: new Date(created.getTime() + 100 * DAY) },
  };

  it('verifies a finished copy with the target key and the same expiry', () => {
    const verdict = judgeCopy(
      source,
      [{ ...source, RecoveryPointArn: 'arn:copy', IsEncrypted: true, EncryptionKeyArn: migration.kmsKeyArn }],
      migration,
    );
    expect(verdict).toEqual({
      verified: true,
      duplicate: false,
      encryption: 'TARGET_KEY',
      retentionShortened: false,
    });
  });

  it('flags a copy that expires earlier than its source', () => {
    const verdict = judgeCopy(
      source,
      [
        {
          ...source,
          IsEncrypted: false,
          CalculatedLifecycle: { DeleteAt: new Date(created.getTime() + 50 * DAY) },
        },
      ],
      migration,
    );
    expect(verdict).toMatchObject({ verified: true, encryption: 'UNENCRYPTED', retentionShortened: true });
  });

  it('flags a copy kept forever while its source expires', () => {
    const verdict = judgeCopy(source, [{ ...source, CalculatedLifecycle: undefined }], migration);
    expect(verdict).toMatchObject({ verified: true, retentionShortened: true });
  });

  it('flags a copy that expires while its source is kept forever (retention judged as the report and retirement judge it)', () => {
    const forever = { ...source, CalculatedLifecycle: undefined };
    const verdict = judgeCopy(forever, [{ ...source, RecoveryPointArn: 'arn:copy' }], migration);
    expect(verdict).toMatchObject({ verified: true, retentionShortened: true });
    expect(judgeCopy(forever, [{ ...forever, RecoveryPointArn: 'arn:copy' }], migration)).toMatchObject({
      retentionShortened: false,
    });
  });

  it('does not verify a copy that is still being created, and says why', () => {
    const verdict = judgeCopy(source, [{ ...source, Status: 'CREATING' }], migration);
    expect(verdict).toEqual({ verified: false, newSinceStart: false, why: 'copy is CREATING' });
  });

  it('marks a missing copy of a backup made after the start as new', () => {
    const late = { ...source, CreationDate: new Date('2026-06-02T00:00:00Z') };
    expect(judgeCopy(late, [], migration)).toEqual({
      verified: false,
      newSinceStart: true,
      why: 'no copy in the target vault',
    });
  });

  it('counts two finished copies as a duplicate', () => {
    expect(judgeCopy(source, [source, source], migration)).toMatchObject({ verified: true, duplicate: true });
  });
});

describe('verify-migration against the emulator', () => {
  let emulator: Emulator;
  let restoreEnv: () => void;
  let plan: Migration;

  beforeEach(async () => {
    restoreEnv = withEnv({ COPY_ROLE_ARN, MAX_SWEEPS: '3' });
    emulator = await emulatorForHandlers({ randomSeed: 11 });
    const keyArn = emulator.kms.addKey({ alias: 'alias/target' }).arn;
    emulator.seed({
      vaults: [
        {
          name: 'legacy',
          encryptionKey: 'none',
          generate: { count: 60, perResource: 2, mix: { EBS: 1, EFS: 1 } },
          recoveryPoints: [
            { resourceType: 'EBS', continuous: true },
            { resourceType: 'RDS', status: 'PARTIAL' },
          ],
        },
        { name: 'legacy-encrypted', encryptionKey: 'alias/target' },
      ],
    });
    plan = migrationFor(emulator, { kmsKeyArn: keyArn, maxConcurrentCopies: 20 });
  });

  afterEach(async () => {
    await stopEmulator(emulator);
    restoreEnv();
  });

  async function pump(sweep = 0): Promise<CopyState> {
    let copy: CopyState | null = null;
    for (let round = 0; round < 300; round++) {
      copy = await copyRecoveryPoints({ migration: plan, copy, sweep }, emulator.clock.now());
      if (copy.done) break;
      emulator.advance(copy.waitSeconds * 1000);
    }
    return copy as CopyState;
  }

  async function verify(copy: CopyState | null): Promise<VerificationState> {
    let verification: VerificationState | null = null;
    for (let call = 0; call < 20 && !verification?.done; call++) {
      verification = await verifyMigration({ migration: plan, verification, copy }, emulator.clock.now());
    }
    return verification as VerificationState;
  }

  /** A vault of 5,500 recovery points (more than one invocation verifies), and its migration. */
  function seedBigVault(): Migration {
    emulator.seed({
      vaults: [{ name: 'big', encryptionKey: 'none', generate: { count: 5500, perResource: 5 } }],
    });
    return migrationFor(emulator, {
      kmsKeyArn: plan.kmsKeyArn,
      sourceVaultName: 'big',
      targetVaultName: 'legacy-encrypted',
    });
  }

  it('verifies every copyable recovery point and tallies real encryption outcomes', async () => {
    const copy = await pump();
    const verification = await verify(copy);
    expect(verification).toMatchObject({
      done: true,
      sourceRecoveryPoints: 62,
      copyable: 60,
      verified: 60,
      missing: 0,
      duplicateCopies: 0,
      retentionShortened: 0,
      needsAnotherSweep: false,
      skipped: { CONTINUOUS_BACKUP: 1, NOT_COMPLETED: 1 },
    });
    const efs = [...(emulator.backup.vaults.get('legacy')?.recoveryPoints.values() ?? [])].filter(
      (rp) => rp.resourceType === 'EFS',
    ).length;
    expect(verification.encryption.TARGET_KEY).toBe(efs);
    expect(
      verification.encryption.TARGET_KEY +
        verification.encryption.SOURCE_KEY +
        verification.encryption.UNENCRYPTED,
    ).toBe(60);
  });

  it('finds a backup that landed after the copies and asks for another sweep, which copies it', async () => {
    const copy = await pump();
    emulator.advance(DAY);
    emulator.seeder.addRecoveryPoint('legacy', { resourceType: 'EFS', createdDaysAgo: 0.1 });
    const first = await verify(copy);
    expect(first).toMatchObject({ missing: 1, newSinceStart: 1, needsAnotherSweep: true });
    const second = await pump(1);
    expect(second.counters.alreadyCopied).toBeGreaterThanOrEqual(60);
    const again = await verify(second);
    expect(again).toMatchObject({ missing: 0, verified: 61, needsAnotherSweep: false, sweep: 1 });
  });

  it('stops asking for sweeps once they are used up', async () => {
    const victim = [...(emulator.backup.vaults.get('legacy')?.recoveryPoints.keys() ?? [])][2] as string;
    emulator.setFaults({ copyFailures: { [victim]: 'permanent' } });
    const copy = await pump(2);
    const verification = await verify(copy);
    expect(verification).toMatchObject({ missing: 1, needsAnotherSweep: false, sweep: 2 });
    expect(verification.missingSample).toEqual([{ rp: victim, why: 'no copy in the target vault' }]);
  });

  it('refuses a carried verification it cannot trust with InvalidInput naming the field, before any AWS call', async () => {
    const bigPlan = seedBigVault();
    const first = await verifyMigration({ migration: bigPlan }, emulator.clock.now());
    emulator.resetStats();
    const broken = [
      { ...first, missing: 'none' },
      { ...first, encryption: { ...first.encryption, TARGET_KEY: -3 } },
      { ...first, skipped: { COLD_STORAGE: 'two' } },
    ];
    const messages = await invalidInputMessages(
      broken.map(
        (verification) => () =>
          verifyMigration(
            { migration: bigPlan, verification: verification as unknown as VerificationState },
            emulator.clock.now(),
          ),
      ),
    );
    expect(messages[0]).toMatch(/verification\.missing/);
    expect(messages[1]).toMatch(/verification\.encryption\.TARGET_KEY/);
    expect(messages[2]).toMatch(/verification\.skipped\.COLD_STORAGE/);
    expect(emulator.stats().totalCalls).toBe(0);
  });

  it('verifies a large vault over several invocations with a cursor', async () => {
    const bigPlan = seedBigVault();
    const first = await verifyMigration({ migration: bigPlan }, emulator.clock.now());
    expect(first.done).toBe(false);
    expect(first.sourceRecoveryPoints).toBe(5000);
    expect(first.cursor).not.toBeNull();
    const second = await verifyMigration({ migration: bigPlan, verification: first }, emulator.clock.now());
    expect(second).toMatchObject({
      done: true,
      sourceRecoveryPoints: 5500,
      missing: 5500 - (second.skipped.COPY_NOT_SUPPORTED ?? 0),
    });
  });
});
