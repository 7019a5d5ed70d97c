import { describe, expect, it } from 'vitest';
import {
  describeActualEncryption,
  isRecoveryPointEncrypted,
  predictCopyEncryption,
  sameKmsKey,
} from '#shared/encryption.ts';
import { ARNS, recoveryPoint, SOURCE_KEY_ARN, TARGET_KEY_ARN } from './recovery-points.ts';

const FULLY_MANAGED = [
  'CloudFormation',
  'EFS',
  'EKS',
  'S3',
  'SAP HANA on Amazon EC2',
  'Timestream',
  'VirtualMachine',
];
const SOURCE_KEYED = [
  'Aurora',
  'DocumentDB',
  'EBS',
  'EC2',
  'FSx',
  'Neptune',
  'RDS',
  'Redshift',
  'Storage Gateway',
];

describe('predictCopyEncryption for each resource type', () => {
  describe.each(FULLY_MANAGED)('%s (fully managed by AWS Backup)', (resourceType) => {
    it('predicts the target key for an unencrypted source', () => {
      const prediction = predictCopyEncryption(
        recoveryPoint(resourceType, { IsEncrypted: false }),
        TARGET_KEY_ARN,
      );
      expect(prediction).toEqual({ outcome: 'TARGET_KEY', keyArn: TARGET_KEY_ARN, confidence: 'documented' });
    });

    it('predicts the target key for a source encrypted with another key', () => {
      const source = recoveryPoint(resourceType, { IsEncrypted: true, EncryptionKeyArn: SOURCE_KEY_ARN });
      expect(predictCopyEncryption(source, TARGET_KEY_ARN).outcome).toBe('TARGET_KEY');
    });
  });

  describe.each(SOURCE_KEYED)('%s (not fully managed)', (resourceType) => {
    it('predicts the source key for an encrypted source', () => {
      const source = recoveryPoint(resourceType, { IsEncrypted: true, EncryptionKeyArn: SOURCE_KEY_ARN });
      expect(predictCopyEncryption(source, TARGET_KEY_ARN)).toEqual({
        outcome: 'SOURCE_KEY',
        keyArn: SOURCE_KEY_ARN,
        confidence: 'unconfirmed',
      });
    });

    it('predicts an unencrypted copy for an unencrypted source', () => {
      const prediction = predictCopyEncryption(
        recoveryPoint(resourceType, { IsEncrypted: false }),
        TARGET_KEY_ARN,
      );
      expect(prediction.outcome).toBe('UNENCRYPTED');
      expect(prediction.keyArn).toBeUndefined();
    });
  });

  it.each(['Aurora', 'DocumentDB', 'Neptune'])(
    'calls an unencrypted %s copy documented, as AWS states it outright',
    (resourceType) => {
      const prediction = predictCopyEncryption(
        recoveryPoint(resourceType, { IsEncrypted: false }),
        TARGET_KEY_ARN,
      );
      expect(prediction.confidence).toBe('documented');
    },
  );

  it('calls an unencrypted EBS copy unconfirmed, as AWS only states it for some types', () => {
    const prediction = predictCopyEncryption(recoveryPoint('EBS', { IsEncrypted: false }), TARGET_KEY_ARN);
    expect(prediction.confidence).toBe('unconfirmed');
  });

  it('predicts the target key for DynamoDB with advanced backup (AWS Backup ARN)', () => {
    const source = recoveryPoint('DynamoDB', { RecoveryPointArn: ARNS.backup(), IsEncrypted: false });
    expect(predictCopyEncryption(source, TARGET_KEY_ARN).outcome).toBe('TARGET_KEY');
  });

  it('predicts the table key for DynamoDB without advanced backup (dynamodb ARN)', () => {
    const source = recoveryPoint('DynamoDB', {
      RecoveryPointArn: ARNS.dynamodbNative(),
      IsEncrypted: true,
      EncryptionKeyArn: SOURCE_KEY_ARN,
    });
    expect(predictCopyEncryption(source, TARGET_KEY_ARN)).toMatchObject({
      outcome: 'SOURCE_KEY',
      keyArn: SOURCE_KEY_ARN,
    });
  });

  it('predicts the target key for a source already encrypted with the target key', () => {
    const source = recoveryPoint('EBS', { IsEncrypted: true, EncryptionKeyArn: TARGET_KEY_ARN });
    expect(predictCopyEncryption(source, TARGET_KEY_ARN)).toEqual({
      outcome: 'TARGET_KEY',
      keyArn: TARGET_KEY_ARN,
      confidence: 'documented',
    });
  });

  it('predicts the source key without naming it when AWS reports encryption but no key', () => {
    const source = recoveryPoint('RDS', { IsEncrypted: true, EncryptionKeyArn: undefined });
    const prediction = predictCopyEncryption(source, TARGET_KEY_ARN);
    expect(prediction.outcome).toBe('SOURCE_KEY');
    expect(prediction).not.toHaveProperty('keyArn');
  });

  it('predicts the target key, unconfirmed, for an unknown type with an AWS Backup ARN', () => {
    const source = recoveryPoint('AuroraDsql', { RecoveryPointArn: ARNS.backup() });
    expect(predictCopyEncryption(source, TARGET_KEY_ARN)).toEqual({
      outcome: 'TARGET_KEY',
      keyArn: TARGET_KEY_ARN,
      confidence: 'unconfirmed',
    });
  });
});

