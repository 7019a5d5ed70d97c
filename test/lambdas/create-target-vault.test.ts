import {
  AlreadyExistsException,
  BackupClient,
  CreateBackupVaultCommand,
  DescribeBackupVaultCommand,
  GetBackupVaultAccessPolicyCommand,
  GetBackupVaultNotificationsCommand,
  ListTagsCommand,
  PutBackupVaultAccessPolicyCommand,
  PutBackupVaultLockConfigurationCommand,
  ResourceNotFoundException,
  TagResourceCommand,
} from '@aws-sdk/client-backup';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '#emulator/index.ts';
import { resetClients } from '#shared/clients.ts';
import type { Migration } from '#shared/contracts.ts';
import { InvalidInput, TargetVaultConflict, TargetVaultNotVerified } from '#shared/errors.ts';
import {
  createTargetVault,
  creatorRequestIdFor,
  planTargetTags,
  planVaultLock,
  rewritePolicyVaultArn,
} from '../../lambdas/create-target-vault/handler.ts';
import { CREATED_BY_TAG, CREATED_BY_VALUE, SOURCE_VAULT_TAG } from '../../lambdas/shared/tags.ts';
import { emulatorForHandlers, migrationFor, stopEmulator } from './helpers.ts';

const PREFIX = 'arn:aws:backup:us-east-1:123456789012:backup-vault:';
const SOURCE_ARN = `${PREFIX}legacy`;
const TARGET_ARN = `${PREFIX}legacy-encrypted`;
const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const OTHER_KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/0000abcd-12ab-34cd-56ef-1234567890ab';
const OWN_TAGS = { [CREATED_BY_TAG]: CREATED_BY_VALUE, [SOURCE_VAULT_TAG]: 'legacy' };

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

function mockMigration(overrides: Partial<Migration> = {}): Migration {
  return {
    executionId: 'exec-1',
    sourceVaultName: 'legacy',
    sourceVaultArn: SOURCE_ARN,
    targetVaultName: 'legacy-encrypted',
    targetVaultArn: TARGET_ARN,
    kmsKeyArn: KEY_ARN,
    deleteSourceVault: false,
    dryRun: false,
    maxConcurrentCopies: 20,
    startedAt: '2026-06-01T00:00:00.000Z',
    status: 'READY',
    ...overrides,
  };
}

describe('create-target-vault: creator request id', () => {
  it('is the same for every attempt of one migration and differs between migrations and targets', () => {
    const id = creatorRequestIdFor('exec-1', 'legacy-encrypted');
    expect(id).toBe(creatorRequestIdFor('exec-1', 'legacy-encrypted'));
    expect(id).toMatch(/^vault-migrator-[0-9a-f]{40}$/);
    expect(creatorRequestIdFor('exec-2', 'legacy-encrypted')).not.toBe(id);
    expect(creatorRequestIdFor('exec-1', 'other-encrypted')).not.toBe(id);
  });
});

describe('create-target-vault: tags to carry', () => {
  it("carries the source's tags and adds the migrator's own two", () => {
    const plan = planTargetTags({ team: 'storage', env: 'prod' }, {}, 'legacy');
    expect(plan).toEqual({ toApply: { env: 'prod', team: 'storage', ...OWN_TAGS }, carried: 2, dropped: [] });
  });

  it("lets the migrator's tags win over source tags of the same key and leaves out reserved aws: keys", () => {
    const plan = planTargetTags(
      { [SOURCE_VAULT_TAG]: 'older', 'aws:cloudformation:stack-name': 'stack', team: 'a' },
      {},
      'legacy',
    );
    expect(plan.toApply).toEqual({ team: 'a', ...OWN_TAGS });
    expect(plan.carried).toBe(1);
    expect(plan.dropped).toEqual(['aws:cloudformation:stack-name']);
  });

  it('puts nothing when the target already carries every tag with the same value', () => {
    const plan = planTargetTags({ team: 'a' }, { team: 'a', ...OWN_TAGS }, 'legacy');
    expect(plan).toEqual({ toApply: {}, carried: 1, dropped: [] });
  });

  it('keeps the target within 50 tags, counting its own, and drops the last source keys in order', () => {
    const source = Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [`k${String(i).padStart(2, '0')}`, 'v']),
    );
    const plan = planTargetTags(source, { existing: 'x' }, 'legacy');
    expect(Object.keys(plan.toApply)).toHaveLength(49);
    expect(plan.carried).toBe(47);
    expect(plan.dropped).toEqual(['k47', 'k48', 'k49']);
    expect(plan.toApply[CREATED_BY_TAG]).toBe(CREATED_BY_VALUE);
  });
});

