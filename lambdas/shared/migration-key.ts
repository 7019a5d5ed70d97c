/**
 * The checks of the migration key, shared by Prepare (one vault) and MigrateAllVaults' first step
 * (once for the whole batch, before any vault is touched): same Region, customer-managed, enabled,
 * symmetric, for encryption.
 */
import { DescribeKeyCommand, type KeyMetadata } from '@aws-sdk/client-kms';
import { kmsClient } from './clients.ts';
import { InvalidKmsKey, isAwsError } from './errors.ts';

/** The Region a KMS key ARN or alias ARN names; undefined for key ids and `alias/NAME`. */
export function kmsReferenceRegion(reference: string): string | undefined {
  return /^arn:aws[-a-z]*:kms:([a-z0-9-]+):\d{12}:(?:key|alias)\//.exec(reference)?.[1];
}

/**
 * Refuses a key reference that names another Region before asking KMS: AWS Backup only encrypts a
 * vault with a key of the vault's own Region, and KMS would answer "not found", which misleads.
 */
export function checkKeyRegion(reference: string, region: string): void {
  const keyRegion = kmsReferenceRegion(reference);
  if (keyRegion !== undefined && keyRegion !== region) {
    throw new InvalidKmsKey(
      `KMS key ${reference} is in Region ${keyRegion}; the target vault is in ${region} and needs a key of that Region`,
    );
  }
}

/**
 * Refuses a key the stack grants no use of. AWS Backup creates the vault and runs the copies with
 * the vault-creating Lambda's and the copy role's credentials, and their policies name only the
 * stack's keys (infra/iam.ts): another key would fail at vault creation or, worse, at copy time,
 * after the vault and the plans changed. `allowed` undefined: a deployment that names no list.
 */
export function checkKeyAllowed(kmsKeyArn: string, allowed: readonly string[] | undefined): void {
  if (allowed === undefined || allowed.includes(kmsKeyArn)) return;
  const account = /^arn:[^:]+:kms:[^:]*:(\d{12}):/.exec(kmsKeyArn)?.[1] ?? '<account>';
  const delegation = JSON.stringify({
    Sid: 'Enable IAM User Permissions',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${account}:root` },
    Action: 'kms:*',
    Resource: '*',
  });
  throw new InvalidKmsKey(
    `KMS key ${kmsKeyArn} is not one this deployment may use (it may use ${allowed.join(', ') || 'none'}): ` +
      'neither the vault-creating Lambda nor the copy role AWS Backup assumes is granted its use, so the ' +
      `migration would fail once the vault exists. Redeploy with -c additionalKmsKeyArns=${kmsKeyArn}, ` +
      `and keep in the key's policy the statement that lets IAM policies grant its use: ${delegation}`,
  );
}

/**
 * Checks the described key can encrypt the target vault and returns its ARN. Every problem is
 * listed at once, so that the operator fixes the key in one go.
 */
export function checkMigrationKey(
  reference: string,
  metadata: KeyMetadata | undefined,
  region: string,
): string {
  if (metadata?.Arn === undefined) {
    throw new InvalidKmsKey(`KMS returned no metadata for key ${reference}`);
  }
  const problems: string[] = [];
  if (metadata.KeyManager !== 'CUSTOMER') {
    problems.push(
      `it is ${metadata.KeyManager === 'AWS' ? 'an AWS-managed' : `a ${String(metadata.KeyManager)}-managed`} key, ` +
        'and the point of the migration is a customer-managed key',
    );
  }
  if (metadata.KeyState !== 'Enabled') {
    problems.push(`its state is ${String(metadata.KeyState)}, not Enabled`);
  }
  const keySpec = metadata.KeySpec ?? metadata.CustomerMasterKeySpec;
  if (keySpec !== 'SYMMETRIC_DEFAULT') {
    problems.push(`its key spec is ${String(keySpec)}; AWS Backup needs a symmetric key (SYMMETRIC_DEFAULT)`);
  }
  if (metadata.KeyUsage !== 'ENCRYPT_DECRYPT') {
    problems.push(`its key usage is ${String(metadata.KeyUsage)}, not ENCRYPT_DECRYPT`);
  }
  const keyRegion = kmsReferenceRegion(metadata.Arn);
  if (keyRegion !== region) {
    problems.push(`it is in Region ${String(keyRegion)}, not ${region}`);
  }
  if (problems.length > 0) {
    const named = reference === metadata.Arn ? reference : `${reference} (${metadata.Arn})`;
    throw new InvalidKmsKey(`KMS key ${named} cannot encrypt the target vault: ${problems.join('; ')}`);
  }
  return metadata.Arn;
}

/** DescribeKey, with the answers that mean "this key cannot be used" as InvalidKmsKey. */
export async function describeKey(reference: string): Promise<KeyMetadata | undefined> {
  try {
    const described = await kmsClient().send(new DescribeKeyCommand({ KeyId: reference }));
    return described.KeyMetadata;
  } catch (error) {
    // AccessDenied: a key of another account whose policy does not let the migrator see it; AWS
    // Backup could not use it either.
    if (isAwsError(error, 'NotFoundException', 'InvalidArnException', 'AccessDeniedException')) {
      throw new InvalidKmsKey(`KMS key ${reference} cannot be used: ${error.name}: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}
