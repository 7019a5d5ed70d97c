import {
  BackupClient,
  type BackupPlan,
  GetBackupPlanCommand,
  ListBackupPlansCommand,
  UpdateBackupPlanCommand,
} from '@aws-sdk/client-backup';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '#emulator/index.ts';
import { resetClients } from '#shared/clients.ts';
import type { Migration, MigrationEvent } from '#shared/contracts.ts';
import { parseRepointEvent, repointBackupPlans } from '../../lambdas/repoint-backup-plans/handler.ts';
import { isChanged, repointPlanDocument } from '../../lambdas/repoint-backup-plans/repoint.ts';
import { emulatorForHandlers, migrationFor, stopEmulator } from './helpers.ts';

const VAULT_ARN = (name: string, region = 'eu-west-1') =>
  `arn:aws:backup:${region}:111122223333:backup-vault:${name}`;
const SOURCE = 'legacy';
const TARGET = 'legacy-encrypted';
const SOURCE_ARN = VAULT_ARN(SOURCE);
const TARGET_ARN = VAULT_ARN(TARGET);
const OTHER_ARN = VAULT_ARN('other');
const LIFECYCLE = { MoveToColdStorageAfterDays: 30, DeleteAfterDays: 365 };

function repoint(plan: BackupPlan) {
  return repointPlanDocument(plan, SOURCE, SOURCE_ARN, TARGET, TARGET_ARN);
}

