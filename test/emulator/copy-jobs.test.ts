import {
  type CopyJob,
  DeleteRecoveryPointCommand,
  DescribeCopyJobCommand,
  DescribeRecoveryPointCommand,
  type DescribeRecoveryPointCommandOutput,
  type Lifecycle,
  ListCopyJobsCommand,
  type ListCopyJobsCommandInput,
  ListRecoveryPointsByBackupVaultCommand,
  paginateListCopyJobs,
  StartCopyJobCommand,
} from '@aws-sdk/client-backup';
import { afterEach, describe, expect, it } from 'vitest';
import { DAY_MS, MINUTE_MS } from '#emulator/clock.ts';
import type { EmulatorOptions, SeedSpec } from '#emulator/index.ts';
import type { RecoveryPointSeed } from '#emulator/seed.ts';
import { BACKUP_ROLE, type EmulatorFixture, emulatorWithClients, errorOf, stopFixture } from './helpers.ts';

const START = new Date('2026-06-01T00:00:00Z');
const arnOf = (name: string) => `arn:aws:backup:us-east-1:123456789012:backup-vault:${name}`;
const COPY_MS = 10 * MINUTE_MS;

let fx: EmulatorFixture | undefined;

afterEach(async () => {
  await stopFixture(fx);
  fx = undefined;
});

/** An emulator with a source key, a destination vault under its own key, and the given source points. */
async function setup(
  recoveryPoints: RecoveryPointSeed[],
  options: EmulatorOptions = {},
  extraVaults: NonNullable<SeedSpec['vaults']> = [],
): Promise<EmulatorFixture> {
  fx = await emulatorWithClients({ copyDurationMs: () => COPY_MS, ...options });
  fx.emulator.seed({
    keys: [{ alias: 'alias/dest-key' }, { alias: 'alias/source-cmk' }],
    vaults: [
      { name: 'src', encryptionKey: 'aws-managed', recoveryPoints },
      { name: 'dest', encryptionKey: 'alias/dest-key' },
      ...extraVaults,
    ],
  });
  return fx;
}

const keyArn = (f: EmulatorFixture, alias: string) => f.emulator.kms.findKey(alias)?.arn ?? 'missing';

async function sourceArns(f: EmulatorFixture, vault = 'src'): Promise<string[]> {
  const page = await f.backup.send(
    new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: vault, MaxResults: 1000 }),
  );
  return (page.RecoveryPoints ?? [])
    .filter((rp) => !rp.ParentRecoveryPointArn)
    .map((rp) => rp.RecoveryPointArn ?? '');
}

function startCopy(
  f: EmulatorFixture,
  recoveryPointArn: string,
  extra: { destination?: string; token?: string; lifecycle?: Lifecycle; source?: string } = {},
) {
  return f.backup.send(
    new StartCopyJobCommand({
      RecoveryPointArn: recoveryPointArn,
      SourceBackupVaultName: extra.source ?? 'src',
      DestinationBackupVaultArn: arnOf(extra.destination ?? 'dest'),
      IamRoleArn: BACKUP_ROLE,
      IdempotencyToken: extra.token,
      Lifecycle: extra.lifecycle,
    }),
  );
}

async function job(f: EmulatorFixture, id: string | undefined): Promise<CopyJob> {
  const answer = await f.backup.send(new DescribeCopyJobCommand({ CopyJobId: id }));
  if (!answer.CopyJob) throw new Error(`no copy job ${id}`);
  return answer.CopyJob;
}

async function copyOf(
  f: EmulatorFixture,
  copy: CopyJob,
  vault = 'dest',
): Promise<DescribeRecoveryPointCommandOutput> {
  return f.backup.send(
    new DescribeRecoveryPointCommand({
      BackupVaultName: vault,
      RecoveryPointArn: copy.DestinationRecoveryPointArn,
    }),
  );
}

/** Copies the only top-level point of `vault` to dest, runs to the end and returns the job. */
async function copyToEnd(f: EmulatorFixture, vault = 'src', lifecycle?: Lifecycle): Promise<CopyJob> {
  const [arn] = await sourceArns(f, vault);
  const started = await startCopy(f, arn ?? '', { source: vault, lifecycle });
  f.emulator.runUntilIdle();
  return job(f, started.CopyJobId);
}

