/**
 * What a person needs to use the CLI against a deployed stack: one row per AWS call the CLI's AWS
 * mode makes (cli/aws/), the IAM action it needs and what it is granted on. The stack turns the
 * rows into the OperatorPolicy managed policy (output OperatorPolicyArn), and the README shows the
 * same rows rendered with placeholders (test/infra/operator.test.ts keeps both true, and checks
 * that every call in cli/aws/ has its row and no row lacks a call).
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeWildcardResources } from './nag.ts';

/** What the operator's actions are granted on, as ARNs (tokens in the stack, placeholders in the README). */
export interface OperatorResources {
  /** The CloudFormation stack (its outputs name the state machines and the report bucket). */
  readonly stack: string;
  readonly migrateVault: string;
  readonly migrateAllVaults: string;
  /** Executions of the two state machines. */
  readonly migrateVaultExecutions: string;
  readonly migrateAllVaultsExecutions: string;
  /** Objects of the report bucket. */
  readonly reports: string;
  /** The key the report bucket is encrypted with. */
  readonly reportKey: string;
  /** The Region, for the report key's kms:ViaService. */
  readonly region: string;
}

export interface OperatorPermission {
  /** The SDK command the CLI sends (cli/aws/), e.g. `StartExecutionCommand`. */
  readonly command: string;
  readonly sid: string;
  readonly actions: readonly string[];
  readonly resources: (resources: OperatorResources) => string[];
  readonly conditions?: (resources: OperatorResources) => Record<string, Record<string, unknown>>;
  /** What the CLI does with it. */
  readonly why: string;
  /** The AWS page that names the action. */
  readonly source: string;
}

const SAR = 'https://docs.aws.amazon.com/service-authorization/latest/reference';

export const OPERATOR_PERMISSIONS: readonly OperatorPermission[] = [
  {
    command: 'DescribeStacksCommand',
    sid: 'ReadTheStackOutputs',
    actions: ['cloudformation:DescribeStacks'],
    resources: (r) => [r.stack],
    why: 'finds the state machines and the report bucket from the stack outputs (--stack-name)',
    source: `${SAR}/list_awscloudformation.html`,
  },
  {
    command: 'StartExecutionCommand',
    sid: 'StartMigrations',
    actions: ['states:StartExecution'],
    resources: (r) => [r.migrateVault, r.migrateAllVaults],
    why: '`migrate` and `migrate-all` start an execution',
    source: `${SAR}/list_awsstepfunctions.html`,
  },
  {
    command: 'DescribeExecutionCommand',
    sid: 'FollowMigrations',
    actions: ['states:DescribeExecution'],
    resources: (r) => [r.migrateVaultExecutions, r.migrateAllVaultsExecutions],
    why: '`status`, `--follow` and `report` read an execution, its status and output',
    source: `${SAR}/list_awsstepfunctions.html`,
  },
  {
    command: 'GetExecutionHistoryCommand',
    sid: 'ShowProgress',
    actions: ['states:GetExecutionHistory'],
    resources: (r) => [r.migrateVaultExecutions, r.migrateAllVaultsExecutions],
    why: 'the live progress of `migrate`, `migrate-all` and `status --follow`: each task result, from the history',
    source: `${SAR}/list_awsstepfunctions.html`,
  },
  {
    command: 'ListCopyJobsCommand',
    sid: 'CountCopiesBetweenRounds',
    actions: ['backup:ListCopyJobs'],
    // ListCopyJobs names no resource type: it is granted on all resources or not at all.
    resources: () => ['*'],
    why: 'the live progress counts the copy jobs completed since the last copy round',
    source: `${SAR}/list_awsbackup.html`,
  },
  {
    command: 'GetObjectCommand',
    sid: 'ReadReports',
    actions: ['s3:GetObject'],
    resources: (r) => [r.reports],
    why: '`report` reads report.json from the report bucket',
    source: `${SAR}/list_amazons3.html`,
  },
  {
    command: 'GetObjectCommand',
    sid: 'DecryptReports',
    actions: ['kms:Decrypt'],
    resources: (r) => [r.reportKey],
    conditions: (r) => ({ StringEquals: { 'kms:ViaService': `s3.${r.region}.amazonaws.com` } }),
    why: 'the report bucket is encrypted with the stack operations key: S3 decrypts with the caller',
    source: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html',
  },
];

