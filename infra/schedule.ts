import { TimeZone } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** When and how the scheduled MigrateAllVaults runs. */
export interface MigrationScheduleOptions {
  /**
   * An EventBridge Scheduler expression: `cron(...)`, `rate(...)` or `at(...)`.
   * @default 'cron(0 3 ? * SUN *)' (Sundays at 03:00)
   */
  readonly expression?: string;
  /**
   * Time zone of a `cron` or `at` expression (IANA name).
   * @default 'UTC'
   */
  readonly timeZone?: string;
  /**
   * Whether the schedule starts executions. A disabled schedule is deployed, ready to enable.
   * @default false
   */
  readonly enabled?: boolean;
  /**
   * Only plan and report (MigrateVault `dryRun`): change nothing.
   * @default true
   */
  readonly dryRun?: boolean;
  /**
   * Also migrate vaults encrypted with AWS-managed keys, not only those without a key.
   * @default false
   */
  readonly includeAwsManagedKeys?: boolean;
  /**
   * Retire each source vault once every copy is verified. Requires the stack to allow deletion.
   * @default false
   */
  readonly deleteSourceVault?: boolean;
  /**
   * Vaults the scheduled run never migrates.
   * @default none
   */
  readonly excludeVaultNames?: string[];
}

export interface MigrationScheduleProps extends MigrationScheduleOptions {
  /** The state machine the schedule starts. */
  readonly migrateAllVaults: sfn.IStateMachine;
}

export const DEFAULT_SCHEDULE_EXPRESSION = 'cron(0 3 ? * SUN *)';

/** The MigrateAllVaults input the schedule sends. */
export function scheduledInput(options: MigrationScheduleOptions): Record<string, unknown> {
  return {
    dryRun: options.dryRun ?? true,
    includeAwsManagedKeys: options.includeAwsManagedKeys ?? false,
    deleteSourceVault: options.deleteSourceVault ?? false,
    ...(options.excludeVaultNames && options.excludeVaultNames.length > 0
      ? { excludeVaultNames: options.excludeVaultNames }
      : {}),
  };
}

/**
 * An EventBridge Scheduler schedule that starts MigrateAllVaults, with its own role that may
 * start that state machine and nothing else.
 */
export class MigrationSchedule extends Construct {
  public readonly schedule: scheduler.Schedule;
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: MigrationScheduleProps) {
    super(scope, id);
    const expression = props.expression ?? DEFAULT_SCHEDULE_EXPRESSION;
    if (!/^(cron|rate|at)\(.+\)$/.test(expression)) {
      throw new Error(
        `Schedule expression "${expression}" is not an EventBridge Scheduler expression: ` +
          'use cron(...), rate(...) or at(...)',
      );
    }
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': props.migrateAllVaults.stack.account },
      }),
      description: 'Lets EventBridge Scheduler start the scheduled MigrateAllVaults of backup-vault-migrator',
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: 'Starts MigrateAllVaults of backup-vault-migrator',
      schedule: scheduler.ScheduleExpression.expression(expression, TimeZone.of(props.timeZone ?? 'UTC')),
      enabled: props.enabled ?? false,
      target: new targets.StepFunctionsStartExecution(props.migrateAllVaults, {
        role: this.role,
        input: scheduler.ScheduleTargetInput.fromObject(scheduledInput(props)),
        retryAttempts: 3,
      }),
    });
  }
}
