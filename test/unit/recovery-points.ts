/** Recovery points as ListRecoveryPointsByBackupVault returns them, for unit tests. */
import type { SourceRecoveryPoint } from '#shared/classify.ts';

export const REGION = 'eu-west-1';
export const ACCOUNT = '111122223333';
export const TARGET_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
export const SOURCE_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0f0f0f0f-1111-2222-3333-444455556666`;

export const DAY_MS = 86_400_000;
export const NOW = new Date('2025-06-01T12:00:00.000Z');

export function daysAfter(date: Date, days: number): Date {
  return new Date(date.getTime() + days * DAY_MS);
}

/** A recovery point ARN in the format each resource type really has (AWS Backup access-control table). */
export const ARNS = {
  backup: (id = '1eb3b5e7-9eb0-435a-a80b-108b488b0d45') =>
    `arn:aws:backup:${REGION}:${ACCOUNT}:recovery-point:${id}`,
  continuous: (id = 'db-abcdefghijkl-1a2b3c4d') =>
    `arn:aws:backup:${REGION}:${ACCOUNT}:recovery-point:continuous:${id}`,
  ebsSnapshot: (id = 'snap-05f426fd8kdjb4224') => `arn:aws:ec2:${REGION}::snapshot/${id}`,
  ec2Image: (id = 'ami-1a2b3e4f5e6f7g890') => `arn:aws:ec2:${REGION}::image/${id}`,
  rdsSnapshot: () =>
    `arn:aws:rds:${REGION}:${ACCOUNT}:snapshot:awsbackup:job-be59cf2a-2343-4402-bd8b-226993d23453`,
  rdsClusterSnapshot: () =>
    `arn:aws:rds:${REGION}:${ACCOUNT}:cluster-snapshot:awsbackup:job-be59cf2a-2343-4402-bd8b-226993d23453`,
  dynamodbNative: () => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/Orders/backup/01547087347000-c8b6kdk3`,
  fsxBackup: () => `arn:aws:fsx:${REGION}:${ACCOUNT}:backup/backup-1a20e49137e31d9e0`,
  redshiftSnapshot: () =>
    `arn:aws:redshift:${REGION}:${ACCOUNT}:snapshot:analytics/awsbackup:job-ab12cd3e-4567-8901-fg1h-234567i89012`,
};

/** Resource ARNs by type (only what the classifier reads). */
export const RESOURCE_ARNS: Record<string, string> = {
  Aurora: `arn:aws:rds:${REGION}:${ACCOUNT}:cluster:orders-aurora`,
  CloudFormation: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/app/6c9c1b50-0000-11ee-be56-0242ac120002`,
  DocumentDB: `arn:aws:rds:${REGION}:${ACCOUNT}:cluster:docs`,
  DynamoDB: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/Orders`,
  EBS: `arn:aws:ec2:${REGION}:${ACCOUNT}:volume/vol-0123456789abcdef0`,
  EC2: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0123456789abcdef0`,
  EFS: `arn:aws:elasticfilesystem:${REGION}:${ACCOUNT}:file-system/fs-0123456789abcdef0`,
  EKS: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/platform`,
  FSx: `arn:aws:fsx:${REGION}:${ACCOUNT}:file-system/fs-0123456789abcdef0`,
  Neptune: `arn:aws:rds:${REGION}:${ACCOUNT}:cluster:graph`,
  RDS: `arn:aws:rds:${REGION}:${ACCOUNT}:db:orders`,
  Redshift: `arn:aws:redshift:${REGION}:${ACCOUNT}:cluster:analytics`,
  S3: 'arn:aws:s3:::amzn-s3-demo-bucket',
  'SAP HANA on Amazon EC2': `arn:aws:ssm-sap:${REGION}:${ACCOUNT}:HANA/prod/DB/SYSTEMDB`,
  'Storage Gateway': `arn:aws:storagegateway:${REGION}:${ACCOUNT}:gateway/sgw-12A3456B/volume/vol-1122AABB`,
  Timestream: `arn:aws:timestream:${REGION}:${ACCOUNT}:database/metrics/table/cpu`,
  VirtualMachine: `arn:aws:backup-gateway:${REGION}:${ACCOUNT}:vm/vm-0123456789abcdef0`,
};

/** The recovery point ARN a periodic backup of each type has. */
export function recoveryPointArnFor(resourceType: string): string {
  switch (resourceType) {
    case 'EBS':
    case 'Storage Gateway':
      return ARNS.ebsSnapshot();
    case 'EC2':
      return ARNS.ec2Image();
    case 'RDS':
      return ARNS.rdsSnapshot();
    case 'Aurora':
    case 'DocumentDB':
    case 'Neptune':
      return ARNS.rdsClusterSnapshot();
    case 'FSx':
      return ARNS.fsxBackup();
    case 'Redshift':
      return ARNS.redshiftSnapshot();
    default:
      return ARNS.backup();
  }
}

/**
 * GIVEN-style builder: a COMPLETED, warm recovery point of `resourceType` created 10 days before
 * NOW, kept 35 days, unencrypted, 1 GiB; override any field.
 */
export function recoveryPoint(
  resourceType: string,
  overrides: Partial<SourceRecoveryPoint> = {},
): SourceRecoveryPoint {
  const creationDate = daysAfter(NOW, -10);
  return {
    RecoveryPointArn: recoveryPointArnFor(resourceType),
    BackupVaultName: 'legacy',
    BackupVaultArn: `arn:aws:backup:${REGION}:${ACCOUNT}:backup-vault:legacy`,
    ResourceArn: RESOURCE_ARNS[resourceType] ?? `arn:aws:unknown:${REGION}:${ACCOUNT}:thing/x`,
    ResourceType: resourceType,
    Status: 'COMPLETED',
    CreationDate: creationDate,
    CompletionDate: new Date(creationDate.getTime() + 60_000),
    BackupSizeInBytes: 1_073_741_824,
    Lifecycle: { DeleteAfterDays: 35 },
    CalculatedLifecycle: { DeleteAt: daysAfter(creationDate, 35) },
    IsEncrypted: false,
    ...overrides,
  };
}