describe('repointPlanDocument', () => {
  it('points a rule at the target and sends back every other field of the plan, without rule ids', () => {
    // GIVEN a plan whose rule backs up into the source, with every optional setting used
    const plan: BackupPlan = {
      BackupPlanName: 'daily',
      Rules: [
        {
          RuleName: 'nightly',
          RuleId: '0a1b2c3d-rule',
          TargetBackupVaultName: SOURCE,
          ScheduleExpression: 'cron(0 5 ? * * *)',
          ScheduleExpressionTimezone: 'Europe/Paris',
          StartWindowMinutes: 60,
          CompletionWindowMinutes: 180,
          Lifecycle: LIFECYCLE,
          RecoveryPointTags: { team: 'storage' },
          EnableContinuousBackup: true,
          CopyActions: [{ DestinationBackupVaultArn: OTHER_ARN, Lifecycle: { DeleteAfterDays: 90 } }],
        },
      ],
      AdvancedBackupSettings: [{ ResourceType: 'EC2', BackupOptions: { WindowsVSS: 'enabled' } }],
    };
    // WHEN it is repointed
    const repointed = repoint(plan);
    // THEN only the vault name changed, and the rule id is gone (UpdateBackupPlan takes BackupRuleInput)
    expect(repointed.document).toEqual({
      BackupPlanName: 'daily',
      Rules: [
        {
          RuleName: 'nightly',
          TargetBackupVaultName: TARGET,
          ScheduleExpression: 'cron(0 5 ? * * *)',
          ScheduleExpressionTimezone: 'Europe/Paris',
          StartWindowMinutes: 60,
          CompletionWindowMinutes: 180,
          Lifecycle: LIFECYCLE,
          RecoveryPointTags: { team: 'storage' },
          EnableContinuousBackup: true,
          CopyActions: [{ DestinationBackupVaultArn: OTHER_ARN, Lifecycle: { DeleteAfterDays: 90 } }],
        },
      ],
      AdvancedBackupSettings: [{ ResourceType: 'EC2', BackupOptions: { WindowsVSS: 'enabled' } }],
    });
    expect(repointed.document.Rules?.[0]).not.toHaveProperty('RuleId');
    expect(repointed).toMatchObject({ rulesRepointed: 1, copyActionsRepointed: 0, droppedSelfCopies: [] });
    expect(isChanged(repointed)).toBe(true);
  });

  it('points a copy action into the source at the target vault ARN, keeping its lifecycle', () => {
    const repointed = repoint({
      BackupPlanName: 'dr',
      Rules: [
        {
          RuleName: 'copy',
          TargetBackupVaultName: 'other',
          CopyActions: [
            { DestinationBackupVaultArn: SOURCE_ARN, Lifecycle: { DeleteAfterDays: 400 } },
            { DestinationBackupVaultArn: VAULT_ARN('dr', 'us-west-2') },
          ],
        },
      ],
    });
    expect(repointed.document.Rules?.[0]?.CopyActions).toEqual([
      { DestinationBackupVaultArn: TARGET_ARN, Lifecycle: { DeleteAfterDays: 400 } },
      { DestinationBackupVaultArn: VAULT_ARN('dr', 'us-west-2') },
    ]);
    expect(repointed.document.Rules?.[0]?.TargetBackupVaultName).toBe('other');
    expect(repointed).toMatchObject({ rulesRepointed: 0, copyActionsRepointed: 1 });
  });

  it('drops a copy to the target from a rule now backing up into the target, and says so', () => {
    const repointed = repoint({
      BackupPlanName: 'mirror',
      Rules: [
        {
          RuleName: 'to-legacy-and-copy-to-new',
          TargetBackupVaultName: SOURCE,
          CopyActions: [{ DestinationBackupVaultArn: TARGET_ARN }, { DestinationBackupVaultArn: OTHER_ARN }],
        },
      ],
    });
    expect(repointed.document.Rules?.[0]).toEqual({
      RuleName: 'to-legacy-and-copy-to-new',
      TargetBackupVaultName: TARGET,
      CopyActions: [{ DestinationBackupVaultArn: OTHER_ARN }],
    });
    expect(repointed.droppedSelfCopies).toEqual([
      { ruleName: 'to-legacy-and-copy-to-new', destinationBackupVaultArn: TARGET_ARN },
    ]);
    expect(repointed.copyActionsRepointed).toBe(0);
  });

  it('drops a copy into the source from a rule that already backs up into the target', () => {
    const repointed = repoint({
      BackupPlanName: 'early-adopter',
      Rules: [
        {
          RuleName: 'to-new-copy-to-legacy',
          TargetBackupVaultName: TARGET,
          CopyActions: [{ DestinationBackupVaultArn: SOURCE_ARN }],
        },
      ],
    });
    expect(repointed.document.Rules?.[0]?.CopyActions).toEqual([]);
    expect(repointed.droppedSelfCopies).toEqual([
      { ruleName: 'to-new-copy-to-legacy', destinationBackupVaultArn: SOURCE_ARN },
    ]);
    expect(isChanged(repointed)).toBe(true);
  });

  it('drops a copy into the source when the rule already copies into the target', () => {
    const repointed = repoint({
      BackupPlanName: 'both',
      Rules: [
        {
          RuleName: 'copies',
          TargetBackupVaultName: 'other',
          CopyActions: [{ DestinationBackupVaultArn: SOURCE_ARN }, { DestinationBackupVaultArn: TARGET_ARN }],
        },
      ],
    });
    expect(repointed.document.Rules?.[0]?.CopyActions).toEqual([{ DestinationBackupVaultArn: TARGET_ARN }]);
    expect(repointed.droppedDuplicateCopies).toEqual([
      { ruleName: 'copies', destinationBackupVaultArn: SOURCE_ARN },
    ]);
    expect(repointed.copyActionsRepointed).toBe(0);
  });

  it('leaves a plan that does not name the source as it was', () => {
    const plan: BackupPlan = {
      BackupPlanName: 'unrelated',
      Rules: [
        {
          RuleName: 'r',
          RuleId: 'id-1',
          TargetBackupVaultName: 'legacy-old',
          CopyActions: [{ DestinationBackupVaultArn: VAULT_ARN(SOURCE, 'eu-central-1') }],
        },
        // A self-copy the owner made on purpose is none of the migration's business.
        {
          RuleName: 's',
          TargetBackupVaultName: TARGET,
          CopyActions: [{ DestinationBackupVaultArn: TARGET_ARN }],
        },
      ],
    };
    const repointed = repoint(plan);
    expect(isChanged(repointed)).toBe(false);
    expect(repointed.document.Rules?.[1]?.CopyActions).toEqual([{ DestinationBackupVaultArn: TARGET_ARN }]);
    expect(repointed.document.Rules?.[0]?.CopyActions).toEqual([
      { DestinationBackupVaultArn: VAULT_ARN(SOURCE, 'eu-central-1') },
    ]);
  });

  it('finds nothing more to change in a plan it already repointed, and never alters its input', () => {
    const plan: BackupPlan = {
      BackupPlanName: 'daily',
      Rules: [
        {
          RuleName: 'a',
          TargetBackupVaultName: SOURCE,
          CopyActions: [{ DestinationBackupVaultArn: TARGET_ARN }],
        },
        {
          RuleName: 'b',
          TargetBackupVaultName: 'other',
          CopyActions: [{ DestinationBackupVaultArn: SOURCE_ARN }],
        },
      ],
    };
    const before = structuredClone(plan);
    const first = repoint(plan);
    expect(plan).toEqual(before);
    const second = repoint(first.document as BackupPlan);
    expect(isChanged(first)).toBe(true);
    expect(isChanged(second)).toBe(false);
    expect(second.document).toEqual(first.document);
  });
});

