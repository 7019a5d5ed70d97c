import {
  DeleteRecoveryPointCommand,
  DescribeBackupVaultCommand,
  DescribeRecoveryPointCommand,
  ListRecoveryPointsByBackupVaultCommand,
  type ListRecoveryPointsByBackupVaultCommandInput,
  paginateListRecoveryPointsByBackupVault,
  type RecoveryPointByBackupVault,
} from '@aws-sdk/client-backup';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS, MINUTE_MS } from '#emulator/clock.ts';
import { type EmulatorFixture, emulatorWithClients, errorOf, rawRequest, stopFixture } from './helpers.ts';

const START = new Date('2026-06-01T00:00:00Z');
const daysAgo = (days: number) => new Date(START.getTime() - days * DAY_MS);
const snap = (suffix: string) => `arn:aws:ec2:us-east-1::snapshot/snap-${suffix.padStart(17, '0')}`;

let fx: EmulatorFixture;

beforeEach(async () => {
  fx = await emulatorWithClients();
});

afterEach(async () => {
  await stopFixture(fx);
});

async function listAll(
  input: Omit<ListRecoveryPointsByBackupVaultCommandInput, 'NextToken'>,
): Promise<{ items: RecoveryPointByBackupVault[]; pageSizes: number[] }> {
  const items: RecoveryPointByBackupVault[] = [];
  const pageSizes: number[] = [];
  for await (const page of paginateListRecoveryPointsByBackupVault({ client: fx.backup }, input)) {
    pageSizes.push(page.RecoveryPoints?.length ?? 0);
    items.push(...(page.RecoveryPoints ?? []));
  }
  return { items, pageSizes };
}

