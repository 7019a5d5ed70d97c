import {
  BackupClient,
  CreateBackupVaultCommand,
  DeleteRecoveryPointCommand,
  DescribeBackupVaultCommand,
  DescribeRecoveryPointCommand,
  PutBackupVaultAccessPolicyCommand,
} from '@aws-sdk/client-backup';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AuthorizationPolicies, type Emulator, startEmulator } from '#emulator/index.ts';
import { PERMISSIONS } from '#emulator/permissions.ts';
import { backupRoutes, KMS_MUTATING } from '#emulator/server.ts';

const ACCOUNT = '123456789012';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/vault-creator`;
const VAULTS = `arn:aws:backup:us-east-1:${ACCOUNT}:backup-vault:*`;
const KEYS = `arn:aws:kms:us-east-1:${ACCOUNT}:key/*`;

/** A role that may create vaults with any key of the account, as AWS's "Create a backup vault" page lists. */
function creatorPolicies(statements: unknown[]): AuthorizationPolicies {
  return {
    callers: { ASIACREATOR: { roleArn: ROLE, sessionName: 'creator' } },
    roles: {
      [ROLE]: { policies: [{ name: 'creator', policy: { Version: '2012-10-17', Statement: statements } }] },
    },
  };
}

const FULL_CREATOR = [
  { Effect: 'Allow', Action: ['backup:CreateBackupVault', 'backup:DescribeBackupVault'], Resource: VAULTS },
  { Effect: 'Allow', Action: 'backup-storage:MountCapsule', Resource: '*' },
  {
    Effect: 'Allow',
    Action: ['kms:CreateGrant', 'kms:DescribeKey', 'kms:RetireGrant', 'kms:Decrypt', 'kms:GenerateDataKey'],
    Resource: KEYS,
  },
];

let emulator: Emulator;
let backup: BackupClient;
let kms: KMSClient;
let keyArn: string;

const client = <T>(Client: new (config: object) => T, accessKeyId: string) =>
  new Client({
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey: 'local' },
    maxAttempts: 1,
  });

