import {
  BackupClient,
  BackupServiceException,
  DescribeBackupVaultCommand,
  ServiceUnavailableException,
} from '@aws-sdk/client-backup';
import { DescribeKeyCommand, type KeyMetadata, KMSClient, NotFoundException } from '@aws-sdk/client-kms';
import type { Context } from 'aws-lambda';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '#emulator/index.ts';
import { resetClients } from '#shared/clients.ts';
import type { Migration } from '#shared/contracts.ts';
import {
  DeletionNotAllowed,
  InvalidInput,
  InvalidKmsKey,
  SourceVaultNotFound,
  TargetVaultConflict,
  UnsupportedVaultType,
} from '#shared/errors.ts';
import {
  carriedMismatches,
  checkKeyAllowed,
  checkKeyRegion,
  checkMigrationKey,
  checkSourceVault,
  decideTarget,
  handler,
  kmsReferenceRegion,
  parsePrepareInput,
  prepareMigration,
  resolveKeyReference,
  vaultArnNextTo,
} from '../../lambdas/prepare-migration/handler.ts';
import { emulatorForHandlers, stopEmulator, withEnv } from './helpers.ts';

const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const OTHER_KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/0000abcd-12ab-34cd-56ef-1234567890ab';
const VAULT_ARN = 'arn:aws:backup:us-east-1:123456789012:backup-vault:legacy';

const customerKey: KeyMetadata = {
  KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
  Arn: KEY_ARN,
  KeyManager: 'CUSTOMER',
  KeyState: 'Enabled',
  KeySpec: 'SYMMETRIC_DEFAULT',
  KeyUsage: 'ENCRYPT_DECRYPT',
};

/** The error a call rejects with, for assertions on its class and message. */
async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

