/**
 * `npm run demo`: migrates every flagged vault of a realistic account on the embedded emulator by
 * running MigrateAllVaults (and through it MigrateVault) on the local Step Functions engine, with the
 * deployed handler code. Simulated time advances by each wait the state machine takes, so days of
 * copying play in seconds.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startEmulator } from './emulator/index.ts';
import type { SeedSpec } from './emulator/seed.ts';
import { emulatorTime, LocalRunner } from './runner/index.ts';

const HOUR = 3_600_000;

/** An account with the vaults Prowler flags, and the awkward recovery points real vaults hold. */
export const DEMO_ACCOUNT: SeedSpec = {
  keys: [
    { alias: 'alias/app-data' },
    { alias: 'alias/vault-migrator', description: 'backup-vault-migrator target key' },
  ],
  vaults: [
    {
      name: 'legacy-unencrypted',
      encryptionKey: 'none',
      tags: { team: 'platform', 'cost-center': '1234' },
      notifications: {
        snsTopicArn: 'arn:aws:sns:us-east-1:123456789012:backup-events',
        events: ['COPY_JOB_FAILED'],
      },
      generate: { count: 300, perResource: 5, unencryptedShare: 0.3 },
      recoveryPoints: [
        { resourceType: 'RDS', continuous: true },
        { resourceType: 'EBS', status: 'PARTIAL' },
        {
          resourceType: 'EFS',
          createdDaysAgo: 60,
          lifecycle: { MoveToColdStorageAfterDays: 30, DeleteAfterDays: 365 },
        },
        { resourceType: 'DynamoDB', dynamoDbAdvanced: false },
        { resourceType: 'Aurora', encrypted: false, lifecycle: { DeleteAfterDays: 90 } },
      ],
    },
    {
      name: 'Default',
      encryptionKey: 'aws-managed',
      generate: { count: 120, perResource: 4, mix: { EBS: 2, S3: 1, EFS: 1 } },
    },
    { name: 'compliant-app', encryptionKey: 'alias/app-data', generate: { count: 20 } },
  ],
  plans: [
    {
      name: 'daily',
      rules: [{ ruleName: 'daily', targetVault: 'legacy-unencrypted', lifecycle: { DeleteAfterDays: 35 } }],
    },
    {
      name: 'weekly-copy',
      rules: [{ ruleName: 'weekly', targetVault: 'Default', copyTo: ['legacy-unencrypted'] }],
    },
  ],
};

function progress(line: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line}`);
}

interface BatchOutput {
  vaults: Array<{
    sourceVaultName: string;
    outcome: string;
    summary?: string;
    failure?: { Error: string; Cause?: string };
  }>;
  skipped: Array<{ vaultName: string; reason: string }>;
}

async function main(): Promise<void> {
  const started = Date.now();
  const emulator = await startEmulator({ seed: DEMO_ACCOUNT, randomSeed: 2026 });
  emulator.recordCalls = false;
  const simulatedStart = emulator.clock.nowMs();
  const reportDir = resolve(process.env.DEMO_REPORT_DIR ?? join('reports', 'demo'));
  mkdirSync(reportDir, { recursive: true });
  const base = emulatorTime(emulator);
  const runner = new LocalRunner({
    time: {
      now: base.now,
      wait: async (seconds) => {
        await base.wait(seconds);
        const copies = [...emulator.backup.copyJobs.values()];
        const done = copies.filter((job) => job.state === 'COMPLETED').length;
        const failed = copies.filter((job) => job.state === 'FAILED').length;
        progress(
          `copies: ${done} completed, ${emulator.backup.copyJobsInFlight()} in flight, ${failed} failed attempts; ` +
            `simulated ${((emulator.clock.nowMs() - simulatedStart) / HOUR).toFixed(1)} h`,
        );
      },
    },
    environment: {
      AWS_ENDPOINT_URL: emulator.url,
      AWS_REGION: emulator.region,
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
      VAULT_MIGRATOR_RETRY_BASE_MS: '5',
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
      MIGRATION_KMS_KEY_ARN: emulator.kms.findKey('alias/vault-migrator')?.arn ?? '',
      COPY_ROLE_ARN: 'arn:aws:iam::123456789012:role/vault-migrator-copy',
      ALLOW_SOURCE_DELETION: 'true',
      REPORT_DIR: reportDir,
    },
  });
  process.stdout.write(
    `Emulator on ${emulator.url}; running MigrateAllVaults on the local Step Functions engine\n`,
  );
  const result = await runner.startExecution(
    'MigrateAllVaults',
    { includeAwsManagedKeys: true, deleteSourceVault: true, maxConcurrentVaults: 2 },
    'demo',
  );
  progress('');
  if (result.status !== 'SUCCEEDED') {
    process.stdout.write(`MigrateAllVaults failed: ${result.error}: ${result.cause}\n`);
    process.exitCode = 1;
  } else {
    const output = result.output as BatchOutput;
    for (const vault of output.vaults) {
      const detail = vault.summary ?? `${vault.failure?.Error ?? ''} ${vault.failure?.Cause ?? ''}`;
      process.stdout.write(`${vault.outcome.padEnd(24)} ${vault.sourceVaultName}: ${detail}\n`);
    }
    for (const vault of output.skipped)
      process.stdout.write(`${'SKIPPED'.padEnd(24)} ${vault.vaultName}: ${vault.reason}\n`);
    if (output.vaults.some((vault) => vault.outcome === 'FAILED' || vault.outcome === 'INCOMPLETE'))
      process.exitCode = 1;
  }
  const transitions = result.executions.reduce((sum, execution) => sum + execution.stateTransitions, 0);
  process.stdout.write(
    `\nReports in ${reportDir}\n` +
      `${result.executions.length} executions, ${transitions} state transitions, ${emulator.stats().totalCalls} AWS API calls; ` +
      `${((emulator.clock.nowMs() - simulatedStart) / HOUR).toFixed(1)} h simulated in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`,
  );
  await emulator.stop();
}

main().catch((error: unknown) => {
  process.stderr.write(
    `demo failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`,
  );
  process.exitCode = 1;
});