function mockMigration(overrides: Partial<Migration> = {}): Migration {
  return {
    executionId: 'exec-1',
    sourceVaultName: SOURCE,
    sourceVaultArn: SOURCE_ARN,
    targetVaultName: TARGET,
    targetVaultArn: TARGET_ARN,
    kmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    deleteSourceVault: false,
    dryRun: false,
    maxConcurrentCopies: 20,
    startedAt: '2026-06-01T00:00:00.000Z',
    status: 'READY',
    ...overrides,
  };
}

describe('the repoint-backup-plans event', () => {
  it('takes the source and target vaults from the migration', () => {
    expect(parseRepointEvent({ migration: mockMigration() })).toEqual({
      sourceVaultName: SOURCE,
      sourceVaultArn: SOURCE_ARN,
      targetVaultName: TARGET,
      targetVaultArn: TARGET_ARN,
    });
  });

  it.each([
    [{ dryRun: true }, 'migration.dryRun: a dry run changes no backup plan'],
    [{ status: 'ALREADY_COMPLIANT' as const }, 'migration.status: must be READY to repoint backup plans'],
    [{ targetVaultArn: VAULT_ARN('elsewhere') }, 'migration.targetVaultArn: must name targetVaultName'],
    [
      { targetVaultName: SOURCE, targetVaultArn: SOURCE_ARN },
      'migration.targetVaultName: must differ from sourceVaultName',
    ],
  ])('rejects %o with InvalidInput', (overrides, message) => {
    expect(() => parseRepointEvent({ migration: mockMigration(overrides) })).toThrow(
      `Invalid repoint-backup-plans event: ${message}`,
    );
  });
});

const awsError = (name: string, message: string) => Object.assign(new Error(message), { name });

