import facts from '../../aws-facts/resource-types.json' with { type: 'json' };

/** The emulator's state: what AWS Backup and KMS would hold for one account in one Region. */

export interface Lifecycle {
  MoveToColdStorageAfterDays?: number;
  DeleteAfterDays?: number;
  OptInToArchiveForSupportedResources?: boolean;
}

export type VaultType = 'BACKUP_VAULT' | 'LOGICALLY_AIR_GAPPED_BACKUP_VAULT' | 'RESTORE_ACCESS_BACKUP_VAULT';

export interface VaultLock {
  minRetentionDays?: number;
  maxRetentionDays?: number;
  /** Compliance mode becomes immutable at this date; governance mode has none. */
  lockDate?: Date;
}

export interface Vault {
  name: string;
  arn: string;
  creationDate: Date;
  /** Absent for the vaults Prowler flags. */
  encryptionKeyArn?: string;
  encryptionKeyType?: 'AWS_OWNED_KMS_KEY' | 'CUSTOMER_MANAGED_KMS_KEY';
  vaultType: VaultType;
  creatorRequestId?: string;
  tags: Map<string, string>;
  accessPolicy?: string;
  notifications?: { snsTopicArn: string; events: string[] };
  lock?: VaultLock;
  recoveryPoints: Map<string, RecoveryPoint>;
  /** Recovery points in listing order, rebuilt lazily after a change. */
  ordered?: RecoveryPoint[];
  /** Recovery points by (creation date, seq), for listings filtered by creation date; rebuilt lazily. */
  byCreation?: RecoveryPoint[];
  /** DeleteBackupVault calls that still fail with ERROR_9101 although the vault is empty. */
  pendingEmptyDeleteFailures: number;
}

export type RecoveryPointStatus =
  | 'COMPLETED'
  | 'PARTIAL'
  | 'DELETING'
  | 'EXPIRED'
  | 'AVAILABLE'
  | 'STOPPED'
  | 'CREATING';
export type StorageClass = 'WARM' | 'COLD' | 'DELETED';

export interface RecoveryPointCreator {
  BackupPlanId?: string;
  BackupPlanArn?: string;
  BackupPlanVersion?: string;
  BackupRuleId?: string;
}

export interface RecoveryPoint {
  /** Insertion sequence, the listing order and pagination cursor. */
  seq: number;
  arn: string;
  vaultName: string;
  resourceArn: string;
  resourceType: string;
  resourceName?: string;
  creationDate: Date;
  completionDate?: Date;
  status: RecoveryPointStatus;
  statusMessage?: string;
  /** Set explicitly by seeding; otherwise derived from the lifecycle and the clock. */
  storageClass?: StorageClass;
  isEncrypted: boolean;
  encryptionKeyArn?: string;
  backupSizeInBytes: number;
  lifecycle?: Lifecycle;
  iamRoleArn: string;
  createdBy?: RecoveryPointCreator;
  sourceBackupVaultArn?: string;
  parentRecoveryPointArn?: string;
  isParent: boolean;
  compositeMemberIdentifier?: string;
  isContinuous: boolean;
  legalHold: boolean;
  /** Listing lag: ListRecoveryPointsByBackupVault shows it only from this simulated time (ms). */
  listedFromMs?: number;
  /** When a DELETING recovery point disappears. */
  deletionDoneAt?: Date;
  /** DeleteRecoveryPoint returns 200 but leaves the point EXPIRED (no permission, AWS-FACTS). */
  silentDeleteFailure?: boolean;
}

export type CopyJobState = 'CREATED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'PARTIAL';

export interface CopyJob {
  id: string;
  accountId: string;
  sourceVaultArn: string;
  sourceVaultName: string;
  sourceRecoveryPointArn: string;
  destinationVaultArn: string;
  destinationRecoveryPointArn?: string;
  destinationEncryptionKeyArn?: string;
  destinationLifecycle?: Lifecycle;
  resourceArn: string;
  resourceType: string;
  resourceName?: string;
  state: CopyJobState;
  statusMessage?: string;
  creationDate: Date;
  completionDate?: Date;
  backupSizeInBytes: number;
  iamRoleArn: string;
  /** Set when the copy role may not use a key the copy needs: the job then fails with it (authorization). */
  authorizationFailure?: string;
  lifecycle?: Lifecycle;
  idempotencyToken?: string;
  parentJobId?: string;
  isParent: boolean;
  /** Scheduling: has the job a concurrency slot, when it starts running and when it ends. */
  hasSlot: boolean;
  startAt?: number;
  finishAt?: number;
  durationMs: number;
}

