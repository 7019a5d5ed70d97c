import {
  CreateBackupVaultCommand,
  DescribeBackupVaultCommand,
  DescribeCopyJobCommand,
  DescribeRecoveryPointCommand,
  ListBackupVaultsCommand,
  ListRecoveryPointsByBackupVaultCommand,
  StartCopyJobCommand,
} from '@aws-sdk/client-backup';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Emulator } from '#emulator/index.ts';
import {
  admin,
  BACKUP_ROLE,
  type EmulatorFixture,
  emulatorWithClients,
  errorOf,
  stopFixture,
} from './helpers.ts';

const RP = 'arn:aws:ec2:us-east-1::snapshot/snap-00000000000000042';
const arnOf = (name: string) => `arn:aws:backup:us-east-1:123456789012:backup-vault:${name}`;

let fx: EmulatorFixture;

beforeEach(async () => {
  fx = await emulatorWithClients({ copyDurationMs: () => 10 * 60_000 });
});

afterEach(async () => {
  await stopFixture(fx);
});

const listIn = async (vault: string) =>
  (
    await fx.backup.send(
      new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: vault, MaxResults: 1000 }),
    )
  ).RecoveryPoints ?? [];

describe('seeding from a JSON spec', () => {
  it('creates a vault without a key whose fully-managed backups are unencrypted', async () => {
    fx.emulator.seed(
      JSON.parse(
        '{"vaults":[{"name":"prowler-finding","encryptionKey":"none","recoveryPoints":[{"resourceType":"EFS"}]}]}',
      ),
    );
    const vault = await fx.backup.send(
      new DescribeBackupVaultCommand({ BackupVaultName: 'prowler-finding' }),
    );
    expect(vault.EncryptionKeyArn).toBeUndefined();
    expect(vault.NumberOfRecoveryPoints).toBe(1);
    const [rp] = await listIn('prowler-finding');
    expect(rp?.IsEncrypted).toBe(false);
    expect(rp?.RecoveryPointArn).toMatch(/^arn:aws:backup:us-east-1:123456789012:recovery-point:/);
  });

  it('creates vaults with tags, access policy, notifications and a lock', async () => {
    fx.emulator.seed({
      vaults: [
        {
          name: 'dressed',
          encryptionKey: 'aws-managed',
          tags: { owner: 'team-a' },
          accessPolicy: { Version: '2012-10-17', Statement: [] },
          notifications: { snsTopicArn: 'arn:aws:sns:us-east-1:123456789012:t', events: ['COPY_JOB_FAILED'] },
          lock: { minRetentionDays: 7, maxRetentionDays: 90, changeableForDays: 3 },
        },
      ],
    });
    const vault = await fx.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'dressed' }));
    expect(vault).toMatchObject({ Locked: true, MinRetentionDays: 7, MaxRetentionDays: 90 });
    expect(vault.LockDate).toEqual(new Date('2026-06-04T00:00:00Z'));
    const [snapshot] = fx.emulator.snapshot().vaults;
    expect(snapshot?.Tags).toEqual({ owner: 'team-a' });
    expect(snapshot?.AccessPolicy).toBe('{"Version":"2012-10-17","Statement":[]}');
    expect(snapshot?.Notifications).toEqual({
      snsTopicArn: 'arn:aws:sns:us-east-1:123456789012:t',
      events: ['COPY_JOB_FAILED'],
    });
  });

  it('creates a composite parent with members whose copy copies the members with child jobs', async () => {
    fx.emulator.seed({
      vaults: [
        {
          name: 'stacks',
          encryptionKey: 'aws-managed',
          recoveryPoints: [{ resourceType: 'CloudFormation', compositeMembers: 2 }],
        },
        { name: 'dest', encryptionKey: 'aws-managed' },
      ],
    });
    const points = await listIn('stacks');
    const parent = points.find((rp) => rp.IsParent);
    const members = points.filter((rp) => rp.ParentRecoveryPointArn === parent?.RecoveryPointArn);
    expect(points).toHaveLength(3);
    expect(members).toHaveLength(2);
    expect(members.every((rp) => rp.CompositeMemberIdentifier !== undefined && !rp.IsParent)).toBe(true);
    const byParent = await fx.backup.send(
      new ListRecoveryPointsByBackupVaultCommand({
        BackupVaultName: 'stacks',
        ByParentRecoveryPointArn: parent?.RecoveryPointArn,
      }),
    );
    expect(byParent.RecoveryPoints).toHaveLength(2);

    const started = await fx.backup.send(
      new StartCopyJobCommand({
        RecoveryPointArn: parent?.RecoveryPointArn,
        SourceBackupVaultName: 'stacks',
        DestinationBackupVaultArn: arnOf('dest'),
        IamRoleArn: BACKUP_ROLE,
      }),
    );
    fx.emulator.runUntilIdle();
    const { CopyJob: job } = await fx.backup.send(
      new DescribeCopyJobCommand({ CopyJobId: started.CopyJobId }),
    );
    expect(job?.NumberOfChildJobs).toBe(2);
    expect(await listIn('dest')).toHaveLength(3);
  });

  it('creates continuous backups as AVAILABLE continuous recovery points', async () => {
    fx.emulator.seed({
      vaults: [
        {
          name: 'pitr',
          encryptionKey: 'aws-managed',
          recoveryPoints: [{ resourceType: 'RDS', continuous: true }],
        },
      ],
    });
    const [rp] = await listIn('pitr');
    expect(rp?.Status).toBe('AVAILABLE');
    expect(rp?.RecoveryPointArn).toMatch(/:recovery-point:continuous:rds-[0-9a-f]{8}$/);
  });

  it('generates many recovery points with the requested type mix and retention', async () => {
    fx.emulator.seed({
      vaults: [
        {
          name: 'bulk',
          encryptionKey: 'aws-managed',
          generate: { count: 40, mix: { EBS: 1, S3: 1 }, perResource: 4, retentionDays: 100 },
        },
      ],
    });
    const points = await listIn('bulk');
    expect(points).toHaveLength(40);
    expect(new Set(points.map((rp) => rp.ResourceType))).toEqual(new Set(['EBS', 'S3']));
    expect(new Set(points.map((rp) => rp.ResourceArn)).size).toBe(10);
    expect(points.every((rp) => rp.Lifecycle?.DeleteAfterDays === 100)).toBe(true);
  });

  it('returns the ids of the seeded plans by name', async () => {
    fx.emulator.seed({ vaults: [{ name: 'vv', encryptionKey: 'aws-managed' }] });
    const ids = fx.emulator.seed({ plans: [{ name: 'p1', rules: [{ ruleName: 'r', targetVault: 'vv' }] }] });
    expect(ids.p1).toMatch(/^[0-9a-f-]{36}$/);
    expect(fx.emulator.backup.plans.has(ids.p1 ?? '')).toBe(true);
  });

  it('refuses a seed naming a key that does not exist', () => {
    expect(() => fx.emulator.seed({ vaults: [{ name: 'vv', encryptionKey: 'alias/nowhere' }] })).toThrow(
      /alias\/nowhere/,
    );
  });

  it('seeds the same ids and sizes from the same randomSeed', () => {
    const spec = { vaults: [{ name: 'vv', encryptionKey: 'aws-managed', generate: { count: 5 } }] };
    const view = (emulator: Emulator) =>
      emulator.snapshot().vaults[0]?.RecoveryPoints.map((rp) => [rp.RecoveryPointArn, rp.BackupSizeInBytes]);
    const one = new Emulator({ randomSeed: 9, seed: spec });
    const two = new Emulator({ randomSeed: 9, seed: spec });
    const three = new Emulator({ randomSeed: 10, seed: spec });
    expect(view(one)).toEqual(view(two));
    expect(view(one)).not.toEqual(view(three));
  });
});

