import { afterEach, describe, expect, it } from 'vitest';
import { copiesPerSource, type Scenario, scenario } from './harness.ts';

interface BatchOutput {
  vaults: Array<{ sourceVaultName: string; outcome: string; failure?: { Error: string } }>;
  skipped: Array<{ vaultName: string; reason: string }>;
}

describe('MigrateAllVaults, run for real on the local engine', () => {
  let current: Scenario | undefined;

  afterEach(async () => {
    await current?.stop();
    current = undefined;
  });

  it('migrates every flagged vault, records the one that fails and goes on with the others', async () => {
    current = await scenario();
    const { emulator, runner, keyArn } = current;
    emulator.seed({
      vaults: [
        { name: 'alpha', encryptionKey: 'none', generate: { count: 12, mix: { EBS: 1, EFS: 1 } } },
        { name: 'beta', encryptionKey: 'aws-managed', generate: { count: 8, mix: { S3: 1 } } },
        { name: 'gamma', encryptionKey: 'none', generate: { count: 6, mix: { RDS: 1 } } },
        { name: 'compliant', encryptionKey: keyArn, generate: { count: 3 } },
        { name: 'ignored', encryptionKey: 'none', tags: { 'vault-migrator:skip': 'true' } },
      ],
    });
    // gamma's target name is taken by a vault with another key: its migration fails on its own.
    emulator.seed({
      keys: [{ alias: 'alias/other' }],
      vaults: [{ name: 'gamma-encrypted', encryptionKey: 'alias/other' }],
    });
    const result = await runner.startExecution('MigrateAllVaults', {
      includeAwsManagedKeys: true,
      maxConcurrentVaults: 2,
    });
    expect(result.status).toBe('SUCCEEDED');
    const output = result.output as BatchOutput;
    const byVault = Object.fromEntries(output.vaults.map((vault) => [vault.sourceVaultName, vault]));
    expect(byVault.alpha?.outcome).toBe('MIGRATED');
    expect(byVault.beta?.outcome).toBe('MIGRATED');
    expect(byVault.gamma?.outcome).toBe('FAILED');
    expect(output.skipped.map((vault) => vault.vaultName).sort()).toEqual(
      expect.arrayContaining(['compliant', 'ignored']),
    );
    expect([...copiesPerSource(emulator, 'alpha', 'alpha-encrypted').values()].every((n) => n === 1)).toBe(
      true,
    );
    expect([...copiesPerSource(emulator, 'beta', 'beta-encrypted').values()].every((n) => n === 1)).toBe(
      true,
    );
    expect(emulator.backup.vaults.get('gamma-encrypted')?.recoveryPoints.size).toBe(0);
    expect(result.executions.filter((execution) => execution.stateMachine === 'MigrateVault')).toHaveLength(
      3,
    );
  });

  it('skips, with a reason, the vaults it must not touch: service-owned, Control Tower and opted-out ones', async () => {
    current = await scenario();
    const { emulator, runner } = current;
    emulator.seed({
      vaults: [
        { name: 'legacy', encryptionKey: 'none', generate: { count: 3, mix: { EFS: 1 } } },
        { name: 'aws/efs/automatic-backup-vault', serviceOwned: true, encryptionKey: 'aws-managed' },
        { name: 'aws_controltower_Backup', encryptionKey: 'none', generate: { count: 2, mix: { EBS: 1 } } },
        { name: 'opted-out', encryptionKey: 'none', tags: { 'vault-migrator:skip': 'true' } },
      ],
    });
    const result = await runner.startExecution('MigrateAllVaults', { includeAwsManagedKeys: true });
    expect(result.status).toBe('SUCCEEDED');
    const output = result.output as BatchOutput;
    expect(output.vaults.map((vault) => [vault.sourceVaultName, vault.outcome])).toEqual([
      ['legacy', 'MIGRATED'],
    ]);
    const reasons = Object.fromEntries(output.skipped.map((vault) => [vault.vaultName, vault.reason]));
    expect(reasons['aws/efs/automatic-backup-vault']).toMatch(/service-owned/);
    expect(reasons.aws_controltower_Backup).toMatch(/Control Tower/);
    expect(reasons['opted-out']).toBe('tagged vault-migrator:skip');
    expect(emulator.backup.vaults.has('aws_controltower_Backup-encrypted')).toBe(false);
  });

  it('fails with InvalidInput for a malformed batch input and starts nothing', async () => {
    current = await scenario();
    current.emulator.resetStats();
    const result = await current.runner.startExecution('MigrateAllVaults', { maxConcurrentVaults: 'many' });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('InvalidInput');
    expect(result.executions).toHaveLength(1);
    expect(current.emulator.mutations()).toEqual([]);
  });
});
