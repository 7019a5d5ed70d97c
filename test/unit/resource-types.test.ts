import { describe, expect, it } from 'vitest';
import {
  arnService,
  isBackupServiceArn,
  isContinuousRecoveryPointArn,
  KNOWN_RESOURCE_TYPES,
  NOT_COPYABLE,
  notCopyableVariant,
  RESOURCE_TYPES,
  recoveryPointTraits,
  resourceTypeInfo,
} from '#shared/resource-types.ts';
import facts from '../../aws-facts/resource-types.json' with { type: 'json' };
import { ARNS, RESOURCE_ARNS, recoveryPoint } from './recovery-points.ts';

describe('resource type table', () => {
  it('lists exactly the ResourceType strings AWS Backup documents (and Aurora DSQL)', () => {
    expect([...KNOWN_RESOURCE_TYPES].sort()).toEqual(
      [
        'Aurora',
        'AuroraDSQL',
        'CloudFormation',
        'DocumentDB',
        'DynamoDB',
        'EBS',
        'EC2',
        'EFS',
        'EKS',
        'FSx',
        'Neptune',
        'RDS',
        'Redshift',
        'S3',
        'SAP HANA on Amazon EC2',
        'Storage Gateway',
        'Timestream',
        'VirtualMachine',
      ].sort(),
    );
  });

  it('keys every row by its own ResourceType', () => {
    for (const [key, info] of Object.entries(RESOURCE_TYPES)) {
      expect(info.resourceType).toBe(key);
    }
  });

  it('marks as fully managed exactly the types of the 2026 feature-availability page (AWS-FACTS "Copy rules")', () => {
    const fullyManaged = Object.values(RESOURCE_TYPES)
      .filter((info) => info.fullyManaged)
      .map((info) => info.resourceType)
      .sort();
    expect(fullyManaged).toEqual(
      [
        'AuroraDSQL',
        'DynamoDB',
        'EFS',
        'EKS',
        'S3',
        'SAP HANA on Amazon EC2',
        'Timestream',
        'VirtualMachine',
      ].sort(),
    );
  });

  it('documents unencrypted copies only for Aurora, DocumentDB and Neptune', () => {
    const documented = Object.values(RESOURCE_TYPES)
      .filter((info) => info.unencryptedCopyDocumented)
      .map((info) => info.resourceType)
      .sort();
    expect(documented).toEqual(['Aurora', 'DocumentDB', 'Neptune']);
  });

  it('returns undefined for a type the table does not know', () => {
    expect(resourceTypeInfo('QuantumLedger')).toBeUndefined();
    expect(resourceTypeInfo(undefined)).toBeUndefined();
  });

  it('does not mistake inherited object properties for resource types', () => {
    expect(resourceTypeInfo('toString')).toBeUndefined();
    expect(resourceTypeInfo('constructor')).toBeUndefined();
  });

  it('finds the row of a type whose name has spaces', () => {
    expect(resourceTypeInfo('SAP HANA on Amazon EC2')?.fullyManaged).toBe(true);
    expect(resourceTypeInfo('Storage Gateway')?.fullyManaged).toBe(false);
  });
});

describe('ARN helpers', () => {
  it('reads the service of an ARN', () => {
    expect(arnService(ARNS.backup())).toBe('backup');
    expect(arnService(ARNS.ebsSnapshot())).toBe('ec2');
    expect(arnService(ARNS.dynamodbNative())).toBe('dynamodb');
  });

  it('returns undefined for something that is not an ARN', () => {
    expect(arnService('snap-05f426fd8kdjb4224')).toBeUndefined();
    expect(arnService('arn:aws')).toBeUndefined();
    expect(arnService(undefined)).toBeUndefined();
  });

  it('recognises AWS Backup ARNs in other partitions', () => {
    expect(isBackupServiceArn('arn:aws-us-gov:backup:us-gov-west-1:111122223333:recovery-point:abc')).toBe(
      true,
    );
  });

  it('recognises a continuous recovery point by its continuous: segment', () => {
    expect(isContinuousRecoveryPointArn(ARNS.continuous())).toBe(true);
  });

  it('does not take a periodic AWS Backup recovery point for a continuous one', () => {
    expect(isContinuousRecoveryPointArn(ARNS.backup())).toBe(false);
    expect(isContinuousRecoveryPointArn(undefined)).toBe(false);
  });
});

