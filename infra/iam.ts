import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { MigratorFunctionName } from './functions.ts';
import { acknowledgeWildcardResources } from './nag.ts';

/**
 * ARN patterns the migrator's permissions are scoped to: this account and Region only. Vault,
 * plan and key names come from the execution input at run time, so the patterns cannot name them.
 * (Resource types from the Service Authorization Reference for AWS Backup.)
 */
export function migratorArns(stack: Stack) {
  return {
    /** `backupVault`: `arn:${Partition}:backup:${Region}:${Account}:backup-vault:${BackupVaultName}` */
    anyVault: stack.formatArn({
      service: 'backup',
      resource: 'backup-vault',
      resourceName: '*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }),
    /** `backupPlan`: `arn:${Partition}:backup:${Region}:${Account}:backup-plan:${BackupPlanId}` */
    anyBackupPlan: stack.formatArn({
      service: 'backup',
      resource: 'backup-plan',
      resourceName: '*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }),
    /**
     * `recoveryPoint`: `arn:${Partition}:${Vendor}:${Region}:*:${ResourceType}:${RecoveryPointId}`.
     * The vendor is the backed-up service (`ec2` for EBS snapshots and AMIs, `rds`, `backup`, ...)
     * and EBS snapshot ARNs carry no account, so only the partition and Region can be fixed.
     */
    anyRecoveryPoint: `arn:${stack.partition}:*:${stack.region}:*:*`,
    anyKey: stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' }),
    /** The role AWS Backup creates for itself; DeleteRecoveryPoint may need to create it. */
    backupServiceLinkedRole: stack.formatArn({
      service: 'iam',
      region: '',
      resource: 'role',
      resourceName: 'aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup',
    }),
  };
}

/** What the Lambdas' permissions refer to. */
export interface FunctionPermissionsContext {
  /** The stack whose account, Region and partition scope the ARNs. */
  readonly stack: Stack;
  /** Whether the retire Lambda may delete source recovery points and vaults. */
  readonly allowSourceDeletion: boolean;
  /** The role AWS Backup assumes for copy jobs. */
  readonly copyRoleArn: string;
  /** The report bucket: reports are written into it. */
  readonly reportBucketArn: string;
  /** The report topic: reports are announced on it. */
  readonly reportTopicArn: string;
  /** Key of the report bucket and the topic. */
  readonly reportKeyArn: string;
  /**
   * The keys target vaults may be encrypted with: the migration key and the stack's
   * `additionalKmsKeyArns`. Prepare refuses any other key (InvalidKmsKey) before anything changes.
   */
  readonly targetKeyArns: readonly string[];
}

function allow(
  sid: string,
  actions: string[],
  resources: string[],
  conditions?: Record<string, Record<string, unknown>>,
): iam.PolicyStatement {
  return new iam.PolicyStatement({ sid, effect: iam.Effect.ALLOW, actions, resources, conditions });
}

/**
 * Least privilege per Lambda: exactly the calls each handler makes (read from their code), on
 * the narrowest resources IAM lets a policy name. `List*` calls, DescribeCopyJob and
 * ListBackupVaults support no resource-level permissions, so they need `*` resources; no
 * statement ever has a `*` action. Only the retire Lambda may delete, and only when the stack
 * allows deletion.
 */
export function functionPermissions(
  name: MigratorFunctionName,
  context: FunctionPermissionsContext,
): iam.PolicyStatement[] {
  const arn = migratorArns(context.stack);
  const listRecoveryPoints = allow(
    'ListRecoveryPointsOfVaults',
    ['backup:ListRecoveryPointsByBackupVault'],
    [arn.anyVault],
  );
  const readRecoveryPoints = [
    listRecoveryPoints,
    allow('DescribeRecoveryPoints', ['backup:DescribeRecoveryPoint'], [arn.anyRecoveryPoint]),
  ];
  const listCopyJobs = allow('ListCopyJobs', ['backup:ListCopyJobs'], ['*']);
  const describeVaults = allow('DescribeVaults', ['backup:DescribeBackupVault'], [arn.anyVault]);
  const describeKeys = allow('DescribeKeys', ['kms:DescribeKey'], [arn.anyKey]);

  switch (name) {
    case 'prepareMigration':
      return [describeVaults, describeKeys];
    case 'planMigration':
      // The dry run lists; it never reads a single recovery point (test/state-machines/least-privilege).
      return [
        listRecoveryPoints,
        allow('ListBackupPlans', ['backup:ListBackupPlans'], ['*']),
        allow('ReadBackupPlans', ['backup:GetBackupPlan'], [arn.anyBackupPlan]),
        allow(
          'ReadVaultSettings',
          ['backup:GetBackupVaultNotifications', 'backup:GetBackupVaultAccessPolicy'],
          [arn.anyVault],
        ),
      ];
    case 'createTargetVault':
      return [
        allow(
          'CreateAndConfigureTargetVault',
          [
            'backup:CreateBackupVault',
            'backup:DescribeBackupVault',
            'backup:ListTags',
            'backup:TagResource',
            'backup:GetBackupVaultAccessPolicy',
            'backup:PutBackupVaultAccessPolicy',
            'backup:GetBackupVaultNotifications',
            'backup:PutBackupVaultNotifications',
            'backup:PutBackupVaultLockConfiguration',
          ],
          [arn.anyVault],
        ),
        // "Create a backup vault", Required permissions (AWS Backup Developer Guide,
        // create-a-vault.html): MountCapsule supports no resource and is not part of backup:*.
        allow('MountTheVaultStorage', ['backup-storage:MountCapsule'], ['*']),
        // The same page: the key's use, with the caller's credentials, on the target key only.
        describeKeys,
        allow(
          'UseTheTargetKey',
          ['kms:RetireGrant', 'kms:Decrypt', 'kms:GenerateDataKey'],
          [...context.targetKeyArns],
        ),
        allow('GrantBackupUseOfTheTargetKey', ['kms:CreateGrant'], [...context.targetKeyArns], {
          Bool: { 'kms:GrantIsForAWSResource': 'true' },
        }),
      ];
    case 'repointBackupPlans':
      return [
        allow('ListBackupPlans', ['backup:ListBackupPlans'], ['*']),
        allow('RepointBackupPlans', ['backup:GetBackupPlan', 'backup:UpdateBackupPlan'], [arn.anyBackupPlan]),
      ];
    case 'copyRecoveryPoints':
      return [
        ...readRecoveryPoints,
        allow('StartCopyJobs', ['backup:StartCopyJob'], [arn.anyRecoveryPoint]),
        // Required of the caller on the destination by third-party docs; UNCONFIRMED for
        // same-account copies (AWS-FACTS), so granted, on this account's and Region's vaults.
        allow('CopyIntoTargetVaults', ['backup:CopyIntoBackupVault'], [arn.anyVault]),
        allow('FollowCopyJobs', ['backup:ListCopyJobs', 'backup:DescribeCopyJob'], ['*']),
        allow('PassTheCopyRoleToBackup', ['iam:PassRole'], [context.copyRoleArn], {
          StringEquals: { 'iam:PassedToService': 'backup.amazonaws.com' },
        }),
      ];
    case 'verifyMigration':
      return [...readRecoveryPoints, listCopyJobs];
    case 'deleteSourceVault':
      return [
        ...readRecoveryPoints,
        listCopyJobs,
        describeVaults,
        // A 403 from DescribeBackupVault counts as "gone" only when the vault is no longer listed.
        allow('ListVaults', ['backup:ListBackupVaults'], ['*']),
        ...(context.allowSourceDeletion
          ? [
              allow(
                'RetireSourceRecoveryPoints',
                ['backup:DeleteRecoveryPoint', 'backup:UpdateRecoveryPointLifecycle'],
                [arn.anyRecoveryPoint],
              ),
              allow('DeleteSourceVault', ['backup:DeleteBackupVault'], [arn.anyVault]),
              // DeleteRecoveryPoint answers 200 but leaves the point EXPIRED when AWS Backup's
              // service-linked role is missing and the caller cannot create it.
              allow(
                'CreateBackupServiceLinkedRole',
                ['iam:CreateServiceLinkedRole'],
                [arn.backupServiceLinkedRole],
                {
                  StringEquals: { 'iam:AWSServiceName': 'backup.amazonaws.com' },
                },
              ),
            ]
          : []),
      ];
    case 'writeReport':
      return [
        ...readRecoveryPoints,
        listCopyJobs,
        // Reports stream as multipart uploads (lib-storage); a failed one is aborted, not left behind.
        allow('WriteReports', ['s3:PutObject', 's3:AbortMultipartUpload'], [`${context.reportBucketArn}/*`]),
        allow('PublishReports', ['sns:Publish'], [context.reportTopicArn]),
        allow('EncryptReports', ['kms:GenerateDataKey', 'kms:Decrypt'], [context.reportKeyArn], {
          StringEquals: {
            'kms:ViaService': [
              `s3.${context.stack.region}.amazonaws.com`,
              `sns.${context.stack.region}.amazonaws.com`,
            ],
          },
        }),
      ];
    case 'findVaultsToMigrate':
      return [
        allow('ListVaults', ['backup:ListBackupVaults'], ['*']),
        allow('ReadVaultTags', ['backup:ListTags'], [arn.anyVault]),
        describeKeys,
      ];
  }
}

/** Actions that support no resource-level permissions, and so are granted on `*`. */
export const UNSCOPABLE_ACTIONS = [
  'backup-storage:MountCapsule',
  'backup:ListBackupVaults',
  'backup:ListBackupPlans',
  'backup:ListCopyJobs',
  'backup:DescribeCopyJob',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
] as const;

/**
 * Why each wildcard resource of a Lambda role is as narrow as IAM allows (the reasons go into
 * the cdk-nag acknowledgements).
 */
export function wildcardReasons(
  context: FunctionPermissionsContext,
): (resource: string, actions: readonly string[]) => string | undefined {
  const arn = migratorArns(context.stack);
  const unscopable: readonly string[] = UNSCOPABLE_ACTIONS;
  const reasons = new Map<string, string>([
    [
      arn.anyVault,
      'Vault names come from the execution input at run time; scoped to backup vaults of this account and Region.',
    ],
    [
      arn.anyBackupPlan,
      'The plans that name the source vault are found at run time; scoped to backup plans of this account and Region.',
    ],
    [
      arn.anyRecoveryPoint,
      'Recovery point ARNs belong to the backed-up service (EBS snapshots and AMIs carry no account; rds, ' +
        'backup, ...) and are known only at run time; scoped to this partition and Region, the narrowest ' +
        'pattern that matches every recovery point type.',
    ],
    [
      arn.anyKey,
      'The key is named by the execution input or is the key of a vault being inspected; scoped to keys of ' +
        'this account and Region (CreateGrant further to grants for AWS resources).',
    ],
    [
      `${context.reportBucketArn}/*`,
      'Report object keys are per execution (<execution>/report.json); scoped to the report bucket.',
    ],
  ]);
  return (resource, actions) => {
    if (resource !== '*') return reasons.get(resource);
    // Only actions IAM cannot scope may be granted on `*`.
    if (actions.some((action) => !unscopable.includes(action))) return undefined;
    return (
      'These actions support no resource-level permissions (Service Authorization Reference), so ' +
      `they are granted on *: ${actions.join(', ')}.`
    );
  };
}

export interface CopyRoleProps {
  /** The key target vaults are encrypted with. */
  readonly migrationKey: kms.IKey;
  /**
   * More keys target vaults may be encrypted with (the stack's `additionalKmsKeyArns`).
   * @default none
   */
  readonly additionalKmsKeyArns?: readonly string[];
}

/**
 * The role AWS Backup assumes for the copy jobs the copy pump starts: AWS Backup's managed
 * policy for backups (it holds the per-service copy permissions, `backup:CopyIntoBackupVault`
 * and `backup:CopyFromBackupVault`) and the use of the migration key and the additional keys.
 */
export class CopyRole extends Construct {
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: CopyRoleProps) {
    super(scope, id);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
      description: 'Assumed by AWS Backup for the copy jobs of backup-vault-migrator',
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSBackupServiceRolePolicyForBackup'),
      ],
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'UseTheMigrationKey',
        actions: [
          'kms:CreateGrant',
          'kms:GenerateDataKey',
          'kms:GenerateDataKeyWithoutPlaintext',
          'kms:Decrypt',
          'kms:DescribeKey',
        ],
        resources: [props.migrationKey.keyArn, ...(props.additionalKmsKeyArns ?? [])],
      }),
    );
    // A copy reads its source with the source recovery point's key: the source vault's key, or
    // the backed-up resource's own key (an EBS volume encrypted with a customer-managed key), which
    // no one can list at synth time (AWS-FACTS "IAM actions the calls need": the copy role needs
    // the key's use for the target key and for the source's key).
    const anyKey = migratorArns(Stack.of(this)).anyKey;
    const sourceKeyStatements = [
      new iam.PolicyStatement({
        sid: 'ReadWithTheSourceKeys',
        actions: ['kms:Decrypt', 'kms:DescribeKey'],
        resources: [anyKey],
      }),
      new iam.PolicyStatement({
        sid: 'GrantBackupUseOfTheSourceKeys',
        actions: ['kms:CreateGrant'],
        resources: [anyKey],
        conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }),
    ];
    for (const statement of sourceKeyStatements) this.role.addToPrincipalPolicy(statement);
    acknowledgeWildcardResources(this.role, sourceKeyStatements, (resource) =>
      resource === anyKey
        ? 'A source recovery point is encrypted with its vault key or with the key of the backed-up resource ' +
          '(any key of the account); the copy reads it with that key. Scoped to keys of this account and ' +
          'Region, only read and AWS-resource grants.'
        : undefined,
    );
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      reason:
        'AWS Backup documents this managed policy for the role it assumes to copy recovery points: it holds ' +
        'the copy permissions of every resource type AWS Backup supports, and AWS keeps it current as types ' +
        'are added; a hand-written copy would silently break copies of new types.',
    });
  }
}