async function errorOf(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

beforeEach(async () => {
  emulator = await startEmulator();
  keyArn = emulator.kms.addKey({ alias: 'alias/target' }).arn;
  backup = client(BackupClient, 'ASIACREATOR');
  kms = client(KMSClient, 'ASIACREATOR');
});

afterEach(async () => {
  backup.destroy();
  kms.destroy();
  await emulator.stop();
});

describe('authorization', () => {
  it('answers a call its role may not make with 403 AccessDeniedException naming the session, action and resource', async () => {
    await emulator.setAuthorization(
      creatorPolicies(FULL_CREATOR.filter((s) => s.Action !== 'backup-storage:MountCapsule')),
    );
    const error = await errorOf(
      backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'target', EncryptionKeyArn: keyArn })),
    );
    expect(error.name).toBe('AccessDeniedException');
    expect(error.$metadata?.httpStatusCode).toBe(403);
    expect(error.message).toBe(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/vault-creator/creator is not authorized to perform: ` +
        'backup-storage:MountCapsule on resource: * because no identity-based policy allows the backup-storage:MountCapsule action',
    );
    expect(emulator.backup.vaults.has('target')).toBe(false);
    expect(emulator.mutations()).toEqual([]);
  });

  it('lets the same call through with every permission the vault creation page lists', async () => {
    await emulator.setAuthorization(creatorPolicies(FULL_CREATOR));
    await backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'target', EncryptionKeyArn: keyArn }));
    expect(emulator.backup.vaults.get('target')?.encryptionKeyArn).toBe(keyArn);
  });

  it('checks each KMS action of vault creation on the key', async () => {
    for (const missing of [
      'kms:CreateGrant',
      'kms:DescribeKey',
      'kms:RetireGrant',
      'kms:Decrypt',
      'kms:GenerateDataKey',
    ]) {
      const statements = FULL_CREATOR.map((statement) =>
        Array.isArray(statement.Action)
          ? { ...statement, Action: statement.Action.filter((action) => action !== missing) }
          : statement,
      );
      await emulator.setAuthorization(creatorPolicies(statements));
      const error = await errorOf(
        backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'target', EncryptionKeyArn: keyArn })),
      );
      expect(error.message).toContain(`perform: ${missing} on resource: ${keyArn}`);
    }
  });

  it('gives IAM policies no say over a key whose policy does not delegate to the account', async () => {
    await emulator.setAuthorization(creatorPolicies(FULL_CREATOR));
    emulator.kms.setKeyPolicy(
      keyArn,
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/someone-else` },
            Action: 'kms:*',
            Resource: '*',
          },
        ],
      }),
    );
    const error = await errorOf(kms.send(new DescribeKeyCommand({ KeyId: keyArn })));
    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toContain('kms:DescribeKey');
  });

  it('gives a key created without a policy the default key policy, and the AWS-managed key its own', async () => {
    const created = emulator.kms.addKey({});
    const defaultPolicy = JSON.parse(emulator.kms.keyPolicy(created));
    expect(defaultPolicy.Statement).toEqual([
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ]);
    const managed = JSON.parse(emulator.kms.keyPolicy(emulator.kms.awsManagedBackupKey()));
    expect(managed.Statement[0].Condition.StringEquals['kms:ViaService']).toBe(
      'backup.us-east-1.amazonaws.com',
    );
    const admin = client(KMSClient, 'local');
    const read = await admin.send(new GetKeyPolicyCommand({ KeyId: created.arn, PolicyName: 'default' }));
    admin.destroy();
    expect(JSON.parse(read.Policy ?? '{}')).toEqual(defaultPolicy);
  });

  it('counts a Deny of the vault access policy against a role its IAM policy allows', async () => {
    emulator.seed({ vaults: [{ name: 'guarded', encryptionKey: 'none' }] });
    await emulator.setAuthorization(creatorPolicies(FULL_CREATOR));
    await backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'guarded' }));
    const admin = client(BackupClient, 'local');
    await admin.send(
      new PutBackupVaultAccessPolicyCommand({
        BackupVaultName: 'guarded',
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Deny', Principal: { AWS: '*' }, Action: 'backup:DescribeBackupVault', Resource: '*' },
          ],
        }),
      }),
    );
    admin.destroy();
    const error = await errorOf(backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'guarded' })));
    expect(error.message).toContain('is not authorized to perform: backup:DescribeBackupVault');
    expect(error.message).toContain('explicit deny');
  });

  it('evaluates a vault access policy on a recovery point whose ARN names no account (an EBS snapshot)', async () => {
    emulator.seed({
      vaults: [
        {
          name: 'guarded',
          encryptionKey: 'none',
          generate: { count: 1, mix: { EBS: 1 } },
          accessPolicy: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Deny',
                Principal: { AWS: '*' },
                Action: 'backup:DeleteRecoveryPoint',
                Resource: '*',
              },
            ],
          },
        },
      ],
    });
    const [pointArn] = [...(emulator.backup.vaults.get('guarded')?.recoveryPoints.keys() ?? [])];
    expect(pointArn).toMatch(/^arn:aws:ec2:us-east-1::snapshot\//);
    await emulator.setAuthorization(
      creatorPolicies([
        {
          Effect: 'Allow',
          Action: ['backup:DeleteRecoveryPoint', 'backup:DescribeRecoveryPoint'],
          Resource: '*',
        },
      ]),
    );
    await backup.send(
      new DescribeRecoveryPointCommand({ BackupVaultName: 'guarded', RecoveryPointArn: pointArn }),
    );
    const error = await errorOf(
      backup.send(new DeleteRecoveryPointCommand({ BackupVaultName: 'guarded', RecoveryPointArn: pointArn })),
    );
    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toContain('explicit deny');
    expect(emulator.backup.vaults.get('guarded')?.recoveryPoints.size).toBe(1);
  });

  it('answers a deletion by a role without iam:CreateServiceLinkedRole with 200 and leaves the point EXPIRED, as the DeleteRecoveryPoint page says', async () => {
    emulator.seed({
      vaults: [{ name: 'legacy', encryptionKey: 'none', generate: { count: 2, mix: { S3: 1 } } }],
    });
    const [first, second] = [...(emulator.backup.vaults.get('legacy')?.recoveryPoints.keys() ?? [])];
    const deleteAndRead = [
      {
        Effect: 'Allow',
        Action: ['backup:DeleteRecoveryPoint', 'backup:DescribeRecoveryPoint'],
        Resource: '*',
      },
    ];
    await emulator.setAuthorization(creatorPolicies(deleteAndRead));
    await backup.send(new DeleteRecoveryPointCommand({ BackupVaultName: 'legacy', RecoveryPointArn: first }));
    emulator.clock.advance(60 * 60 * 1000);
    const expired = await backup.send(
      new DescribeRecoveryPointCommand({ BackupVaultName: 'legacy', RecoveryPointArn: first }),
    );
    expect(expired.Status).toBe('EXPIRED');
    expect(emulator.authorization.denials.map((denial) => denial.action)).toEqual([
      'iam:CreateServiceLinkedRole',
    ]);

    // Once the role may create AWS Backup's service-linked role, the same call deletes.
    await emulator.setAuthorization(
      creatorPolicies([
        ...deleteAndRead,
        {
          Effect: 'Allow',
          Action: 'iam:CreateServiceLinkedRole',
          Resource: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup`,
          Condition: { StringEquals: { 'iam:AWSServiceName': 'backup.amazonaws.com' } },
        },
      ]),
    );
    for (const arn of [first, second]) {
      await backup.send(new DeleteRecoveryPointCommand({ BackupVaultName: 'legacy', RecoveryPointArn: arn }));
    }
    emulator.clock.advance(60 * 60 * 1000);
    expect(emulator.backup.vaults.get('legacy')?.recoveryPoints.size).toBe(0);
  });

  it('treats calls signed with a key it does not map as the account administrator', async () => {
    await emulator.setAuthorization(creatorPolicies([]));
    const admin = client(BackupClient, 'local');
    await admin.send(new CreateBackupVaultCommand({ BackupVaultName: 'by-admin' }));
    admin.destroy();
    expect(emulator.backup.vaults.has('by-admin')).toBe(true);
  });

  it('caches decisions: the same call twice is evaluated once', async () => {
    await emulator.setAuthorization(creatorPolicies(FULL_CREATOR));
    emulator.seed({ vaults: [{ name: 'legacy', encryptionKey: 'none' }] });
    await backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'legacy' }));
    const after = emulator.authorization.evaluations;
    await backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'legacy' }));
    expect(emulator.authorization.evaluations).toBe(after);
  });
});

describe('the permission table', () => {
  it('has a row, with its AWS documentation page, for every operation the emulator serves', () => {
    const served = [
      ...backupRoutes(emulator.backup).map((route) => `backup:${route.operation}`),
      ...[...KMS_MUTATING, 'DescribeKey', 'ListAliases', 'ListKeys', 'GetKeyPolicy'].map((op) => `kms:${op}`),
    ];
    const rows = new Set(PERMISSIONS.map((row) => `${row.service}:${row.operation}`));
    expect(served.filter((operation) => !rows.has(operation))).toEqual([]);
    for (const row of PERMISSIONS)
      expect(row.source, row.operation).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
  });

  it('lists the calls whose IAM actions AWS documents beyond the operation itself', () => {
    const dependent = (operation: string) =>
      PERMISSIONS.find((row) => row.operation === operation)?.dependent?.map((d) => d.action);
    expect(dependent('CreateBackupVault')).toEqual([
      'backup-storage:MountCapsule',
      'kms:CreateGrant',
      'kms:DescribeKey',
      'kms:RetireGrant',
      'kms:Decrypt',
      'kms:GenerateDataKey',
    ]);
    expect(dependent('StartCopyJob')).toEqual(['iam:PassRole', 'backup:CopyIntoBackupVault']);
    expect(PERMISSIONS.map((row) => row.operation)).toEqual(
      expect.arrayContaining(['DeleteRecoveryPoint', 'UpdateRecoveryPointLifecycle', 'UpdateBackupPlan']),
    );
  });
});
