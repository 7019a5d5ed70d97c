/**
 * The IAM actions each emulated operation requires of its caller: the action, the resource it is
 * checked on, and the dependent actions (other actions the same call needs, each on its own
 * resource, with the request context AWS sets for it). Each row names the AWS page it comes from.
 * The emulator authorizes every call of a known caller with these rows. (The operator's own
 * permissions, for calls the emulator does not serve, are infra/operator.ts.)
 */

/** What an action is checked on, resolved from the request and the emulator's state. */
export type ResourceKind =
  /** No resource-level permissions (Service Authorization Reference): `*`. */
  | '*'
  /** The vault named in the path. */
  | 'vault'
  /** The recovery point named in the path (or the body's RecoveryPointArn), in the vault of the path (or body). */
  | 'recoveryPoint'
  /** The backup plan named in the path. */
  | 'backupPlan'
  /** The resource ARN in the path (tags). */
  | 'taggedResource'
  /** The vault the body's DestinationBackupVaultArn names. */
  | 'destinationVault'
  /** The role the body's IamRoleArn names. */
  | 'passedRole'
  /** The key the body's KeyId names (KMS), or EncryptionKeyArn (CreateBackupVault). */
  | 'key'
  /** AWS Backup's service-linked role, AWSServiceRoleForBackup, of the account. */
  | 'backupServiceLinkedRole';

export interface DependentAction {
  readonly action: string;
  readonly resource: ResourceKind;
  /** Request context keys AWS sets for this action ({region} and {account} are filled in). */
  readonly context?: Readonly<Record<string, string>>;
  /** Checked only when the request names a key (CreateBackupVault with EncryptionKeyArn). */
  readonly onlyWithKey?: boolean;
  /** The AWS page that requires it, when another than the row's. */
  readonly source?: string;
  /**
   * How AWS answers when this action is denied: by default HTTP 403 AccessDeniedException;
   * `leave-expired`: HTTP 200, and the recovery point is left EXPIRED instead of deleted.
   */
  readonly whenDenied?: 'leave-expired';
}

export interface PermissionRow {
  readonly service: 'backup' | 'kms';
  readonly operation: string;
  readonly action: string;
  readonly resource: ResourceKind;
  readonly dependent?: readonly DependentAction[];
  /** The AWS documentation page the row comes from. */
  readonly source: string;
}

const BACKUP_SAR = 'https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsbackup.html';
const KMS_SAR =
  'https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html';
const CREATE_VAULT = 'https://docs.aws.amazon.com/aws-backup/latest/devguide/create-a-vault.html';
const PASS_ROLE = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html';
const COPY = 'https://docs.aws.amazon.com/aws-backup/latest/devguide/recov-point-create-a-copy.html';
const DELETE_RECOVERY_POINT =
  'https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DeleteRecoveryPoint.html';

/** AWS Backup calls the key on the caller's behalf when a vault is created with it. */
const VIA_BACKUP = {
  'kms:ViaService': 'backup.{region}.amazonaws.com',
  'kms:CallerAccount': '{account}',
};

const backup = (
  operation: string,
  resource: ResourceKind,
  extra: { action?: string; dependent?: readonly DependentAction[]; source?: string } = {},
): PermissionRow => ({
  service: 'backup',
  operation,
  action: extra.action ?? `backup:${operation}`,
  resource,
  ...(extra.dependent ? { dependent: extra.dependent } : {}),
  source: extra.source ?? BACKUP_SAR,
});

const kms = (operation: string, resource: ResourceKind): PermissionRow => ({
  service: 'kms',
  operation,
  action: `kms:${operation}`,
  resource,
  source: KMS_SAR,
});

