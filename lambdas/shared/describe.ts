/**
 * DescribeRecoveryPoint as every step reads it: the recovery point, or undefined when AWS Backup
 * answers that it is not in the vault (never was, or is gone). Any other error is thrown.
 */
import {
  type BackupClient,
  DescribeRecoveryPointCommand,
  type DescribeRecoveryPointCommandOutput,
} from '@aws-sdk/client-backup';
import { isAwsError } from './errors.ts';

export async function describeRecoveryPoint(
  client: BackupClient,
  vaultName: string,
  recoveryPointArn: string,
): Promise<DescribeRecoveryPointCommandOutput | undefined> {
  try {
    return await client.send(
      new DescribeRecoveryPointCommand({ BackupVaultName: vaultName, RecoveryPointArn: recoveryPointArn }),
    );
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) return undefined;
    throw error;
  }
}