describe('create-target-vault: access policy rewriting', () => {
  it('replaces every occurrence of the source vault ARN with the target vault ARN', () => {
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Deny', Principal: '*', Action: 'backup:DeleteRecoveryPoint', Resource: SOURCE_ARN },
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::123456789012:root' },
          Action: '*',
          Resource: [SOURCE_ARN],
        },
      ],
    });
    const rewritten = JSON.parse(rewritePolicyVaultArn(policy, SOURCE_ARN, TARGET_ARN));
    expect(rewritten.Statement[0].Resource).toBe(TARGET_ARN);
    expect(rewritten.Statement[1].Resource).toEqual([TARGET_ARN]);
    expect(rewritten.Statement[1].Principal.AWS).toBe('arn:aws:iam::123456789012:root');
  });

  it('leaves the ARN of another vault whose name starts with the source name alone', () => {
    const policy = `{"Resource":["${SOURCE_ARN}-2","${SOURCE_ARN}_old","${SOURCE_ARN}*","${SOURCE_ARN}"]}`;
    expect(rewritePolicyVaultArn(policy, SOURCE_ARN, TARGET_ARN)).toBe(
      `{"Resource":["${SOURCE_ARN}-2","${SOURCE_ARN}_old","${TARGET_ARN}*","${TARGET_ARN}"]}`,
    );
  });

  it('keeps the policy text as written when it does not name the source vault', () => {
    const policy = '{\n  "Statement": [ { "Resource": "*" } ]\n}';
    expect(rewritePolicyVaultArn(policy, SOURCE_ARN, TARGET_ARN)).toBe(policy);
  });
});

describe('create-target-vault: vault lock bounds', () => {
  it('puts nothing when the source has no vault lock', () => {
    expect(planVaultLock({}, {})).toEqual({ carried: false });
  });

  it("puts the source's bounds on an unlocked target, without ChangeableForDays", () => {
    expect(planVaultLock({ Locked: true, MinRetentionDays: 7, MaxRetentionDays: 365 }, {})).toEqual({
      put: { MinRetentionDays: 7, MaxRetentionDays: 365 },
      carried: true,
    });
    expect(planVaultLock({ Locked: true, MaxRetentionDays: 30 }, {}).put).toEqual({ MaxRetentionDays: 30 });
  });

  it('puts nothing again when the target already has the same bounds', () => {
    const bounds = { Locked: true, MinRetentionDays: 7, MaxRetentionDays: 365 };
    expect(planVaultLock(bounds, bounds)).toEqual({ carried: true });
  });

  it('never changes a lock the target already has with other bounds', () => {
    const plan = planVaultLock(
      { Locked: true, MinRetentionDays: 7, MaxRetentionDays: 365 },
      { Locked: true, MinRetentionDays: 1, MaxRetentionDays: 3650 },
    );
    expect(plan.put).toBeUndefined();
    expect(plan.carried).toBe(false);
    expect(plan.note).toContain('left as it is');
  });
});