describe('stats and mutations', () => {
  it('counts calls per operation, mutating calls that succeeded and failed calls', async () => {
    await fx.backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'counted' }));
    await fx.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'counted' }));
    await fx.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'counted' }));
    await errorOf(fx.backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'counted' })));
    await errorOf(fx.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'ghost' })));

    const stats = fx.emulator.stats();
    expect(stats.calls).toEqual({ CreateBackupVault: 2, DescribeBackupVault: 3 });
    expect(stats.totalCalls).toBe(5);
    expect(stats.mutatingCalls).toBe(1);
    expect(stats.failedCalls).toBe(2);
    expect(fx.emulator.mutations()).toEqual([
      { service: 'backup', operation: 'CreateBackupVault', mutating: true, status: 200 },
    ]);
    expect(fx.emulator.calls.at(-1)).toMatchObject({ status: 400, errorType: 'ResourceNotFoundException' });

    fx.emulator.resetStats();
    expect(fx.emulator.stats()).toMatchObject({ totalCalls: 0, mutatingCalls: 0, failedCalls: 0, calls: {} });
    expect(fx.emulator.mutations()).toEqual([]);
  });
});

describe('the control API over HTTP', () => {
  it('reports health and the simulated clock, and advances it by ms or to a date', async () => {
    const health = await admin<{ ok: boolean; region: string; accountId: string; now: number }>(
      fx.emulator.url,
      'GET',
      'health',
    );
    expect(health.body).toEqual({
      ok: true,
      region: 'us-east-1',
      accountId: '123456789012',
      now: 1780272000,
    });

    const advanced = await admin<{ now: number }>(fx.emulator.url, 'POST', 'clock/advance', {
      ms: 3_600_000,
    });
    expect(advanced.status).toBe(200);
    expect(advanced.body.now).toBe(1780272000 + 3600);
    const to = await admin<{ now: number }>(fx.emulator.url, 'POST', 'clock/advance', {
      to: '2026-06-02T00:00:00Z',
    });
    expect(to.body.now).toBe(Date.parse('2026-06-02T00:00:00Z') / 1000);
    expect(fx.emulator.clock.now()).toEqual(new Date('2026-06-02T00:00:00Z'));
    const clock = await admin<{ now: number; speed: number }>(fx.emulator.url, 'GET', 'clock');
    expect(clock.body).toEqual({ now: Date.parse('2026-06-02T00:00:00Z') / 1000, speed: 0 });
  });

  it('seeds over HTTP, after which the SDK sees the vaults and the returned plan ids', async () => {
    const seeded = await admin<{ planIds: Record<string, string> }>(fx.emulator.url, 'POST', 'seed', {
      vaults: [
        { name: 'remote', encryptionKey: 'aws-managed', recoveryPoints: [{ resourceType: 'EBS', arn: RP }] },
        { name: 'dest', encryptionKey: 'aws-managed' },
      ],
      plans: [{ name: 'remote-plan', rules: [{ ruleName: 'r', targetVault: 'remote' }] }],
    });
    expect(seeded.status).toBe(200);
    expect(seeded.body.planIds['remote-plan']).toMatch(/^[0-9a-f-]{36}$/);
    const vaults = await fx.backup.send(new ListBackupVaultsCommand({}));
    expect(vaults.BackupVaultList?.map((vault) => vault.BackupVaultName)).toEqual(['remote', 'dest']);

    const duplicate = await admin<{ Code?: string }>(fx.emulator.url, 'POST', 'seed', {
      vaults: [{ name: 'remote' }],
    });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.Code).toBe('AlreadyExistsException');
  });

  it('moves a copy job to COMPLETED when the clock is advanced over HTTP', async () => {
    fx.emulator.seed({
      vaults: [
        { name: 'src', encryptionKey: 'aws-managed', recoveryPoints: [{ resourceType: 'EBS', arn: RP }] },
        { name: 'dest', encryptionKey: 'aws-managed' },
      ],
    });
    const started = await fx.backup.send(
      new StartCopyJobCommand({
        RecoveryPointArn: RP,
        SourceBackupVaultName: 'src',
        DestinationBackupVaultArn: arnOf('dest'),
        IamRoleArn: BACKUP_ROLE,
      }),
    );
    await admin(fx.emulator.url, 'POST', 'clock/advance', { ms: 60_000 });
    const running = await fx.backup.send(new DescribeCopyJobCommand({ CopyJobId: started.CopyJobId }));
    expect(running.CopyJob?.State).toBe('RUNNING');
    const idle = await admin<{ elapsedMs: number }>(fx.emulator.url, 'POST', 'run-until-idle', {});
    expect(idle.body.elapsedMs).toBe(10 * 60_000);
    const done = await fx.backup.send(new DescribeCopyJobCommand({ CopyJobId: started.CopyJobId }));
    expect(done.CopyJob?.State).toBe('COMPLETED');
  });

  it('serves a snapshot of the whole state with timestamps in epoch seconds', async () => {
    fx.emulator.seed({
      keys: [{ alias: 'alias/k' }],
      vaults: [
        {
          name: 'src',
          encryptionKey: 'alias/k',
          recoveryPoints: [{ resourceType: 'EBS', arn: RP, legalHold: true }],
        },
      ],
    });
    const snapshot = await admin<{
      now: number;
      vaults: Array<{
        BackupVaultName: string;
        RecoveryPoints: Array<{
          RecoveryPointArn: string;
          LegalHold?: boolean;
          StorageClass: string;
          CreationDate: number;
        }>;
      }>;
      copyJobs: unknown[];
      keys: Array<{ Arn: string; KeyManager: string }>;
      aliases: Record<string, string>;
    }>(fx.emulator.url, 'GET', 'snapshot');
    expect(snapshot.status).toBe(200);
    expect(snapshot.body.now).toBe(1780272000);
    expect(snapshot.body.vaults.map((vault) => vault.BackupVaultName)).toEqual(['src']);
    expect(snapshot.body.vaults[0]?.RecoveryPoints).toEqual([
      expect.objectContaining({
        RecoveryPointArn: RP,
        LegalHold: true,
        StorageClass: 'WARM',
        CreationDate: 1780272000 - 86400,
      }),
    ]);
    expect(snapshot.body.copyJobs).toEqual([]);
    expect(snapshot.body.keys.map((key) => key.KeyManager)).toContain('CUSTOMER');
    expect(Object.keys(snapshot.body.aliases)).toContain('alias/k');
  });

  it('sets faults over HTTP, which the SDK then meets', async () => {
    fx.emulator.seed({ vaults: [{ name: 'src', encryptionKey: 'aws-managed' }] });
    const set = await admin(fx.emulator.url, 'POST', 'faults', {
      throttleRate: { DescribeBackupVault: 1 },
      missingVaultAs: 'AccessDeniedException',
    });
    expect(set.body).toEqual({ ok: true });
    const throttled = await errorOf(
      fx.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'src' })),
    );
    expect(throttled.name).toBe('ThrottlingException');
    const denied = await errorOf(
      fx.backup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'x1' })),
    );
    expect(denied.name).toBe('AccessDeniedException');

    await admin(fx.emulator.url, 'POST', 'faults', { throttleRate: {} });
    const described = await fx.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'src' }));
    expect(described.BackupVaultName).toBe('src');
  });

  it('serves and resets the stats over HTTP', async () => {
    await fx.backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'one' }));
    const stats = await admin<{ totalCalls: number; mutatingCalls: number; calls: Record<string, number> }>(
      fx.emulator.url,
      'GET',
      'stats',
    );
    expect(stats.body).toMatchObject({ totalCalls: 1, mutatingCalls: 1, calls: { CreateBackupVault: 1 } });
    await admin(fx.emulator.url, 'POST', 'stats/reset', {});
    expect(fx.emulator.stats().totalCalls).toBe(0);
  });

  it('starts queued copy jobs as soon as copyConcurrencyLimit is raised through the settings endpoint', async () => {
    fx.emulator.seed({
      vaults: [
        {
          name: 'src',
          encryptionKey: 'aws-managed',
          recoveryPoints: [
            { resourceType: 'EBS', arn: RP },
            { resourceType: 'EBS', arn: `${RP}1` },
          ],
        },
        { name: 'dest', encryptionKey: 'aws-managed' },
      ],
    });
    await admin(fx.emulator.url, 'POST', 'settings', { copyConcurrencyLimit: 1 });
    const ids = [];
    for (const arn of [RP, `${RP}1`]) {
      const started = await fx.backup.send(
        new StartCopyJobCommand({
          RecoveryPointArn: arn,
          SourceBackupVaultName: 'src',
          DestinationBackupVaultArn: arnOf('dest'),
          IamRoleArn: BACKUP_ROLE,
        }),
      );
      ids.push(started.CopyJobId);
    }
    await admin(fx.emulator.url, 'POST', 'settings', { copyConcurrencyLimit: 2 });
    await admin(fx.emulator.url, 'POST', 'clock/advance', { ms: 60_000 });
    const states = [];
    for (const id of ids) {
      states.push((await fx.backup.send(new DescribeCopyJobCommand({ CopyJobId: id }))).CopyJob?.State);
    }
    expect(states).toEqual(['RUNNING', 'RUNNING']);
  });

  it("switches limitBehaviour to 'reject' through the settings endpoint", async () => {
    fx.emulator.seed({
      vaults: [
        {
          name: 'src',
          encryptionKey: 'aws-managed',
          recoveryPoints: [
            { resourceType: 'EBS', resourceId: 'same', arn: RP },
            { resourceType: 'EBS', resourceId: 'same', arn: `${RP}1` },
          ],
        },
        { name: 'dest', encryptionKey: 'aws-managed' },
      ],
    });
    await admin(fx.emulator.url, 'POST', 'settings', { limitBehaviour: 'reject' });
    const copy = (arn: string) =>
      fx.backup.send(
        new StartCopyJobCommand({
          RecoveryPointArn: arn,
          SourceBackupVaultName: 'src',
          DestinationBackupVaultArn: arnOf('dest'),
          IamRoleArn: BACKUP_ROLE,
        }),
      );
    await copy(RP);
    const error = await errorOf(copy(`${RP}1`));
    expect(error.name).toBe('LimitExceededException');
    const rp = await fx.backup.send(
      new DescribeRecoveryPointCommand({ BackupVaultName: 'src', RecoveryPointArn: RP }),
    );
    expect(rp.Status).toBe('COMPLETED');
  });
});