describe('StartCopyJob and the copy job life cycle', () => {
  it('moves CREATED → RUNNING → COMPLETED over simulated time and keeps the source CreationDate', async () => {
    const f = await setup([{ resourceType: 'EBS', createdDaysAgo: 10, lifecycle: { DeleteAfterDays: 35 } }]);
    const [source] = await sourceArns(f);
    const started = await startCopy(f, source ?? '');
    expect(started.CopyJobId).toMatch(/^[0-9A-F-]{36}$/);
    expect(started.CreationDate).toEqual(START);
    expect(started.IsParent).toBe(false);

    expect((await job(f, started.CopyJobId)).State).toBe('CREATED');
    f.emulator.advance(MINUTE_MS);
    expect((await job(f, started.CopyJobId)).State).toBe('RUNNING');
    f.emulator.advance(COPY_MS - 1);
    const running = await job(f, started.CopyJobId);
    expect(running.State).toBe('RUNNING');
    expect(running.DestinationRecoveryPointArn).toBeUndefined();
    f.emulator.advance(1);

    const done = await job(f, started.CopyJobId);
    expect(done).toMatchObject({
      State: 'COMPLETED',
      SourceRecoveryPointArn: source,
      SourceBackupVaultArn: arnOf('src'),
      DestinationBackupVaultArn: arnOf('dest'),
      ResourceType: 'EBS',
      IamRoleArn: BACKUP_ROLE,
      IsParent: false,
    });
    expect(done.CompletionDate).toEqual(new Date(START.getTime() + MINUTE_MS + COPY_MS));
    const copy = await copyOf(f, done);
    expect(copy.Status).toBe('COMPLETED');
    expect(copy.CreationDate).toEqual(new Date(START.getTime() - 10 * DAY_MS));
    expect(copy.SourceBackupVaultArn).toBe(arnOf('src'));
    expect(copy.ResourceArn).toBe(done.ResourceArn);
  });

  it('returns the same CopyJobId for a repeated IdempotencyToken and a new one for another token', async () => {
    const f = await setup([{ resourceType: 'S3' }]);
    const [source] = await sourceArns(f);
    const first = await startCopy(f, source ?? '', { token: 'token-1' });
    f.emulator.advance(MINUTE_MS);
    const again = await startCopy(f, source ?? '', { token: 'token-1' });
    expect(again.CopyJobId).toBe(first.CopyJobId);
    expect(again.CreationDate).toEqual(first.CreationDate);
    expect((await f.backup.send(new ListCopyJobsCommand({}))).CopyJobs).toHaveLength(1);

    const other = await startCopy(f, source ?? '', { token: 'token-2' });
    expect(other.CopyJobId).not.toBe(first.CopyJobId);
    expect((await f.backup.send(new ListCopyJobsCommand({}))).CopyJobs).toHaveLength(2);
  });

  it('finishes every job with runUntilIdle and reports the simulated time it took', async () => {
    const f = await setup([{ resourceType: 'EBS' }, { resourceType: 'RDS' }]);
    const ids = [];
    for (const arn of await sourceArns(f)) ids.push((await startCopy(f, arn)).CopyJobId);
    expect(f.emulator.runUntilIdle()).toBe(MINUTE_MS + COPY_MS);
    for (const id of ids) expect((await job(f, id)).State).toBe('COMPLETED');
    expect(f.emulator.runUntilIdle()).toBe(0);
  });

  it('answers DescribeCopyJob of an unknown id with ResourceNotFoundException', async () => {
    const f = await setup([]);
    const error = await errorOf(
      f.backup.send(new DescribeCopyJobCommand({ CopyJobId: '00000000-0000-4000-A000-000000000000' })),
    );
    expect(error.name).toBe('ResourceNotFoundException');
  });
});

