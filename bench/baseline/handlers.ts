/**
 * The Lambdas of the naive baseline (`naive.asl.json`), written as a tutorial would: one SDK call
 * each, no schema, no idempotency token, and a listing step that returns every recovery point of
 * the vault in one payload. They use the project's SDK client so that they talk to the same
 * endpoint (the emulator) with the same retry strategy as the real Lambdas.
 */
import {
  CreateBackupVaultCommand,
  DescribeBackupVaultCommand,
  DescribeCopyJobCommand,
  ListRecoveryPointsByBackupVaultCommand,
  StartCopyJobCommand,
} from '@aws-sdk/client-backup';
import { backupClient } from '#shared/clients.ts';
import { isAwsError } from '#shared/errors.ts';
import type { LambdaHandler } from '../../local/runner/index.ts';

export async function createTargetVault(event: { targetVaultName: string; kmsKeyArn: string }) {
  try {
    const created = await backupClient().send(
      new CreateBackupVaultCommand({
        BackupVaultName: event.targetVaultName,
        EncryptionKeyArn: event.kmsKeyArn,
      }),
    );
    return { targetVaultArn: created.BackupVaultArn };
  } catch (error) {
    if (!isAwsError(error, 'AlreadyExistsException')) throw error;
    const existing = await backupClient().send(
      new DescribeBackupVaultCommand({ BackupVaultName: event.targetVaultName }),
    );
    return { targetVaultArn: existing.BackupVaultArn };
  }
}

/** Every recovery point ARN of the vault, all pages, in one result: the step that outgrows 256 KiB. */
export async function listRecoveryPoints(event: { sourceVaultName: string }) {
  const recoveryPointArns: string[] = [];
  let token: string | undefined;
  do {
    const page = await backupClient().send(
      new ListRecoveryPointsByBackupVaultCommand({
        BackupVaultName: event.sourceVaultName,
        MaxResults: 1000,
        NextToken: token,
      }),
    );
    for (const recoveryPoint of page.RecoveryPoints ?? []) {
      if (recoveryPoint.RecoveryPointArn) recoveryPointArns.push(recoveryPoint.RecoveryPointArn);
    }
    token = page.NextToken;
  } while (token);
  return { recoveryPointArns };
}

export async function startCopyJob(event: {
  recoveryPointArn: string;
  sourceVaultName: string;
  targetVaultArn: string;
}) {
  const started = await backupClient().send(
    new StartCopyJobCommand({
      RecoveryPointArn: event.recoveryPointArn,
      SourceBackupVaultName: event.sourceVaultName,
      DestinationBackupVaultArn: event.targetVaultArn,
      IamRoleArn: process.env.COPY_ROLE_ARN,
    }),
  );
  return { copyJobId: started.CopyJobId };
}

export async function describeCopyJob(event: { copyJobId: string }) {
  const described = await backupClient().send(new DescribeCopyJobCommand({ CopyJobId: event.copyJobId }));
  return { copyJobId: event.copyJobId, state: described.CopyJob?.State };
}

/** The `${...}` substitutions of `naive.asl.json` and the handler behind each. */
export const NAIVE_FUNCTIONS: Record<string, LambdaHandler> = {
  NaiveCreateTargetVaultFunctionArn: createTargetVault as LambdaHandler,
  NaiveListRecoveryPointsFunctionArn: listRecoveryPoints as LambdaHandler,
  NaiveStartCopyJobFunctionArn: startCopyJob as LambdaHandler,
  NaiveDescribeCopyJobFunctionArn: describeCopyJob as LambdaHandler,
};

export const NAIVE_STATE_MACHINE = { NaiveMigrateVault: 'naive.asl.json' };
