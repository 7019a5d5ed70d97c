import { join } from 'node:path';
import { Duration, type RemovalPolicy, Size } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  type BundlingOptions,
  Charset,
  NodejsFunction,
  OutputFormat,
  SourceMapMode,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/**
 * The migrator's Lambdas, keyed by the name the rest of the infrastructure uses. Each entry says
 * where the handler lives (`lambdas/<directory>/handler.ts`, exporting `handler`), which
 * DefinitionSubstitution carries its ARN into the state machines, and how long and how big it
 * may run. Timeouts never exceed the `TimeoutSeconds` of the Task states that call them (a test
 * checks it against the ASL files), so a slow Lambda fails as itself, not as a state timeout.
 */
export const MIGRATOR_FUNCTIONS = {
  prepareMigration: {
    directory: 'prepare-migration',
    substitution: 'PrepareMigrationFunctionArn',
    description: 'Validates a MigrateVault input and reads the source vault, the key and the target',
    timeout: Duration.minutes(1),
    memorySize: 512,
  },
  planMigration: {
    directory: 'plan-migration',
    substitution: 'PlanMigrationFunctionArn',
    description: 'Dry run: classifies every source recovery point and finds the backup plans to repoint',
    timeout: Duration.minutes(15),
    memorySize: 1024,
  },
  createTargetVault: {
    directory: 'create-target-vault',
    substitution: 'CreateTargetVaultFunctionArn',
    description: 'Creates the target vault with the key, carrying tags, access policy, notifications, lock',
    timeout: Duration.minutes(2),
    memorySize: 512,
  },
  repointBackupPlans: {
    directory: 'repoint-backup-plans',
    substitution: 'RepointBackupPlansFunctionArn',
    description: 'Moves backup plan rules and copy actions from the source vault to the target',
    timeout: Duration.minutes(5),
    memorySize: 512,
  },
  copyRecoveryPoints: {
    directory: 'copy-recovery-points',
    substitution: 'CopyRecoveryPointsFunctionArn',
    description: 'One round of the copy pump: refreshes copy jobs in flight and starts new ones',
    timeout: Duration.minutes(10),
    memorySize: 1024,
  },
  verifyMigration: {
    directory: 'verify-migration',
    substitution: 'VerifyMigrationFunctionArn',
    description: 'Reads every copy back from the target vault and checks it against its source',
    timeout: Duration.minutes(15),
    memorySize: 1024,
  },
  deleteSourceVault: {
    directory: 'delete-source-vault',
    substitution: 'DeleteSourceVaultFunctionArn',
    description: 'Retires verified source recovery points and the source vault, when allowed',
    timeout: Duration.minutes(15),
    memorySize: 1024,
  },
  writeReport: {
    directory: 'write-report',
    substitution: 'WriteReportFunctionArn',
    description: 'Writes the migration report to the report bucket and notifies the topic',
    timeout: Duration.minutes(15),
    memorySize: 1024,
    // The listings are spilled to /tmp by resource and joined a partition at a time (partitions.ts):
    // about 3 GB at 1,000,000 recovery points, in the listings, the rows and the CSV.
    ephemeralStorageMiB: 10_240,
  },
  findVaultsToMigrate: {
    directory: 'find-vaults-to-migrate',
    substitution: 'FindVaultsToMigrateFunctionArn',
    description: 'Finds the vaults MigrateAllVaults should migrate, with a reason for each one skipped',
    timeout: Duration.minutes(5),
    memorySize: 512,
  },
} as const satisfies Record<string, MigratorFunctionSpec>;

export type MigratorFunctionName = keyof typeof MIGRATOR_FUNCTIONS;

export const MIGRATOR_FUNCTION_NAMES = Object.keys(MIGRATOR_FUNCTIONS) as MigratorFunctionName[];

export interface MigratorFunctionSpec {
  /** Folder under `lambdas/` that holds `handler.ts`. */
  readonly directory: string;
  /** Name of the `${...}` DefinitionSubstitution that carries the function's ARN. */
  readonly substitution: string;
  /** What the Lambda does, shown in the console. */
  readonly description: string;
  /** At most the `TimeoutSeconds` of the Task states that call it. */
  readonly timeout: Duration;
  /** Memory (and so CPU) in MB: more for the Lambdas that page through whole vaults. */
  readonly memorySize: number;
  /** /tmp in MiB, when more than Lambda's default 512. */
  readonly ephemeralStorageMiB?: number;
}

/**
 * The runtime of every migrator Lambda: the newest Node.js runtime this aws-cdk-lib knows (a
 * test fails when a CDK upgrade brings a newer one). The Lambdas need Node 20 or later.
 */