describe('create-target-vault: AWS answers (mocked SDK)', () => {
  let backup: AwsClientStub<BackupClient>;

  beforeAll(() => {
    backup = mockClient(BackupClient);
  });

  beforeEach(() => {
    backup.reset();
    resetClients();
    backup
      .on(GetBackupVaultAccessPolicyCommand)
      .rejects(new ResourceNotFoundException({ message: 'no policy', $metadata: {} }));
    backup
      .on(GetBackupVaultNotificationsCommand)
      .rejects(new ResourceNotFoundException({ message: 'no notifications', $metadata: {} }));
    backup.on(ListTagsCommand).resolves({ Tags: {} });
    backup
      .on(DescribeBackupVaultCommand, { BackupVaultName: 'legacy' })
      .resolves({ BackupVaultArn: SOURCE_ARN });
  });

  afterAll(() => {
    backup.restore();
    resetClients();
  });

  it('accepts an existing target with the key and reports it as not created', async () => {
    backup
      .on(CreateBackupVaultCommand)
      .rejects(new AlreadyExistsException({ message: 'exists', $metadata: {} }));
    backup
      .on(DescribeBackupVaultCommand, { BackupVaultName: 'legacy-encrypted' })
      .resolves({ BackupVaultArn: TARGET_ARN, EncryptionKeyArn: KEY_ARN, CreatorRequestId: 'someone-else' });
    const result = await createTargetVault({ migration: mockMigration() });
    expect(result).toEqual({
      targetVaultArn: TARGET_ARN,
      created: false,
      encryptionKeyArn: KEY_ARN,
      carried: { tags: 0, accessPolicy: false, notifications: false, vaultLock: false },
    });
  });

  it('refuses an existing target with another key as TargetVaultConflict, before changing it', async () => {
    backup
      .on(CreateBackupVaultCommand)
      .rejects(new AlreadyExistsException({ message: 'exists', $metadata: {} }));
    backup
      .on(DescribeBackupVaultCommand, { BackupVaultName: 'legacy-encrypted' })
      .resolves({ BackupVaultArn: TARGET_ARN, EncryptionKeyArn: OTHER_KEY_ARN });
    const error = await rejectionOf(createTargetVault({ migration: mockMigration() }));
    expect(error).toBeInstanceOf(TargetVaultConflict);
    expect(error.message).toContain(OTHER_KEY_ARN);
    expect(backup.commandCalls(TagResourceCommand)).toHaveLength(0);
    expect(backup.commandCalls(PutBackupVaultAccessPolicyCommand)).toHaveLength(0);
  });

  it('fails TargetVaultNotVerified when the vault it created reads back with another key', async () => {
    backup.on(CreateBackupVaultCommand).resolves({ BackupVaultArn: TARGET_ARN });
    backup
      .on(DescribeBackupVaultCommand, { BackupVaultName: 'legacy-encrypted' })
      .resolves({ BackupVaultArn: TARGET_ARN, EncryptionKeyArn: OTHER_KEY_ARN });
    const error = await rejectionOf(createTargetVault({ migration: mockMigration() }));
    expect(error).toBeInstanceOf(TargetVaultNotVerified);
    expect(backup.commandCalls(TagResourceCommand)).toHaveLength(0);
  });

  it('waits for a vault just created that is not visible yet, and fails TargetVaultNotVerified if it never is', async () => {
    backup.on(CreateBackupVaultCommand).resolves({ BackupVaultArn: TARGET_ARN });
    const notYet = new ResourceNotFoundException({ message: 'not found', $metadata: {} });
    backup
      .on(DescribeBackupVaultCommand, { BackupVaultName: 'legacy-encrypted' })
      .rejectsOnce(notYet)
      .rejectsOnce(notYet)
      .resolves({ BackupVaultArn: TARGET_ARN, EncryptionKeyArn: KEY_ARN });
    const result = await createTargetVault({ migration: mockMigration() }, { readBackDelaysMs: [1, 1, 1] });
    expect(result.created).toBe(true);
    expect(
      backup.commandCalls(DescribeBackupVaultCommand, { BackupVaultName: 'legacy-encrypted' }),
    ).toHaveLength(3);

    backup.on(DescribeBackupVaultCommand, { BackupVaultName: 'legacy-encrypted' }).rejects(notYet);
    const error = await rejectionOf(
      createTargetVault({ migration: mockMigration() }, { readBackDelaysMs: [1, 1] }),
    );
    expect(error).toBeInstanceOf(TargetVaultNotVerified);
  });

  it('reads every page of the source tags', async () => {
    backup.on(CreateBackupVaultCommand).resolves({ BackupVaultArn: TARGET_ARN });
    backup
      .on(DescribeBackupVaultCommand, { BackupVaultName: 'legacy-encrypted' })
      .resolves({ BackupVaultArn: TARGET_ARN, EncryptionKeyArn: KEY_ARN });
    backup.on(ListTagsCommand, { ResourceArn: SOURCE_ARN }).resolves({ Tags: { a: '1' }, NextToken: 't1' });
    backup.on(ListTagsCommand, { ResourceArn: SOURCE_ARN, NextToken: 't1' }).resolves({ Tags: { b: '2' } });
    const result = await createTargetVault({ migration: mockMigration() });
    expect(result.carried.tags).toBe(2);
    expect(backup.commandCalls(TagResourceCommand)[0]?.args[0].input).toEqual({
      ResourceArn: TARGET_ARN,
      Tags: { a: '1', b: '2', ...OWN_TAGS },
    });
  });

  it('lets a vault lock the target refuses pass through as the AWS error', async () => {
    backup.on(CreateBackupVaultCommand).resolves({ BackupVaultArn: TARGET_ARN });
    backup
      .on(DescribeBackupVaultCommand, { BackupVaultName: 'legacy-encrypted' })
      .resolves({ BackupVaultArn: TARGET_ARN, EncryptionKeyArn: KEY_ARN });
    backup
      .on(DescribeBackupVaultCommand, { BackupVaultName: 'legacy' })
      .resolves({ BackupVaultArn: SOURCE_ARN, Locked: true, MinRetentionDays: 0 });
    backup
      .on(PutBackupVaultLockConfigurationCommand)
      .rejects(
        Object.assign(new Error('MinRetentionDays must be >= 1'), { name: 'InvalidParameterValueException' }),
      );
    const error = await rejectionOf(createTargetVault({ migration: mockMigration() }));
    expect(error.name).toBe('InvalidParameterValueException');
  });

  it.each([
    ['a dry run', { dryRun: true }, /dryRun: must be false/],
    ['an already compliant vault', { status: 'ALREADY_COMPLIANT' as const }, /status: must be READY/],
    [
      'an unresolved key alias',
      { kmsKeyArn: 'alias/migration' },
      /kmsKeyArn: must be a resolved KMS key ARN/,
    ],
  ])('refuses %s as InvalidInput before any call', async (_case, overrides, message) => {
    const error = await rejectionOf(createTargetVault({ migration: mockMigration(overrides) }));
    expect(error).toBeInstanceOf(InvalidInput);
    expect(error.message).toMatch(message);
    expect(backup.calls()).toHaveLength(0);
  });
});