describe('isRecoveryPointEncrypted', () => {
  it('follows IsEncrypted when AWS reports it', () => {
    expect(isRecoveryPointEncrypted({ IsEncrypted: false, EncryptionKeyArn: SOURCE_KEY_ARN })).toBe(false);
    expect(isRecoveryPointEncrypted({ IsEncrypted: true })).toBe(true);
  });

  it('takes a reported key as encrypted when IsEncrypted is missing', () => {
    expect(isRecoveryPointEncrypted({ EncryptionKeyArn: SOURCE_KEY_ARN })).toBe(true);
    expect(isRecoveryPointEncrypted({})).toBe(false);
  });
});

describe('sameKmsKey', () => {
  it('matches identical ARNs', () => {
    expect(sameKmsKey(TARGET_KEY_ARN, TARGET_KEY_ARN)).toBe(true);
  });

  it('matches a key ARN with its bare key id', () => {
    expect(sameKmsKey(TARGET_KEY_ARN, '1234abcd-12ab-34cd-56ef-1234567890ab')).toBe(true);
  });

  it('does not match the same key id in another Region (multi-Region replicas are other keys here)', () => {
    const mrk = 'mrk-1234abcd12ab34cd56ef1234567890ab';
    expect(
      sameKmsKey(
        `arn:aws:kms:eu-west-1:111122223333:key/${mrk}`,
        `arn:aws:kms:us-east-1:111122223333:key/${mrk}`,
      ),
    ).toBe(false);
  });

  it('does not match different keys, or a missing one', () => {
    expect(sameKmsKey(TARGET_KEY_ARN, SOURCE_KEY_ARN)).toBe(false);
    expect(sameKmsKey(TARGET_KEY_ARN, undefined)).toBe(false);
    expect(sameKmsKey('', '')).toBe(false);
  });

  it('does not claim an alias is the key it points to', () => {
    expect(sameKmsKey('alias/backup-migration', TARGET_KEY_ARN)).toBe(false);
  });
});

describe('describeActualEncryption', () => {
  it('classifies a copy encrypted with the target key as TARGET_KEY', () => {
    expect(
      describeActualEncryption({ IsEncrypted: true, EncryptionKeyArn: TARGET_KEY_ARN }, TARGET_KEY_ARN),
    ).toEqual({
      outcome: 'TARGET_KEY',
      keyArn: TARGET_KEY_ARN,
    });
  });

  it('classifies a copy encrypted with the source key as SOURCE_KEY when the source key is known', () => {
    const actual = describeActualEncryption(
      { IsEncrypted: true, EncryptionKeyArn: SOURCE_KEY_ARN },
      TARGET_KEY_ARN,
      SOURCE_KEY_ARN,
    );
    expect(actual).toEqual({ outcome: 'SOURCE_KEY', keyArn: SOURCE_KEY_ARN });
  });

  it('classifies a copy encrypted with any other key as OTHER_KEY', () => {
    const defaultEbsKey = 'arn:aws:kms:eu-west-1:111122223333:key/99999999-8888-7777-6666-555555555555';
    const actual = describeActualEncryption(
      { IsEncrypted: true, EncryptionKeyArn: defaultEbsKey },
      TARGET_KEY_ARN,
      SOURCE_KEY_ARN,
    );
    expect(actual).toEqual({ outcome: 'OTHER_KEY', keyArn: defaultEbsKey });
  });

  it('classifies a copy as OTHER_KEY when it has a non-target key and the source key was not given', () => {
    expect(
      describeActualEncryption({ IsEncrypted: true, EncryptionKeyArn: SOURCE_KEY_ARN }, TARGET_KEY_ARN)
        .outcome,
    ).toBe('OTHER_KEY');
  });

  it('classifies a copy AWS reports unencrypted as UNENCRYPTED even if a key is named', () => {
    expect(
      describeActualEncryption({ IsEncrypted: false, EncryptionKeyArn: TARGET_KEY_ARN }, TARGET_KEY_ARN),
    ).toEqual({
      outcome: 'UNENCRYPTED',
    });
  });

  it('classifies a copy reported encrypted without a key as UNKNOWN', () => {
    expect(describeActualEncryption({ IsEncrypted: true }, TARGET_KEY_ARN).outcome).toBe('UNKNOWN');
  });

  it('classifies a copy with a key but no IsEncrypted by its key', () => {
    expect(describeActualEncryption({ EncryptionKeyArn: TARGET_KEY_ARN }, TARGET_KEY_ARN).outcome).toBe(
      'TARGET_KEY',
    );
  });
});
