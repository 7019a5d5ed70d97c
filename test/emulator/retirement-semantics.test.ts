/**
 * The emulator plays what AWS does to a retirement (AWS-FACTS): UpdateRecoveryPointLifecycle's
 * rules, a vault access policy's Deny, InvalidResourceStateException, composite parents refused
 * while their children are there, deletions stuck in DELETING, 403s for vaults that exist, and
 * copy-job history that ends.
 */
import {
  DeleteRecoveryPointCommand,
  DescribeBackupVaultCommand,
  DescribeRecoveryPointCommand,
  ListCopyJobsCommand,
  UpdateRecoveryPointLifecycleCommand,
} from '@aws-sdk/client-backup';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS, MINUTE_MS } from '#emulator/clock.ts';
import { BACKUP_ROLE, type EmulatorFixture, emulatorWithClients, errorOf, stopFixture } from './helpers.ts';

let fx: EmulatorFixture;

beforeEach(async () => {
  fx = await emulatorWithClients();
});

afterEach(async () => {
  await stopFixture(fx);
});

function seedOne(seed: Record<string, unknown> = {}, vault: Record<string, unknown> = {}): string {
  fx.emulator.seed({
    vaults: [
      {
        name: 'legacy',
        encryptionKey: 'none',
        recoveryPoints: [{ resourceType: 'EBS', createdDaysAgo: 10, ...seed }],
        ...vault,
      },
    ],
  });
  return [...(fx.emulator.backup.vaults.get('legacy')?.recoveryPoints.keys() ?? [])][0] as string;
}

const update = (arn: string, lifecycle: Record<string, number>) =>
  fx.backup.send(
    new UpdateRecoveryPointLifecycleCommand({
      BackupVaultName: 'legacy',
      RecoveryPointArn: arn,
      Lifecycle: lifecycle,
    }),
  );

describe('UpdateRecoveryPointLifecycle', () => {
  it('sets the lifecycle and answers the new CalculatedLifecycle', async () => {
    const arn = seedOne({ lifecycle: { DeleteAfterDays: 365 } });
    const answer = await update(arn, { DeleteAfterDays: 40 });
    expect(answer.Lifecycle).toEqual({ DeleteAfterDays: 40 });
    const described = await fx.backup.send(
      new DescribeRecoveryPointCommand({ BackupVaultName: 'legacy', RecoveryPointArn: arn }),
    );
    expect(described.CalculatedLifecycle?.DeleteAt?.getTime()).toBe(
      (described.CreationDate?.getTime() ?? 0) + 40 * DAY_MS,
    );
  });

  it('clears a value left out (send both)', async () => {
    const arn = seedOne({ lifecycle: { MoveToColdStorageAfterDays: 100, DeleteAfterDays: 365 } });
    const answer = await update(arn, { DeleteAfterDays: 300 });
    expect(answer.Lifecycle?.MoveToColdStorageAfterDays).toBeUndefined();
  });

  it('refuses cold storage sooner than the backup age plus one day', async () => {
    const arn = seedOne();
    const error = await errorOf(update(arn, { MoveToColdStorageAfterDays: 10, DeleteAfterDays: 200 }));
    expect(error.name).toBe('InvalidParameterValueException');
    expect(error.message).toMatch(/age plus one day/);
  });

  it('refuses retention shorter than cold storage + 90 days', async () => {
    const arn = seedOne();
    const error = await errorOf(update(arn, { MoveToColdStorageAfterDays: 20, DeleteAfterDays: 100 }));
    expect(error.name).toBe('InvalidParameterValueException');
  });

  it('refuses to change cold storage once the recovery point has moved', async () => {
    const arn = seedOne({ lifecycle: { MoveToColdStorageAfterDays: 5, DeleteAfterDays: 400 } });
    const error = await errorOf(update(arn, { MoveToColdStorageAfterDays: 30, DeleteAfterDays: 400 }));
    expect(error.message).toMatch(/moved to cold storage/);
    await expect(update(arn, { MoveToColdStorageAfterDays: 5, DeleteAfterDays: 200 })).resolves.toBeDefined();
  });

  it('refuses continuous backups and recovery points of a locked vault', async () => {
    const continuous = seedOne({ resourceType: 'RDS', continuous: true });
    expect((await errorOf(update(continuous, { DeleteAfterDays: 30 }))).message).toMatch(/continuous/);
    fx.emulator.seed({
      vaults: [
        {
          name: 'locked',
          encryptionKey: 'none',
          lock: { minRetentionDays: 1 },
          recoveryPoints: [{ resourceType: 'EBS' }],
        },
      ],
    });
    const locked = [...(fx.emulator.backup.vaults.get('locked')?.recoveryPoints.keys() ?? [])][0] as string;
    const error = await errorOf(
      fx.backup.send(
        new UpdateRecoveryPointLifecycleCommand({
          BackupVaultName: 'locked',
          RecoveryPointArn: locked,
          Lifecycle: { DeleteAfterDays: 30 },
        }),
      ),
    );
    expect(error.message).toMatch(/vault lock/);
  });
});

