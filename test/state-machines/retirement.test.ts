/**
 * Retirement on AWS's real semantics (issue 16, items 1-5), each run through the whole MigrateVault
 * state machine on the emulator with the setting that plays what AWS does: a 403 that is not a
 * deletion, refusals that must be outcomes, legal holds that do not travel, copy-job history that
 * ends, and UpdateRecoveryPointLifecycle with its rules.
 */
import { readFileSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '#emulator/clock.ts';
import type { EmulatorOptions } from '#emulator/index.ts';
import type { RecoveryPointSeed } from '#emulator/seed.ts';
import type { ReportResult } from '#shared/contracts.ts';
import { handler as deleteSourceVault } from '../../lambdas/delete-source-vault/handler.ts';
import { type LambdaHandler, LocalRunner } from '../../local/runner/index.ts';
import { copiesPerSource, type Scenario, scenario } from './harness.ts';

/** AWS's example vault access policy: nobody may delete recovery points or change their lifecycle. */
const DENY_DELETION_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: ['backup:DeleteRecoveryPoint', 'backup:UpdateRecoveryPointLifecycle'],
      Resource: '*',
    },
  ],
};

describe('MigrateVault retirement on real AWS semantics', () => {
  let current: Scenario | undefined;

  afterEach(async () => {
    await current?.stop();
    current = undefined;
  });

  async function withSource(
    source: { recoveryPoints?: RecoveryPointSeed[]; count?: number; accessPolicy?: unknown } = {},
    options: EmulatorOptions = {},
  ): Promise<Scenario> {
    current = await scenario(options);
    current.emulator.seed({
      vaults: [
        {
          name: 'legacy',
          encryptionKey: 'none',
          generate: {
            count: source.count ?? 6,
            mix: { EBS: 1, EFS: 1 },
            retentionDays: 400,
            maxAgeDays: 20,
          },
          recoveryPoints: source.recoveryPoints ?? [],
          ...(source.accessPolicy ? { accessPolicy: source.accessPolicy as Record<string, unknown> } : {}),
        },
      ],
    });
    return current;
  }

  /** The same Lambdas, with `hook` run before each invocation of the retire step. */
  function runnerWithRetireHook(target: Scenario, hook: (invocation: number) => void): LocalRunner {
    let invocations = 0;
    const retire: LambdaHandler = async (event: unknown, context: Context) => {
      hook(invocations++);
      return (deleteSourceVault as LambdaHandler)(event, context);
    };
    return new LocalRunner({
      time: target.runner.time,
      environment: {
        AWS_ENDPOINT_URL: target.emulator.url,
        AWS_REGION: target.emulator.region,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        VAULT_MIGRATOR_RETRY_BASE_MS: '2',
        MIGRATION_KMS_KEY_ARN: target.keyArn,
        COPY_ROLE_ARN: 'arn:aws:iam::123456789012:role/vault-migrator-copy',
        ALLOW_SOURCE_DELETION: 'true',
        REPORT_DIR: target.reportDir,
      },
      functions: { DeleteSourceVaultFunctionArn: retire },
    });
  }

  function reportOf(target: Scenario, name: string): { retirement: string; json: string } {
    const json = readFileSync(`${target.reportDir}/legacy/${name}/report.json`, 'utf8');
    const parsed = JSON.parse(json) as { summary?: { retirement?: string }; retirementText?: string };
    return { retirement: JSON.stringify(parsed), json };
  }

  it('item 1: a 403 from DescribeBackupVault is not a deletion while ListBackupVaults still lists the vault', async () => {
    const target = await withSource();
    const runner = runnerWithRetireHook(target, (invocation) => {
      if (invocation === 0) {
        target.emulator.setFaults({
          accessDenied: [{ operation: 'DescribeBackupVault', vaultName: 'legacy' }],
        });
      }
    });
    const result = await runner.startExecution('MigrateVault', {
      sourceVaultName: 'legacy',
      deleteSourceVault: true,
    });
    expect(result.status).toBe('SUCCEEDED');
    expect((result.output as ReportResult).outcome).toBe('MIGRATED_SOURCE_KEPT');
    expect(target.emulator.backup.vaults.get('legacy')?.recoveryPoints.size).toBe(6);
    expect(reportOf(target, result.name).json).toMatch(/reading it was denied/);
  });

  it('item 1: a vault AWS answers 403 for once this retirement deleted it is confirmed gone by ListBackupVaults', async () => {
    const target = await withSource({}, {});
    target.emulator.setFaults({ missingVaultAs: 'AccessDeniedException' });
    const result = await target.runner.startExecution('MigrateVault', {
      sourceVaultName: 'legacy',
      deleteSourceVault: true,
    });
    expect(result.status).toBe('SUCCEEDED');
    expect((result.output as ReportResult).outcome).toBe('MIGRATED_SOURCE_RETIRED');
    expect(target.emulator.backup.vaults.has('legacy')).toBe(false);
    expect(target.emulator.stats().calls.ListBackupVaults ?? 0).toBeGreaterThan(0);
  });

  it('item 2: a vault access policy that denies DeleteRecoveryPoint keeps the source, says why, and succeeds', async () => {
    const target = await withSource({ accessPolicy: DENY_DELETION_POLICY });
    const result = await target.runner.startExecution('MigrateVault', {
      sourceVaultName: 'legacy',
      deleteSourceVault: true,
    });
    expect(result.status).toBe('SUCCEEDED');
    expect((result.output as ReportResult).outcome).toBe('MIGRATED_SOURCE_KEPT');
    expect(target.emulator.backup.vaults.get('legacy')?.recoveryPoints.size).toBe(6);
    expect(reportOf(target, result.name).json).toMatch(/deletion was denied \(AccessDeniedException/);
  });

  it('item 2: DeleteRecoveryPoint answering 200 but leaving the point EXPIRED keeps it, named', async () => {
    const target = await withSource();
    const victim = [
      ...(target.emulator.backup.vaults.get('legacy')?.recoveryPoints.keys() ?? []),
    ][2] as string;
    target.emulator.setFaults({ silentDeleteFailures: [victim] });
    const result = await target.runner.startExecution('MigrateVault', {
      sourceVaultName: 'legacy',
      deleteSourceVault: true,
    });
    expect(result.status).toBe('SUCCEEDED');
    expect((result.output as ReportResult).outcome).toBe('MIGRATED_SOURCE_KEPT');
    expect([...(target.emulator.backup.vaults.get('legacy')?.recoveryPoints.keys() ?? [])]).toEqual([victim]);
    expect(reportOf(target, result.name).json).toContain(
      'still there, EXPIRED, after DeleteRecoveryPoint answered 200',
    );
  });

  it('item 2: InvalidResourceStateException is retried on a later pass, and the source is then retired', async () => {
    const target = await withSource();
    const busy = [...(target.emulator.backup.vaults.get('legacy')?.recoveryPoints.keys() ?? [])][1] as string;
    target.emulator.setFaults({ busyRecoveryPoints: { [busy]: 2 } });
    const result = await target.runner.startExecution('MigrateVault', {
      sourceVaultName: 'legacy',
      deleteSourceVault: true,
    });
    expect(result.status).toBe('SUCCEEDED');
    expect((result.output as ReportResult).outcome).toBe('MIGRATED_SOURCE_RETIRED');
    expect(target.emulator.backup.vaults.has('legacy')).toBe(false);
  });

  it('item 2: a composite parent AWS refuses to delete before its children is retired children first', async () => {
    const target = await withSource(
      { count: 2, recoveryPoints: [{ resourceType: 'CloudFormation', compositeMembers: 2 }] },
      { compositeParentDelete: 'refuse' },
    );
    const result = await target.runner.startExecution('MigrateVault', {
      sourceVaultName: 'legacy',
      deleteSourceVault: true,
    });
    expect(result.status).toBe('SUCCEEDED');
    expect((result.output as ReportResult).outcome).toBe('MIGRATED_SOURCE_RETIRED');
    expect(target.emulator.backup.vaults.has('legacy')).toBe(false);
  });

  it('item 2: a deletion stuck in DELETING for days keeps the vault, named, and the execution succeeds', async () => {
    const target = await withSource();
    const stuck = [
      ...(target.emulator.backup.vaults.get('legacy')?.recoveryPoints.keys() ?? []),
    ][0] as string;
    target.emulator.setFaults({ stuckDeletions: [stuck] });
    const result = await target.runner.startExecution('MigrateVault', {
      sourceVaultName: 'legacy',
      deleteSourceVault: true,
    });
    expect(result.status).toBe('SUCCEEDED');
    expect((result.output as ReportResult).outcome).toBe('MIGRATED_SOURCE_KEPT');
    expect(reportOf(target, result.name).json).toContain('stuck in DELETING');
    // A bounded number of rounds: the wait doubles while the deletion is slow.
    expect(result.executions[0]?.historyEvents ?? 0).toBeLessThan(2000);
  });

  it('item 3: a source recovery point under legal hold is kept, and the report says its copy is not under hold', async () => {
    const target = await withSource({ recoveryPoints: [{ resourceType: 'EFS', legalHold: true }] });
    const result = await target.runner.startExecution('MigrateVault', {
      sourceVaultName: 'legacy',
      deleteSourceVault: true,
    });
    expect(result.status).toBe('SUCCEEDED');
    expect((result.output as ReportResult).outcome).toBe('MIGRATED_SOURCE_KEPT');
    const held = [...(target.emulator.backup.vaults.get('legacy')?.recoveryPoints.values() ?? [])];
    expect(held.map((rp) => rp.legalHold)).toEqual([true]);
    expect(reportOf(target, result.name).json).toMatch(
      /copies in the target vault are not: legal holds do not travel/,
    );
  });

  it('item 4: a re-run with deleteSourceVault months later, past the copy-job history, deletes only verified copies', async () => {
    const target = await withSource({ count: 8 }, { copyJobHistoryDays: 30 });
    const first = await target.runner.startExecution('MigrateVault', { sourceVaultName: 'legacy' }, 'first');
    expect(first.status).toBe('SUCCEEDED');
    const copiesBefore = target.emulator.backup.vaults.get('legacy-encrypted')?.recoveryPoints.size;
    // One copy disappears from the target meanwhile: its source must stay.
    const targetVault = target.emulator.backup.vaults.get('legacy-encrypted');
    const lostCopy = [...(targetVault?.recoveryPoints.values() ?? [])][0];
    const lostSource = [...(target.emulator.backup.vaults.get('legacy')?.recoveryPoints.values() ?? [])].find(
      (rp) =>
        rp.resourceArn === lostCopy?.resourceArn &&
        rp.creationDate.getTime() === lostCopy?.creationDate.getTime(),
    );
    target.emulator.backup.loseRecoveryPoint('legacy-encrypted', lostCopy?.arn ?? '');
    target.emulator.advance(120 * DAY_MS);
    expect(target.emulator.backup.listCopyJobs({}, 100).CopyJobs).toEqual([]);

    const second = await target.runner.startExecution(
      'MigrateVault',
      { sourceVaultName: 'legacy', deleteSourceVault: true },
      'months-later',
    );
    expect(second.status).toBe('SUCCEEDED');
    // The lost copy was made again by the re-run, every other copy exists once.
    const copies = copiesPerSource(target.emulator, 'legacy', 'legacy-encrypted');
    expect([...copies.values()].every((count) => count <= 1)).toBe(true);
    expect(target.emulator.backup.vaults.get('legacy-encrypted')?.recoveryPoints.size).toBe(copiesBefore);
    expect((second.output as ReportResult).outcome).toBe('MIGRATED_SOURCE_RETIRED');
    expect(target.emulator.backup.vaults.has('legacy')).toBe(false);
    expect(lostSource).toBeDefined();
  });

  it('item 5: retireInsteadOfDelete sets every verified source recovery point to expire, on the emulator', async () => {
    const target = await withSource({
      recoveryPoints: [
        { resourceType: 'EBS', lifecycle: { MoveToColdStorageAfterDays: 200, DeleteAfterDays: 400 } },
      ],
    });
    const now = target.emulator.clock.nowMs();
    const result = await target.runner.startExecution('MigrateVault', {
      sourceVaultName: 'legacy',
      deleteSourceVault: true,
      retireInsteadOfDelete: true,
      retireAfterDays: 30,
    });
    expect(result.status).toBe('SUCCEEDED');
    expect((result.output as ReportResult).outcome).toBe('MIGRATED_SOURCE_KEPT');
    const sources = [...(target.emulator.backup.vaults.get('legacy')?.recoveryPoints.values() ?? [])];
    expect(sources).toHaveLength(7);
    for (const source of sources) {
      const view = target.emulator.backup.describeRecoveryPoint('legacy', source.arn);
      const deleteAt = view.CalculatedLifecycle?.DeleteAt?.getTime() ?? Number.POSITIVE_INFINITY;
      expect(deleteAt).toBeLessThanOrEqual(now + 32 * DAY_MS);
    }
    expect(reportOf(target, result.name).json).toMatch(/set to expire within 30 days/);
  });

  it('item 5: a vault access policy denying UpdateRecoveryPointLifecycle keeps the recovery points, named', async () => {
    const target = await withSource({ accessPolicy: DENY_DELETION_POLICY });
    const result = await target.runner.startExecution('MigrateVault', {
      sourceVaultName: 'legacy',
      deleteSourceVault: true,
      retireInsteadOfDelete: true,
    });
    expect(result.status).toBe('SUCCEEDED');
    expect((result.output as ReportResult).outcome).toBe('MIGRATED_SOURCE_KEPT');
    expect(reportOf(target, result.name).json).toContain('AccessDeniedException');
  });
});
