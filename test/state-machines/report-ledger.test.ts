import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '#emulator/clock.ts';
import type { ReportResult } from '#shared/contracts.ts';
import { type Scenario, scenario } from './harness.ts';

interface ReportFile {
  counts: { copied: number; notCopied: number; copyable: number };
  recoveryPoints: Array<{ outcome: string; copyRecoveryPointArn: string | null }>;
}

describe('the report after copy-job history has ended', () => {
  let current: Scenario | undefined;

  afterEach(async () => {
    await current?.stop();
    current = undefined;
  });

  it('still counts every copy, found in the target vault (the ledger that lasts)', async () => {
    current = await scenario();
    const { emulator, runner, reportDir } = current;
    emulator.seed({
      vaults: [
        {
          name: 'legacy',
          encryptionKey: 'none',
          generate: { count: 12, perResource: 2, mix: { EBS: 1, S3: 1 }, retentionDays: 3650 },
        },
      ],
    });
    const first = await runner.startExecution('MigrateVault', { sourceVaultName: 'legacy' }, 'first');
    expect((first.output as ReportResult).outcome).toBe('MIGRATED');

    // Months later, AWS no longer lists the copy jobs of the first run.
    emulator.backup.settings.copyJobHistoryDays = 30;
    emulator.clock.advance(90 * DAY_MS);
    const again = await runner.startExecution('MigrateVault', { sourceVaultName: 'legacy' }, 'again');
    expect((again.output as ReportResult).outcome).toBe('MIGRATED');

    const report = JSON.parse(
      readFileSync(join(reportDir, 'legacy', 'again', 'report.json'), 'utf8'),
    ) as ReportFile;
    expect(report.counts.copyable).toBe(12);
    expect(report.counts.notCopied).toBe(0);
    expect(report.counts.copied).toBe(12);
    expect(report.recoveryPoints.every((row) => row.outcome === 'COPIED' && row.copyRecoveryPointArn)).toBe(
      true,
    );
  });
});