describe('repoint-backup-plans against a mocked AWS Backup', () => {
  const backup = mockClient(BackupClient);

  const planNamingSource = (name: string): BackupPlan => ({
    BackupPlanName: name,
    Rules: [{ RuleName: `${name}-rule`, RuleId: `${name}-rule-id`, TargetBackupVaultName: SOURCE }],
  });

  beforeEach(() => {
    backup.reset();
    resetClients();
  });

  afterAll(() => {
    backup.restore();
    resetClients();
  });

  it('changes nothing and calls no AWS API for a dry-run event', async () => {
    await expect(repointBackupPlans({ migration: mockMigration({ dryRun: true }) })).rejects.toMatchObject({
      name: 'InvalidInput',
    });
    expect(backup.calls()).toHaveLength(0);
  });

  it('reports each plan whose update fails with the reason, and still updates the others', async () => {
    // GIVEN three plans naming the source, over two listing pages; two of them refuse the update
    backup
      .on(ListBackupPlansCommand)
      .resolvesOnce({
        BackupPlansList: [
          { BackupPlanId: 'full', BackupPlanName: 'full' },
          { BackupPlanId: 'bad', BackupPlanName: 'bad' },
        ],
        NextToken: 'next',
      })
      .resolvesOnce({ BackupPlansList: [{ BackupPlanId: 'good', BackupPlanName: 'good' }] });
    for (const id of ['full', 'bad', 'good']) {
      backup
        .on(GetBackupPlanCommand, { BackupPlanId: id })
        .resolves({ BackupPlanId: id, VersionId: `${id}-v1`, BackupPlan: planNamingSource(id) });
    }
    backup
      .on(UpdateBackupPlanCommand, { BackupPlanId: 'full' })
      .rejects(awsError('LimitExceededException', 'Backup plan full has reached 2,000 versions'));
    backup
      .on(UpdateBackupPlanCommand, { BackupPlanId: 'bad' })
      .rejects(awsError('InvalidParameterValueException', 'Backup vault legacy-encrypted does not exist'));
    backup
      .on(UpdateBackupPlanCommand, { BackupPlanId: 'good' })
      .resolves({ BackupPlanId: 'good', VersionId: 'good-v2' });
    // WHEN the plans are repointed
    const result = await repointBackupPlans({ migration: mockMigration() });
    // THEN the failures carry AWS's reasons and the third plan is updated
    expect(result).toEqual({
      plansExamined: 3,
      plansUpdated: 1,
      rulesRepointed: 1,
      copyActionsRepointed: 0,
      failures: [
        {
          backupPlanId: 'full',
          backupPlanName: 'full',
          reason:
            'UpdateBackupPlan failed: LimitExceededException: Backup plan full has reached 2,000 versions',
        },
        {
          backupPlanId: 'bad',
          backupPlanName: 'bad',
          reason:
            'UpdateBackupPlan failed: InvalidParameterValueException: Backup vault legacy-encrypted does not exist',
        },
      ],
      updates: [{ backupPlanId: 'good', oldVersionId: 'good-v1', newVersionId: 'good-v2' }],
      droppedCopyActions: [],
    });
    // AND the whole document went back, without rule ids
    const sent = backup.commandCalls(UpdateBackupPlanCommand, { BackupPlanId: 'good' })[0]?.args[0].input;
    expect(sent).toEqual({
      BackupPlanId: 'good',
      BackupPlan: {
        BackupPlanName: 'good',
        Rules: [{ RuleName: 'good-rule', TargetBackupVaultName: TARGET }],
      },
    });
  });

  it('reports a plan it cannot read as a failure, and passes over a plan deleted meanwhile', async () => {
    backup.on(ListBackupPlansCommand).resolves({
      BackupPlansList: [
        { BackupPlanId: 'secret', BackupPlanName: 'secret' },
        { BackupPlanId: 'gone' },
        { BackupPlanId: 'daily', BackupPlanName: 'daily' },
      ],
    });
    backup
      .on(GetBackupPlanCommand, { BackupPlanId: 'secret' })
      .rejects(awsError('AccessDeniedException', 'not authorized to perform backup:GetBackupPlan'));
    backup
      .on(GetBackupPlanCommand, { BackupPlanId: 'gone' })
      .rejects(awsError('ResourceNotFoundException', 'Backup plan gone not found'));
    backup
      .on(GetBackupPlanCommand, { BackupPlanId: 'daily' })
      .resolves({ BackupPlanId: 'daily', VersionId: 'd1', BackupPlan: planNamingSource('daily') });
    backup.on(UpdateBackupPlanCommand).resolves({ VersionId: 'd2' });
    const result = await repointBackupPlans({ migration: mockMigration() });
    expect(result.failures).toEqual([
      {
        backupPlanId: 'secret',
        backupPlanName: 'secret',
        reason: 'GetBackupPlan failed: AccessDeniedException: not authorized to perform backup:GetBackupPlan',
      },
    ]);
    expect(result.updates).toEqual([{ backupPlanId: 'daily', oldVersionId: 'd1', newVersionId: 'd2' }]);
    expect(result.plansExamined).toBe(3);
    expect(backup.commandCalls(UpdateBackupPlanCommand)).toHaveLength(1);
  });

  it('lets a failure to list the plans fail the step, to be retried whole', async () => {
    backup.on(ListBackupPlansCommand).rejects(awsError('ServiceUnavailableException', 'try later'));
    await expect(repointBackupPlans({ migration: mockMigration() })).rejects.toMatchObject({
      name: 'ServiceUnavailableException',
    });
    expect(backup.commandCalls(UpdateBackupPlanCommand)).toHaveLength(0);
  });

  it('records the copy actions it dropped in the result', async () => {
    backup.on(ListBackupPlansCommand).resolves({ BackupPlansList: [{ BackupPlanId: 'mirror' }] });
    backup.on(GetBackupPlanCommand).resolves({
      VersionId: 'm1',
      BackupPlan: {
        BackupPlanName: 'mirror',
        Rules: [
          {
            RuleName: 'm',
            TargetBackupVaultName: SOURCE,
            CopyActions: [{ DestinationBackupVaultArn: TARGET_ARN }],
          },
        ],
      },
    });
    backup.on(UpdateBackupPlanCommand).resolves({ VersionId: 'm2' });
    const result = await repointBackupPlans({ migration: mockMigration() });
    expect(result.droppedCopyActions).toEqual([
      { backupPlanId: 'mirror', ruleName: 'm', destinationBackupVaultArn: TARGET_ARN, why: 'SELF_COPY' },
    ]);
    expect(result.rulesRepointed).toBe(1);
  });
});