describe('recoveryPointTraits', () => {
  it('treats a DynamoDB recovery point with an AWS Backup ARN as advanced backup: fully managed and copyable', () => {
    const traits = recoveryPointTraits(recoveryPoint('DynamoDB', { RecoveryPointArn: ARNS.backup() }));
    expect(traits).toMatchObject({ fullyManaged: true, copySupport: 'SUPPORTED', coldStorage: true });
  });

  it('treats a DynamoDB recovery point with a dynamodb ARN as native backup: source key and not copyable', () => {
    const traits = recoveryPointTraits(
      recoveryPoint('DynamoDB', { RecoveryPointArn: ARNS.dynamodbNative() }),
    );
    expect(traits).toMatchObject({ fullyManaged: false, copySupport: 'NOT_SUPPORTED', coldStorage: false });
    expect(traits.note).toMatch(/advanced DynamoDB backup/);
  });

  it('marks an FSx for ONTAP volume backup as unconfirmed for copy', () => {
    const traits = recoveryPointTraits(
      recoveryPoint('FSx', { ResourceArn: 'arn:aws:fsx:eu-west-1:111122223333:volume/fs-0abc/fsvol-0def' }),
    );
    expect(traits.copySupport).toBe('UNCONFIRMED');
  });

  it('keeps other FSx file system backups copyable', () => {
    expect(recoveryPointTraits(recoveryPoint('FSx', { ResourceArn: RESOURCE_ARNS.FSx })).copySupport).toBe(
      'SUPPORTED',
    );
  });

  it('judges an unknown type with an AWS Backup ARN as fully managed, copy unconfirmed', () => {
    const traits = recoveryPointTraits(recoveryPoint('AuroraDsql', { RecoveryPointArn: ARNS.backup() }));
    expect(traits).toMatchObject({ info: undefined, fullyManaged: true, copySupport: 'UNCONFIRMED' });
    expect(traits.note).toMatch(/AuroraDsql is not in the migrator's table/);
  });

  it('judges an unknown type with a service ARN as keeping its source key', () => {
    const traits = recoveryPointTraits(
      recoveryPoint('Redshift Serverless', {
        RecoveryPointArn: 'arn:aws:redshift-serverless:eu-west-1:111122223333:snapshot/awsbackup:job-1',
      }),
    );
    expect(traits.fullyManaged).toBe(false);
  });

  it('notes the unconfirmed copy support of a known type', () => {
    expect(recoveryPointTraits(recoveryPoint('Redshift')).note).toBe(
      'Amazon Redshift: copy support unconfirmed.',
    );
  });

  it('adds no note to a plain EBS recovery point', () => {
    expect(recoveryPointTraits(recoveryPoint('EBS')).note).toBeUndefined();
  });
});

describe('recovery points AWS Backup cannot copy at all (AWS-FACTS "Copy rules")', () => {
  const region = 'us-east-1';
  const account = '123456789012';
  it.each([
    [
      'DynamoDB without advanced backup',
      {
        ResourceType: 'DynamoDB',
        RecoveryPointArn: `arn:aws:dynamodb:${region}:${account}:table/t/backup/0169`,
        ResourceArn: `arn:aws:dynamodb:${region}:${account}:table/t`,
      },
    ],
    [
      'Redshift Serverless',
      {
        ResourceType: 'Redshift',
        RecoveryPointArn: `arn:aws:redshift:${region}:${account}:snapshot:ns/awsbackup:job-1`,
        ResourceArn: `arn:aws:redshift-serverless:${region}:${account}:namespace/ns-1`,
      },
    ],
    [
      'RDS Multi-AZ DB cluster',
      {
        ResourceType: 'RDS',
        RecoveryPointArn: `arn:aws:rds:${region}:${account}:cluster-snapshot:awsbackup:job-1`,
        ResourceArn: `arn:aws:rds:${region}:${account}:cluster:maz-1`,
      },
    ],
  ])('classifies %s as not copyable', (name, recoveryPoint) => {
    expect(notCopyableVariant(recoveryPoint)?.name).toBe(name);
    expect(recoveryPointTraits(recoveryPoint).copySupport).toBe('NOT_SUPPORTED');
  });

  it('leaves provisioned Redshift, RDS instances and Aurora clusters to StartCopyJob', () => {
    for (const recoveryPoint of [
      { ResourceType: 'Redshift', ResourceArn: 'arn:aws:redshift:us-east-1:123456789012:cluster:c1' },
      { ResourceType: 'RDS', ResourceArn: 'arn:aws:rds:us-east-1:123456789012:db:d1' },
      { ResourceType: 'Aurora', ResourceArn: 'arn:aws:rds:us-east-1:123456789012:cluster:a1' },
    ]) {
      expect(notCopyableVariant(recoveryPoint)).toBeUndefined();
      expect(recoveryPointTraits(recoveryPoint).copySupport).not.toBe('NOT_SUPPORTED');
    }
  });

  it('reads its rows from the shared table the emulator reads too', () => {
    expect(KNOWN_RESOURCE_TYPES.length).toBe(facts.resourceTypes.length);
    for (const shared of facts.resourceTypes) {
      expect(RESOURCE_TYPES[shared.resourceType]?.fullyManaged).toBe(shared.fullyManaged);
      expect(RESOURCE_TYPES[shared.resourceType]?.copySupport).toBe(shared.copy);
    }
    expect(NOT_COPYABLE.map((variant) => variant.name)).toEqual(
      facts.notCopyable.map((variant) => variant.name),
    );
  });
});