describe('create-target-vault against the emulator', () => {
  let emulator: Emulator;
  let keyArn: string;
  const topic = 'arn:aws:sns:us-east-1:123456789012:backup-events';

  const sourcePolicy = (vaultArn: string) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Principal: '*', Action: 'backup:DeleteBackupVault', Resource: vaultArn }],
    });

  beforeEach(async () => {
    emulator = await emulatorForHandlers({ defaultPageSize: 3 });
    const arn = (name: string) => emulator.backup.vaultArn(name);
    emulator.seed({
      keys: [{ alias: 'alias/migration' }, { alias: 'alias/other' }],
      vaults: [
        {
          name: 'legacy',
          encryptionKey: 'none',
          tags: {
            team: 'storage',
            env: 'prod',
            owner: 'ops',
            cost: 'cc-1',
            app: 'billing',
            tier: 'gold',
            dr: 'yes',
          },
          accessPolicy: sourcePolicy(arn('legacy')),
          notifications: { snsTopicArn: topic, events: ['BACKUP_JOB_COMPLETED', 'COPY_JOB_FAILED'] },
          lock: { minRetentionDays: 7, maxRetentionDays: 400, changeableForDays: 3 },
          recoveryPoints: [{ resourceType: 'EBS' }],
        },
        { name: 'plain', encryptionKey: 'none' },
        { name: 'clash', encryptionKey: 'none' },
        { name: 'clash-encrypted', encryptionKey: 'alias/other' },
      ],
    });
    keyArn = emulator.kms.findKey('alias/migration')?.arn ?? '';
  });

  afterEach(() => stopEmulator(emulator));

  const vaultNamed = (name: string) =>
    emulator.snapshot().vaults.find((vault) => vault.BackupVaultName === name);

  it('creates the target with the key and carries tags, rewritten policy, notifications and lock bounds', async () => {
    const migration = migrationFor(emulator, { kmsKeyArn: keyArn });
    const result = await createTargetVault({ migration }, { pageSize: 3 });
    expect(result).toEqual({
      targetVaultArn: emulator.backup.vaultArn('legacy-encrypted'),
      created: true,
      encryptionKeyArn: keyArn,
      carried: { tags: 7, accessPolicy: true, notifications: true, vaultLock: true },
    });
    const target = vaultNamed('legacy-encrypted');
    expect(target?.EncryptionKeyArn).toBe(keyArn);
    expect(target?.CreatorRequestId).toBe(creatorRequestIdFor('test-execution', 'legacy-encrypted'));
    expect(target?.Tags).toEqual({ ...vaultNamed('legacy')?.Tags, ...OWN_TAGS });
    expect(target?.AccessPolicy).toBe(sourcePolicy(emulator.backup.vaultArn('legacy-encrypted')));
    expect(target?.Notifications).toEqual({
      snsTopicArn: topic,
      events: ['BACKUP_JOB_COMPLETED', 'COPY_JOB_FAILED'],
    });
    expect(target).toMatchObject({ Locked: true, MinRetentionDays: 7, MaxRetentionDays: 400 });
    // Governance mode only: the source's compliance countdown is not carried.
    expect(target?.LockDate).toBeUndefined();
    expect(emulator.stats().calls.ListTags).toBeGreaterThanOrEqual(3);
  });

  it('changes nothing on a second run beyond re-putting the same settings', async () => {
    const migration = migrationFor(emulator, { kmsKeyArn: keyArn });
    const first = await createTargetVault({ migration }, { pageSize: 3 });
    const before = vaultNamed('legacy-encrypted');
    const vaultCount = emulator.snapshot().vaults.length;
    emulator.resetStats();

    const second = await createTargetVault({ migration }, { pageSize: 3 });
    expect(second).toEqual(first);
    expect(emulator.snapshot().vaults).toHaveLength(vaultCount);
    expect(vaultNamed('legacy-encrypted')).toEqual(before);
    expect(emulator.mutations().map((call) => call.operation)).toEqual([
      'CreateBackupVault',
      'PutBackupVaultAccessPolicy',
      'PutBackupVaultNotifications',
    ]);
  });

  it('accepts its earlier target in a new execution, reporting it as not created', async () => {
    await createTargetVault({ migration: migrationFor(emulator, { kmsKeyArn: keyArn }) });
    const rerun = await createTargetVault({
      migration: migrationFor(emulator, { kmsKeyArn: keyArn, executionId: 'another-execution' }),
    });
    expect(rerun.created).toBe(false);
    expect(rerun.carried).toEqual({ tags: 7, accessPolicy: true, notifications: true, vaultLock: true });
    expect(
      emulator.snapshot().vaults.filter((vault) => vault.BackupVaultName === 'legacy-encrypted'),
    ).toHaveLength(1);
  });

  it('carries only the tags when the source has no policy, notifications or lock', async () => {
    const result = await createTargetVault({
      migration: migrationFor(emulator, { kmsKeyArn: keyArn, sourceVaultName: 'plain' }),
    });
    expect(result.carried).toEqual({ tags: 0, accessPolicy: false, notifications: false, vaultLock: false });
    const target = vaultNamed('plain-encrypted');
    expect(target?.Tags).toEqual({ [CREATED_BY_TAG]: CREATED_BY_VALUE, [SOURCE_VAULT_TAG]: 'plain' });
    expect(target?.AccessPolicy).toBeUndefined();
    expect(target?.Locked).toBe(false);
  });

  it('refuses a target that exists with another key and changes nothing', async () => {
    const error = await rejectionOf(
      createTargetVault({
        migration: migrationFor(emulator, { kmsKeyArn: keyArn, sourceVaultName: 'clash' }),
      }),
    );
    expect(error).toBeInstanceOf(TargetVaultConflict);
    expect(emulator.mutations()).toEqual([]);
    expect(vaultNamed('clash-encrypted')?.Tags).toEqual({});
  });

  it('succeeds through injected throttling thanks to the client retries', async () => {
    emulator.setFaults({ throttleRate: { '*': 0.2 } });
    const result = await createTargetVault(
      { migration: migrationFor(emulator, { kmsKeyArn: keyArn }) },
      { pageSize: 3 },
    );
    expect(result.carried).toEqual({ tags: 7, accessPolicy: true, notifications: true, vaultLock: true });
    expect(emulator.stats().injected.throttles).toBeGreaterThan(0);
    expect(vaultNamed('legacy-encrypted')?.EncryptionKeyArn).toBe(keyArn);
  });
});