describe('refusals of DeleteRecoveryPoint', () => {
  it('answers 403 when the vault access policy denies backup:DeleteRecoveryPoint to everyone', async () => {
    const arn = seedOne(
      {},
      {
        accessPolicy: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Principal: { AWS: '*' }, Action: 'backup:Delete*', Resource: '*' }],
        },
      },
    );
    const error = await errorOf(
      fx.backup.send(new DeleteRecoveryPointCommand({ BackupVaultName: 'legacy', RecoveryPointArn: arn })),
    );
    expect(error.name).toBe('AccessDeniedException');
    expect(error.$metadata?.httpStatusCode).toBe(403);
    expect(fx.emulator.backup.vaults.get('legacy')?.recoveryPoints.get(arn)?.status).toBe('COMPLETED');
  });

  it('answers InvalidResourceStateException while the fault says the recovery point is busy', async () => {
    const arn = seedOne();
    fx.emulator.setFaults({ busyRecoveryPoints: { [arn]: 1 } });
    const remove = () =>
      fx.backup.send(new DeleteRecoveryPointCommand({ BackupVaultName: 'legacy', RecoveryPointArn: arn }));
    expect((await errorOf(remove())).name).toBe('InvalidResourceStateException');
    await expect(remove()).resolves.toBeDefined();
  });

  it('refuses a composite parent with children when set to, and keeps a stuck deletion DELETING', async () => {
    await stopFixture(fx);
    fx = await emulatorWithClients({ compositeParentDelete: 'refuse' });
    fx.emulator.seed({
      vaults: [
        {
          name: 'legacy',
          encryptionKey: 'none',
          recoveryPoints: [{ resourceType: 'CloudFormation', compositeMembers: 1 }],
        },
      ],
    });
    const points = [...(fx.emulator.backup.vaults.get('legacy')?.recoveryPoints.values() ?? [])];
    const parent = points.find((rp) => rp.isParent)?.arn as string;
    const child = points.find((rp) => rp.parentRecoveryPointArn)?.arn as string;
    const remove = (arn: string) =>
      fx.backup.send(new DeleteRecoveryPointCommand({ BackupVaultName: 'legacy', RecoveryPointArn: arn }));
    expect((await errorOf(remove(parent))).message).toMatch(/nested recovery points/);
    fx.emulator.setFaults({ stuckDeletions: [child] });
    await remove(child);
    fx.emulator.advance(30 * DAY_MS);
    expect(fx.emulator.backup.vaults.get('legacy')?.recoveryPoints.get(child)?.status).toBe('DELETING');
  });

  it('answers 403 for an existing vault when the accessDenied fault names the call', async () => {
    seedOne();
    fx.emulator.setFaults({ accessDenied: [{ operation: 'DescribeBackupVault', vaultName: 'legacy' }] });
    const error = await errorOf(
      fx.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'legacy' })),
    );
    expect(error.name).toBe('AccessDeniedException');
    fx.emulator.setFaults({ accessDenied: [] });
    await expect(
      fx.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'legacy' })),
    ).resolves.toBeDefined();
  });
});

describe('copy-job history', () => {
  it('no longer lists or describes copy jobs older than copyJobHistoryDays', async () => {
    await stopFixture(fx);
    fx = await emulatorWithClients({ copyJobHistoryDays: 30 });
    fx.emulator.seed({
      vaults: [
        { name: 'legacy', encryptionKey: 'none', recoveryPoints: [{ resourceType: 'EFS' }] },
        { name: 'target', encryptionKey: 'none' },
      ],
    });
    const arn = [...(fx.emulator.backup.vaults.get('legacy')?.recoveryPoints.keys() ?? [])][0] as string;
    const { CopyJobId } = fx.emulator.backup.startCopyJob({
      RecoveryPointArn: arn,
      SourceBackupVaultName: 'legacy',
      DestinationBackupVaultArn: fx.emulator.backup.vaultArn('target'),
      IamRoleArn: BACKUP_ROLE,
    });
    fx.emulator.runUntilIdle(MINUTE_MS);
    expect((await fx.backup.send(new ListCopyJobsCommand({}))).CopyJobs).toHaveLength(1);
    fx.emulator.advance(31 * DAY_MS);
    expect((await fx.backup.send(new ListCopyJobsCommand({}))).CopyJobs ?? []).toHaveLength(0);
    expect(() => fx.emulator.backup.describeCopyJob(CopyJobId)).toThrow(/not found/);
    // The copy itself lasts: the target vault is the ledger.
    expect(fx.emulator.backup.vaults.get('target')?.recoveryPoints.size).toBe(1);
  });
});