/**
 * Calls the CLI makes that need no permission: "No permissions are required to perform this
 * operation" (STS API reference, GetCallerIdentity).
 */
export const OPERATOR_CALLS_WITHOUT_PERMISSION = ['GetCallerIdentityCommand'] as const;

/** The operator's policy document for the given resources. */
export function operatorPolicyDocument(resources: OperatorResources) {
  return {
    Version: '2012-10-17',
    Statement: OPERATOR_PERMISSIONS.map((permission) => ({
      Sid: permission.sid,
      Effect: 'Allow',
      Action: permission.actions.length === 1 ? permission.actions[0] : [...permission.actions],
      Resource: permission.resources(resources),
      ...(permission.conditions ? { Condition: permission.conditions(resources) } : {}),
    })),
  };
}

/** The README's placeholders: what to fill in for a stack deployed with the default names. */
export const README_PLACEHOLDERS: OperatorResources = {
  stack: 'arn:aws:cloudformation:REGION:ACCOUNT:stack/BackupVaultMigrator/*',
  migrateVault: 'arn:aws:states:REGION:ACCOUNT:stateMachine:BackupVaultMigrator-MigrateVault',
  migrateAllVaults: 'arn:aws:states:REGION:ACCOUNT:stateMachine:BackupVaultMigrator-MigrateAllVaults',
  migrateVaultExecutions: 'arn:aws:states:REGION:ACCOUNT:execution:BackupVaultMigrator-MigrateVault:*',
  migrateAllVaultsExecutions:
    'arn:aws:states:REGION:ACCOUNT:execution:BackupVaultMigrator-MigrateAllVaults:*',
  reports: 'arn:aws:s3:::REPORT_BUCKET/*',
  reportKey: 'arn:aws:kms:REGION:ACCOUNT:key/OPERATIONS_KEY_ID',
  region: 'REGION',
};

export interface OperatorPolicyProps {
  readonly migrateVaultStateMachineName: string;
  readonly migrateAllVaultsStateMachineName: string;
  readonly reportBucketArn: string;
  readonly reportKeyArn: string;
}

/** The customer-managed policy to attach to the people (or CI roles) who run the CLI. */
export class OperatorPolicy extends Construct {
  public readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: OperatorPolicyProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const states = (resource: string, resourceName: string) =>
      stack.formatArn({
        service: 'states',
        resource,
        resourceName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    const resources: OperatorResources = {
      stack: stack.formatArn({
        service: 'cloudformation',
        resource: 'stack',
        resourceName: `${stack.stackName}/*`,
      }),
      migrateVault: states('stateMachine', props.migrateVaultStateMachineName),
      migrateAllVaults: states('stateMachine', props.migrateAllVaultsStateMachineName),
      migrateVaultExecutions: states('execution', `${props.migrateVaultStateMachineName}:*`),
      migrateAllVaultsExecutions: states('execution', `${props.migrateAllVaultsStateMachineName}:*`),
      reports: `${props.reportBucketArn}/*`,
      reportKey: props.reportKeyArn,
      region: stack.region,
    };
    const statements = OPERATOR_PERMISSIONS.map(
      (permission) =>
        new iam.PolicyStatement({
          sid: permission.sid,
          actions: [...permission.actions],
          resources: permission.resources(resources),
          ...(permission.conditions ? { conditions: permission.conditions(resources) } : {}),
        }),
    );
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: 'Lets a person or CI role run the backup-vault-migrator CLI against this stack',
      statements,
    });
    const reasons = new Map<string, string>([
      [
        resources.stack,
        'A stack ARN ends with its id, unknown before deployment; scoped to this stack name.',
      ],
      [
        resources.migrateVaultExecutions,
        'Execution names are chosen at start time; scoped to executions of this state machine.',
      ],
      [
        resources.migrateAllVaultsExecutions,
        'Execution names are chosen at start time; scoped to executions of this state machine.',
      ],
      [resources.reports, 'Report object keys are per execution; scoped to the report bucket.'],
      [
        '*',
        'backup:ListCopyJobs names no resource type (Service Authorization Reference): it is granted on * or not at all; it only reads copy job metadata.',
      ],
    ]);
    acknowledgeWildcardResources(this.policy, statements, (resource) => reasons.get(resource));
  }
}