export interface BackupRule {
  RuleName: string;
  TargetBackupVaultName: string;
  ScheduleExpression?: string;
  ScheduleExpressionTimezone?: string;
  StartWindowMinutes?: number;
  CompletionWindowMinutes?: number;
  Lifecycle?: Lifecycle;
  RecoveryPointTags?: Record<string, string>;
  RuleId?: string;
  CopyActions?: Array<{ DestinationBackupVaultArn: string; Lifecycle?: Lifecycle }>;
  EnableContinuousBackup?: boolean;
}

export interface BackupPlanDocument {
  BackupPlanName: string;
  Rules: BackupRule[];
  AdvancedBackupSettings?: Array<{ ResourceType?: string; BackupOptions?: Record<string, string> }>;
}

export interface BackupPlanVersion {
  versionId: string;
  document: BackupPlanDocument;
  creationDate: Date;
}

export interface BackupPlan {
  id: string;
  arn: string;
  creationDate: Date;
  creatorRequestId?: string;
  deletionDate?: Date;
  versions: BackupPlanVersion[];
}

export type KeyState =
  | 'Enabled'
  | 'Disabled'
  | 'PendingDeletion'
  | 'PendingImport'
  | 'Unavailable'
  | 'Creating';

export interface KmsKey {
  keyId: string;
  arn: string;
  region: string;
  accountId: string;
  creationDate: Date;
  description: string;
  keyManager: 'AWS' | 'CUSTOMER';
  keyState: KeyState;
  keySpec: string;
  keyUsage: string;
  deletionDate?: Date;
  multiRegion: boolean;
  /** The key policy (JSON text); undefined: the default one KMS gives a key created without a policy. */
  policy?: string;
}

/** How each resource type behaves in AWS Backup (AWS-FACTS "Copy rules"). */
export interface ResourceTypeTraits {
  /** AWS Backup manages the backup itself: the copy is encrypted with the destination vault's key. */
  fullyManaged: boolean;
  /** How its recovery point ARNs look when not managed by AWS Backup. */
  arnKind:
    | 'ebs-snapshot'
    | 'ami'
    | 'rds-snapshot'
    | 'rds-cluster-snapshot'
    | 'redshift'
    | 'dynamodb'
    | 'fsx'
    | 'backup';
}

/** The emulator's own knowledge per type: the shape of its recovery point ARNs. */
const ARN_KINDS: Readonly<Record<string, ResourceTypeTraits['arnKind']>> = {
  S3: 'backup',
  VirtualMachine: 'backup',
  EFS: 'backup',
  DynamoDB: 'dynamodb',
  Timestream: 'backup',
  CloudFormation: 'backup',
  'SAP HANA on Amazon EC2': 'backup',
  AuroraDSQL: 'backup',
  EKS: 'backup',
  EBS: 'ebs-snapshot',
  EC2: 'ami',
  RDS: 'rds-snapshot',
  Aurora: 'rds-cluster-snapshot',
  DocumentDB: 'rds-cluster-snapshot',
  Neptune: 'rds-cluster-snapshot',
  Redshift: 'redshift',
  FSx: 'fsx',
  'Storage Gateway': 'ebs-snapshot',
};

/**
 * The resource types, named by the shared table `aws-facts/resource-types.json` (the classifier
 * reads it too; the emulator never imports lambdas/). DynamoDB counts as fully managed only with
 * advanced backup, which the seed decides per recovery point.
 */
export const RESOURCE_TYPES: Readonly<Record<string, ResourceTypeTraits>> = Object.fromEntries(
  facts.resourceTypes.map((row) => {
    const arnKind = ARN_KINDS[row.resourceType];
    if (arnKind === undefined) throw new Error(`The emulator has no ARN shape for ${row.resourceType}`);
    return [row.resourceType, { fullyManaged: row.fullyManaged && arnKind === 'backup', arnKind }];
  }),
);

/** Recovery points StartCopyJob refuses whatever the settings (shared table `notCopyable`), matched by every field given. */
export interface NotCopyable {
  name: string;
  resourceType?: string;
  recoveryPointArnService?: string;
  resourceArnService?: string;
  resourceArnResource?: string;
}

export const NOT_COPYABLE: readonly NotCopyable[] = facts.notCopyable;

/** Resource types the emulator refuses to copy by default (no cross-Region/cross-account copy support). */
export const DEFAULT_COPY_UNSUPPORTED_TYPES: readonly string[] = ['SAP HANA on Amazon EC2'];
