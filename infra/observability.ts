import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, MIGRATION_METRICS } from '../lambdas/shared/metrics.ts';

export interface MigratorObservabilityProps {
  /** The MigrateVault state machine: alarms and the migrations-in-flight graph. */
  readonly migrateVault: sfn.IStateMachine;
  /** The MigrateAllVaults state machine: alarms and its executions graph. */
  readonly migrateAllVaults: sfn.IStateMachine;
  /** The Lambdas, by a readable name, for the error widget. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** Where alarms notify. */
  readonly alarmTopic: sns.ITopic;
  /** Name of the dashboard. */
  readonly dashboardName: string;
}

const PERIOD = Duration.minutes(5);

/** A metric search, one series per dimension set it finds, summed every 5 minutes. */
function searchSeries(query: string, label: string, color: string): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: `SEARCH('${query}', 'Sum', 300)`,
    usingMetrics: {},
    label,
    color,
    period: PERIOD,
  });
}

/** AWS Backup's copy job metrics, one series per dimension set that names a vault. */
function copyJobSearch(metricName: string, label: string, color: string): cloudwatch.MathExpression {
  return searchSeries(`Namespace="AWS/Backup" MetricName="${metricName}" BackupVaultName`, label, color);
}

/** The handlers' own metrics (lambdas/shared/metrics.ts), one series per source vault. */
function migrationSearch(metricName: string, label: string, color: string): cloudwatch.MathExpression {
  return searchSeries(`{${METRICS_NAMESPACE},SourceVault,service} MetricName="${metricName}"`, label, color);
}

/**
 * Alarms on failed and timed-out executions of both state machines (they notify the report
 * topic), and a dashboard of migrations in flight, of the copies and retirements the handlers
 * count per source vault (their embedded metrics), and of AWS Backup's own copy job metrics.
 */
export class MigratorObservability extends Construct {
  public readonly alarms: cloudwatch.Alarm[] = [];
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MigratorObservabilityProps) {
    super(scope, id);
    const machines = [
      { id: 'MigrateVault', machine: props.migrateVault },
      { id: 'MigrateAllVaults', machine: props.migrateAllVaults },
    ];
    const alarmAction = new actions.SnsAction(props.alarmTopic);
    for (const { id: machineId, machine } of machines) {
      const failures = [
        { id: 'Failed', metric: machine.metricFailed({ period: PERIOD, statistic: 'Sum' }), what: 'failed' },
        {
          id: 'TimedOut',
          metric: machine.metricTimedOut({ period: PERIOD, statistic: 'Sum' }),
          what: 'timed out',
        },
      ];
      for (const failure of failures) {
        const alarm = new cloudwatch.Alarm(this, `${machineId}${failure.id}`, {
          metric: failure.metric,
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          alarmDescription:
            `A ${machineId} execution ${failure.what}. Its report (if it got that far) is in the report ` +
            'bucket; the execution history names the failing state and error.',
        });
        alarm.addAlarmAction(alarmAction);
        this.alarms.push(alarm);
      }
    }

    const vault = props.migrateVault;
    const inFlight = new cloudwatch.MathExpression({
      // Step Functions publishes no gauge of running executions: count the ones started minus
      // the ones that ended, over the range shown. Continuations count as their own executions.
      expression:
        'RUNNING_SUM(FILL(started, 0) - FILL(succeeded, 0) - FILL(failed, 0) - FILL(aborted, 0) - FILL(timedOut, 0))',
      usingMetrics: {
        started: vault.metricStarted({ period: PERIOD, statistic: 'Sum' }),
        succeeded: vault.metricSucceeded({ period: PERIOD, statistic: 'Sum' }),
        failed: vault.metricFailed({ period: PERIOD, statistic: 'Sum' }),
        aborted: vault.metricAborted({ period: PERIOD, statistic: 'Sum' }),
        timedOut: vault.metricTimedOut({ period: PERIOD, statistic: 'Sum' }),
      },
      label: 'MigrateVault executions in flight',
      period: PERIOD,
    });
    const outcomes = (machine: sfn.IStateMachine) => [
      machine.metricStarted({ period: PERIOD, statistic: 'Sum', label: 'Started' }),
      machine.metricSucceeded({ period: PERIOD, statistic: 'Sum', label: 'Succeeded', color: '#2ca02c' }),
      machine.metricFailed({ period: PERIOD, statistic: 'Sum', label: 'Failed', color: '#d62728' }),
      machine.metricTimedOut({ period: PERIOD, statistic: 'Sum', label: 'Timed out', color: '#ff7f0e' }),
      machine.metricAborted({ period: PERIOD, statistic: 'Sum', label: 'Aborted', color: '#7f7f7f' }),
    ];

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.days(7),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          '# backup-vault-migrator\nMigrations (MigrateVault executions) and the copy jobs they drive. ' +
          'Each migration writes a report to the report bucket; that report, not these graphs, is the ' +
          'record of what was copied, verified and retired.',
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Migrations in flight',
        left: [inFlight],
        leftYAxis: { min: 0 },
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'MigrateVault executions',
        left: outcomes(props.migrateVault),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'MigrateAllVaults executions',
        left: outcomes(props.migrateAllVaults),
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Copy jobs started',
        left: [copyJobSearch('NumberOfCopyJobsCreated', 'Started', '#1f77b4')],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Copy jobs completed',
        left: [copyJobSearch('NumberOfCopyJobsCompleted', 'Completed', '#2ca02c')],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Copy jobs failed',
        left: [copyJobSearch('NumberOfCopyJobsFailed', 'Failed', '#d62728')],
        width: 6,
      }),
      new cloudwatch.TextWidget({
        markdown:
          'Copy jobs: AWS Backup metrics (`AWS/Backup`, every 5 minutes) per destination vault. AWS ' +
          'documents them for cross-account and cross-Region copies: if same-Region copies do not ' +
          'show here, the reports and `aws backup list-copy-jobs --by-destination-vault-arn` are the ' +
          'source of truth.',
        width: 6,
        height: 6,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Copies, per source vault (as the copy rounds count them)',
        left: [
          migrationSearch(MIGRATION_METRICS.copiesStarted, 'Started', '#1f77b4'),
          migrationSearch(MIGRATION_METRICS.copiesCompleted, 'Completed', '#2ca02c'),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Copy failures, per source vault',
        left: [
          migrationSearch(MIGRATION_METRICS.copyAttemptsFailed, 'Attempts failed (retried)', '#ff7f0e'),
          migrationSearch(MIGRATION_METRICS.copiesFailedForGood, 'Failed for good', '#d62728'),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Recovery points retired, per source vault',
        left: [migrationSearch(MIGRATION_METRICS.recoveryPointsRetired, 'Retired', '#9467bd')],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Lambda errors',
        left: Object.entries(props.functions).map(([name, fn]) =>
          fn.metricErrors({ period: PERIOD, statistic: 'Sum', label: name }),
        ),
        width: 12,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 12 }),
    );
  }
}
