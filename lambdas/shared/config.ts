import { ConfigurationError } from './errors.ts';

/**
 * The Lambdas' configuration, set by the stack (or the local runner) as environment variables.
 * Read when first needed and failing loudly with the variable's name.
 */
export interface MigratorConfig {
  /** Key for target vaults when the input names none (stack: the migration key). */
  defaultKmsKeyArn: string | undefined;
  /**
   * Keys the stack lets the vault creation and the copy role use (ALLOWED_KMS_KEY_ARNS, comma-separated:
   * the migration key and the stack's additionalKmsKeyArns); undefined when not set.
   */
  allowedKmsKeyArns: string[] | undefined;
  /** Role AWS Backup assumes for copy jobs. */
  copyRoleArn: string | undefined;
  /** Whether this deployment may delete source recovery points and vaults. */
  allowSourceDeletion: boolean;
  /** Attempts per recovery point before a copy counts as permanently failed. */
  maxCopyAttempts: number;
  /** Where reports go: an S3 bucket on AWS ... */
  reportBucket: string | undefined;
  /** ... or a directory in local mode. */
  reportDir: string | undefined;
  reportTopicArn: string | undefined;
  /** Sweeps of the verify/copy loop for recovery points that appear during the migration. */
  maxSweeps: number;
  /**
   * History events one execution's loops (copy, verification, retirement) may use before the
   * migration carries on in a child execution (MAX_LOOP_EVENTS_PER_EXECUTION). The default leaves
   * room under Step Functions' 25,000 for the states around the loops and Lambda retries.
   */
  loopEventsPerExecution: number;
  /** Attempts per AWS call, retries included (AWS_MAX_ATTEMPTS, the SDK's own variable). */
  sdkMaxAttempts: number;
  /** Base of the retries' exponential backoff (VAULT_MIGRATOR_RETRY_BASE_MS; short in simulated time). */
  retryBaseMs: number;
}

/**
 * The environment variable of each setting: the one list the readers below, the stack
 * (infra/vault-migrator.ts) and the local runs (local/stack.ts) all name them from.
 */
export const ENVIRONMENT = {
  defaultKmsKeyArn: 'MIGRATION_KMS_KEY_ARN',
  allowedKmsKeyArns: 'ALLOWED_KMS_KEY_ARNS',
  copyRoleArn: 'COPY_ROLE_ARN',
  allowSourceDeletion: 'ALLOW_SOURCE_DELETION',
  maxCopyAttempts: 'MAX_COPY_ATTEMPTS',
  reportBucket: 'REPORT_BUCKET',
  reportDir: 'REPORT_DIR',
  reportTopicArn: 'REPORT_TOPIC_ARN',
  maxSweeps: 'MAX_SWEEPS',
  loopEventsPerExecution: 'MAX_LOOP_EVENTS_PER_EXECUTION',
  sdkMaxAttempts: 'AWS_MAX_ATTEMPTS',
  retryBaseMs: 'VAULT_MIGRATOR_RETRY_BASE_MS',
} as const satisfies Record<keyof MigratorConfig, string>;

/** The local runner's simulated clock, ahead of the system clock by this many ms (local runs only). */
export const CLOCK_OFFSET_VARIABLE = 'VAULT_MIGRATOR_CLOCK_OFFSET_MS';

/** A setting as the environment carries it (a list is comma-separated; a CDK token is a string). */
type EnvironmentValue = string | number | boolean | readonly string[];

/**
 * Settings as environment variables: what the stack gives each Lambda and what a local run sets,
 * so that both write the names and the formats `readConfig` reads. Settings left out are not set.
 */
export function toEnvironment(
  settings: { readonly [K in keyof MigratorConfig]?: EnvironmentValue | undefined },
): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [key, value] of Object.entries(settings) as Array<
    [keyof MigratorConfig, EnvironmentValue | undefined]
  >) {
    if (value === undefined) continue;
    environment[ENVIRONMENT[key]] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return environment;
}

/** How the SDK clients retry: read apart from the rest, so a client never fails on an unrelated variable. */
export function readRetrySettings(): Pick<MigratorConfig, 'sdkMaxAttempts' | 'retryBaseMs'> {
  return {
    sdkMaxAttempts: integer(ENVIRONMENT.sdkMaxAttempts, 8, 1, 20),
    retryBaseMs: integer(ENVIRONMENT.retryBaseMs, 100, 0, 60_000),
  };
}

/**
 * How far the local runner's simulated time is ahead of the system clock
 * (VAULT_MIGRATOR_CLOCK_OFFSET_MS, local runs only; 0 on AWS).
 */
export function readClockOffsetMs(): number {
  return integer(CLOCK_OFFSET_VARIABLE, 0, -(2 ** 50), 2 ** 50);
}

/** Default of {@link MigratorConfig.loopEventsPerExecution}. */
export const DEFAULT_LOOP_EVENTS_PER_EXECUTION = 15_000;

function integer(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigurationError(
      `Environment variable ${name} must be a whole number from ${min} to ${max}, got "${raw}"`,
    );
  }
  return value;
}

function flag(name: string, fallback: boolean): boolean {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ConfigurationError(`Environment variable ${name} must be "true" or "false", got "${raw}"`);
}

function optional(name: string): string | undefined {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? undefined : raw;
}

export function readConfig(): MigratorConfig {
  return {
    defaultKmsKeyArn: optional(ENVIRONMENT.defaultKmsKeyArn),
    allowedKmsKeyArns: optional(ENVIRONMENT.allowedKmsKeyArns)
      ?.split(',')
      .map((arn) => arn.trim())
      .filter((arn) => arn !== ''),
    copyRoleArn: optional(ENVIRONMENT.copyRoleArn),
    allowSourceDeletion: flag(ENVIRONMENT.allowSourceDeletion, false),
    maxCopyAttempts: integer(ENVIRONMENT.maxCopyAttempts, 3, 1, 10),
    reportBucket: optional(ENVIRONMENT.reportBucket),
    reportDir: optional(ENVIRONMENT.reportDir),
    reportTopicArn: optional(ENVIRONMENT.reportTopicArn),
    maxSweeps: integer(ENVIRONMENT.maxSweeps, 3, 1, 20),
    loopEventsPerExecution: integer(
      ENVIRONMENT.loopEventsPerExecution,
      DEFAULT_LOOP_EVENTS_PER_EXECUTION,
      20,
      20_000,
    ),
    ...readRetrySettings(),
  };
}

/** A value the stack must have set, else a ConfigurationError naming the variable. */
export function required<T>(value: T | undefined, variable: string): T {
  if (value === undefined) throw new ConfigurationError(`Environment variable ${variable} is not set`);
  return value;
}
