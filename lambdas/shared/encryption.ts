/**
 * How a copy is (or will be) encrypted: the report's "honest encryption" column.
 *
 * Rules (seed `aws-backup-encryption.txt`, AWS-FACTS "Copy rules"): a type fully managed by AWS
 * Backup is encrypted with the destination vault's key, even from an unencrypted source; any
 * other type keeps the source's key, and an unencrypted source stays unencrypted. AWS states the
 * latter outright only for Aurora, DocumentDB and Neptune; for the others, and for same-account
 * copies of types that are not fully managed in general, the prediction is marked `unconfirmed`
 * and the verification step records what each copy really got.
 */
import type { RecoveryPointByBackupVault } from '@aws-sdk/client-backup';
import { recoveryPointTraits } from './resource-types.ts';

/** Where a copy's encryption comes from. */
export type EncryptionOutcome = 'TARGET_KEY' | 'SOURCE_KEY' | 'UNENCRYPTED';

export interface PredictedEncryption {
  readonly outcome: EncryptionOutcome;
  /** The key the copy is expected to use (absent when unencrypted or when AWS did not report the source's key). */
  readonly keyArn?: string;
  /** `documented` when AWS documentation says so for this case; `unconfirmed` when inferred. */
  readonly confidence: 'documented' | 'unconfirmed';
}

type EncryptionFields = Pick<
  RecoveryPointByBackupVault,
  'RecoveryPointArn' | 'ResourceArn' | 'ResourceType' | 'IsEncrypted' | 'EncryptionKeyArn'
>;

/**
 * Whether a recovery point is encrypted. `IsEncrypted` decides; when AWS leaves it out, a
 * reported key means encrypted.
 */
export function isRecoveryPointEncrypted(
  recoveryPoint: Pick<EncryptionFields, 'IsEncrypted' | 'EncryptionKeyArn'>,
): boolean {
  if (recoveryPoint.IsEncrypted !== undefined) {
    return recoveryPoint.IsEncrypted;
  }
  return recoveryPoint.EncryptionKeyArn !== undefined && recoveryPoint.EncryptionKeyArn !== '';
}

interface ParsedKey {
  readonly partition?: string;
  readonly region?: string;
  readonly account?: string;
  readonly keyId: string;
}

function parseKey(key: string): ParsedKey | undefined {
  const arn = /^arn:(aws[-a-z]*):kms:([a-z0-9-]+):(\d{12}):key\/(.+)$/.exec(key);
  if (arn) {
    return { partition: arn[1]!, region: arn[2]!, account: arn[3]!, keyId: arn[4]!.toLowerCase() };
  }
  if (/^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/i.test(key)) {
    return { keyId: key.toLowerCase() };
  }
  return undefined;
}

/**
 * Whether two key references name the same KMS key: equal strings, or the same key id where
 * one side is a bare id, or key ARNs equal in partition, Region, account and id. Aliases cannot
 * be compared without KMS: resolve them (DescribeKey's `KeyMetadata.Arn`) before calling this.
 */
export function sameKmsKey(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || a === '' || b === '') {
    return false;
  }
  if (a === b) {
    return true;
  }
  const left = parseKey(a);
  const right = parseKey(b);
  if (left === undefined || right === undefined || left.keyId !== right.keyId) {
    return false;
  }
  if (left.region === undefined || right.region === undefined) {
    return true;
  }
  return left.partition === right.partition && left.region === right.region && left.account === right.account;
}

/**
 * The encryption a copy of `recoveryPoint` into a vault encrypted with `targetKeyArn` should get.
 * A source already encrypted with the target key predicts `TARGET_KEY` whatever its type.
 */
export function predictCopyEncryption(
  recoveryPoint: EncryptionFields,
  targetKeyArn: string,
): PredictedEncryption {
  const traits = recoveryPointTraits(recoveryPoint);
  // A CloudFormation recovery point is the stack's template, which AWS Backup encrypts with the
  // vault's key (AWS-FACTS "Copy rules"); its nested members are classified as their own types.
  const template = recoveryPoint.ResourceType === 'CloudFormation';
  if (traits.fullyManaged || template) {
    return {
      outcome: 'TARGET_KEY',
      keyArn: targetKeyArn,
      confidence: traits.info === undefined ? 'unconfirmed' : 'documented',
    };
  }
  if (isRecoveryPointEncrypted(recoveryPoint)) {
    const sourceKeyArn = recoveryPoint.EncryptionKeyArn || undefined;
    if (sameKmsKey(sourceKeyArn, targetKeyArn)) {
      return { outcome: 'TARGET_KEY', keyArn: targetKeyArn, confidence: 'documented' };
    }
    return {
      outcome: 'SOURCE_KEY',
      ...(sourceKeyArn === undefined ? {} : { keyArn: sourceKeyArn }),
      confidence: 'unconfirmed',
    };
  }
  return {
    outcome: 'UNENCRYPTED',
    confidence: traits.unencryptedCopyDocumented ? 'documented' : 'unconfirmed',
  };
}

/**
 * How a copy really is encrypted.
 * - `TARGET_KEY`: encrypted with the target vault's key (what compliance asks for).
 * - `SOURCE_KEY`: encrypted with the source recovery point's key (only when that key is known).
 * - `OTHER_KEY`: encrypted with a key that is neither (for example a service default key, or the
 *   source key when the caller did not pass it).
 * - `UNENCRYPTED`: AWS reports `IsEncrypted: false`.
 * - `UNKNOWN`: AWS reported neither `IsEncrypted` nor a key, or said encrypted without naming the key.
 */
export type ActualEncryptionOutcome = EncryptionOutcome | 'OTHER_KEY' | 'UNKNOWN';

export interface ActualEncryption {
  readonly outcome: ActualEncryptionOutcome;
  readonly keyArn?: string;
}

/** Classifies a copy (as read back from the target vault) by the key AWS reports for it. */
export function describeActualEncryption(
  copyRecoveryPoint: Pick<RecoveryPointByBackupVault, 'IsEncrypted' | 'EncryptionKeyArn'>,
  targetKeyArn: string,
  sourceKeyArn?: string,
): ActualEncryption {
  const keyArn = copyRecoveryPoint.EncryptionKeyArn || undefined;
  if (copyRecoveryPoint.IsEncrypted === false) {
    return { outcome: 'UNENCRYPTED' };
  }
  if (keyArn === undefined) {
    return { outcome: 'UNKNOWN' };
  }
  if (sameKmsKey(keyArn, targetKeyArn)) {
    return { outcome: 'TARGET_KEY', keyArn };
  }
  if (sameKmsKey(keyArn, sourceKeyArn)) {
    return { outcome: 'SOURCE_KEY', keyArn };
  }
  return { outcome: 'OTHER_KEY', keyArn };
}
