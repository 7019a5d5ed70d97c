/**
 * What AWS Backup does with each resource type, as far as a vault migration cares: whether a
 * copy takes the destination vault's key (full AWS Backup management), whether it can be copied
 * at all, and whether it can sit in cold storage.
 *
 * Sources (read when this table was written):
 * - Resource type strings: `GetSupportedResourceTypes` in the AWS Backup API reference and the
 *   `ResourceType` documentation of `@aws-sdk/client-backup` 3.1092 (Aurora, CloudFormation,
 *   DocumentDB, DynamoDB, EBS, EC2, EFS, EKS, FSx, Neptune, RDS, Redshift, S3,
 *   "SAP HANA on Amazon EC2", "Storage Gateway", Timestream, VirtualMachine).
 * - Full management: the seed `shared/seeds/aws-backup-encryption.txt` ("Independent AWS Backup
 *   encryption: Supported"), and the developer guide's access-control ARN table: "Resources that
 *   support full AWS Backup management all have recovery points in the format
 *   arn:aws:backup:region:account-id:recovery-point:*" (EFS, S3, VMware, Timestream,
 *   CloudFormation, SAP HANA, Aurora DSQL, DynamoDB with advanced backup), while EBS and Storage
 *   Gateway are `arn:aws:ec2:...:snapshot/*`, EC2 `arn:aws:ec2:...:image/*`, RDS, Aurora,
 *   DocumentDB and Neptune `arn:aws:rds:...`, FSx `arn:aws:fsx:...`, Redshift `arn:aws:redshift:...`
 *   and DynamoDB without advanced backup `arn:aws:dynamodb:...:table/NAME/backup/*`.
 * - Copy support: the developer guide's "Feature availability by resource" table could not be
 *   read in full here; what was found instead:
 *   - "How AWS Backup works with supported AWS services": DynamoDB's advanced features "include
 *     copying your backups across AWS Regions and accounts", so a DynamoDB backup taken without
 *     them cannot be copied (AWS-FACTS: no cross-Region/cross-account support = no copy at all).
 *   - "Copy a backup" (docs.amazonaws.cn edition): copying "is not yet available for Amazon FSx
 *     for NetApp ONTAP volumes". The current docs.aws.amazon.com edition no longer says so, so
 *     ONTAP copy support is UNCONFIRMED.
 *   - Timestream: "You can copy these table backups to other accounts and several other AWS
 *     Regions". Aurora DSQL user guide: "Cross-Region and cross-account capabilities".
 *   - "Copy a backup": "Copies ... for most resource types", RDS and Aurora support cross-Region or
 *     cross-account copy (not both in one plan); EFS and S3 copy documented in the same guide.
 *   - Redshift, SAP HANA on EC2 and EKS: no statement found about StartCopyJob support; their
 *     rows are UNCONFIRMED and their recovery points are offered to StartCopyJob anyway (a
 *     refused copy fails its job, the source is kept and the report says why).
 * - Cold storage: the `Lifecycle` documentation points to the same feature table; the rows here
 *   follow its commonly cited list (EBS, EFS, DynamoDB with advanced backup, Timestream, SAP HANA
 *   on EC2, VMware). `ListRecoveryPointsByBackupVault` does not return `StorageClass`, so the
 *   classifier only infers "in cold storage" from `CalculatedLifecycle.MoveToColdStorageAt` for
 *   types that can be cold; AWS ignores cold-storage settings for the others.
 */
import type { RecoveryPointByBackupVault } from '@aws-sdk/client-backup';
import facts from '../../aws-facts/resource-types.json' with { type: 'json' };

/** Whether StartCopyJob accepts recovery points of a type. */
export type CopySupport = 'SUPPORTED' | 'NOT_SUPPORTED' | 'UNCONFIRMED';

