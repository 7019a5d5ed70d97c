import { afterEach, describe, expect, it } from 'vitest';
import type { AuthorizationPolicies, PolicyDocument } from '#emulator/index.ts';
import { DEMO_ACCOUNT } from '../../cli/demo/account.ts';
import { type Scenario, scenario } from './harness.ts';

const CREATE_TARGET_ROLE = 'arn:aws:iam::123456789012:role/vault-migrator-CreateTargetVault';

/** The policies with some statements (by Sid) of one role taken out. */
function without(policies: AuthorizationPolicies, roleArn: string, sids: string[]): AuthorizationPolicies {
  const copy = structuredClone(policies);
  for (const policy of copy.roles[roleArn]?.policies ?? []) {
    const document = policy.policy as { Statement: { Sid?: string }[] };
    document.Statement = document.Statement.filter((statement) => !sids.includes(statement.Sid ?? ''));
  }
  return copy;
}

function statementSids(policies: AuthorizationPolicies, roleArn: string): string[] {
  return (policies.roles[roleArn]?.policies ?? []).flatMap((policy) =>
    ((policy.policy as PolicyDocument).Statement as { Sid?: string }[]).map(
      (statement) => statement.Sid ?? '',
    ),
  );
}

describe('IAM in the loop: every local run is authorized by the policies that deploy', () => {
  let current: Scenario | undefined;

  afterEach(async () => {
    await current?.stop();
    current = undefined;
  });

  it("fails the demo's first vault creation with the role of before this issue (no MountCapsule), named, changing nothing", async () => {
    current = await scenario();
    const { emulator, runner, policies } = current;
    emulator.seed({
      ...DEMO_ACCOUNT,
      keys: DEMO_ACCOUNT.keys?.filter((key) => key.alias !== 'alias/vault-migrator'),
    });
    // Before: CreateAndConfigureTargetVault, DescribeKeys, and CreateGrant; no MountCapsule, no RetireGrant/Decrypt/GenerateDataKey.
    expect(statementSids(policies.authorization, CREATE_TARGET_ROLE)).toEqual(
      expect.arrayContaining(['MountTheVaultStorage', 'UseTheTargetKey']),
    );
    await emulator.setAuthorization(
      without(policies.authorization, CREATE_TARGET_ROLE, ['MountTheVaultStorage', 'UseTheTargetKey']),
    );
    emulator.resetStats();

    const result = await runner.startExecution('MigrateVault', { sourceVaultName: 'legacy-unencrypted' });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('PermissionDenied');
    expect(result.cause).toContain('backup-storage:MountCapsule');
    expect(emulator.authorization.denials[0]).toMatchObject({
      operation: 'CreateBackupVault',
      action: 'backup-storage:MountCapsule',
      message:
        'User: arn:aws:sts::123456789012:assumed-role/vault-migrator-CreateTargetVault/vault-migrator-CreateTargetVault ' +
        'is not authorized to perform: backup-storage:MountCapsule on resource: * because no identity-based policy ' +
        'allows the backup-storage:MountCapsule action',
    });
    expect(emulator.stats().calls.CreateBackupVault).toBeGreaterThan(0);
    expect(emulator.backup.vaults.has('legacy-unencrypted-encrypted')).toBe(false);
    expect(emulator.mutations()).toEqual([]);
  });

  it('lets the same demo vault migrate with the role as deployed now', async () => {
    current = await scenario();
    const { emulator, runner } = current;
    emulator.seed({
      ...DEMO_ACCOUNT,
      keys: DEMO_ACCOUNT.keys?.filter((key) => key.alias !== 'alias/vault-migrator'),
      vaults: DEMO_ACCOUNT.vaults?.filter((vault) => vault.name === 'analytics-backups'),
      plans: [],
    });
    const result = await runner.startExecution('MigrateVault', { sourceVaultName: 'analytics-backups' });
    expect(result.status).toBe('SUCCEEDED');
    expect(emulator.authorization.denials).toEqual([]);
    expect(emulator.authorization.evaluations).toBeGreaterThan(0);
  });

  it('refuses in Prepare, with InvalidKmsKey and no mutating call, a per-run key AWS Backup could not use', async () => {
    current = await scenario();
    const { emulator, runner } = current;
    emulator.seed({ vaults: [{ name: 'legacy', encryptionKey: 'none', generate: { count: 4 } }] });
    // A customer-managed key of the account that the stack does not list: neither the vault
    // creation nor the copy role is granted its use.
    const perRunKey = emulator.kms.addKey({ alias: 'alias/team-key' }).arn;
    emulator.resetStats();

    const result = await runner.startExecution('MigrateVault', {
      sourceVaultName: 'legacy',
      kmsKeyArn: perRunKey,
    });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('InvalidKmsKey');
    expect(result.cause).toContain(`additionalKmsKeyArns=${perRunKey}`);
    expect(emulator.mutations()).toEqual([]);
    expect(emulator.stats().mutatingCalls).toBe(0);
    expect(emulator.stats().calls.CreateBackupVault).toBeUndefined();
  });

  it('migrates into a key the stack lists in additionalKmsKeyArns, used through IAM only', async () => {
    const extraKey = 'arn:aws:kms:us-east-1:123456789012:key/0a0a0a0a-1111-2222-3333-444444444444';
    current = await scenario({}, {}, { additionalKmsKeyArns: [extraKey] });
    const { emulator, runner } = current;
    emulator.kms.addKey({ keyId: '0a0a0a0a-1111-2222-3333-444444444444' });
    emulator.seed({ vaults: [{ name: 'legacy', encryptionKey: 'none', generate: { count: 6 } }] });

    const result = await runner.startExecution('MigrateVault', {
      sourceVaultName: 'legacy',
      kmsKeyArn: extraKey,
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(emulator.backup.vaults.get('legacy-encrypted')?.encryptionKeyArn).toBe(extraKey);
    expect(emulator.authorization.denials).toEqual([]);
  });

  it('fails a listed key whose policy does not let IAM grant its use at vault creation, before any change', async () => {
    const extraKey = 'arn:aws:kms:us-east-1:123456789012:key/0b0b0b0b-1111-2222-3333-444444444444';
    current = await scenario({}, {}, { additionalKmsKeyArns: [extraKey] });
    const { emulator, runner } = current;
    emulator.kms.addKey({
      keyId: '0b0b0b0b-1111-2222-3333-444444444444',
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::123456789012:role/vault-migrator-PrepareMigration' },
            Action: 'kms:DescribeKey',
            Resource: '*',
          },
        ],
      }),
    });
    emulator.seed({ vaults: [{ name: 'legacy', encryptionKey: 'none', generate: { count: 3 } }] });
    emulator.resetStats();

    const result = await runner.startExecution('MigrateVault', {
      sourceVaultName: 'legacy',
      kmsKeyArn: extraKey,
    });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('PermissionDenied');
    expect(result.cause).toMatch(/kms:(CreateGrant|DescribeKey|RetireGrant|Decrypt|GenerateDataKey)/);
    expect(emulator.mutations()).toEqual([]);
  });

  it('fails the copy jobs, with the message AWS gives, when the copy role may not use the target key', async () => {
    current = await scenario();
    const { emulator, runner, policies, keyArn } = current;
    emulator.seed({
      vaults: [{ name: 'legacy', encryptionKey: 'none', generate: { count: 3, mix: { S3: 1 } } }],
    });
    // A target key whose policy names neither the account root nor AWS Backup: the copy role's
    // IAM statement for it is worth nothing.
    emulator.kms.setKeyPolicy(
      keyArn,
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: Object.values(policies.functionRoles) },
            Action: 'kms:*',
            Resource: '*',
          },
        ],
      }),
    );

    const result = await runner.startExecution('MigrateVault', { sourceVaultName: 'legacy' });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('MigrationIncomplete');
    const failed = [...emulator.backup.copyJobs.values()].filter((job) => job.state === 'FAILED');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0]?.statusMessage).toMatch(
      /^User: arn:aws:sts::123456789012:assumed-role\/vault-migrator-copy\/AWSBackup is not authorized to perform: kms:\w+ on resource: arn:aws:kms:/,
    );
    expect(emulator.backup.vaults.get('legacy')?.recoveryPoints.size).toBe(3);
  });
});