describe('ListRecoveryPointsByBackupVault', () => {
  beforeEach(() => {
    fx.emulator.seed({
      vaults: [
        {
          name: 'src',
          encryptionKey: 'aws-managed',
          recoveryPoints: [
            ...[1, 5, 10].map((age) => ({ resourceType: 'EBS', resourceId: 'vol-a', createdDaysAgo: age })),
            ...[2, 20].map((age) => ({ resourceType: 'EBS', resourceId: 'vol-b', createdDaysAgo: age })),
            ...[3, 30].map((age) => ({ resourceType: 'RDS', resourceId: 'db-1', createdDaysAgo: age })),
          ],
          generate: { count: 18, mix: { EFS: 1 }, perResource: 6, retentionDays: 365 },
        },
      ],
    });
  });

  it('pages through all 25 recovery points with the default page size of 10', async () => {
    const items: string[] = [];
    const pageSizes: number[] = [];
    let token: string | undefined;
    do {
      const page = await fx.backup.send(
        new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'src', NextToken: token }),
      );
      pageSizes.push(page.RecoveryPoints?.length ?? 0);
      for (const rp of page.RecoveryPoints ?? []) items.push(rp.RecoveryPointArn ?? '');
      token = page.NextToken;
    } while (token);
    expect(pageSizes).toEqual([10, 10, 5]);
    expect(new Set(items).size).toBe(25);
  });

  it('pages with MaxResults, also when a filter leaves gaps between matches', async () => {
    const all = await listAll({ BackupVaultName: 'src', MaxResults: 4 });
    expect(all.pageSizes).toEqual([4, 4, 4, 4, 4, 4, 1]);
    const filtered = await listAll({ BackupVaultName: 'src', ByResourceType: 'EBS', MaxResults: 2 });
    expect(filtered.pageSizes).toEqual([2, 2, 1]);
    expect(filtered.items.every((rp) => rp.ResourceType === 'EBS')).toBe(true);
  });

  it('parses the epoch-second timestamps into Date objects', async () => {
    const { items } = await listAll({ BackupVaultName: 'src', ByResourceType: 'RDS' });
    expect(items).toHaveLength(2);
    const [newer, older] = items;
    expect(newer?.CreationDate).toBeInstanceOf(Date);
    expect(newer?.CreationDate).toEqual(daysAgo(3));
    expect(older?.CreationDate).toEqual(daysAgo(30));
    expect(newer?.CompletionDate).toEqual(new Date(daysAgo(3).getTime() + 20 * MINUTE_MS));
  });

  it('filters by resource ARN', async () => {
    const volumeA = 'arn:aws:ec2:us-east-1:123456789012:volume/vol-vol-a';
    const { items } = await listAll({ BackupVaultName: 'src', ByResourceArn: volumeA });
    expect(items.map((rp) => rp.CreationDate)).toEqual([daysAgo(1), daysAgo(5), daysAgo(10)]);
    expect(items.every((rp) => rp.ResourceArn === volumeA)).toBe(true);
  });

  it('filters by resource type', async () => {
    const ebs = await listAll({ BackupVaultName: 'src', ByResourceType: 'EBS' });
    const efs = await listAll({ BackupVaultName: 'src', ByResourceType: 'EFS' });
    const none = await listAll({ BackupVaultName: 'src', ByResourceType: 'FSx' });
    expect(ebs.items).toHaveLength(5);
    expect(efs.items).toHaveLength(18);
    expect(none.items).toHaveLength(0);
  });

  it('filters by creation date before and after, each bound exclusive', async () => {
    const base = { BackupVaultName: 'src', ByResourceType: 'EBS' };
    const before = await listAll({ ...base, ByCreatedBefore: daysAgo(7) });
    const after = await listAll({ ...base, ByCreatedAfter: daysAgo(7) });
    const between = await listAll({ ...base, ByCreatedAfter: daysAgo(15), ByCreatedBefore: daysAgo(2) });
    // A listing filtered by creation date comes in creation order (AWS documents no order).
    const dates = (page: typeof before) => page.items.map((rp) => rp.CreationDate);
    expect(dates(before)).toEqual([daysAgo(20), daysAgo(10)]);
    expect(dates(after)).toEqual([daysAgo(5), daysAgo(2), daysAgo(1)]);
    expect(dates(between)).toEqual([daysAgo(10), daysAgo(5)]);
  });

  it('filters by the backup plan that created the points', async () => {
    fx.emulator.seed({
      vaults: [
        {
          name: 'planned',
          encryptionKey: 'aws-managed',
          recoveryPoints: [
            { resourceType: 'EBS', backupPlanId: 'plan-a' },
            { resourceType: 'EBS', backupPlanId: 'plan-b' },
            { resourceType: 'EBS', backupPlanId: 'plan-a' },
          ],
        },
      ],
    });
    const { items } = await listAll({ BackupVaultName: 'planned', ByBackupPlanId: 'plan-a' });
    expect(items).toHaveLength(2);
    expect(items.every((rp) => rp.CreatedBy?.BackupPlanId === 'plan-a')).toBe(true);
  });

  it('does not send StorageClass on the wire, as the real API does not (DescribeRecoveryPoint does)', async () => {
    // The SDK model has no StorageClass here either, so only the raw answer shows what is sent.
    const listed = await rawRequest(
      fx.emulator.url,
      'GET',
      '/backup-vaults/src/recovery-points/?maxResults=3',
    );
    const items = listed.body.RecoveryPoints as Array<Record<string, unknown>>;
    expect(items).toHaveLength(3);
    for (const item of items) expect(Object.keys(item)).not.toContain('StorageClass');
    const arn = encodeURIComponent(String(items[0]?.RecoveryPointArn));
    const described = await rawRequest(fx.emulator.url, 'GET', `/backup-vaults/src/recovery-points/${arn}`);
    expect(described.body.StorageClass).toBe('WARM');
  });

  it('answers a missing vault with ResourceNotFoundException', async () => {
    const error = await errorOf(
      fx.backup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'ghost' })),
    );
    expect(error.name).toBe('ResourceNotFoundException');
  });
});

