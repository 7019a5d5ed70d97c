/**
 * A timeout of any one step still reaches the report (issue 16 item 11). Step Functions fails a
 * Task that outlives its TimeoutSeconds with `States.Timeout`; here the handler throws that error,
 * as the local engine does not run wall-clock task timers.
 */
import { existsSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { handler as verifyMigration } from '../../lambdas/verify-migration/handler.ts';
import { handler as writeReport } from '../../lambdas/write-report/handler.ts';
import { type LambdaHandler, LocalRunner } from '../../local/runner/index.ts';
import { COPY_ROLE, type Scenario, scenario } from './harness.ts';

const timedOut = () => Object.assign(new Error('Task timed out'), { name: 'States.Timeout' });

/** `handler`, failing its first `times` invocations with States.Timeout. */
function timingOut(handler: unknown, times: number): LambdaHandler {
  let calls = 0;
  return async (event: unknown, context: Context) => {
    if (calls++ < times) throw timedOut();
    return (handler as LambdaHandler)(event, context);
  };
}

describe('MigrateVault: a step that times out still gets its report', () => {
  let current: Scenario | undefined;

  afterEach(async () => {
    await current?.stop();
    current = undefined;
  });

  async function runWith(functions: Record<string, LambdaHandler>) {
    current = await scenario();
    current.emulator.seed({
      vaults: [{ name: 'legacy', encryptionKey: 'none', generate: { count: 3, mix: { EFS: 1 } } }],
    });
    const runner = new LocalRunner({
      time: current.runner.time,
      environment: {
        AWS_ENDPOINT_URL: current.emulator.url,
        AWS_REGION: current.emulator.region,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        VAULT_MIGRATOR_RETRY_BASE_MS: '2',
        MIGRATION_KMS_KEY_ARN: current.keyArn,
        COPY_ROLE_ARN: COPY_ROLE,
        REPORT_DIR: current.reportDir,
      },
      functions,
    });
    return runner.startExecution('MigrateVault', { sourceVaultName: 'legacy' }, 'timeout');
  }

  it('reports a verification step that timed out, then fails with States.Timeout', async () => {
    const result = await runWith({ VerifyMigrationFunctionArn: timingOut(verifyMigration, 1) });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Timeout');
    expect(existsSync(`${current?.reportDir}/legacy/timeout/report.json`)).toBe(true);
  });

  it('writes the failure report when writing the report itself timed out', async () => {
    const result = await runWith({ WriteReportFunctionArn: timingOut(writeReport, 1) });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Timeout');
    expect(existsSync(`${current?.reportDir}/legacy/timeout/report.json`)).toBe(true);
  });
});