export const PERMISSIONS: readonly PermissionRow[] = [
  backup('ListBackupVaults', '*'),
  backup('CreateBackupVault', 'vault', {
    source: CREATE_VAULT,
    dependent: [
      // Not part of backup:*, and supports no resource.
      { action: 'backup-storage:MountCapsule', resource: '*' },
      {
        action: 'kms:CreateGrant',
        resource: 'key',
        onlyWithKey: true,
        context: { ...VIA_BACKUP, 'kms:GrantIsForAWSResource': 'true' },
      },
      { action: 'kms:DescribeKey', resource: 'key', onlyWithKey: true, context: VIA_BACKUP },
      { action: 'kms:RetireGrant', resource: 'key', onlyWithKey: true, context: VIA_BACKUP },
      { action: 'kms:Decrypt', resource: 'key', onlyWithKey: true, context: VIA_BACKUP },
      { action: 'kms:GenerateDataKey', resource: 'key', onlyWithKey: true, context: VIA_BACKUP },
    ],
  }),
  backup('DescribeBackupVault', 'vault'),
  backup('DeleteBackupVault', 'vault'),
  backup('GetBackupVaultAccessPolicy', 'vault'),
  backup('PutBackupVaultAccessPolicy', 'vault'),
  backup('DeleteBackupVaultAccessPolicy', 'vault'),
  backup('GetBackupVaultNotifications', 'vault'),
  backup('PutBackupVaultNotifications', 'vault'),
  backup('DeleteBackupVaultNotifications', 'vault'),
  backup('PutBackupVaultLockConfiguration', 'vault'),
  backup('DeleteBackupVaultLockConfiguration', 'vault'),
  backup('ListRecoveryPointsByBackupVault', 'vault'),
  backup('DescribeRecoveryPoint', 'recoveryPoint'),
  backup('DeleteRecoveryPoint', 'recoveryPoint', {
    dependent: [
      // "When an IAM role's permissions are insufficient to call this API, the service sends back an
      // HTTP 200 response ... the recovery point is not deleted. Instead, it enters an EXPIRED state.
      // EXPIRED recovery points can be deleted with this API once the IAM role has the
      // iam:CreateServiceLinkedRole action." (DeleteRecoveryPoint, AWS Backup API Reference)
      {
        action: 'iam:CreateServiceLinkedRole',
        resource: 'backupServiceLinkedRole',
        context: { 'iam:AWSServiceName': 'backup.amazonaws.com' },
        whenDenied: 'leave-expired',
        source: DELETE_RECOVERY_POINT,
      },
    ],
  }),
  backup('UpdateRecoveryPointLifecycle', 'recoveryPoint'),
  backup('ListTags', 'taggedResource'),
  backup('TagResource', 'taggedResource'),
  backup('UntagResource', 'taggedResource'),
  backup('StartCopyJob', 'recoveryPoint', {
    source: COPY,
    dependent: [
      {
        action: 'iam:PassRole',
        resource: 'passedRole',
        context: { 'iam:PassedToService': 'backup.amazonaws.com' },
        source: PASS_ROLE,
      },
      // UNCONFIRMED for same-account callers (AWS-FACTS): checked, so it must be granted.
      { action: 'backup:CopyIntoBackupVault', resource: 'destinationVault' },
    ],
  }),
  backup('ListCopyJobs', '*'),
  backup('DescribeCopyJob', '*'),
  backup('ListBackupPlans', '*'),
  backup('CreateBackupPlan', 'backupPlan'),
  backup('GetBackupPlan', 'backupPlan'),
  backup('UpdateBackupPlan', 'backupPlan'),
  backup('DeleteBackupPlan', 'backupPlan'),
  kms('DescribeKey', 'key'),
  kms('CreateKey', '*'),
  kms('CreateAlias', 'key'),
  kms('DeleteAlias', 'key'),
  kms('ListAliases', '*'),
  kms('ListKeys', '*'),
  kms('EnableKey', 'key'),
  kms('DisableKey', 'key'),
  kms('ScheduleKeyDeletion', 'key'),
  kms('CancelKeyDeletion', 'key'),
  kms('GetKeyPolicy', 'key'),
  kms('PutKeyPolicy', 'key'),
];

/**
 * What the copy role itself needs of a key when AWS Backup runs a copy job as it: for the
 * destination vault's key and for the source recovery point's key (AWS-FACTS, "IAM actions the
 * calls need"; AWS Backup's "Encryption for backups" page).
 */
export const COPY_ROLE_KEY_ACTIONS = {
  target: ['kms:DescribeKey', 'kms:CreateGrant', 'kms:GenerateDataKey', 'kms:Decrypt'],
  source: ['kms:DescribeKey', 'kms:CreateGrant', 'kms:Decrypt'],
} as const;

const byOperation = new Map(PERMISSIONS.map((row) => [`${row.service}:${row.operation}`, row]));

/** The row of an emulated operation, if any. */
export function permissionRow(service: 'backup' | 'kms', operation: string): PermissionRow | undefined {
  return byOperation.get(`${service}:${operation}`);
}

/** Every IAM action an operation may need (its own and the dependent ones). */
export function actionsOf(row: PermissionRow): string[] {
  return [row.action, ...(row.dependent ?? []).map((dependent) => dependent.action)];
}