export const MIGRATOR_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** What a {@link FunctionFactory} gets: everything but the code. */
export interface FactoryFunctionProps extends lambda.FunctionOptions {
  /** The Lambda runtime ({@link MIGRATOR_RUNTIME}). */
  readonly runtime: lambda.Runtime;
  /** Absolute path of the handler's TypeScript entry file (exports `handler`). */
  readonly entry: string;
}

/**
 * Builds the `lambda.Function` of a migrator Lambda from its settings. The stack uses the
 * {@link BundledFunctionFactory}; synth tests use a factory with inline code, so that they
 * neither bundle nor need Docker and stay fast.
 */
export interface FunctionFactory {
  createFunction(scope: Construct, id: string, props: FactoryFunctionProps): lambda.Function;
}

/**
 * Bundles each handler with the project's own esbuild (no Docker, works offline) into one ESM
 * file with a source map. Everything is bundled, the AWS SDK included: the SDK version the tests
 * ran against is the one that deploys, and the SDK clients stay in step with the
 * `@smithy/util-retry` strategy the Lambdas configure them with.
 */
export class BundledFunctionFactory implements FunctionFactory {
  /**
   * @param projectRoot the folder holding `package.json`, `package-lock.json` and `tsconfig.json`
   */
  constructor(private readonly projectRoot: string) {}

  createFunction(scope: Construct, id: string, props: FactoryFunctionProps): lambda.Function {
    const { entry, ...functionProps } = props;
    return new NodejsFunction(scope, id, {
      ...functionProps,
      entry,
      handler: 'handler',
      projectRoot: this.projectRoot,
      depsLockFilePath: join(this.projectRoot, 'package-lock.json'),
      bundling: bundlingOptions(this.projectRoot),
    });
  }
}

/** esbuild settings shared by every migrator Lambda. */
export function bundlingOptions(projectRoot: string): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    // Prefer the ESM builds of dependencies; CommonJS ones still call require(), which an ES
    // module lacks, hence the banner.
    mainFields: ['module', 'main'],
    banner:
      "import { createRequire as __vaultMigratorCreateRequire } from 'node:module'; " +
      'const require = __vaultMigratorCreateRequire(import.meta.url);',
    bundleAwsSDK: true,
    minify: true,
    sourceMap: true,
    sourceMapMode: SourceMapMode.DEFAULT,
    sourcesContent: false,
    charset: Charset.UTF8,
    tsconfig: join(projectRoot, 'tsconfig.json'),
    forceDockerBundling: false,
  };
}

export interface MigratorFunctionProps {
  /** Which migrator Lambda this is. */
  readonly name: MigratorFunctionName;
  /** Builds the function from its settings (bundled on deploy, inline code in tests). */
  readonly factory: FunctionFactory;
  /** The folder holding `lambdas/`. */
  readonly projectRoot: string;
  /** Environment variables besides the Powertools and source map settings. */
  readonly environment: Record<string, string>;
  /** Powertools service name. */
  readonly serviceName: string;
  /** Powertools log level. */
  readonly logLevel: string;
  /** Retention of the function's log group. */
  readonly logRetention: logs.RetentionDays;
  /** Encrypts the function's log group. */
  readonly logEncryptionKey: kms.IKey;
  /** What happens to the function's log group when the stack is deleted. */
  readonly logRemovalPolicy: RemovalPolicy;
}

/**
 * One migrator Lambda with the settings they all share, fixed in one place: runtime, ARM64,
 * X-Ray tracing, its own encrypted log group with retention, Powertools settings, source maps,
 * and its own role, which starts with no permission but writing its logs. What else it may do
 * is added by the caller (see `iam.ts`).
 */
export class MigratorFunction extends Construct {
  public readonly function: lambda.Function;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: MigratorFunctionProps) {
    super(scope, id);
    const spec: MigratorFunctionSpec = MIGRATOR_FUNCTIONS[props.name];
    const entry = join(props.projectRoot, 'lambdas', spec.directory, 'handler.ts');

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      encryptionKey: props.logEncryptionKey,
      removalPolicy: props.logRemovalPolicy,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${spec.directory} Lambda of backup-vault-migrator`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = props.factory.createFunction(this, 'Function', {
      entry,
      description: spec.description,
      runtime: MIGRATOR_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: spec.memorySize,
      ...(spec.ephemeralStorageMiB === undefined
        ? {}
        : { ephemeralStorageSize: Size.mebibytes(spec.ephemeralStorageMiB) }),
      timeout: spec.timeout,
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_LOG_LEVEL: props.logLevel,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
  }
}