/** What AWS Backup does with one resource type. */
export interface ResourceTypeInfo {
  /** The `ResourceType` string exactly as AWS Backup reports it. */
  readonly resourceType: string;
  readonly displayName: string;
  /**
   * Full AWS Backup management: backups (and copies) are encrypted with the vault's key
   * whatever the source's encryption. For DynamoDB it depends on advanced backup, which is read
   * from each recovery point's ARN (see {@link recoveryPointTraits}).
   */
  readonly fullyManaged: boolean;
  readonly copySupport: CopySupport;
  /** Whether recovery points of this type can transition to cold storage. */
  readonly coldStorage: boolean;
  /**
   * AWS states outright that copies of unencrypted sources stay unencrypted (Aurora,
   * DocumentDB, Neptune); for the other types that are not fully managed it is only inferred.
   */
  readonly unencryptedCopyDocumented: boolean;
  /** Why a row says what it says, when it is not obvious. */
  readonly note?: string;
}

/** A row of the shared table `aws-facts/resource-types.json` (read by the emulator too). */
interface ResourceTypeFacts {
  readonly resourceType: string;
  readonly fullyManaged: boolean;
  readonly copy: CopySupport;
}

/** Recovery points of a documented type that StartCopyJob cannot copy at all, matched by every field given. */
export interface NotCopyableVariant {
  readonly name: string;
  readonly resourceType?: string;
  /** Service of the recovery point ARN (`dynamodb` for a DynamoDB backup without advanced backup). */
  readonly recoveryPointArnService?: string;
  readonly resourceArnService?: string;
  /** First word of the resource ARN's resource part (`cluster` in `arn:aws:rds:...:cluster:name`). */
  readonly resourceArnResource?: string;
  readonly note: string;
}

const FACTS: ReadonlyMap<string, ResourceTypeFacts> = new Map(
  (facts.resourceTypes as ResourceTypeFacts[]).map((row) => [row.resourceType, row]),
);

/** The not-copyable variants of the shared table. */
export const NOT_COPYABLE: readonly NotCopyableVariant[] = Object.freeze(
  facts.notCopyable as NotCopyableVariant[],
);

type LocalRow = Omit<ResourceTypeInfo, 'fullyManaged' | 'copySupport'>;

/** A row: what the shared table says (full management, copy support) plus what only the classifier needs. */
function row(local: LocalRow): ResourceTypeInfo {
  const shared = FACTS.get(local.resourceType);
  if (shared === undefined) {
    throw new Error(`Resource type ${local.resourceType} is missing from aws-facts/resource-types.json`);
  }
  return Object.freeze({ ...local, fullyManaged: shared.fullyManaged, copySupport: shared.copy });
}

