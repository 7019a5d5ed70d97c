import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { METRICS_NAMESPACE, publishRound } from '#shared/metrics.ts';

describe('migration metrics (embedded metric format)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it('writes one EMF line per round with the counts that moved, by source vault', () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    const sink = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'vault-migrator' });
    publishRound('legacy', { copiesStarted: 20, copiesCompleted: 7, copyAttemptsFailed: 0 }, sink);
    vi.restoreAllMocks();
    const emf = lines.map((line) => JSON.parse(line));
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({
      SourceVault: 'legacy',
      CopiesStarted: 20,
      CopiesCompleted: 7,
      service: 'vault-migrator',
    });
    expect(emf[0]).not.toHaveProperty('CopyAttemptsFailed');
    const directive = emf[0]._aws.CloudWatchMetrics[0];
    expect(directive.Namespace).toBe('VaultMigrator');
    expect(directive.Dimensions).toEqual([['service', 'SourceVault']]);
    expect(directive.Metrics.map((metric: { Name: string }) => metric.Name).sort()).toEqual([
      'CopiesCompleted',
      'CopiesStarted',
    ]);
  });

  it('publishes nothing for a round where nothing moved, and nothing off Lambda', () => {
    const published = vi.fn();
    const sink = { addDimension: vi.fn(), addMetric: vi.fn(), publishStoredMetrics: published };
    publishRound('legacy', { copiesStarted: 0, recoveryPointsRetired: 0 }, sink);
    expect(published).not.toHaveBeenCalled();
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', '');
    const write = vi.spyOn(process.stdout, 'write');
    publishRound('legacy', { copiesStarted: 3 });
    expect(write).not.toHaveBeenCalled();
  });
});
