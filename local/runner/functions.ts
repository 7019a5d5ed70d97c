/**
 * The Lambdas the runner binds Tasks to: the same handler exports that deploy (middy wrapper
 * included), by the `${...FunctionArn}` substitution their Task names, and the context each
 * invocation gets.
 */
import type { Context } from 'aws-lambda';
import { handler as copyRecoveryPoints } from '../../lambdas/copy-recovery-points/handler.ts';
import { handler as createTargetVault } from '../../lambdas/create-target-vault/handler.ts';
import { handler as deleteSourceVault } from '../../lambdas/delete-source-vault/handler.ts';
import { handler as findVaultsToMigrate } from '../../lambdas/find-vaults-to-migrate/handler.ts';
import { handler as planMigration } from '../../lambdas/plan-migration/handler.ts';
import { handler as prepareMigration } from '../../lambdas/prepare-migration/handler.ts';
import { handler as repointBackupPlans } from '../../lambdas/repoint-backup-plans/handler.ts';
import { handler as verifyMigration } from '../../lambdas/verify-migration/handler.ts';
import { handler as writeReport } from '../../lambdas/write-report/handler.ts';

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/** The Lambda behind each `${...FunctionArn}` substitution: the deployed handler exports. */
export const FUNCTIONS: Record<string, LambdaHandler> = {
  PrepareMigrationFunctionArn: prepareMigration as LambdaHandler,
  PlanMigrationFunctionArn: planMigration as LambdaHandler,
  CreateTargetVaultFunctionArn: createTargetVault as LambdaHandler,
  RepointBackupPlansFunctionArn: repointBackupPlans as LambdaHandler,
  CopyRecoveryPointsFunctionArn: copyRecoveryPoints as LambdaHandler,
  VerifyMigrationFunctionArn: verifyMigration as LambdaHandler,
  DeleteSourceVaultFunctionArn: deleteSourceVault as LambdaHandler,
  WriteReportFunctionArn: writeReport as LambdaHandler,
  FindVaultsToMigrateFunctionArn: findVaultsToMigrate as LambdaHandler,
};

export function lambdaContext(functionKey: string): Context {
  const functionName = `vault-migrator-${functionKey.replace(/FunctionArn$/, '')}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 900_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