/** The resource types AWS Backup documents, keyed by their `ResourceType` string. */
export const RESOURCE_TYPES: Readonly<Record<string, ResourceTypeInfo>> = Object.freeze({
  Aurora: row({
    resourceType: 'Aurora',
    displayName: 'Amazon Aurora',
    coldStorage: false,
    unencryptedCopyDocumented: true,
  }),
  AuroraDSQL: row({
    resourceType: 'AuroraDSQL',
    displayName: 'Amazon Aurora DSQL',
    coldStorage: false,
    unencryptedCopyDocumented: false,
    note: 'The ResourceType string of Aurora DSQL is not in the SDK docs (UNCONFIRMED); its recovery points are arn:aws:backup:... and fully managed.',
  }),
  CloudFormation: row({
    resourceType: 'CloudFormation',
    displayName: 'AWS CloudFormation',
    coldStorage: false,
    unencryptedCopyDocumented: false,
    note:
      'Composite, not fully managed: the stack template (the parent) is encrypted with the vault key; ' +
      'its nested recovery points are children copied with it, each encrypted as its own type.',
  }),
  DocumentDB: row({
    resourceType: 'DocumentDB',
    displayName: 'Amazon DocumentDB',
    coldStorage: false,
    unencryptedCopyDocumented: true,
  }),
  DynamoDB: row({
    resourceType: 'DynamoDB',
    displayName: 'Amazon DynamoDB',
    coldStorage: true,
    unencryptedCopyDocumented: false,
    note:
      'Only with advanced DynamoDB backup (recovery point ARN arn:aws:backup:...); a backup taken ' +
      'without it (arn:aws:dynamodb:...:table/NAME/backup/...) keeps the table key and cannot be copied.',
  }),
  EBS: row({
    resourceType: 'EBS',
    displayName: 'Amazon EBS',
    coldStorage: true,
    unencryptedCopyDocumented: false,
    note: 'A copy to a vault with another key is a full, not incremental, snapshot copy.',
  }),
  EC2: row({
    resourceType: 'EC2',
    displayName: 'Amazon EC2 (AMI)',
    coldStorage: false,
    unencryptedCopyDocumented: false,
    note: 'AMIs with an AWS Marketplace product code cannot be copied to another account.',
  }),
  EFS: row({
    resourceType: 'EFS',
    displayName: 'Amazon EFS',
    coldStorage: true,
    unencryptedCopyDocumented: false,
  }),
  EKS: row({
    resourceType: 'EKS',
    displayName: 'Amazon EKS',
    coldStorage: false,
    unencryptedCopyDocumented: false,
    note: 'Composite recovery point (cluster state + persistent volumes); copy support not confirmed.',
  }),
  FSx: row({
    resourceType: 'FSx',
    displayName: 'Amazon FSx',
    coldStorage: false,
    unencryptedCopyDocumented: false,
    note: 'FSx for NetApp ONTAP volume backups: copy support UNCONFIRMED (see recoveryPointTraits).',
  }),
  Neptune: row({
    resourceType: 'Neptune',
    displayName: 'Amazon Neptune',
    coldStorage: false,
    unencryptedCopyDocumented: true,
  }),
  RDS: row({
    resourceType: 'RDS',
    displayName: 'Amazon RDS',
    coldStorage: false,
    unencryptedCopyDocumented: false,
    note: 'Multi-AZ DB cluster snapshots cannot be copied (see NOT_COPYABLE).',
  }),
  Redshift: row({
    resourceType: 'Redshift',
    displayName: 'Amazon Redshift',
    coldStorage: false,
    unencryptedCopyDocumented: false,
  }),
  S3: row({
    resourceType: 'S3',
    displayName: 'Amazon S3',
    coldStorage: false,
    unencryptedCopyDocumented: false,
  }),
  'SAP HANA on Amazon EC2': row({
    resourceType: 'SAP HANA on Amazon EC2',
    displayName: 'SAP HANA on Amazon EC2',
    coldStorage: true,
    unencryptedCopyDocumented: false,
  }),
  'Storage Gateway': row({
    resourceType: 'Storage Gateway',
    displayName: 'AWS Storage Gateway',
    coldStorage: false,
    unencryptedCopyDocumented: false,
    note:
      'The encryption guide suggests copying a Storage Gateway backup to a vault with a KMS key as the ' +
      'way to encrypt it: the copy may take the target key; the verification reads what it really got.',
  }),
  Timestream: row({
    resourceType: 'Timestream',
    displayName: 'Amazon Timestream',
    coldStorage: true,
    unencryptedCopyDocumented: false,
  }),
  VirtualMachine: row({
    resourceType: 'VirtualMachine',
    displayName: 'VMware virtual machine',
    coldStorage: true,
    unencryptedCopyDocumented: false,
  }),
});

/** The `ResourceType` strings of {@link RESOURCE_TYPES}. */
export const KNOWN_RESOURCE_TYPES: readonly string[] = Object.freeze(Object.keys(RESOURCE_TYPES));

/** The documented row for a `ResourceType`, or undefined for a type this table does not know. */
export function resourceTypeInfo(resourceType: string | undefined): ResourceTypeInfo | undefined {
  if (resourceType === undefined || !Object.hasOwn(RESOURCE_TYPES, resourceType)) {
    return undefined;
  }
  return RESOURCE_TYPES[resourceType];
}

/** The service part of an ARN (`arn:partition:service:region:account:resource`). */
export function arnService(arn: string | undefined): string | undefined {
  if (arn === undefined) {
    return undefined;
  }
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn' || parts[2] === '') {
    return undefined;
  }
  return parts[2];
}

/** Whether a recovery point ARN belongs to AWS Backup itself (`arn:aws:backup:...`). */
export function isBackupServiceArn(recoveryPointArn: string | undefined): boolean {
  return arnService(recoveryPointArn) === 'backup';
}

/**
 * Whether a recovery point is a continuous backup (point-in-time restore). AWS Backup names
 * them `arn:aws:backup:REGION:ACCOUNT:recovery-point:continuous:ID` (RDS, Aurora and S3 PITR
 * recovery points alike, e.g. the `AwsBackupRecoveryPointArn` RDS reports for a database under
 * continuous backup); `ListRecoveryPointsByBackupVault` has no field that says so otherwise.
 */
