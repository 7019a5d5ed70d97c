import { Duration } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import type { VaultMigratorStackProps } from './stack.ts';
import type { MigratorLogLevel } from './vault-migrator.ts';

/**
 * The CDK context options the app reads (`npx cdk deploy -c name=value`, or `context` in
 * cdk.json), with their defaults. The README's "Deploy" section lists the same.
 */
export const CONTEXT_OPTIONS = {
  stackName: 'Stack name, also the prefix of the state machine and dashboard names (BackupVaultMigrator)',
  kmsKeyArn: 'An existing customer-managed key for the target vaults (default: the stack creates one)',
  additionalKmsKeyArns:
    'Comma-separated key ARNs (this account and Region) an input may name in kmsKeyArn besides the migration key (none)',
  allowSourceDeletion: 'Whether migrations may delete source recovery points and vaults (false)',
  maxCopyAttempts: 'Attempts per recovery point before a copy is a permanent failure, 1-10 (3)',
  maxSweeps: 'Copy/verify passes for recovery points that appear during a migration, 1-20 (3)',
  notificationEmail: 'An email address subscribed to reports and alarms (none)',
  logRetentionDays: 'Retention of the Lambda and state machine logs, in days (365)',
  logLevel: 'Powertools log level of the Lambdas: DEBUG, INFO, WARN, ERROR (INFO)',
  reportRetentionDays: 'Days after which reports are deleted from the report bucket (kept)',
  scheduleExpression: 'When MigrateAllVaults runs: cron(...), rate(...) or at(...) (cron(0 3 ? * SUN *))',
  scheduleTimeZone: 'Time zone of the schedule expression (UTC)',
  scheduleEnabled: 'Whether the schedule starts executions (false)',
  scheduleDryRun: 'Whether scheduled runs only plan and report (true)',
  scheduleIncludeAwsManagedKeys: 'Whether scheduled runs also migrate vaults with AWS-managed keys (false)',
  scheduleDeleteSourceVault: 'Whether scheduled runs retire source vaults; needs allowSourceDeletion (false)',
  scheduleExcludeVaultNames: 'Comma-separated vault names scheduled runs never migrate (none)',
} as const;

export type ContextOption = keyof typeof CONTEXT_OPTIONS;

export const DEFAULT_STACK_NAME = 'BackupVaultMigrator';

const LOG_LEVELS: readonly MigratorLogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'];

class ContextReader {
  constructor(private readonly node: Node) {}

  private raw(name: ContextOption): unknown {
    const value: unknown = this.node.tryGetContext(name);
    return value === '' ? undefined : value;
  }

  string(name: ContextOption): string | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string')
      throw new Error(`Context ${name} must be a string, got ${JSON.stringify(value)}`);
    return value.trim() === '' ? undefined : value.trim();
  }

  boolean(name: ContextOption, fallback: boolean): boolean {
    const value = this.raw(name);
    if (value === undefined || value === null) return fallback;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    throw new Error(`Context ${name} must be true or false, got ${JSON.stringify(value)}`);
  }

  integer(name: ContextOption, min: number, max: number): number | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return undefined;
    const number = typeof value === 'string' ? Number(value.trim()) : value;
    if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
      throw new Error(
        `Context ${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
      );
    }
    return number;
  }

  list(name: ContextOption): string[] | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return undefined;
    const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : undefined;
    if (items === undefined || items.some((item) => typeof item !== 'string')) {
      throw new Error(
        `Context ${name} must be a comma-separated list of names, got ${JSON.stringify(value)}`,
      );
    }
    const names = (items as string[]).map((item) => item.trim()).filter((item) => item !== '');
    return names.length > 0 ? names : undefined;
  }
}

function logRetention(days: number | undefined): logs.RetentionDays | undefined {
  if (days === undefined) return undefined;
  const allowed = Object.values(logs.RetentionDays).filter(
    (value): value is logs.RetentionDays => typeof value === 'number' && value > 0,
  );
  if (!allowed.includes(days as logs.RetentionDays)) {
    throw new Error(
      `Context logRetentionDays must be a retention CloudWatch Logs offers (${allowed.sort((a, b) => a - b).join(', ')}), got ${days}`,
    );
  }
  return days as logs.RetentionDays;
}

/** The stack's name and props from the CDK context; rejects bad values with the option's name. */
export function stackPropsFromContext(node: Node): { stackName: string; props: VaultMigratorStackProps } {
  const context = new ContextReader(node);
  const logLevel = context.string('logLevel')?.toUpperCase();
  if (logLevel !== undefined && !LOG_LEVELS.includes(logLevel as MigratorLogLevel)) {
    throw new Error(`Context logLevel must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const reportRetentionDays = context.integer('reportRetentionDays', 1, 36_500);
  return {
    stackName: context.string('stackName') ?? DEFAULT_STACK_NAME,
    props: {
      kmsKeyArn: context.string('kmsKeyArn'),
      migrator: {
        additionalKmsKeyArns: context.list('additionalKmsKeyArns'),
        allowSourceDeletion: context.boolean('allowSourceDeletion', false),
        maxCopyAttempts: context.integer('maxCopyAttempts', 1, 10),
        maxSweeps: context.integer('maxSweeps', 1, 20),
        notificationEmail: context.string('notificationEmail'),
        logRetention: logRetention(context.integer('logRetentionDays', 1, 3653)),
        logLevel: logLevel as MigratorLogLevel | undefined,
        reportExpiration: reportRetentionDays === undefined ? undefined : Duration.days(reportRetentionDays),
        schedule: {
          expression: context.string('scheduleExpression'),
          timeZone: context.string('scheduleTimeZone'),
          enabled: context.boolean('scheduleEnabled', false),
          dryRun: context.boolean('scheduleDryRun', true),
          includeAwsManagedKeys: context.boolean('scheduleIncludeAwsManagedKeys', false),
          deleteSourceVault: context.boolean('scheduleDeleteSourceVault', false),
          excludeVaultNames: context.list('scheduleExcludeVaultNames'),
        },
      },
    },
  };
}
