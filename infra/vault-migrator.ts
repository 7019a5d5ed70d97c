import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Duration, Fn, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { toEnvironment } from '../lambdas/shared/config.ts';
import { packageRoot } from '../local/package-root.ts';
import {
  BundledFunctionFactory,
  type FunctionFactory,
  MIGRATOR_FUNCTION_NAMES,
  MIGRATOR_FUNCTIONS,
  MigratorFunction,
  type MigratorFunctionName,
} from './functions.ts';
import { CopyRole, type FunctionPermissionsContext, functionPermissions, wildcardReasons } from './iam.ts';
import { acknowledgeWildcardResources } from './nag.ts';
import { MigratorObservability } from './observability.ts';
import { OperatorPolicy } from './operator.ts';
import { OperationsKey, ReportBucket, ReportTopic } from './reporting.ts';
import { MigrationSchedule, type MigrationScheduleOptions } from './schedule.ts';
import { MigratorStateMachine } from './state-machines.ts';

/** The repository root: `lambdas/` and `state-machines/` are found from here. */
/** The project folder, with a trailing slash (as a folder URL has it). */
export const PROJECT_ROOT = `${packageRoot()}/`;

/** Powertools log levels the Lambdas accept. */
export type MigratorLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';

export interface VaultMigratorProps {
  /** The customer-managed key target vaults are encrypted with when an input names no key. */
  readonly migrationKey: kms.IKey;
  /**
   * More customer-managed keys an execution input may name in `kmsKeyArn` (key ARNs of this
   * account and Region). The vault-creating Lambda and the copy role are granted their use;
   * Prepare refuses any key that is neither this nor the migration key, before anything changes.
   * @default none: only the migration key
   */
  readonly additionalKmsKeyArns?: readonly string[];
  /**
   * Whether migrations may delete source recovery points and vaults (input `deleteSourceVault`).
   * When false the retire Lambda has no permission to delete anything and an input asking for
   * deletion fails with `DeletionNotAllowed`.
   * @default false
   */
  readonly allowSourceDeletion?: boolean;
  /**
   * Attempts per recovery point before a copy counts as permanently failed (1 to 10).
   * @default 3
   */
  readonly maxCopyAttempts?: number;
  /**
   * Copy/verify passes for recovery points that appear during a migration (1 to 20).
   * @default 3
   */
  readonly maxSweeps?: number;
  /**
   * Prefix of the names given to the state machines (`<prefix>-MigrateVault`,
   * `<prefix>-MigrateAllVaults`) and the dashboard. MigrateVault needs a name known at synth
   * time: its definition starts executions of itself by ARN.
   * @default the stack name
   */
  readonly namePrefix?: string;
  /**
   * An email address subscribed to the report topic (report summaries and alarms).
   * @default no subscription
   */
  readonly notificationEmail?: string;
  /**
   * Retention of the Lambda and state machine logs.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Powertools log level of the Lambdas.
   * @default 'INFO'
   */
  readonly logLevel?: MigratorLogLevel;
  /**
   * Whether the state machine logs carry each state's input and output (vault names, recovery
   * point ARNs, counters; never data).
   * @default true
   */
  readonly includeExecutionDataInLogs?: boolean;
  /**
   * How long reports are kept in the report bucket.
   * @default reports are kept until deleted
   */
  readonly reportExpiration?: Duration;
  /**
   * What happens to the report bucket, the log groups and their key when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * An EventBridge Scheduler schedule that starts MigrateAllVaults.
   * @default no schedule
   */
  readonly schedule?: MigrationScheduleOptions;
  /**
   * Builds the Lambda functions. Tests pass a factory with inline code so that they never bundle.
   * @default a BundledFunctionFactory (esbuild, ESM, source maps)
   */
  readonly functionFactory?: FunctionFactory;
  /**
   * The folder that holds `lambdas/`, `state-machines/` and the lockfile.
   * @default the repository this construct comes from
   */
  readonly projectRoot?: string;
}

function checkWholeNumber(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
  }
  return value;
}

/**
 * backup-vault-migrator in one construct: the Lambdas (each with its own least-privilege role),
 * the role AWS Backup assumes for copies, the MigrateVault and MigrateAllVaults state machines
 * from the ASL files, the report bucket and topic, the optional schedule, alarms and a dashboard.
 */
