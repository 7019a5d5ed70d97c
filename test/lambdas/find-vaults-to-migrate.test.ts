import { BackupClient, ListBackupVaultsCommand, ListTagsCommand } from '@aws-sdk/client-backup';
import { DescribeKeyCommand, KMSClient, KMSServiceException } from '@aws-sdk/client-kms';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '#emulator/index.ts';
import { resetClients } from '#shared/clients.ts';
import { InvalidInput } from '#shared/errors.ts';
import { parseMigrateAllVaultsInput, parseMigrateVaultInput, VAULT_NAME_PATTERN } from '#shared/input.ts';
import {
  assignTargets,
  batchSettings,
  type FindVaultsResult,
  findVaultsToMigrate,
  screenKey,
  screenTags,
  screenVault,
  targetVaultNameFor,
} from '../../lambdas/find-vaults-to-migrate/handler.ts';
import { CREATED_BY_TAG, CREATED_BY_VALUE, SKIP_TAG } from '../../lambdas/shared/tags.ts';
import { emulatorForHandlers, stopEmulator, withEnv } from './helpers.ts';

const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const MANAGED_KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/0000abcd-12ab-34cd-56ef-1234567890ab';
const defaults = parseMigrateAllVaultsInput({});

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/** The MigrateVault input the batch starts for one chosen vault (the settings without the batch's own). */
function migrateVaultInputOf(result: FindVaultsResult, index: number) {
  const { maxConcurrentVaults: _batchOnly, ...settings } = result.settings;
  return parseMigrateVaultInput({ ...result.vaults[index], ...settings });
}

describe('find-vaults-to-migrate: screening rules', () => {
  it('skips excluded names and vaults that are not standard backup vaults, and passes the others', () => {
    const input = { excludeVaultNames: ['keep-me'] };
    expect(screenVault({ BackupVaultName: 'aws/efs/automatic-backup-vault' }, input)).toMatchObject({
      migrate: false,
      reason: expect.stringMatching(/^a service-owned vault/),
    });
    expect(screenVault({ BackupVaultName: 'aws_controltower_Backup' }, input)).toMatchObject({
      migrate: false,
      reason: expect.stringMatching(/^a Control Tower vault/),
    });
    expect(screenVault({ BackupVaultName: 'keep-me' }, input)).toEqual({
      migrate: false,
      reason: 'excluded by the input (excludeVaultNames)',
    });
    expect(
      screenVault({ BackupVaultName: 'lag', VaultType: 'LOGICALLY_AIR_GAPPED_BACKUP_VAULT' }, input),
    ).toEqual({
      migrate: false,
      reason: 'a LOGICALLY_AIR_GAPPED_BACKUP_VAULT cannot be migrated',
    });
    expect(
      screenVault({ BackupVaultName: 'ra', VaultType: 'RESTORE_ACCESS_BACKUP_VAULT' }, input).migrate,
    ).toBe(false);
    expect(
      screenVault({ BackupVaultName: 'owned', EncryptionKeyType: 'AWS_OWNED_KMS_KEY' }, input).migrate,
    ).toBe(false);
    expect(screenVault({ BackupVaultName: 'plain', VaultType: 'BACKUP_VAULT' }, input)).toEqual({
      migrate: true,
    });
  });

  it("skips vaults the tool created and vaults tagged to be skipped, whatever the tag's value", () => {
    expect(screenTags({ [CREATED_BY_TAG]: CREATED_BY_VALUE })).toEqual({
      migrate: false,
      reason: `created by this tool (tag ${CREATED_BY_TAG})`,
    });
    expect(screenTags({ [SKIP_TAG]: '' })).toEqual({ migrate: false, reason: `tagged ${SKIP_TAG}` });
    expect(screenTags({ team: 'storage' })).toEqual({ migrate: true });
  });

  it('picks vaults without a key, and AWS-managed keys only when asked', () => {
    const vault = { BackupVaultName: 'v', EncryptionKeyArn: MANAGED_KEY_ARN };
    expect(screenKey({ BackupVaultName: 'v' }, undefined, defaults)).toEqual({ migrate: true });
    expect(screenKey(vault, { manager: 'AWS' }, defaults)).toEqual({
      migrate: false,
      reason: 'encrypted with an AWS-managed key (includeAwsManagedKeys is false)',
    });
    expect(screenKey(vault, { manager: 'AWS' }, { includeAwsManagedKeys: true })).toEqual({ migrate: true });
  });

  it('skips vaults on a customer-managed key and vaults whose key cannot be described', () => {
    const vault = { BackupVaultName: 'v', EncryptionKeyArn: KEY_ARN };
    expect(screenKey(vault, { manager: 'CUSTOMER' }, { includeAwsManagedKeys: true })).toEqual({
      migrate: false,
      reason: 'already encrypted with a customer-managed key',
    });
    const unknown = screenKey(vault, { error: 'AccessDeniedException: no' }, { includeAwsManagedKeys: true });
    expect(unknown).toEqual({
      migrate: false,
      reason: `its key ${KEY_ARN} could not be described (AccessDeniedException: no)`,
    });
  });
});