describe('DescribeRecoveryPoint', () => {
  beforeEach(() => {
    fx.emulator.seed({
      vaults: [
        {
          name: 'src',
          encryptionKey: 'aws-managed',
          recoveryPoints: [
            { resourceType: 'EBS', arn: snap('warm'), lifecycle: { DeleteAfterDays: 35 }, createdDaysAgo: 4 },
            { resourceType: 'EBS', arn: snap('c01d'), storageClass: 'COLD' },
            {
              resourceType: 'EBS',
              arn: snap('aged'),
              createdDaysAgo: 10,
              lifecycle: { MoveToColdStorageAfterDays: 7, DeleteAfterDays: 97 },
            },
            { resourceType: 'RDS', arn: snap('plain'), encrypted: false },
          ],
        },
      ],
    });
  });

  it('returns the details with StorageClass WARM and the calculated lifecycle', async () => {
    const rp = await fx.backup.send(
      new DescribeRecoveryPointCommand({ BackupVaultName: 'src', RecoveryPointArn: snap('warm') }),
    );
    expect(rp).toMatchObject({
      RecoveryPointArn: snap('warm'),
      BackupVaultName: 'src',
      BackupVaultArn: 'arn:aws:backup:us-east-1:123456789012:backup-vault:src',
      ResourceType: 'EBS',
      Status: 'COMPLETED',
      StorageClass: 'WARM',
      IsEncrypted: true,
      EncryptionKeyArn: fx.emulator.kms.awsManagedBackupKey().arn,
      Lifecycle: { DeleteAfterDays: 35 },
      IsParent: false,
    });
    expect(rp.CreationDate).toEqual(daysAgo(4));
    expect(rp.CalculatedLifecycle?.DeleteAt).toEqual(new Date(daysAgo(4).getTime() + 35 * DAY_MS));
  });

  it('reports COLD for a seeded cold point and for one past its MoveToColdStorageAfterDays', async () => {
    const seeded = await fx.backup.send(
      new DescribeRecoveryPointCommand({ BackupVaultName: 'src', RecoveryPointArn: snap('c01d') }),
    );
    const aged = await fx.backup.send(
      new DescribeRecoveryPointCommand({ BackupVaultName: 'src', RecoveryPointArn: snap('aged') }),
    );
    expect(seeded.StorageClass).toBe('COLD');
    expect(aged.StorageClass).toBe('COLD');
    expect(aged.CalculatedLifecycle?.MoveToColdStorageAt).toEqual(daysAgo(3));
  });

  it('turns a recovery point EXPIRED once simulated time passes its DeleteAt', async () => {
    fx.emulator.advance(31 * DAY_MS + MINUTE_MS);
    const rp = await fx.backup.send(
      new DescribeRecoveryPointCommand({ BackupVaultName: 'src', RecoveryPointArn: snap('warm') }),
    );
    expect(rp.Status).toBe('EXPIRED');
  });

  it('reports an unencrypted backup as IsEncrypted false without a key', async () => {
    const rp = await fx.backup.send(
      new DescribeRecoveryPointCommand({ BackupVaultName: 'src', RecoveryPointArn: snap('plain') }),
    );
    expect(rp.IsEncrypted).toBe(false);
    expect(rp.EncryptionKeyArn).toBeUndefined();
  });

  it('answers an unknown recovery point with ResourceNotFoundException', async () => {
    const error = await errorOf(
      fx.backup.send(
        new DescribeRecoveryPointCommand({ BackupVaultName: 'src', RecoveryPointArn: snap('404') }),
      ),
    );
    expect(error.name).toBe('ResourceNotFoundException');
  });
});

