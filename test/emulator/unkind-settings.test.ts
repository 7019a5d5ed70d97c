/**
 * The emulator settings that play AWS's less kind variants of the copy path (issue 15): each is
 * checked here through the real SDK, as the migrator meets it.
 */
import {
  DescribeRecoveryPointCommand,
  ListCopyJobsCommand,
  ListRecoveryPointsByBackupVaultCommand,
  StartCopyJobCommand,
} from '@aws-sdk/client-backup';
import { afterEach, describe, expect, it } from 'vitest';
import { MINUTE_MS } from '#emulator/clock.ts';
import type { EmulatorOptions } from '#emulator/index.ts';
import type { RecoveryPointSeed } from '#emulator/seed.ts';
import { BACKUP_ROLE, type EmulatorFixture, emulatorWithClients, stopFixture } from './helpers.ts';

const DEST_ARN = 'arn:aws:backup:us-east-1:123456789012:backup-vault:dest';

let fx: EmulatorFixture | undefined;

afterEach(async () => {
  await stopFixture(fx);
  fx = undefined;
});

async function setup(recoveryPoints: RecoveryPointSeed[], options: EmulatorOptions = {}) {
  fx = await emulatorWithClients({ copyDurationMs: () => 10 * MINUTE_MS, ...options });
  fx.emulator.seed({
    keys: [{ alias: 'alias/dest-key' }],
    vaults: [
      { name: 'src', encryptionKey: 'none', recoveryPoints },
      { name: 'dest', encryptionKey: 'alias/dest-key' },
    ],
  });
  return fx;
}

async function listed(f: EmulatorFixture, vault: string): Promise<string[]> {
  const page = await f.backup.send(
    new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: vault, MaxResults: 1000 }),
  );
  return (page.RecoveryPoints ?? []).map((rp) => rp.RecoveryPointArn ?? '');
}

describe('listing lag (listingLagMs)', () => {
  it('lists a completed copy only after the lag, while its job and DescribeRecoveryPoint see it at once', async () => {
    const f = await setup([{ resourceType: 'EBS' }], { listingLagMs: 30 * MINUTE_MS });
    const [source] = await listed(f, 'src');
    await f.backup.send(
      new StartCopyJobCommand({
        RecoveryPointArn: source,
        SourceBackupVaultName: 'src',
        DestinationBackupVaultArn: DEST_ARN,
        IamRoleArn: BACKUP_ROLE,
      }),
    );
    f.emulator.runUntilIdle();
    const jobs = await f.backup.send(
      new ListCopyJobsCommand({ ByDestinationVaultArn: DEST_ARN, BySourceRecoveryPointArn: source }),
    );
    const job = jobs.CopyJobs?.[0];
    expect(job?.State).toBe('COMPLETED');
    expect(await listed(f, 'dest')).toEqual([]);
    const copy = await f.backup.send(
      new DescribeRecoveryPointCommand({
        BackupVaultName: 'dest',
        RecoveryPointArn: job?.DestinationRecoveryPointArn,
      }),
    );
    expect(copy.Status).toBe('COMPLETED');
    f.emulator.advance(30 * MINUTE_MS);
    expect(await listed(f, 'dest')).toEqual([job?.DestinationRecoveryPointArn]);
  });
});

describe('PARTIAL copies (fault partialCopies)', () => {
  it('ends the next N copy jobs of a recovery point PARTIAL, each leaving a PARTIAL copy, then completes', async () => {
    const f = await setup([{ resourceType: 'EFS' }]);
    const [source] = await listed(f, 'src');
    f.emulator.setFaults({ partialCopies: { [source ?? '']: 1 } });
    const states: string[] = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      const started = await f.backup.send(
        new StartCopyJobCommand({
          RecoveryPointArn: source,
          SourceBackupVaultName: 'src',
          DestinationBackupVaultArn: DEST_ARN,
          IamRoleArn: BACKUP_ROLE,
        }),
      );
      f.emulator.runUntilIdle();
      const job = f.emulator.backup.copyJobs.get(started.CopyJobId ?? '');
      const copy = await f.backup.send(
        new DescribeRecoveryPointCommand({
          BackupVaultName: 'dest',
          RecoveryPointArn: job?.destinationRecoveryPointArn,
        }),
      );
      states.push(`${job?.state}/${copy.Status}`);
    }
    expect(states).toEqual(['PARTIAL/PARTIAL', 'COMPLETED/COMPLETED']);
    expect(f.emulator.stats().injected.partialCopies).toBe(1);
  });
});

describe('page tokens of ListRecoveryPointsByBackupVault', () => {
  const points = Array.from({ length: 5 }, (_, index) => ({
    resourceType: 'EBS',
    createdDaysAgo: 10 - index,
  }));

  it('refuses a token older than pageTokenTtlMs', async () => {
    const f = await setup(points, { pageTokenTtlMs: 60_000 });
    const first = await f.backup.send(
      new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'src', MaxResults: 2 }),
    );
    expect(first.NextToken).toBeDefined();
    f.emulator.advance(61_000);
    await expect(
      f.backup.send(
        new ListRecoveryPointsByBackupVaultCommand({
          BackupVaultName: 'src',
          MaxResults: 2,
          NextToken: first.NextToken,
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
  });

  it('lists newest first with offset tokens that shift when a recovery point is added', async () => {
    const f = await setup(points, { recoveryPointOrder: 'newest-first' });
    const first = await f.backup.send(
      new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'src', MaxResults: 2 }),
    );
    const dates = (first.RecoveryPoints ?? []).map((rp) => rp.CreationDate?.getTime() ?? 0);
    expect(dates[0]).toBeGreaterThan(dates[1] ?? 0);
    f.emulator.seeder.addRecoveryPoint('src', { resourceType: 'EBS', createdDaysAgo: 0 });
    const second = await f.backup.send(
      new ListRecoveryPointsByBackupVaultCommand({
        BackupVaultName: 'src',
        MaxResults: 2,
        NextToken: first.NextToken,
      }),
    );
    // The insert at the front pushed the last entry of the first page onto the second.
    expect(second.RecoveryPoints?.[0]?.RecoveryPointArn).toBe(first.RecoveryPoints?.[1]?.RecoveryPointArn);
  });
});
