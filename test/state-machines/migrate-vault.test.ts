import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReportResult } from '#shared/contracts.ts';
import { copiesPerSource, type Scenario, scenario } from './harness.ts';

/** Recovery points of a vault that can be copied (completed snapshots). */
function copyableArns(emulator: Scenario['emulator'], vault: string): string[] {
  return [...(emulator.backup.vaults.get(vault)?.recoveryPoints.values() ?? [])]
    .filter((rp) => rp.status === 'COMPLETED' && !rp.isContinuous)
    .map((rp) => rp.arn);
}

const MIXED = { EBS: 3, RDS: 2, EFS: 2, S3: 1, DynamoDB: 1, Aurora: 1 };

describe('MigrateVault, run for real on the local engine', () => {
  let current: Scenario | undefined;

  afterEach(async () => {
    await current?.stop();
    current = undefined;
  });

  async function withVault(
    options: Parameters<typeof scenario>[0] = {},
    environment: Record<string, string> = {},
  ) {
    current = await scenario(options, environment);
    current.emulator.seed({
      vaults: [
        {
          name: 'legacy',
          encryptionKey: 'none',
          tags: { team: 'platform' },
          generate: { count: 60, perResource: 3, mix: MIXED },
          recoveryPoints: [
            { resourceType: 'RDS', continuous: true },
            { resourceType: 'EBS', status: 'PARTIAL' },
          ],
        },
      ],
      plans: [
        {
          name: 'daily',
          rules: [{ ruleName: 'daily', targetVault: 'legacy', lifecycle: { DeleteAfterDays: 35 } }],
        },
      ],
    });
    return current;
  }

  it('migrates a vault of mixed resource types: every copyable recovery point copied once, plans repointed', async () => {
    const { emulator, runner } = await withVault();
    const result = await runner.startExecution('MigrateVault', {
      sourceVaultName: 'legacy',
      maxConcurrentCopies: 10,
    });
    expect(result.status).toBe('SUCCEEDED');
    const output = result.output as ReportResult;
    expect(output.outcome).toBe('MIGRATED');
    const copies = copiesPerSource(emulator, 'legacy', 'legacy-encrypted');
    const copyable = [...(emulator.backup.vaults.get('legacy')?.recoveryPoints.values() ?? [])].filter(
      (rp) => rp.status === 'COMPLETED' && !rp.isContinuous,
    );
    expect(copyable).toHaveLength(60);
    for (const recoveryPoint of copyable) expect(copies.get(recoveryPoint.arn)).toBe(1);
    const target = emulator.backup.vaults.get('legacy-encrypted');
    expect(target?.encryptionKeyArn).toBe(current?.keyArn);
    expect(target?.tags.get('team')).toBe('platform');
    const plan = [...emulator.backup.plans.values()][0];
    expect(plan?.versions.at(-1)?.document.Rules[0]?.TargetBackupVaultName).toBe('legacy-encrypted');
    expect(existsSync(output.reportLocation.csv)).toBe(true);
    expect(readFileSync(output.reportLocation.csv, 'utf8').split('\n').length).toBeGreaterThan(60);
  });

  it('changes nothing on a dry run', async () => {
    const { emulator, runner } = await withVault();
    emulator.resetStats();
    const result = await runner.startExecution('MigrateVault', { sourceVaultName: 'legacy', dryRun: true });
    expect(result.status).toBe('SUCCEEDED');
    expect((result.output as ReportResult).outcome).toBe('DRY_RUN');
    expect(emulator.mutations()).toEqual([]);
    expect(emulator.backup.vaults.has('legacy-encrypted')).toBe(false);
  });

  it('finishes at once for a vault already on the key', async () => {
    const { emulator, runner, keyArn } = await withVault();
    emulator.seed({ vaults: [{ name: 'good', encryptionKey: keyArn, generate: { count: 5 } }] });
    emulator.resetStats();
    const result = await runner.startExecution('MigrateVault', { sourceVaultName: 'good' });
    expect(result.status).toBe('SUCCEEDED');
    expect((result.output as ReportResult).outcome).toBe('ALREADY_COMPLIANT');
    expect(emulator.mutations()).toEqual([]);
  });

  it('retries failed copies until they succeed', async () => {
    const { emulator, runner } = await withVault();
    const victims = copyableArns(emulator, 'legacy').slice(0, 3);
    emulator.setFaults({ copyFailures: Object.fromEntries(victims.map((arn) => [arn, 2])) });
    const result = await runner.startExecution('MigrateVault', { sourceVaultName: 'legacy' });
    expect(result.status).toBe('SUCCEEDED');
    const copies = copiesPerSource(emulator, 'legacy', 'legacy-encrypted');
    for (const victim of victims) expect(copies.get(victim)).toBe(1);
    expect(emulator.stats().injected.copyFailures).toBe(6);
  });

  it('keeps the source vault and names the recovery point whose copy always fails', async () => {
    const { emulator, runner } = await withVault({}, { MAX_SWEEPS: '2' });
    const victim = copyableArns(emulator, 'legacy')[4] as string;
    emulator.setFaults({ copyFailures: { [victim]: 'permanent' } });
    const result = await runner.startExecution('MigrateVault', {
      sourceVaultName: 'legacy',
      deleteSourceVault: true,
    });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('MigrationIncomplete');
    expect(emulator.backup.vaults.get('legacy')?.recoveryPoints.has(victim)).toBe(true);
    expect(emulator.backup.vaults.get('legacy')?.recoveryPoints.size).toBe(62);
    const report = readFileSync(`${current?.reportDir}/legacy/${result.name}/report.csv`, 'utf8');
    expect(report).toContain(victim);
  });

  it('copies everything while every API throttles', async () => {
    const { emulator, runner } = await withVault();
    emulator.setFaults({ throttleRate: { '*': 0.1 } });
    const result = await runner.startExecution('MigrateVault', { sourceVaultName: 'legacy' });
    expect(result.status).toBe('SUCCEEDED');
    expect(emulator.stats().injected.throttles).toBeGreaterThan(10);
    expect(
      [...copiesPerSource(emulator, 'legacy', 'legacy-encrypted').values()].filter((n) => n > 1),
    ).toEqual([]);
  });

  it.each(['queue', 'reject'] as const)(
    'respects the account copy limit when AWS would %s past it',
    async (mode) => {
      const { emulator, runner } = await withVault({ copyConcurrencyLimit: 4, limitBehaviour: mode });
      const result = await runner.startExecution('MigrateVault', {
        sourceVaultName: 'legacy',
        maxConcurrentCopies: 10,
      });
      expect(result.status).toBe('SUCCEEDED');
      const copies = copiesPerSource(emulator, 'legacy', 'legacy-encrypted');
      expect([...copies.values()].filter((n) => n === 1)).toHaveLength(60);
      if (mode === 'reject') expect(emulator.stats().injected.limitExceeded).toBeGreaterThan(0);
    },
  );

  it('sweeps a backup that lands in the source during the migration', async () => {
    const { emulator, runner } = await withVault();
    let waits = 0;
    const runnerWithArrival = runner.withTime({
      now: runner.time.now,
      wait: async (seconds) => {
        await runner.time.wait(seconds);
        if (++waits === 3)
          emulator.seeder.addRecoveryPoint('legacy', { resourceType: 'EFS', createdDaysAgo: 0 });
      },
    });
    const result = await runnerWithArrival.startExecution('MigrateVault', { sourceVaultName: 'legacy' });
    expect(result.status).toBe('SUCCEEDED');
    const copies = copiesPerSource(emulator, 'legacy', 'legacy-encrypted');
    expect([...copies.values()].filter((n) => n === 1)).toHaveLength(61);
  });

  it('repoints the plans before the first copy starts', async () => {
    const { emulator, runner } = await withVault();
    emulator.resetStats();
    await runner.startExecution('MigrateVault', { sourceVaultName: 'legacy' });
    const operations = emulator.calls.filter((call) => call.status === 200).map((call) => call.operation);
    expect(operations.indexOf('UpdateBackupPlan')).toBeGreaterThanOrEqual(0);
    expect(operations.indexOf('UpdateBackupPlan')).toBeLessThan(operations.indexOf('StartCopyJob'));
  });

  it('starts again after being killed mid-way without copying anything twice', async () => {
    const { emulator, runner } = await withVault();
    let waits = 0;
    const dying = runner.withTime({
      now: runner.time.now,
      wait: async (seconds) => {
        await runner.time.wait(seconds);
        if (++waits === 5)
          throw Object.assign(new Error('the execution was stopped'), { name: 'ExecutionAborted' });
      },
    });
    const killed = await dying.startExecution('MigrateVault', { sourceVaultName: 'legacy' });
    expect(killed.status).toBe('FAILED');
    const startedBefore = emulator.backup.copyJobs.size;
    expect(startedBefore).toBeGreaterThan(0);
    const again = await runner.startExecution('MigrateVault', { sourceVaultName: 'legacy' });
    expect(again.status).toBe('SUCCEEDED');
    const copies = copiesPerSource(emulator, 'legacy', 'legacy-encrypted');
    expect([...copies.values()].filter((n) => n > 1)).toEqual([]);
    expect([...copies.values()].filter((n) => n === 1)).toHaveLength(60);
  });

  it('deletes the source once every copy is verified, when asked', async () => {
    const { emulator, runner } = await withVault();
    emulator.seed({
      vaults: [{ name: 'clean', encryptionKey: 'none', generate: { count: 20, mix: { EBS: 1, EFS: 1 } } }],
    });
    const result = await runner.startExecution('MigrateVault', {
      sourceVaultName: 'clean',
      deleteSourceVault: true,
    });
    expect(result.status).toBe('SUCCEEDED');
    expect((result.output as ReportResult).outcome).toBe('MIGRATED_SOURCE_RETIRED');
    expect(emulator.backup.vaults.has('clean')).toBe(false);
    expect(emulator.backup.vaults.get('clean-encrypted')?.recoveryPoints.size).toBe(20);
  });

  it('keeps a source vault with a legal hold, deleting only what it may', async () => {
    const { emulator, runner } = await withVault();
    emulator.seed({
      vaults: [
        {
          name: 'held',
          encryptionKey: 'none',
          generate: { count: 10, mix: { EFS: 1 } },
          recoveryPoints: [{ resourceType: 'EFS', legalHold: true }],
        },
      ],
    });
    const result = await runner.startExecution('MigrateVault', {
      sourceVaultName: 'held',
      deleteSourceVault: true,
    });
    expect(result.status).toBe('SUCCEEDED');
    expect((result.output as ReportResult).outcome).toBe('MIGRATED_SOURCE_KEPT');
    const held = emulator.backup.vaults.get('held');
    expect(held?.recoveryPoints.size).toBe(1);
    expect([...(held?.recoveryPoints.values() ?? [])][0]?.legalHold).toBe(true);
  });

  it('keeps a locked source vault whole', async () => {
    const { emulator, runner } = await withVault();
    emulator.seed({
      vaults: [
        {
          name: 'locked',
          encryptionKey: 'none',
          lock: { minRetentionDays: 1 },
          generate: { count: 8, mix: { EFS: 1 } },
        },
      ],
    });
    const result = await runner.startExecution('MigrateVault', {
      sourceVaultName: 'locked',
      deleteSourceVault: true,
    });
    expect(result.status).toBe('SUCCEEDED');
    expect((result.output as ReportResult).outcome).toBe('MIGRATED_SOURCE_KEPT');
    expect(emulator.backup.vaults.get('locked')?.recoveryPoints.size).toBe(8);
  });

  it.each([
    ['a missing vault', { sourceVaultName: 'nope' }, 'SourceVaultNotFound'],
    ['a key that does not exist', { sourceVaultName: 'legacy', kmsKeyArn: 'alias/missing' }, 'InvalidKmsKey'],
    ['an unknown field', { sourceVaultName: 'legacy', colour: 'blue' }, 'InvalidInput'],
  ])('fails with a named error and changes nothing for %s', async (_what, input, error) => {
    const { emulator, runner } = await withVault();
    emulator.resetStats();
    const result = await runner.startExecution('MigrateVault', input);
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(error);
    expect(emulator.mutations()).toEqual([]);
  });

  it('fails with TargetVaultConflict when the target exists with another key, changing nothing', async () => {
    const { emulator, runner } = await withVault();
    emulator.seed({
      keys: [{ alias: 'alias/other' }],
      vaults: [{ name: 'legacy-encrypted', encryptionKey: 'alias/other' }],
    });
    emulator.resetStats();
    const result = await runner.startExecution('MigrateVault', { sourceVaultName: 'legacy' });
    expect(result.error).toBe('TargetVaultConflict');
    expect(emulator.mutations()).toEqual([]);
  });

  it('continues in child executions when one execution has used its budget of rounds', async () => {
    const { emulator, runner } = await withVault({}, { MAX_LOOP_EVENTS_PER_EXECUTION: '72' });
    const result = await runner.startExecution('MigrateVault', {
      sourceVaultName: 'legacy',
      maxConcurrentCopies: 5,
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.executions.length).toBeGreaterThan(2);
    expect(result.executions.every((execution) => execution.status === 'SUCCEEDED')).toBe(true);
    expect((result.output as ReportResult).outcome).toBe('MIGRATED');
    expect(
      [...copiesPerSource(emulator, 'legacy', 'legacy-encrypted').values()].filter((n) => n === 1),
    ).toHaveLength(60);
  });

  it('carries on a continuation started by a parent of the previous definition (copy loop state only)', async () => {
    const { emulator, runner, keyArn } = await withVault();
    emulator.seed({ vaults: [{ name: 'legacy-encrypted', encryptionKey: keyArn }] });
    const source = emulator.backup.getVault('legacy');
    const target = emulator.backup.getVault('legacy-encrypted');
    const startedAt = emulator.clock.now().toISOString();
    // What "Continue in a child execution" carried before the loops shared one history budget.
    const continuation = {
      input: { sourceVaultName: 'legacy' },
      migration: {
        executionId: 'older-parent',
        sourceVaultName: 'legacy',
        sourceVaultArn: source.arn,
        targetVaultName: 'legacy-encrypted',
        targetVaultArn: target.arn,
        kmsKeyArn: keyArn,
        deleteSourceVault: false,
        dryRun: false,
        maxConcurrentCopies: 20,
        startedAt,
        status: 'READY',
      },
      targetVault: null,
      planRepoint: null,
      sweep: 0,
      copy: { sweep: -1 },
      executionId: 'older-parent',
    };
    const result = await runner.startExecution('MigrateVault', { continuation }, 'older-parent-child');
    expect(`${result.error}: ${result.cause}`).toBe('undefined: undefined');
    expect(result.status).toBe('SUCCEEDED');
    expect((result.output as ReportResult).outcome).toBe('MIGRATED');
  });

  it('continues every loop (copy, verification, retirement) in a child under one history budget', async () => {
    // Pages of at most 20 (AWS may serve fewer than asked): verification reads 5 pages an
    // invocation, so a 300-point vault takes several verification invocations and retirement rounds.
    current = await scenario({ maxPageSize: 20 }, { MAX_LOOP_EVENTS_PER_EXECUTION: '30' });
    const { emulator, runner } = current;
    emulator.seed({
      vaults: [
        { name: 'big', encryptionKey: 'none', generate: { count: 300, perResource: 1, mix: { S3: 1 } } },
      ],
    });
    const result = await runner.startExecution('MigrateVault', {
      sourceVaultName: 'big',
      deleteSourceVault: true,
      maxConcurrentCopies: 100,
    });
    expect(result.status).toBe('SUCCEEDED');
    expect((result.output as ReportResult).outcome).toBe('MIGRATED_SOURCE_RETIRED');
    const handedOver = (state: string) =>
      result.executions.filter((execution) => (execution.statesEntered[state] ?? 0) > 0).length;
    expect(handedOver('Hand the copying to a child execution')).toBeGreaterThan(0);
    expect(handedOver('Hand the verification to a child execution')).toBeGreaterThan(0);
    expect(handedOver('Hand the retirement to a child execution')).toBeGreaterThan(0);
    // Each execution's loops stay within the budget: 30 events of loop steps, plus the states around them.
    for (const execution of result.executions) expect(execution.historyEvents).toBeLessThan(30 + 60);
    expect(emulator.backup.vaults.has('big')).toBe(false);
    expect([...copiesPerSource(emulator, 'big', 'big-encrypted').values()].every((n) => n === 1)).toBe(true);
    console.log(
      'history events per execution:',
      result.executions.map((execution) => execution.historyEvents).join(', '),
    );
  });
});