describe('retention of copies', () => {
  const created = new Date(START.getTime() - 10 * DAY_MS);
  const source = [{ resourceType: 'EBS', createdDaysAgo: 10, lifecycle: { DeleteAfterDays: 35 } }];

  it('inherits the source retention and expiry date without a Lifecycle', async () => {
    const f = await setup(source);
    const done = await copyToEnd(f);
    const copy = await copyOf(f, done);
    expect(copy.Lifecycle).toEqual({ DeleteAfterDays: 35 });
    expect(copy.CalculatedLifecycle?.DeleteAt).toEqual(new Date(created.getTime() + 35 * DAY_MS));
    expect(done.DestinationRecoveryPointLifecycle).toEqual({ DeleteAfterDays: 35 });
  });

  it('inherits the source retention when the Lifecycle keeps DeleteAfterDays -1', async () => {
    const f = await setup(source);
    const copy = await copyOf(f, await copyToEnd(f, 'src', { DeleteAfterDays: -1 }));
    expect(copy.CalculatedLifecycle?.DeleteAt).toEqual(new Date(created.getTime() + 35 * DAY_MS));
  });

  it('measures an explicit Lifecycle from the source CreationDate', async () => {
    const f = await setup(source);
    const lifecycle = { MoveToColdStorageAfterDays: 30, DeleteAfterDays: 120 };
    const copy = await copyOf(f, await copyToEnd(f, 'src', lifecycle));
    expect(copy.Lifecycle).toEqual(lifecycle);
    expect(copy.CalculatedLifecycle?.DeleteAt).toEqual(new Date(created.getTime() + 120 * DAY_MS));
    expect(copy.CalculatedLifecycle?.MoveToColdStorageAt).toEqual(new Date(created.getTime() + 30 * DAY_MS));
    expect(copy.StorageClass).toBe('WARM');
  });

  it('rejects a Lifecycle deleting less than 90 days after cold storage with InvalidParameterValueException', async () => {
    const f = await setup(source);
    const [arn] = await sourceArns(f);
    const error = await errorOf(
      startCopy(f, arn ?? '', { lifecycle: { MoveToColdStorageAfterDays: 30, DeleteAfterDays: 100 } }),
    );
    expect(error.name).toBe('InvalidParameterValueException');
    expect(f.emulator.backup.copyJobs.size).toBe(0);
  });
});

describe('encryption of copies', () => {
  const managed: Array<[string, RecoveryPointSeed]> = [
    ['S3', { resourceType: 'S3' }],
    ['EFS', { resourceType: 'EFS' }],
    ['VirtualMachine', { resourceType: 'VirtualMachine' }],
    ['DynamoDB with advanced backup', { resourceType: 'DynamoDB', dynamoDbAdvanced: true }],
    ['Timestream', { resourceType: 'Timestream' }],
    ['CloudFormation', { resourceType: 'CloudFormation' }],
  ];

  it.each(managed)(
    'encrypts a copy of fully-managed %s with the destination key even from an unencrypted vault',
    async (_, seed) => {
      const f = await setup([], {}, [{ name: 'plain', encryptionKey: 'none', recoveryPoints: [seed] }]);
      const [arn] = await sourceArns(f, 'plain');
      const source = await f.backup.send(
        new DescribeRecoveryPointCommand({ BackupVaultName: 'plain', RecoveryPointArn: arn }),
      );
      expect(source.IsEncrypted).toBe(false);
      const done = await copyToEnd(f, 'plain');
      expect(done.State).toBe('COMPLETED');
      const copy = await copyOf(f, done);
      expect(copy.IsEncrypted).toBe(true);
      expect(copy.EncryptionKeyArn).toBe(keyArn(f, 'alias/dest-key'));
      expect(done.DestinationEncryptionKeyArn).toBe(keyArn(f, 'alias/dest-key'));
    },
  );

  const nonManaged: Array<[string, RecoveryPointSeed]> = [
    ['EBS', { resourceType: 'EBS' }],
    ['EC2', { resourceType: 'EC2' }],
    ['RDS', { resourceType: 'RDS' }],
    ['Aurora', { resourceType: 'Aurora' }],
    ['DocumentDB', { resourceType: 'DocumentDB' }],
    ['Neptune', { resourceType: 'Neptune' }],
    ['Redshift', { resourceType: 'Redshift' }],
    ['FSx', { resourceType: 'FSx' }],
    ['Storage Gateway', { resourceType: 'Storage Gateway' }],
  ];

  it.each(nonManaged)('keeps the source key on a copy of %s', async (_, seed) => {
    const f = await setup([{ ...seed, encryptionKey: 'alias/source-cmk' }]);
    const copy = await copyOf(f, await copyToEnd(f));
    expect(copy.IsEncrypted).toBe(true);
    expect(copy.EncryptionKeyArn).toBe(keyArn(f, 'alias/source-cmk'));
  });

  it.each(nonManaged)('leaves a copy of an unencrypted %s unencrypted', async (_, seed) => {
    const f = await setup([{ ...seed, encrypted: false }]);
    const copy = await copyOf(f, await copyToEnd(f));
    expect(copy.IsEncrypted).toBe(false);
    expect(copy.EncryptionKeyArn).toBeUndefined();
  });

  it('re-encrypts an encrypted EBS copy with the destination key in the destination-key variant', async () => {
    const f = await setup([{ resourceType: 'EBS', encryptionKey: 'alias/source-cmk' }], {
      nonManagedCopyEncryption: 'destination-key',
    });
    const copy = await copyOf(f, await copyToEnd(f));
    expect(copy.IsEncrypted).toBe(true);
    expect(copy.EncryptionKeyArn).toBe(keyArn(f, 'alias/dest-key'));
  });

  it('leaves an unencrypted Aurora copy unencrypted even in the destination-key variant', async () => {
    const f = await setup([{ resourceType: 'Aurora', encrypted: false }], {
      nonManagedCopyEncryption: 'destination-key',
    });
    const copy = await copyOf(f, await copyToEnd(f));
    expect(copy.IsEncrypted).toBe(false);
    expect(copy.EncryptionKeyArn).toBeUndefined();
  });
});