describe('DeleteRecoveryPoint', () => {
  beforeEach(() => {
    fx.emulator.seed({
      vaults: [
        {
          name: 'src',
          encryptionKey: 'aws-managed',
          recoveryPoints: [
            { resourceType: 'EBS', arn: snap('a') },
            { resourceType: 'EBS', arn: snap('b'), legalHold: true },
            { resourceType: 'EBS', arn: snap('c') },
          ],
        },
        {
          name: 'locked',
          encryptionKey: 'aws-managed',
          lock: { minRetentionDays: 1 },
          recoveryPoints: [{ resourceType: 'EBS', arn: snap('d') }],
        },
      ],
    });
  });

  const describeIn = (vault: string, arn: string) =>
    fx.backup.send(new DescribeRecoveryPointCommand({ BackupVaultName: vault, RecoveryPointArn: arn }));

  it('is asynchronous: the point is DELETING at first and gone after the simulated delay', async () => {
    const answer = await fx.backup.send(
      new DeleteRecoveryPointCommand({ BackupVaultName: 'src', RecoveryPointArn: snap('a') }),
    );
    expect(answer.$metadata.httpStatusCode).toBe(200);
    expect((await describeIn('src', snap('a'))).Status).toBe('DELETING');
    const listed = await fx.backup.send(
      new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'src' }),
    );
    expect(listed.RecoveryPoints?.find((rp) => rp.RecoveryPointArn === snap('a'))?.Status).toBe('DELETING');

    fx.emulator.advance(MINUTE_MS);
    expect((await describeIn('src', snap('a'))).Status).toBe('DELETING');
    fx.emulator.advance(MINUTE_MS);
    const error = await errorOf(describeIn('src', snap('a')));
    expect(error.name).toBe('ResourceNotFoundException');
    const vault = await fx.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'src' }));
    expect(vault.NumberOfRecoveryPoints).toBe(2);
  });

  it('refuses a point under legal hold with InvalidRequestException and leaves it COMPLETED', async () => {
    const error = await errorOf(
      fx.backup.send(new DeleteRecoveryPointCommand({ BackupVaultName: 'src', RecoveryPointArn: snap('b') })),
    );
    expect(error.name).toBe('InvalidRequestException');
    expect(error.message).toContain('legal hold');
    fx.emulator.advance(10 * MINUTE_MS);
    expect((await describeIn('src', snap('b'))).Status).toBe('COMPLETED');
  });

  it('refuses a point in a locked vault with InvalidRequestException', async () => {
    const error = await errorOf(
      fx.backup.send(
        new DeleteRecoveryPointCommand({ BackupVaultName: 'locked', RecoveryPointArn: snap('d') }),
      ),
    );
    expect(error.name).toBe('InvalidRequestException');
    fx.emulator.advance(10 * MINUTE_MS);
    expect((await describeIn('locked', snap('d'))).Status).toBe('COMPLETED');
  });

  it('returns 200 but leaves the point EXPIRED for silentDeleteFailures', async () => {
    fx.emulator.setFaults({ silentDeleteFailures: [snap('c')] });
    const answer = await fx.backup.send(
      new DeleteRecoveryPointCommand({ BackupVaultName: 'src', RecoveryPointArn: snap('c') }),
    );
    expect(answer.$metadata.httpStatusCode).toBe(200);
    fx.emulator.advance(10 * MINUTE_MS);
    expect((await describeIn('src', snap('c'))).Status).toBe('EXPIRED');
    const vault = await fx.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'src' }));
    expect(vault.NumberOfRecoveryPoints).toBe(3);
  });

  it('answers an unknown recovery point with ResourceNotFoundException', async () => {
    const error = await errorOf(
      fx.backup.send(
        new DeleteRecoveryPointCommand({ BackupVaultName: 'src', RecoveryPointArn: snap('zz') }),
      ),
    );
    expect(error.name).toBe('ResourceNotFoundException');
  });

  it('deletes the members of a composite parent with it', async () => {
    fx.emulator.seed({
      vaults: [
        {
          name: 'composite',
          encryptionKey: 'aws-managed',
          recoveryPoints: [{ resourceType: 'CloudFormation', compositeMembers: 2 }],
        },
      ],
    });
    const listed = await fx.backup.send(
      new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'composite' }),
    );
    const parent = listed.RecoveryPoints?.find((rp) => rp.IsParent);
    expect(listed.RecoveryPoints).toHaveLength(3);
    await fx.backup.send(
      new DeleteRecoveryPointCommand({
        BackupVaultName: 'composite',
        RecoveryPointArn: parent?.RecoveryPointArn,
      }),
    );
    const during = await fx.backup.send(
      new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'composite' }),
    );
    expect(during.RecoveryPoints?.map((rp) => rp.Status)).toEqual(['DELETING', 'DELETING', 'DELETING']);
    fx.emulator.advance(2 * MINUTE_MS);
    const vault = await fx.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'composite' }));
    expect(vault.NumberOfRecoveryPoints).toBe(0);
  });
});