describe('find-vaults-to-migrate: target names', () => {
  it('uses <source>-encrypted while it fits in 50 characters', () => {
    const source = 'a'.repeat(40);
    expect(targetVaultNameFor(source)).toBe(`${source}-encrypted`);
    expect(targetVaultNameFor('legacy')).toBe('legacy-encrypted');
  });

  it('shortens longer names to a valid, stable name that two sources sharing a prefix do not share', () => {
    const first = `${'shared-prefix-of-a-long-vault-name'}-number-one`;
    const second = `${'shared-prefix-of-a-long-vault-name'}-number-two`;
    const target = targetVaultNameFor(first);
    expect(target).toHaveLength(50);
    expect(target).toMatch(VAULT_NAME_PATTERN);
    expect(target).toMatch(/^shared-prefix-of-a-long-vault-n-[0-9a-f]{8}-encrypted$/);
    expect(targetVaultNameFor(first)).toBe(target);
    expect(targetVaultNameFor(second)).not.toBe(target);
    expect(parseMigrateVaultInput({ sourceVaultName: first, targetVaultName: target }).targetVaultName).toBe(
      target,
    );
  });

  it('drops a vault whose target name an existing keyless vault or another chosen vault already has', () => {
    const assigned = assignTargets(
      ['a', 'b'],
      [{ BackupVaultName: 'a' }, { BackupVaultName: 'b' }, { BackupVaultName: 'a-encrypted' }],
    );
    expect(assigned.vaults).toEqual([{ sourceVaultName: 'b', targetVaultName: 'b-encrypted' }]);
    expect(assigned.skipped).toEqual([
      {
        vaultName: 'a',
        reason:
          'its target name a-encrypted is an existing vault without a key; migrate it alone with another targetVaultName',
      },
    ]);
    const duplicate = assignTargets(['x', 'x'], [{ BackupVaultName: 'x' }]);
    expect(duplicate.skipped[0]?.reason).toContain('is also the target of x');
  });

  it('keeps a vault whose target exists with a key: a re-run reuses it', () => {
    const assigned = assignTargets(
      ['a'],
      [{ BackupVaultName: 'a' }, { BackupVaultName: 'a-encrypted', EncryptionKeyArn: KEY_ARN }],
    );
    expect(assigned.vaults).toEqual([{ sourceVaultName: 'a', targetVaultName: 'a-encrypted' }]);
  });

  it("fills the batch settings' key from the stack default when the input has none", () => {
    expect(batchSettings(defaults, KEY_ARN)).toEqual({
      deleteSourceVault: false,
      dryRun: false,
      maxConcurrentCopies: 20,
      kmsKeyArn: KEY_ARN,
      maxConcurrentVaults: 5,
    });
    expect(batchSettings(parseMigrateAllVaultsInput({ kmsKeyArn: 'alias/mine' }), KEY_ARN).kmsKeyArn).toBe(
      'alias/mine',
    );
    expect(batchSettings(defaults, undefined)).not.toHaveProperty('kmsKeyArn');
  });
});

const FOREIGN_KEY = 'arn:aws:kms:us-east-1:999999999999:key/99999999-12ab-34cd-56ef-1234567890ab';