describe('repoint-backup-plans against the emulator', () => {
  let emulator: Emulator;
  let planIds: Record<string, string>;
  let event: MigrationEvent;

  beforeAll(async () => {
    emulator = await emulatorForHandlers();
    emulator.seed({
      keys: [{ alias: 'alias/migration' }],
      vaults: [
        { name: SOURCE, encryptionKey: 'none' },
        { name: TARGET, encryptionKey: 'alias/migration' },
        { name: 'other', encryptionKey: 'none' },
        { name: 'gone', encryptionKey: 'none' },
      ],
    });
    planIds = emulator.seed({
      plans: [
        {
          name: 'daily',
          rules: [
            {
              ruleName: 'to-legacy',
              targetVault: SOURCE,
              lifecycle: { DeleteAfterDays: 35 },
              copyTo: ['other'],
            },
            { ruleName: 'to-other', targetVault: 'other' },
          ],
        },
        { name: 'dr', rules: [{ ruleName: 'copy-to-legacy', targetVault: 'other', copyTo: [SOURCE] }] },
        { name: 'mirror', rules: [{ ruleName: 'legacy-and-new', targetVault: SOURCE, copyTo: [TARGET] }] },
        { name: 'stale', rules: [{ ruleName: 'to-legacy', targetVault: SOURCE, copyTo: ['gone'] }] },
        { name: 'unrelated', rules: [{ ruleName: 'to-other', targetVault: 'other' }] },
      ],
    });
    // A plan can outlive a vault it copies into; AWS then refuses any update of it.
    emulator.backup.deleteBackupVault('gone');
    // Several pages of plans (the emulator's default page is 10, the handler asks for 1000).
    emulator.seed({
      plans: Array.from({ length: 12 }, (_, index) => ({
        name: `filler-${index}`,
        rules: [{ ruleName: 'r', targetVault: 'other' }],
      })),
    });
    event = {
      migration: migrationFor(emulator, { kmsKeyArn: emulator.kms.findKey('alias/migration')!.arn }),
    };
  });

  afterEach(() => {
    emulator.setFaults({ throttleRate: {} });
    emulator.resetStats();
  });

  afterAll(async () => {
    await stopEmulator(emulator);
  });

  const planDocument = (id: string | undefined) => emulator.backup.getBackupPlan(id!).BackupPlan;

  it('repoints every rule and copy action naming the source, once, and keeps rule ids', async () => {
    // GIVEN the seeded plans
    const ruleIdBefore = planDocument(planIds.daily).Rules[0]?.RuleId;
    const versionsBefore = Object.fromEntries(
      Object.entries(planIds).map(([name, id]) => [name, emulator.backup.getBackupPlan(id).VersionId]),
    );
    emulator.setFaults({ throttleRate: { '*': 0.2 } });
    // WHEN the plans are repointed (with a fifth of the calls throttled)
    const result = await repointBackupPlans(event);
    // THEN the three repointable plans are updated, and the stale one is reported
    expect(emulator.stats().injected.throttles).toBeGreaterThan(0);
    expect(result.plansExamined).toBe(17);
    expect(result.plansUpdated).toBe(3);
    expect(result.rulesRepointed).toBe(2);
    expect(result.copyActionsRepointed).toBe(1);
    expect(result.failures).toEqual([
      {
        backupPlanId: planIds.stale,
        backupPlanName: 'stale',
        reason: expect.stringMatching(/^UpdateBackupPlan failed: InvalidParameterValueException: .*gone/),
      },
    ]);
    expect(result.droppedCopyActions).toEqual([
      {
        backupPlanId: planIds.mirror,
        ruleName: 'legacy-and-new',
        destinationBackupVaultArn: emulator.backup.vaultArn(TARGET),
        why: 'SELF_COPY',
      },
    ]);
    expect(new Set(result.updates.map((update) => update.backupPlanId))).toEqual(
      new Set([planIds.daily, planIds.dr, planIds.mirror]),
    );
    for (const update of result.updates) {
      const name = Object.entries(planIds).find(([, id]) => id === update.backupPlanId)?.[0] ?? '';
      expect(update.oldVersionId).toBe(versionsBefore[name]);
      expect(update.newVersionId).toBe(emulator.backup.getBackupPlan(update.backupPlanId).VersionId);
      expect(update.newVersionId).not.toBe(update.oldVersionId);
    }
    // AND the plans in AWS now name the target
    const daily = planDocument(planIds.daily);
    expect(daily.Rules.map((rule) => rule.TargetBackupVaultName)).toEqual([TARGET, 'other']);
    expect(daily.Rules[0]?.RuleId).toBe(ruleIdBefore);
    expect(daily.Rules[0]?.Lifecycle).toEqual({ DeleteAfterDays: 35 });
    expect(daily.Rules[0]?.CopyActions).toEqual([
      { DestinationBackupVaultArn: emulator.backup.vaultArn('other'), Lifecycle: { DeleteAfterDays: 35 } },
    ]);
    expect(planDocument(planIds.dr).Rules[0]?.CopyActions?.[0]?.DestinationBackupVaultArn).toBe(
      emulator.backup.vaultArn(TARGET),
    );
    expect(planDocument(planIds.mirror).Rules[0]).toMatchObject({
      TargetBackupVaultName: TARGET,
      CopyActions: [],
    });
    expect(planDocument(planIds.stale).Rules[0]?.TargetBackupVaultName).toBe(SOURCE);
    expect(emulator.mutations().map((call) => call.operation)).toEqual([
      'UpdateBackupPlan',
      'UpdateBackupPlan',
      'UpdateBackupPlan',
    ]);
  });

  it('changes nothing when run again', async () => {
    const result = await repointBackupPlans(event);
    expect(result.plansUpdated).toBe(0);
    expect(result.updates).toEqual([]);
    expect(result.rulesRepointed).toBe(0);
    // the stale plan still names the source and is still reported
    expect(result.failures.map((failure) => failure.backupPlanId)).toEqual([planIds.stale]);
    expect(emulator.mutations()).toEqual([]);
  });
});