export function isContinuousRecoveryPointArn(recoveryPointArn: string | undefined): boolean {
  return recoveryPointArn !== undefined && /:recovery-point:continuous:/.test(recoveryPointArn);
}

/** The first word of an ARN's resource part: `cluster` in `arn:aws:rds:r:a:cluster:name`. */
function arnResourceWord(arn: string | undefined): string | undefined {
  const resource = arn?.split(':').slice(5).join(':');
  return resource ? resource.split(/[:/]/)[0] : undefined;
}

/** The shared table's not-copyable variant this recovery point is, if any. */
export function notCopyableVariant(recoveryPoint: TraitsInput): NotCopyableVariant | undefined {
  return NOT_COPYABLE.find(
    (variant) =>
      (variant.resourceType === undefined || variant.resourceType === recoveryPoint.ResourceType) &&
      (variant.recoveryPointArnService === undefined ||
        variant.recoveryPointArnService === arnService(recoveryPoint.RecoveryPointArn)) &&
      (variant.resourceArnService === undefined ||
        variant.resourceArnService === arnService(recoveryPoint.ResourceArn)) &&
      (variant.resourceArnResource === undefined ||
        variant.resourceArnResource === arnResourceWord(recoveryPoint.ResourceArn)),
  );
}

/** What applies to one recovery point, once its ARN has been taken into account. */
export interface RecoveryPointTraits {
  /** Undefined for a resource type missing from {@link RESOURCE_TYPES}. */
  readonly info: ResourceTypeInfo | undefined;
  /** AWS Backup encrypts it (and its copies) with the vault's key. */
  readonly fullyManaged: boolean;
  readonly copySupport: CopySupport;
  readonly coldStorage: boolean;
  readonly unencryptedCopyDocumented: boolean;
  /** Why the traits differ from the type's row, or why they are uncertain. */
  readonly note?: string;
}

type TraitsInput = Pick<RecoveryPointByBackupVault, 'RecoveryPointArn' | 'ResourceArn' | 'ResourceType'>;

/**
 * The traits of one recovery point. The ARN decides full management when the type's row cannot:
 * a periodic recovery point whose ARN's service is `backup` is managed by AWS Backup (this is how
 * advanced DynamoDB backups are told apart, and how unknown types are judged).
 */
export function recoveryPointTraits(recoveryPoint: TraitsInput): RecoveryPointTraits {
  const info = resourceTypeInfo(recoveryPoint.ResourceType);
  const managedByBackup = isBackupServiceArn(recoveryPoint.RecoveryPointArn);

  const notCopyable = notCopyableVariant(recoveryPoint);
  if (notCopyable !== undefined) {
    return {
      info,
      // A DynamoDB backup without advanced backup keeps the table's key: not managed by AWS Backup.
      fullyManaged: (info?.fullyManaged ?? true) && managedByBackup,
      copySupport: 'NOT_SUPPORTED',
      coldStorage: false,
      unencryptedCopyDocumented: false,
      note: notCopyable.note,
    };
  }
  if (info === undefined) {
    return {
      info,
      fullyManaged: managedByBackup,
      copySupport: 'UNCONFIRMED',
      coldStorage: true,
      unencryptedCopyDocumented: false,
      note:
        `Resource type ${recoveryPoint.ResourceType ?? '(none)'} is not in the migrator's table: ` +
        `encryption predicted from the recovery point ARN, copy support unconfirmed.`,
    };
  }

  if (info.resourceType === 'FSx' && /:volume\//.test(recoveryPoint.ResourceArn ?? '')) {
    return {
      info,
      fullyManaged: false,
      copySupport: 'UNCONFIRMED',
      coldStorage: false,
      unencryptedCopyDocumented: false,
      note: 'FSx for NetApp ONTAP volume backup: copy support unconfirmed (documented as unavailable in the past).',
    };
  }

  return {
    info,
    fullyManaged: info.fullyManaged,
    copySupport: info.copySupport,
    coldStorage: info.coldStorage,
    unencryptedCopyDocumented: info.unencryptedCopyDocumented,
    ...(info.copySupport === 'UNCONFIRMED' ? { note: `${info.displayName}: copy support unconfirmed.` } : {}),
  };
}