describe('recovery points StartCopyJob refuses', () => {
  it.each<[string, RecoveryPointSeed]>([
    ['in cold storage', { resourceType: 'EBS', storageClass: 'COLD' }],
    [
      'past its MoveToColdStorageAfterDays',
      {
        resourceType: 'EFS',
        createdDaysAgo: 10,
        lifecycle: { MoveToColdStorageAfterDays: 7, DeleteAfterDays: 97 },
      },
    ],
    ['of a continuous backup', { resourceType: 'S3', continuous: true }],
    ['PARTIAL', { resourceType: 'EBS', status: 'PARTIAL' }],
    ['CREATING', { resourceType: 'EBS', status: 'CREATING' }],
    ['EXPIRED', { resourceType: 'EBS', status: 'EXPIRED' }],
    ['of a type without copy support', { resourceType: 'SAP HANA on Amazon EC2' }],
    ['of DynamoDB without advanced backup', { resourceType: 'DynamoDB', dynamoDbAdvanced: false }],
  ])('refuses a recovery point %s with InvalidRequestException', async (_, seed) => {
    const f = await setup([seed]);
    const [arn] = await sourceArns(f);
    const error = await errorOf(startCopy(f, arn ?? ''));
    expect(error.name).toBe('InvalidRequestException');
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect((await f.backup.send(new ListCopyJobsCommand({}))).CopyJobs).toEqual([]);
  });

  it('refuses a recovery point that is being deleted', async () => {
    const f = await setup([{ resourceType: 'EBS' }]);
    const [arn] = await sourceArns(f);
    await f.backup.send(new DeleteRecoveryPointCommand({ BackupVaultName: 'src', RecoveryPointArn: arn }));
    const error = await errorOf(startCopy(f, arn ?? ''));
    expect(error.name).toBe('InvalidRequestException');
    expect(error.message).toContain('DELETING');
  });

  it('refuses the resource types named in copyUnsupportedTypes', async () => {
    const f = await setup([{ resourceType: 'Redshift' }], { copyUnsupportedTypes: ['Redshift'] });
    const [arn] = await sourceArns(f);
    const error = await errorOf(startCopy(f, arn ?? ''));
    expect(error.name).toBe('InvalidRequestException');
    expect(error.message).toContain('Redshift');
  });

  it('answers a missing destination vault with ResourceNotFoundException', async () => {
    const f = await setup([{ resourceType: 'EBS' }]);
    const [arn] = await sourceArns(f);
    const error = await errorOf(startCopy(f, arn ?? '', { destination: 'ghost' }));
    expect(error.name).toBe('ResourceNotFoundException');
  });

  it('refuses a copy into the source vault itself and a malformed role with InvalidParameterValueException', async () => {
    const f = await setup([{ resourceType: 'EBS' }]);
    const [arn] = await sourceArns(f);
    const same = await errorOf(startCopy(f, arn ?? '', { destination: 'src' }));
    const role = await errorOf(
      f.backup.send(
        new StartCopyJobCommand({
          RecoveryPointArn: arn,
          SourceBackupVaultName: 'src',
          DestinationBackupVaultArn: arnOf('dest'),
          IamRoleArn: 'AWSBackupDefaultServiceRole',
        }),
      ),
    );
    expect(same.name).toBe('InvalidParameterValueException');
    expect(role.name).toBe('InvalidParameterValueException');
  });
});

