import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportResult } from '#shared/contracts.ts';
import type { ExecutionResult } from '../../local/runner/index.ts';
import { copiesPerSource, type Scenario, scenario } from './harness.ts';

/** AWS's limits on one Standard execution. */
const HISTORY_EVENT_LIMIT = 25_000;
const PAYLOAD_LIMIT_BYTES = 256 * 1024;

describe('a 10,000-recovery-point vault', () => {
  let current: Scenario;
  let result: ExecutionResult;

  beforeAll(async () => {
    current = await scenario({ randomSeed: 10_000 });
    current.emulator.seed({
      vaults: [{ name: 'big', encryptionKey: 'none', generate: { count: 10_000, perResource: 5 } }],
    });
    current.emulator.recordCalls = false;
    result = await current.runner.startExecution('MigrateVault', {
      sourceVaultName: 'big',
      maxConcurrentCopies: 100,
    });
    const figures = result.executions.map(
      ({ stateTransitions, lambdaInvocations, historyEvents, largestPayloadBytes }) => ({
        stateTransitions,
        lambdaInvocations,
        historyEvents,
        largestPayloadBytes,
      }),
    );
    process.stdout.write(
      `10k scenario: ${JSON.stringify({ figures, apiCalls: current.emulator.stats().totalCalls })}\n`,
    );
  }, 240_000);

  afterAll(async () => {
    await current?.stop();
  });

  it('copies every recovery point exactly once', () => {
    expect(result.status).toBe('SUCCEEDED');
    expect((result.output as ReportResult).outcome).toBe('MIGRATED');
    const copies = [...copiesPerSource(current.emulator, 'big', 'big-encrypted').values()];
    expect(copies).toHaveLength(10_000);
    expect(copies.every((count) => count === 1)).toBe(true);
  });

  it('keeps every execution far from the history and payload limits', () => {
    for (const execution of result.executions) {
      expect(execution.historyEvents).toBeLessThan(HISTORY_EVENT_LIMIT * 0.8);
      expect(execution.largestPayloadBytes).toBeLessThan(PAYLOAD_LIMIT_BYTES / 4);
    }
  });

  it('spends well under one state transition per recovery point', () => {
    const transitions = result.executions.reduce((sum, execution) => sum + execution.stateTransitions, 0);
    expect(transitions / 10_000).toBeLessThan(1);
  });
});
