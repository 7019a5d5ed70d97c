/**
 * CloudWatch metrics of the migrations, as embedded metric format (Powertools Metrics: the
 * Lambda's log line is the metric, no PutMetricData call, no permission): each copy round's copies
 * started, completed and failed, and each retirement round's recovery points retired, per source
 * vault. The dashboard (infra/observability.ts) graphs them beside AWS Backup's own copy metrics.
 *
 * Published only on Lambda (AWS_LAMBDA_FUNCTION_NAME is set) and unless POWERTOOLS_METRICS_DISABLED
 * is true: a local run's handlers share the command's stdout, which carries its results.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricUnit as MetricUnitName } from '@aws-lambda-powertools/metrics/types';

export const METRICS_NAMESPACE = 'VaultMigrator';

/** The metrics the handlers publish, by name (the dashboard reads the same names). */
export const MIGRATION_METRICS = {
  copiesStarted: 'CopiesStarted',
  copiesCompleted: 'CopiesCompleted',
  copyAttemptsFailed: 'CopyAttemptsFailed',
  copiesFailedForGood: 'CopiesFailedForGood',
  recoveryPointsRetired: 'RecoveryPointsRetired',
} as const;

export type MigrationMetric = keyof typeof MIGRATION_METRICS;

/** Where metrics go: Powertools Metrics on Lambda; tests pass their own. */
export interface MetricsSink {
  addDimension(name: string, value: string): unknown;
  addMetric(name: string, unit: MetricUnitName, value: number): unknown;
  publishStoredMetrics(): unknown;
}

function lambdaMetrics(): MetricsSink | undefined {
  if (!process.env.AWS_LAMBDA_FUNCTION_NAME) return undefined;
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'vault-migrator' });
}

/**
 * Publishes what a round did for one source vault: the metrics that moved (counts since the round
 * before), none at all when nothing did.
 */
export function publishRound(
  sourceVaultName: string,
  counts: Partial<Record<MigrationMetric, number>>,
  sink: MetricsSink | undefined = lambdaMetrics(),
): void {
  const moved = Object.entries(counts).filter(([, value]) => value !== undefined && value > 0) as Array<
    [MigrationMetric, number]
  >;
  if (!sink || moved.length === 0) return;
  try {
    sink.addDimension('SourceVault', sourceVaultName);
    for (const [metric, value] of moved) sink.addMetric(MIGRATION_METRICS[metric], MetricUnit.Count, value);
    sink.publishStoredMetrics();
  } catch {
    // A metric must never fail a migration round.
  }
}