describe('vault lock on the destination', () => {
  const bounded = {
    name: 'bounded',
    encryptionKey: 'aws-managed',
    lock: { minRetentionDays: 7, maxRetentionDays: 30 },
  };
  const source = [{ resourceType: 'EBS', lifecycle: { DeleteAfterDays: 35 } }];

  async function copyInto(lifecycle?: Lifecycle) {
    const f = await setup(source, {}, [bounded]);
    const [arn] = await sourceArns(f);
    const started = await startCopy(f, arn ?? '', { destination: 'bounded', lifecycle });
    f.emulator.runUntilIdle();
    return { f, done: await job(f, started.CopyJobId) };
  }

  it('fails a copy whose inherited retention exceeds MaxRetentionDays', async () => {
    const { f, done } = await copyInto();
    expect(done.State).toBe('FAILED');
    expect(done.StatusMessage).toContain('maximum of 30 days');
    expect(done.CompletionDate).toEqual(new Date(START.getTime() + MINUTE_MS + COPY_MS));
    expect(done.DestinationRecoveryPointArn).toBeUndefined();
    expect(f.emulator.backup.vaults.get('bounded')?.recoveryPoints.size).toBe(0);
  });

  it('fails a copy kept forever when the lock has a maximum', async () => {
    const { done } = await copyInto({ DeleteAfterDays: -1, MoveToColdStorageAfterDays: -1 });
    expect(done.State).toBe('FAILED');
  });

  it('fails a copy whose retention is below MinRetentionDays', async () => {
    const { done } = await copyInto({ DeleteAfterDays: 3 });
    expect(done.State).toBe('FAILED');
    expect(done.StatusMessage).toContain('minimum of 7 days');
  });

  it('completes a copy whose retention lies within the bounds', async () => {
    const { f, done } = await copyInto({ DeleteAfterDays: 14 });
    expect(done.State).toBe('COMPLETED');
    expect((await copyOf(f, done, 'bounded')).Lifecycle).toEqual({ DeleteAfterDays: 14 });
  });
});