describe('find-vaults-to-migrate: AWS answers (mocked SDK)', () => {
  let backup: AwsClientStub<BackupClient>;
  let kms: AwsClientStub<KMSClient>;
  let restoreEnv: () => void;
  const arn = (name: string) => `arn:aws:backup:us-east-1:123456789012:backup-vault:${name}`;

  beforeAll(() => {
    backup = mockClient(BackupClient);
    kms = mockClient(KMSClient);
  });

  beforeEach(() => {
    backup.reset();
    kms.reset();
    resetClients();
    restoreEnv = withEnv({ MIGRATION_KMS_KEY_ARN: KEY_ARN });
    backup.on(ListTagsCommand).resolves({ Tags: {} });
    // The batch's key, checked once before any vault is looked at.
    kms.on(DescribeKeyCommand, { KeyId: KEY_ARN }).resolves({
      KeyMetadata: {
        KeyId: KEY_ARN.split('/')[1],
        Arn: KEY_ARN,
        KeyManager: 'CUSTOMER',
        KeyState: 'Enabled',
        KeySpec: 'SYMMETRIC_DEFAULT',
        KeyUsage: 'ENCRYPT_DECRYPT',
      },
    });
  });

  afterEach(() => restoreEnv());
  afterAll(() => {
    backup.restore();
    kms.restore();
    resetClients();
  });

  it('reads every page of the vault listing', async () => {
    backup.on(ListBackupVaultsCommand).resolves({
      BackupVaultList: [{ BackupVaultName: 'one', BackupVaultArn: arn('one') }],
      NextToken: 'p2',
    });
    backup
      .on(ListBackupVaultsCommand, { NextToken: 'p2' })
      .resolves({ BackupVaultList: [{ BackupVaultName: 'two', BackupVaultArn: arn('two') }] });
    const result = await findVaultsToMigrate({ input: {} });
    expect(result.vaults.map((vault) => vault.sourceVaultName)).toEqual(['one', 'two']);
  });

  it('skips a vault whose key KMS will not describe, naming the error', async () => {
    backup.on(ListBackupVaultsCommand).resolves({
      BackupVaultList: [
        { BackupVaultName: 'foreign', BackupVaultArn: arn('foreign'), EncryptionKeyArn: FOREIGN_KEY },
      ],
    });
    kms.on(DescribeKeyCommand, { KeyId: FOREIGN_KEY }).rejects(
      new KMSServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        message: 'not allowed',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const result = await findVaultsToMigrate({ input: { includeAwsManagedKeys: true } });
    expect(result.vaults).toEqual([]);
    expect(result.skipped).toEqual([
      {
        vaultName: 'foreign',
        reason: `its key ${FOREIGN_KEY} could not be described (AccessDeniedException: not allowed)`,
      },
    ]);
  });

  it('refuses an invalid input and a batch without any key as InvalidInput before any call', async () => {
    const invalid = await rejectionOf(findVaultsToMigrate({ input: { excludeVaultNames: 'legacy' } }));
    expect(invalid).toBeInstanceOf(InvalidInput);
    expect(invalid.message).toContain('excludeVaultNames: must be a list of vault names');
    restoreEnv();
    restoreEnv = withEnv({ MIGRATION_KMS_KEY_ARN: undefined });
    const keyless = await rejectionOf(findVaultsToMigrate({ input: {} }));
    expect(keyless).toBeInstanceOf(InvalidInput);
    expect(keyless.message).toContain('kmsKeyArn: required');
    expect(backup.calls()).toHaveLength(0);
  });
});

describe('find-vaults-to-migrate against the emulator', () => {
  let emulator: Emulator;
  let restoreEnv: () => void;
  const longName = 'a-vault-with-a-very-long-name-for-testing-1';
  const fillers = Array.from({ length: 10 }, (_, i) => `filler-${String(i).padStart(2, '0')}`);

  beforeAll(async () => {
    emulator = await emulatorForHandlers({ defaultPageSize: 3 });
    emulator.seed({
      keys: [{ alias: 'alias/migration' }, { alias: 'alias/team' }],
      vaults: [
        { name: 'no-key', encryptionKey: 'none', tags: { a: '1', b: '2', c: '3', d: '4' } },
        { name: 'managed-1', encryptionKey: 'aws-managed' },
        { name: 'managed-2', encryptionKey: 'aws-managed' },
        { name: 'team-cmk', encryptionKey: 'alias/team' },
        {
          name: 'no-key-encrypted',
          encryptionKey: 'alias/migration',
          tags: { [CREATED_BY_TAG]: CREATED_BY_VALUE },
        },
        { name: 'opted-out', encryptionKey: 'none', tags: { [SKIP_TAG]: 'true' } },
        { name: 'excluded', encryptionKey: 'none' },
        { name: 'air-gapped', vaultType: 'LOGICALLY_AIR_GAPPED_BACKUP_VAULT' },
        { name: 'restore-access', vaultType: 'RESTORE_ACCESS_BACKUP_VAULT' },
        { name: longName, encryptionKey: 'none' },
        ...fillers.map((name) => ({ name, encryptionKey: 'none' })),
      ],
    });
    restoreEnv = withEnv({ MIGRATION_KMS_KEY_ARN: emulator.kms.findKey('alias/migration')?.arn });
  });

  afterAll(async () => {
    restoreEnv();
    await stopEmulator(emulator);
  });

  beforeEach(() => {
    emulator.resetStats();
    emulator.setFaults({ throttleRate: {} });
  });

  const expectedSkips = [
    { vaultName: 'excluded', reason: 'excluded by the input (excludeVaultNames)' },
    { vaultName: 'air-gapped', reason: 'a LOGICALLY_AIR_GAPPED_BACKUP_VAULT cannot be migrated' },
    { vaultName: 'restore-access', reason: 'a RESTORE_ACCESS_BACKUP_VAULT cannot be migrated' },
    { vaultName: 'no-key-encrypted', reason: `created by this tool (tag ${CREATED_BY_TAG})` },
    { vaultName: 'opted-out', reason: `tagged ${SKIP_TAG}` },
  ];

  it('lists every vault over many pages, picks those without a key and says why every other is skipped', async () => {
    const result = await findVaultsToMigrate(
      { input: { excludeVaultNames: ['excluded'], maxConcurrentVaults: 3, dryRun: true } },
      { pageSize: 3 },
    );
    expect(result.vaults).toEqual([
      { sourceVaultName: 'no-key', targetVaultName: 'no-key-encrypted' },
      { sourceVaultName: longName, targetVaultName: targetVaultNameFor(longName) },
      ...fillers.map((name) => ({ sourceVaultName: name, targetVaultName: `${name}-encrypted` })),
    ]);
    expect(result.skipped).toEqual([
      ...expectedSkips,
      {
        vaultName: 'managed-1',
        reason: 'encrypted with an AWS-managed key (includeAwsManagedKeys is false)',
      },
      {
        vaultName: 'managed-2',
        reason: 'encrypted with an AWS-managed key (includeAwsManagedKeys is false)',
      },
      { vaultName: 'team-cmk', reason: 'already encrypted with a customer-managed key' },
    ]);
    expect(result.settings).toEqual({
      deleteSourceVault: false,
      dryRun: true,
      maxConcurrentCopies: 20,
      kmsKeyArn: emulator.kms.findKey('alias/migration')?.arn,
      maxConcurrentVaults: 3,
    });
    expect(emulator.stats().calls.ListBackupVaults).toBe(7);
    // The batch's key once, then one DescribeKey per distinct vault key: the two AWS-managed vaults share one.
    expect(emulator.stats().calls.DescribeKey).toBe(3);
    expect(emulator.mutations()).toEqual([]);
  });

  it('gives every chosen vault a valid MigrateVault input once merged with the settings', async () => {
    const result = await findVaultsToMigrate({ input: {} }, { pageSize: 3 });
    expect(result.vaults.length).toBeGreaterThan(0);
    result.vaults.forEach((vault, index) => {
      expect(migrateVaultInputOf(result, index)).toMatchObject({
        sourceVaultName: vault.sourceVaultName,
        targetVaultName: vault.targetVaultName,
      });
    });
  });

  it('also picks vaults on AWS-managed keys when asked', async () => {
    const result = await findVaultsToMigrate(
      { input: { includeAwsManagedKeys: true, excludeVaultNames: ['excluded'] } },
      { pageSize: 3 },
    );
    expect(result.vaults.map((vault) => vault.sourceVaultName)).toEqual(
      expect.arrayContaining(['managed-1', 'managed-2', 'no-key']),
    );
    expect(result.skipped.map((skip) => skip.vaultName)).not.toContain('managed-1');
    expect(result.skipped.find((skip) => skip.vaultName === 'team-cmk')?.reason).toBe(
      'already encrypted with a customer-managed key',
    );
  });

  it('succeeds through injected throttling thanks to the client retries', async () => {
    emulator.setFaults({ throttleRate: { '*': 0.2 } });
    const result = await findVaultsToMigrate({ input: { excludeVaultNames: ['excluded'] } }, { pageSize: 3 });
    expect(result.vaults).toHaveLength(12);
    expect(result.skipped).toHaveLength(8);
    expect(emulator.stats().injected.throttles).toBeGreaterThan(0);
  });
});