export class VaultMigrator extends Construct {
  public readonly migrateVault: sfn.StateMachine;
  public readonly migrateAllVaults: sfn.StateMachine;
  public readonly functions: Readonly<Record<MigratorFunctionName, lambda.Function>>;
  public readonly functionRoles: Readonly<Record<MigratorFunctionName, iam.Role>>;
  public readonly copyRole: iam.Role;
  public readonly reportBucket: s3.Bucket;
  public readonly reportTopic: sns.Topic;
  public readonly operationsKey: kms.Key;
  public readonly schedule?: MigrationSchedule;
  public readonly observability: MigratorObservability;
  /** The managed policy a person needs to run the CLI against this deployment (infra/operator.ts). */
  public readonly operatorPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: VaultMigratorProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const projectRoot = props.projectRoot ?? PROJECT_ROOT;
    const allowSourceDeletion = props.allowSourceDeletion ?? false;
    const maxCopyAttempts = checkWholeNumber('maxCopyAttempts', props.maxCopyAttempts ?? 3, 1, 10);
    const maxSweeps = checkWholeNumber('maxSweeps', props.maxSweeps ?? 3, 1, 20);
    if (props.schedule?.deleteSourceVault === true && !allowSourceDeletion) {
      throw new Error(
        'The schedule asks to delete source vaults (deleteSourceVault) but the stack does not allow ' +
          'deletion: set allowSourceDeletion too, or schedule without deletion',
      );
    }
    if (
      props.notificationEmail !== undefined &&
      !Token.isUnresolved(props.notificationEmail) &&
      !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.notificationEmail)
    ) {
      throw new Error(`notificationEmail "${props.notificationEmail}" is not an email address`);
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    const namePrefix = props.namePrefix ?? stack.stackName;

    this.operationsKey = new OperationsKey(this, 'OperationsKey', { removalPolicy }).key;
    this.reportBucket = new ReportBucket(this, 'Reports', {
      encryptionKey: this.operationsKey,
      removalPolicy,
      reportExpiration: props.reportExpiration,
    }).bucket;
    this.reportTopic = new ReportTopic(this, 'Notifications', {
      encryptionKey: this.operationsKey,
      notificationEmail: props.notificationEmail,
    }).topic;
    const additionalKmsKeyArns = checkAdditionalKeys(stack, props.additionalKmsKeyArns ?? []);
    const targetKeyArns = [props.migrationKey.keyArn, ...additionalKmsKeyArns];
    const copyRole = new CopyRole(this, 'CopyRole', {
      migrationKey: props.migrationKey,
      additionalKmsKeyArns,
    });
    this.copyRole = copyRole.role;
    const sharedEnvironment = toEnvironment({
      defaultKmsKeyArn: props.migrationKey.keyArn,
      allowSourceDeletion,
      maxCopyAttempts,
      maxSweeps,
    });
    // A Lambda learns the name of a resource only if it may use it.
    const ownEnvironment: Partial<Record<MigratorFunctionName, Record<string, string>>> = {
      prepareMigration: toEnvironment({ allowedKmsKeyArns: Fn.join(',', targetKeyArns) }),
      copyRecoveryPoints: toEnvironment({ copyRoleArn: this.copyRole.roleArn }),
      writeReport: toEnvironment({
        reportBucket: this.reportBucket.bucketName,
        reportTopicArn: this.reportTopic.topicArn,
      }),
    };
    const permissionsContext: FunctionPermissionsContext = {
      stack,
      allowSourceDeletion,
      copyRoleArn: this.copyRole.roleArn,
      reportBucketArn: this.reportBucket.bucketArn,
      reportTopicArn: this.reportTopic.topicArn,
      reportKeyArn: this.operationsKey.keyArn,
      targetKeyArns,
    };
    const wildcardReason = wildcardReasons(permissionsContext);
    const factory = props.functionFactory ?? new BundledFunctionFactory(projectRoot);
    const functions = {} as Record<MigratorFunctionName, lambda.Function>;
    const roles = {} as Record<MigratorFunctionName, iam.Role>;
    for (const name of MIGRATOR_FUNCTION_NAMES) {
      const migratorFunction = new MigratorFunction(this, upperFirst(name), {
        name,
        factory,
        projectRoot,
        environment: { ...sharedEnvironment, ...ownEnvironment[name] },
        serviceName: 'backup-vault-migrator',
        logLevel: props.logLevel ?? 'INFO',
        logRetention,
        logEncryptionKey: this.operationsKey,
        logRemovalPolicy: removalPolicy,
      });
      const statements = functionPermissions(name, permissionsContext);
      for (const statement of statements) migratorFunction.role.addToPrincipalPolicy(statement);
      // Active tracing adds the X-Ray actions on `*` to every role.
      acknowledgeWildcardResources(
        migratorFunction.role,
        [
          ...statements,
          new iam.PolicyStatement({
            actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
            resources: ['*'],
          }),
        ],
        wildcardReason,
      );
      functions[name] = migratorFunction.function;
      roles[name] = migratorFunction.role;
    }
    this.functions = functions;
    this.functionRoles = roles;

    const bySubstitution = Object.fromEntries(
      MIGRATOR_FUNCTION_NAMES.map((name) => [MIGRATOR_FUNCTIONS[name].substitution, functions[name]]),
    );
    const migrateVaultName = `${namePrefix}-MigrateVault`;
    const stateMachineCommon = {
      functions: bySubstitution,
      migrateVaultStateMachineName: migrateVaultName,
      logRetention,
      logEncryptionKey: this.operationsKey,
      logRemovalPolicy: removalPolicy,
      includeExecutionData: props.includeExecutionDataInLogs ?? true,
    };
    const migrateVault = new MigratorStateMachine(this, 'MigrateVault', {
      ...stateMachineCommon,
      definitionFile: join(projectRoot, 'state-machines', 'migrate-vault.asl.json'),
      stateMachineName: migrateVaultName,
    });
    const migrateAllVaults = new MigratorStateMachine(this, 'MigrateAllVaults', {
      ...stateMachineCommon,
      definitionFile: join(projectRoot, 'state-machines', 'migrate-all-vaults.asl.json'),
      stateMachineName: `${namePrefix}-MigrateAllVaults`,
    });
    this.migrateVault = migrateVault.stateMachine;
    this.migrateAllVaults = migrateAllVaults.stateMachine;

    if (props.schedule !== undefined) {
      this.schedule = new MigrationSchedule(this, 'Schedule', {
        ...props.schedule,
        migrateAllVaults: this.migrateAllVaults,
      });
    }

    this.operatorPolicy = new OperatorPolicy(this, 'Operator', {
      migrateVaultStateMachineName: migrateVaultName,
      migrateAllVaultsStateMachineName: `${namePrefix}-MigrateAllVaults`,
      reportBucketArn: this.reportBucket.bucketArn,
      reportKeyArn: this.operationsKey.keyArn,
    }).policy;

    this.observability = new MigratorObservability(this, 'Observability', {
      migrateVault: this.migrateVault,
      migrateAllVaults: this.migrateAllVaults,
      functions,
      alarmTopic: this.reportTopic,
      dashboardName: `${namePrefix}-Migrations`,
    });
  }
}

/** Additional keys must be key ARNs (not aliases) of the stack's account and Region, once each. */
function checkAdditionalKeys(stack: Stack, arns: readonly string[]): string[] {
  const pattern = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key\/[A-Za-z0-9-]+$/;
  for (const arn of arns) {
    const match = pattern.exec(arn);
    const sameRegion = Token.isUnresolved(stack.region) || match?.[1] === stack.region;
    const sameAccount = Token.isUnresolved(stack.account) || match?.[2] === stack.account;
    if (!match || !sameRegion || !sameAccount) {
      throw new Error(
        `additionalKmsKeyArns: ${arn} is not a key ARN of this stack's account and Region (arn:aws:kms:<region>:<account>:key/<id>)`,
      );
    }
  }
  if (new Set(arns).size !== arns.length) throw new Error('additionalKmsKeyArns names a key twice');
  return [...arns];
}

function upperFirst(name: string): string {
  return `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
}