describe('copy concurrency limits', () => {
  const states = async (f: EmulatorFixture, ids: Array<string | undefined>) =>
    Promise.all(ids.map(async (id) => (await job(f, id)).State));

  it("keeps jobs past the account limit CREATED until a slot frees in 'queue' mode", async () => {
    const f = await setup([{ resourceType: 'EBS' }, { resourceType: 'EBS' }, { resourceType: 'EBS' }], {
      copyConcurrencyLimit: 2,
      limitBehaviour: 'queue',
    });
    const ids = [];
    for (const arn of await sourceArns(f)) ids.push((await startCopy(f, arn)).CopyJobId);
    expect(await states(f, ids)).toEqual(['CREATED', 'CREATED', 'CREATED']);
    f.emulator.advance(5 * MINUTE_MS);
    expect(await states(f, ids)).toEqual(['RUNNING', 'RUNNING', 'CREATED']);
    f.emulator.advance(6 * MINUTE_MS);
    expect(await states(f, ids)).toEqual(['COMPLETED', 'COMPLETED', 'CREATED']);
    f.emulator.advance(MINUTE_MS);
    expect(await states(f, ids)).toEqual(['COMPLETED', 'COMPLETED', 'RUNNING']);
    f.emulator.advance(COPY_MS);
    expect(await states(f, ids)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    expect((await job(f, ids[2])).CompletionDate).toEqual(new Date(START.getTime() + 22 * MINUTE_MS));
  });

  it("runs one copy per resource at a time in 'queue' mode", async () => {
    const f = await setup([
      { resourceType: 'RDS', resourceId: 'db-1', createdDaysAgo: 2 },
      { resourceType: 'RDS', resourceId: 'db-1', createdDaysAgo: 1 },
    ]);
    const ids = [];
    for (const arn of await sourceArns(f)) ids.push((await startCopy(f, arn)).CopyJobId);
    f.emulator.advance(MINUTE_MS + COPY_MS);
    expect(await states(f, ids)).toEqual(['COMPLETED', 'CREATED']);
    f.emulator.advance(MINUTE_MS + COPY_MS);
    expect(await states(f, ids)).toEqual(['COMPLETED', 'COMPLETED']);
  });

  it("raises LimitExceededException past the account limit in 'reject' mode, and accepts once a slot frees", async () => {
    const f = await setup([{ resourceType: 'EBS' }, { resourceType: 'EBS' }], {
      copyConcurrencyLimit: 1,
      limitBehaviour: 'reject',
    });
    const [first, second] = await sourceArns(f);
    await startCopy(f, first ?? '');
    const error = await errorOf(startCopy(f, second ?? ''));
    expect(error.name).toBe('LimitExceededException');
    expect(error.message).toContain('limit of 1');
    expect(f.emulator.stats().injected.limitExceeded).toBe(1);
    expect((await f.backup.send(new ListCopyJobsCommand({}))).CopyJobs).toHaveLength(1);

    f.emulator.runUntilIdle();
    const retried = await startCopy(f, second ?? '');
    expect((await job(f, retried.CopyJobId)).State).toBe('CREATED');
  });

  it("raises LimitExceededException for a second copy of the same resource in 'reject' mode", async () => {
    const f = await setup(
      [
        { resourceType: 'EBS', resourceId: 'vol-1' },
        { resourceType: 'EBS', resourceId: 'vol-1' },
      ],
      { limitBehaviour: 'reject' },
    );
    const [first, second] = await sourceArns(f);
    await startCopy(f, first ?? '');
    const error = await errorOf(startCopy(f, second ?? ''));
    expect(error.name).toBe('LimitExceededException');
    expect(error.message).toContain('already in progress');
  });
});

describe('ListCopyJobs', () => {
  async function twelveJobs(): Promise<EmulatorFixture> {
    const f = await setup([], {}, [{ name: 'other', encryptionKey: 'aws-managed' }]);
    f.emulator.seed({
      vaults: [
        {
          name: 'many',
          encryptionKey: 'aws-managed',
          generate: { count: 12, mix: { EBS: 1 }, perResource: 1 },
        },
      ],
    });
    const arns = await sourceArns(f, 'many');
    f.emulator.setFaults({ copyFailures: { [arns[0] ?? '']: 1, [arns[1] ?? '']: 1 } });
    for (const [index, arn] of arns.entries()) {
      await startCopy(f, arn, { source: 'many', destination: index < 8 ? 'dest' : 'other' });
    }
    return f;
  }

  async function listAll(f: EmulatorFixture, input: ListCopyJobsCommandInput) {
    const pageSizes: number[] = [];
    const jobs: CopyJob[] = [];
    for await (const page of paginateListCopyJobs({ client: f.backup }, input)) {
      pageSizes.push(page.CopyJobs?.length ?? 0);
      jobs.push(...(page.CopyJobs ?? []));
    }
    return { pageSizes, jobs };
  }

  it('pages with the default page size and with MaxResults', async () => {
    const f = await twelveJobs();
    const byDefault = await listAll(f, {});
    expect(byDefault.pageSizes).toEqual([10, 2]);
    expect(new Set(byDefault.jobs.map((j) => j.CopyJobId)).size).toBe(12);
    expect((await listAll(f, { MaxResults: 5 })).pageSizes).toEqual([5, 5, 2]);
  });

  it('filters by destination vault ARN', async () => {
    const f = await twelveJobs();
    const toDest = await listAll(f, { ByDestinationVaultArn: arnOf('dest'), MaxResults: 3 });
    const toOther = await listAll(f, { ByDestinationVaultArn: arnOf('other') });
    expect(toDest.pageSizes).toEqual([3, 3, 2]);
    expect(toDest.jobs.every((j) => j.DestinationBackupVaultArn === arnOf('dest'))).toBe(true);
    expect(toOther.jobs).toHaveLength(4);
  });

  it('filters by state as the jobs progress', async () => {
    const f = await twelveJobs();
    expect((await listAll(f, { ByState: 'CREATED' })).jobs).toHaveLength(12);
    expect((await listAll(f, { ByState: 'RUNNING' })).jobs).toHaveLength(0);
    f.emulator.advance(MINUTE_MS);
    expect((await listAll(f, { ByState: 'RUNNING' })).jobs).toHaveLength(12);
    f.emulator.runUntilIdle();
    const failed = await listAll(f, { ByState: 'FAILED' });
    expect(failed.jobs).toHaveLength(2);
    expect(failed.jobs.every((j) => j.StatusMessage?.includes('transient'))).toBe(true);
    expect((await listAll(f, { ByState: 'COMPLETED' })).jobs).toHaveLength(10);
    expect(
      (await listAll(f, { ByState: 'COMPLETED', ByDestinationVaultArn: arnOf('other') })).jobs,
    ).toHaveLength(4);
  });
});

describe('ListCopyJobs by resource and by date', () => {
  it('filters by resource ARN and type, by creation date and by completion date', async () => {
    const f = await setup([
      { resourceType: 'EBS', resourceId: 'vol-1' },
      { resourceType: 'RDS', resourceId: 'db-1' },
    ]);
    const [ebs, rds] = await sourceArns(f);
    const early = await startCopy(f, ebs ?? '');
    f.emulator.advance(30 * MINUTE_MS);
    const late = await startCopy(f, rds ?? '');
    f.emulator.runUntilIdle();
    const ids = async (input: ListCopyJobsCommandInput) =>
      ((await f.backup.send(new ListCopyJobsCommand(input))).CopyJobs ?? []).map((j) => j.CopyJobId);

    const ebsJob = await job(f, early.CopyJobId);
    expect(await ids({ ByResourceArn: ebsJob.ResourceArn })).toEqual([early.CopyJobId]);
    expect(await ids({ ByResourceType: 'RDS' })).toEqual([late.CopyJobId]);
    const middle = new Date(START.getTime() + 15 * MINUTE_MS);
    expect(await ids({ ByCreatedAfter: middle })).toEqual([late.CopyJobId]);
    expect(await ids({ ByCreatedBefore: middle })).toEqual([early.CopyJobId]);
    // The early job completed at 11 minutes, the late one at 41.
    expect(await ids({ ByCompleteBefore: new Date(START.getTime() + 20 * MINUTE_MS) })).toEqual([
      early.CopyJobId,
    ]);
    expect(await ids({ ByCompleteAfter: new Date(START.getTime() + 20 * MINUTE_MS) })).toEqual([
      late.CopyJobId,
    ]);
  });
});

describe('composite recovery points', () => {
  it('copies a parent with its members, each member with a child copy job', async () => {
    const f = await setup([{ resourceType: 'CloudFormation', compositeMembers: 3, createdDaysAgo: 2 }]);
    const [parentArn] = await sourceArns(f);
    const started = await startCopy(f, parentArn ?? '');
    expect(started.IsParent).toBe(true);
    f.emulator.runUntilIdle();

    const parent = await job(f, started.CopyJobId);
    expect(parent.State).toBe('COMPLETED');
    expect(parent.IsParent).toBe(true);
    expect(parent.NumberOfChildJobs).toBe(3);
    const children = await f.backup.send(new ListCopyJobsCommand({ ByParentJobId: started.CopyJobId }));
    expect(children.CopyJobs).toHaveLength(3);
    for (const child of children.CopyJobs ?? []) {
      expect(child.State).toBe('COMPLETED');
      expect(child.ParentJobId).toBe(started.CopyJobId);
      expect(child.IsParent).toBe(false);
    }

    const copies = await f.backup.send(
      new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'dest' }),
    );
    expect(copies.RecoveryPoints).toHaveLength(4);
    const members = copies.RecoveryPoints?.filter((rp) => rp.ParentRecoveryPointArn) ?? [];
    expect(members).toHaveLength(3);
    expect(members.every((rp) => rp.ParentRecoveryPointArn === parent.DestinationRecoveryPointArn)).toBe(
      true,
    );
    expect(members.every((rp) => rp.CompositeMemberIdentifier?.startsWith('member-'))).toBe(true);
    expect(
      copies.RecoveryPoints?.every((rp) => rp.CreationDate?.getTime() === START.getTime() - 2 * DAY_MS),
    ).toBe(true);
  });
});
