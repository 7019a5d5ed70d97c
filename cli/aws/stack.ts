/**
 * Finds the deployed migrator from its CloudFormation stack's outputs (infra/stack.ts):
 * MigrateVaultStateMachineArn, MigrateAllVaultsStateMachineArn, ReportBucketName.
 */
import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CliError, fromAwsError } from '../errors.ts';

export const DEFAULT_STACK_NAME = 'BackupVaultMigrator';

export type StateMachineKind = 'MigrateVault' | 'MigrateAllVaults';

export const OUTPUT_KEYS = {
  MigrateVault: 'MigrateVaultStateMachineArn',
  MigrateAllVaults: 'MigrateAllVaultsStateMachineArn',
  reportBucket: 'ReportBucketName',
} as const;

export async function stackOutputs(
  client: CloudFormationClient,
  stackName: string,
): Promise<Record<string, string>> {
  try {
    const answer = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = answer.Stacks?.[0];
    if (!stack) throw new CliError('StackNotFound', `no stack named ${stackName}`);
    return Object.fromEntries(
      (stack.Outputs ?? []).flatMap((output) =>
        output.OutputKey && output.OutputValue ? [[output.OutputKey, output.OutputValue]] : [],
      ),
    );
  } catch (error) {
    if (error instanceof CliError) throw error;
    const message = (error as Error).message ?? '';
    if ((error as Error).name === 'ValidationError' && /does not exist/i.test(message)) {
      throw new CliError(
        'StackNotFound',
        `no stack named ${stackName} in this account and Region (deploy it, pass --stack-name, or --state-machine-arn)`,
      );
    }
    throw fromAwsError(error, `reading stack ${stackName}`) ?? error;
  }
}

/** Where a migration runs on AWS: the state machine, and the report bucket when the stack says. */
export interface Deployment {
  stateMachineArn: string;
  reportBucket: string | undefined;
}

export interface DeploymentOptions {
  stackName?: string | undefined;
  stateMachineArn?: string | undefined;
  reportBucket?: string | undefined;
}

export async function findDeployment(
  client: () => CloudFormationClient,
  kind: StateMachineKind,
  options: DeploymentOptions,
): Promise<Deployment> {
  if (options.stateMachineArn) {
    return { stateMachineArn: options.stateMachineArn, reportBucket: options.reportBucket };
  }
  const outputs = await stackOutputs(client(), options.stackName ?? DEFAULT_STACK_NAME);
  const stateMachineArn = outputs[OUTPUT_KEYS[kind]];
  if (!stateMachineArn) {
    throw new CliError(
      'StackOutputMissing',
      `stack ${options.stackName ?? DEFAULT_STACK_NAME} has no ${OUTPUT_KEYS[kind]} output (is it the backup-vault-migrator stack?)`,
    );
  }
  return { stateMachineArn, reportBucket: options.reportBucket ?? outputs[OUTPUT_KEYS.reportBucket] };
}