function thrownBy(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('prepare-migration: input rules', () => {
  it('applies the MigrateVault defaults to an input naming only the source vault', () => {
    const input = parsePrepareInput({ sourceVaultName: 'legacy' });
    expect(input).toMatchObject({
      sourceVaultName: 'legacy',
      targetVaultName: 'legacy-encrypted',
      dryRun: false,
    });
  });

  it('reports a target named like its source as a TargetVaultConflict', () => {
    const error = thrownBy(() => parsePrepareInput({ sourceVaultName: 'legacy', targetVaultName: 'legacy' }));
    expect(error).toBeInstanceOf(TargetVaultConflict);
    expect(error.message).toContain('"legacy" is the source vault itself');
  });

  it('reports a same-named target with other problems as InvalidInput listing all of them', () => {
    const error = thrownBy(() =>
      parsePrepareInput({ sourceVaultName: 'legacy', targetVaultName: 'legacy', maxConcurrentCopies: 0 }),
    );
    expect(error).toBeInstanceOf(InvalidInput);
    expect(error.message).toContain('maxConcurrentCopies: must be at least 1');
    expect(error.message).toContain('targetVaultName: must differ from sourceVaultName');
  });

  it('uses the input key over the default key, and asks for kmsKeyArn when neither is set', () => {
    expect(resolveKeyReference('alias/mine', KEY_ARN)).toBe('alias/mine');
    expect(resolveKeyReference(undefined, KEY_ARN)).toBe(KEY_ARN);
    const error = thrownBy(() => resolveKeyReference(undefined, undefined));
    expect(error).toBeInstanceOf(InvalidInput);
    expect(error.message).toContain('pass the ARN of a customer-managed KMS key');
  });

  it('reads the Region of key and alias ARNs, and none from key ids or alias names', () => {
    expect(kmsReferenceRegion(KEY_ARN)).toBe('us-east-1');
    expect(kmsReferenceRegion('arn:aws:kms:eu-west-1:123456789012:alias/migration')).toBe('eu-west-1');
    expect(kmsReferenceRegion('alias/migration')).toBeUndefined();
    expect(kmsReferenceRegion('1234abcd-12ab-34cd-56ef-1234567890ab')).toBeUndefined();
  });

  it('refuses a key ARN of another Region and accepts one of the same Region or without a Region', () => {
    const error = thrownBy(() => checkKeyRegion(KEY_ARN.replace('us-east-1', 'eu-west-1'), 'us-east-1'));
    expect(error).toBeInstanceOf(InvalidKmsKey);
    expect(error.message).toContain('is in Region eu-west-1');
    expect(() => checkKeyRegion(KEY_ARN, 'us-east-1')).not.toThrow();
    expect(() => checkKeyRegion('alias/migration', 'us-east-1')).not.toThrow();
  });
});

describe('prepare-migration: key rules', () => {
  it('accepts an enabled symmetric customer-managed key of the Region and returns its ARN', () => {
    expect(checkMigrationKey('alias/migration', customerKey, 'us-east-1')).toBe(KEY_ARN);
  });

  it.each([
    [{ KeyManager: 'AWS' }, 'an AWS-managed key'],
    [{ KeyState: 'Disabled' }, 'its state is Disabled, not Enabled'],
    [{ KeyState: 'PendingDeletion' }, 'its state is PendingDeletion'],
    [{ KeySpec: 'RSA_2048' }, 'its key spec is RSA_2048'],
    [{ KeyUsage: 'SIGN_VERIFY' }, 'its key usage is SIGN_VERIFY'],
    [{ Arn: KEY_ARN.replace('us-east-1', 'eu-west-1') }, 'it is in Region eu-west-1, not us-east-1'],
  ] as const)('refuses a key with %o', (override, problem) => {
    const error = thrownBy(() =>
      checkMigrationKey('alias/migration', { ...customerKey, ...override }, 'us-east-1'),
    );
    expect(error).toBeInstanceOf(InvalidKmsKey);
    expect(error.message).toContain(problem);
  });

  it('refuses a key the stack does not let the vault creation and the copy role use, naming what to add', () => {
    const error = thrownBy(() => checkKeyAllowed(OTHER_KEY_ARN, [KEY_ARN]));
    expect(error).toBeInstanceOf(InvalidKmsKey);
    expect(error.message).toContain(`additionalKmsKeyArns=${OTHER_KEY_ARN}`);
    expect(error.message).toContain('"Principal":{"AWS":"arn:aws:iam::123456789012:root"}');
    expect(() => checkKeyAllowed(KEY_ARN, [KEY_ARN, OTHER_KEY_ARN])).not.toThrow();
    // Deployments that predate the setting (or tests without a stack) name no list.
    expect(() => checkKeyAllowed(OTHER_KEY_ARN, undefined)).not.toThrow();
  });

  it('lists every problem of a key at once', () => {
    const error = thrownBy(() =>
      checkMigrationKey(KEY_ARN, { ...customerKey, KeyManager: 'AWS', KeyState: 'Disabled' }, 'us-east-1'),
    );
    expect(error.message).toMatch(/AWS-managed key.*; its state is Disabled/);
  });

  it('falls back to the legacy CustomerMasterKeySpec when KeySpec is absent', () => {
    const { KeySpec: _omitted, ...legacy } = customerKey;
    expect(
      checkMigrationKey(KEY_ARN, { ...legacy, CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT' }, 'us-east-1'),
    ).toBe(KEY_ARN);
  });
});

describe('prepare-migration: vault rules', () => {
  it.each(['LOGICALLY_AIR_GAPPED_BACKUP_VAULT', 'RESTORE_ACCESS_BACKUP_VAULT'] as const)(
    'refuses a %s as source',
    (vaultType) => {
      const error = thrownBy(() => checkSourceVault({ VaultType: vaultType }, 'vault'));
      expect(error).toBeInstanceOf(UnsupportedVaultType);
      expect(error.message).toContain(vaultType);
    },
  );

  it('refuses a source encrypted with an AWS-owned key and accepts a standard vault', () => {
    expect(thrownBy(() => checkSourceVault({ EncryptionKeyType: 'AWS_OWNED_KMS_KEY' }, 'v'))).toBeInstanceOf(
      UnsupportedVaultType,
    );
    expect(() => checkSourceVault({ VaultType: 'BACKUP_VAULT' }, 'v')).not.toThrow();
  });

  it('plans a new target when none exists', () => {
    expect(decideTarget(undefined, 'legacy-encrypted', KEY_ARN)).toEqual({ exists: false });
  });

  it('reuses an existing target with the key and records its lock bounds', () => {
    const decision = decideTarget(
      {
        BackupVaultArn: `${VAULT_ARN}-encrypted`,
        EncryptionKeyArn: KEY_ARN,
        Locked: true,
        MinRetentionDays: 7,
        MaxRetentionDays: 365,
      },
      'legacy-encrypted',
      KEY_ARN,
    );
    expect(decision).toEqual({
      exists: true,
      targetVaultArn: `${VAULT_ARN}-encrypted`,
      lock: { minRetentionDays: 7, maxRetentionDays: 365 },
    });
  });

  it('refuses an existing target with another key, with no key, or of another vault type', () => {
    for (const target of [
      { EncryptionKeyArn: OTHER_KEY_ARN },
      {},
      { EncryptionKeyArn: KEY_ARN, VaultType: 'LOGICALLY_AIR_GAPPED_BACKUP_VAULT' as const },
    ]) {
      expect(thrownBy(() => decideTarget(target, 'legacy-encrypted', KEY_ARN))).toBeInstanceOf(
        TargetVaultConflict,
      );
    }
  });

  it('builds the ARN of a vault next to another', () => {
    expect(vaultArnNextTo(VAULT_ARN, 'legacy-encrypted')).toBe(`${VAULT_ARN}-encrypted`);
    expect(() => vaultArnNextTo('arn:aws:s3:::bucket', 'x')).toThrow(/Not a backup vault ARN/);
  });
});

describe('prepare-migration: AWS errors (mocked SDK)', () => {
  let backup: AwsClientStub<BackupClient>;
  let kms: AwsClientStub<KMSClient>;
  let restoreEnv: () => void;

  beforeAll(() => {
    backup = mockClient(BackupClient);
    kms = mockClient(KMSClient);
  });

  beforeEach(() => {
    backup.reset();
    kms.reset();
    resetClients();
    restoreEnv = withEnv({
      MIGRATION_KMS_KEY_ARN: KEY_ARN,
      ALLOW_SOURCE_DELETION: 'false',
      AWS_REGION: 'us-east-1',
    });
  });

  afterEach(() => restoreEnv());
  afterAll(() => {
    backup.restore();
    kms.restore();
    resetClients();
  });

  const event = { input: { sourceVaultName: 'legacy' }, executionId: 'exec-1' };

  it('treats a 403 AccessDeniedException for the source vault as SourceVaultNotFound', async () => {
    backup.on(DescribeBackupVaultCommand).rejects(
      new BackupServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        message: 'Insufficient privileges to perform this action.',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    const error = await rejectionOf(prepareMigration(event));
    expect(error).toBeInstanceOf(SourceVaultNotFound);
    expect(error.message).toContain('legacy');
    expect(kms.calls()).toHaveLength(0);
  });

  it('turns a KMS NotFoundException into InvalidKmsKey', async () => {
    backup.on(DescribeBackupVaultCommand, { BackupVaultName: 'legacy' }).resolves({
      BackupVaultName: 'legacy',
      BackupVaultArn: VAULT_ARN,
      VaultType: 'BACKUP_VAULT',
    });
    kms
      .on(DescribeKeyCommand)
      .rejects(new NotFoundException({ message: 'Key does not exist', $metadata: {} }));
    const error = await rejectionOf(prepareMigration(event));
    expect(error).toBeInstanceOf(InvalidKmsKey);
    expect(error.message).toContain('NotFoundException');
  });

  it('lets other AWS failures through unchanged, for the state machine to retry', async () => {
    backup
      .on(DescribeBackupVaultCommand)
      .rejects(new ServiceUnavailableException({ message: 'try later', $metadata: { httpStatusCode: 500 } }));
    const error = await rejectionOf(prepareMigration(event));
    expect(error.name).toBe('ServiceUnavailableException');
  });

  it('refuses a key ARN of another Region without calling KMS or AWS Backup', async () => {
    const error = await rejectionOf(
      prepareMigration({
        input: { sourceVaultName: 'legacy', kmsKeyArn: KEY_ARN.replace('us-east-1', 'eu-central-1') },
        executionId: 'exec-1',
      }),
    );
    expect(error).toBeInstanceOf(InvalidKmsKey);
    expect(kms.calls()).toHaveLength(0);
    expect(backup.calls()).toHaveLength(0);
  });

  it('refuses an event without an execution id as InvalidInput before any call', async () => {
    const error = await rejectionOf(prepareMigration({ input: { sourceVaultName: 'legacy' } } as never));
    expect(error).toBeInstanceOf(InvalidInput);
    expect(error.message).toContain('executionId');
    expect(backup.calls()).toHaveLength(0);
  });
});

describe('prepare-migration against the emulator', () => {
  let emulator: Emulator;
  let restoreEnv: () => void;
  let keyArn: string;

  beforeAll(async () => {
    emulator = await emulatorForHandlers();
    emulator.seed({
      keys: [
        { alias: 'alias/migration' },
        { alias: 'alias/other' },
        { alias: 'alias/disabled', keyState: 'Disabled' },
        { alias: 'alias/signing', keySpec: 'RSA_2048' },
      ],
      vaults: [
        { name: 'legacy', encryptionKey: 'none', recoveryPoints: [{ resourceType: 'EBS' }] },
        { name: 'managed', encryptionKey: 'aws-managed' },
        { name: 'compliant', encryptionKey: 'alias/migration' },
        { name: 'air-gapped', vaultType: 'LOGICALLY_AIR_GAPPED_BACKUP_VAULT' },
        { name: 'restore-access', vaultType: 'RESTORE_ACCESS_BACKUP_VAULT' },
        { name: 'reused', encryptionKey: 'none' },
        {
          name: 'reused-encrypted',
          encryptionKey: 'alias/migration',
          lock: { minRetentionDays: 7, maxRetentionDays: 400 },
        },
        { name: 'clash', encryptionKey: 'none' },
        { name: 'clash-encrypted', encryptionKey: 'alias/other' },
      ],
    });
    keyArn = emulator.kms.findKey('alias/migration')?.arn ?? '';
  });

  afterAll(() => stopEmulator(emulator));

  beforeEach(() => {
    emulator.resetStats();
    emulator.setFaults({ throttleRate: {}, missingVaultAs: 'ResourceNotFoundException' });
    restoreEnv = withEnv({ MIGRATION_KMS_KEY_ARN: undefined, ALLOW_SOURCE_DELETION: 'false' });
  });

  afterEach(() => restoreEnv());

  it('prepares a migration of a vault without a key, resolving the key alias to its ARN, and changes nothing', async () => {
    const migration = await prepareMigration({
      input: { sourceVaultName: 'legacy', kmsKeyArn: 'alias/migration', maxConcurrentCopies: 7 },
      executionId: 'exec-42',
      executionStartTime: '2026-06-01T00:00:00.000Z',
    });
    expect(migration).toEqual<Migration>({
      executionId: 'exec-42',
      sourceVaultName: 'legacy',
      sourceVaultArn: emulator.backup.vaultArn('legacy'),
      targetVaultName: 'legacy-encrypted',
      targetVaultArn: emulator.backup.vaultArn('legacy-encrypted'),
      kmsKeyArn: keyArn,
      deleteSourceVault: false,
      dryRun: false,
      maxConcurrentCopies: 7,
      startedAt: '2026-06-01T00:00:00.000Z',
      status: 'READY',
    });
    expect(emulator.mutations()).toEqual([]);
    expect(emulator.stats().calls).toEqual({ DescribeBackupVault: 2, DescribeKey: 1 });
  });

  it('uses the stack default key, carries the deletion and retirement settings, and stamps the current time', async () => {
    restoreEnv();
    restoreEnv = withEnv({ MIGRATION_KMS_KEY_ARN: keyArn, ALLOW_SOURCE_DELETION: 'true' });
    const before = Date.now();
    const migration = await prepareMigration({
      input: {
        sourceVaultName: 'managed',
        targetVaultName: 'managed-cmk',
        deleteSourceVault: true,
        retireInsteadOfDelete: true,
        retireAfterDays: 14,
      },
      executionId: 'exec-43',
    });
    expect(migration).toMatchObject({
      kmsKeyArn: keyArn,
      sourceKeyArn: emulator.kms.awsManagedBackupKey().arn,
      targetVaultName: 'managed-cmk',
      deleteSourceVault: true,
      retireAfterDays: 14,
      status: 'READY',
    });
    expect(Date.parse(migration.startedAt)).toBeGreaterThanOrEqual(before);
    expect(emulator.mutations()).toEqual([]);
  });

  it('finishes as ALREADY_COMPLIANT when the source already uses the key, without looking at the target', async () => {
    const migration = await prepareMigration({
      input: { sourceVaultName: 'compliant', kmsKeyArn: keyArn },
      executionId: 'exec-44',
    });
    expect(migration.status).toBe('ALREADY_COMPLIANT');
    expect(migration.sourceKeyArn).toBe(keyArn);
    expect(emulator.stats().calls.DescribeBackupVault).toBe(1);
  });

  it('reuses an existing target with the key and records its vault lock bounds', async () => {
    const migration = await prepareMigration({
      input: { sourceVaultName: 'reused', kmsKeyArn: 'alias/migration' },
      executionId: 'exec-45',
    });
    expect(migration.status).toBe('READY');
    expect(migration.targetVaultArn).toBe(emulator.backup.vaultArn('reused-encrypted'));
    expect(migration.targetVaultLock).toEqual({ minRetentionDays: 7, maxRetentionDays: 400 });
  });

  it('succeeds through injected throttling thanks to the client retries', async () => {
    emulator.setFaults({ throttleRate: { '*': 0.3 } });
    const migration = await prepareMigration({
      input: { sourceVaultName: 'legacy', kmsKeyArn: 'alias/migration' },
      executionId: 'exec-46',
    });
    expect(migration.kmsKeyArn).toBe(keyArn);
    expect(emulator.stats().injected.throttles).toBeGreaterThan(0);
    expect(emulator.mutations()).toEqual([]);
  });

  const rejections: Array<[string, Record<string, unknown>, new (...args: never[]) => Error, RegExp]> = [
    [
      'an unknown field',
      { sourceVaultName: 'legacy', sourceVault: 'x' },
      InvalidInput,
      /sourceVault: is not a known field/,
    ],
    [
      'no key anywhere',
      { sourceVaultName: 'legacy' },
      InvalidInput,
      /pass the ARN of a customer-managed KMS key/,
    ],
    [
      'a missing source vault',
      { sourceVaultName: 'nope', kmsKeyArn: 'alias/migration' },
      SourceVaultNotFound,
      /nope/,
    ],
    [
      'a logically air-gapped source',
      { sourceVaultName: 'air-gapped', kmsKeyArn: 'alias/migration' },
      UnsupportedVaultType,
      /LOGICALLY_AIR_GAPPED/,
    ],
    [
      'a restore-access source',
      { sourceVaultName: 'restore-access', kmsKeyArn: 'alias/migration' },
      UnsupportedVaultType,
      /RESTORE_ACCESS/,
    ],
    [
      'a key that does not exist',
      { sourceVaultName: 'legacy', kmsKeyArn: 'alias/missing' },
      InvalidKmsKey,
      /NotFoundException/,
    ],
    ['a disabled key', { sourceVaultName: 'legacy', kmsKeyArn: 'alias/disabled' }, InvalidKmsKey, /Disabled/],
    [
      'an asymmetric key',
      { sourceVaultName: 'legacy', kmsKeyArn: 'alias/signing' },
      InvalidKmsKey,
      /RSA_2048/,
    ],
    [
      'a target with another key',
      { sourceVaultName: 'clash', kmsKeyArn: 'alias/migration' },
      TargetVaultConflict,
      /clash-encrypted/,
    ],
    [
      'the source as target',
      { sourceVaultName: 'legacy', targetVaultName: 'legacy', kmsKeyArn: 'alias/migration' },
      TargetVaultConflict,
      /source vault itself/,
    ],
    [
      'deletion on a stack that forbids it',
      { sourceVaultName: 'legacy', kmsKeyArn: 'alias/migration', deleteSourceVault: true },
      DeletionNotAllowed,
      /ALLOW_SOURCE_DELETION/,
    ],
  ];

  it.each(rejections)(
    'rejects %s with a named error and changes nothing',
    async (_case, input, errorClass, message) => {
      const error = await rejectionOf(prepareMigration({ input, executionId: 'exec-bad' }));
      expect(error).toBeInstanceOf(errorClass);
      expect(error.message).toMatch(message);
      expect(emulator.mutations()).toEqual([]);
    },
  );

  it('refuses the AWS-managed key of a vault by ARN, since only customer-managed keys count', async () => {
    const managedArn = emulator.kms.awsManagedBackupKey().arn;
    const error = await rejectionOf(
      prepareMigration({
        input: { sourceVaultName: 'legacy', kmsKeyArn: managedArn },
        executionId: 'exec-47',
      }),
    );
    expect(error).toBeInstanceOf(InvalidKmsKey);
    expect(error.message).toContain('AWS-managed');
  });

  it('treats a missing source answered with 403 as SourceVaultNotFound', async () => {
    emulator.setFaults({ missingVaultAs: 'AccessDeniedException' });
    const error = await rejectionOf(
      prepareMigration({
        input: { sourceVaultName: 'gone', kmsKeyArn: 'alias/migration' },
        executionId: 'exec-48',
      }),
    );
    expect(error).toBeInstanceOf(SourceVaultNotFound);
  });

  it('runs as the Lambda handler with the middy wrapper', async () => {
    const context = { functionName: 'prepare-migration', awsRequestId: 'req-1' } as Context;
    const migration = await handler(
      { input: { sourceVaultName: 'legacy', kmsKeyArn: 'alias/migration' }, executionId: 'exec-49' },
      context,
    );
    expect(migration.targetVaultName).toBe('legacy-encrypted');
  });
});

describe('checking a continuation against its carried migration', () => {
  const prepared = {
    executionId: 'root',
    sourceVaultName: 'legacy',
    sourceVaultArn: 'arn:aws:backup:us-east-1:123456789012:backup-vault:legacy',
    targetVaultName: 'legacy-encrypted',
    targetVaultArn: 'arn:aws:backup:us-east-1:123456789012:backup-vault:legacy-encrypted',
    kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/abc',
    deleteSourceVault: false,
    dryRun: false,
    maxConcurrentCopies: 20,
    startedAt: '2026-06-01T00:00:00.000Z',
    status: 'READY' as const,
  };

  it('accepts a carried migration equal to what Prepare computes', () => {
    expect(carriedMismatches({ ...prepared, targetVaultLock: { minRetentionDays: 1 } }, prepared)).toEqual(
      [],
    );
  });

  it('names every field a forged continuation changed', () => {
    expect(
      carriedMismatches({ ...prepared, targetVaultName: 'dr', deleteSourceVault: true }, prepared),
    ).toEqual(['targetVaultName', 'deleteSourceVault']);
  });

  it('refuses a carried migration that is not an object', () => {
    expect(carriedMismatches('forged', prepared)).toEqual(['(not an object)']);
  });
});
