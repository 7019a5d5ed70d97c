import {
  type BackupPlanInput,
  CreateBackupPlanCommand,
  DeleteBackupPlanCommand,
  GetBackupPlanCommand,
  ListBackupPlansCommand,
  paginateListBackupPlans,
  UpdateBackupPlanCommand,
} from '@aws-sdk/client-backup';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MINUTE_MS } from '#emulator/clock.ts';
import { type EmulatorFixture, emulatorWithClients, errorOf, stopFixture } from './helpers.ts';

const arnOf = (name: string) => `arn:aws:backup:us-east-1:123456789012:backup-vault:${name}`;

let fx: EmulatorFixture;
let planIds: Record<string, string>;

beforeEach(async () => {
  fx = await emulatorWithClients();
  planIds = fx.emulator.seed({
    vaults: [
      { name: 'old', encryptionKey: 'aws-managed' },
      { name: 'new', encryptionKey: 'aws-managed' },
    ],
    plans: [
      {
        name: 'daily',
        rules: [
          { ruleName: 'nightly', targetVault: 'old', lifecycle: { DeleteAfterDays: 35 }, copyTo: ['new'] },
          { ruleName: 'weekly', targetVault: 'old', schedule: 'cron(0 5 ? * SUN *)' },
        ],
      },
    ],
  });
});

afterEach(async () => {
  await stopFixture(fx);
});

const retargeted = (target: string): BackupPlanInput => ({
  BackupPlanName: 'daily',
  Rules: [
    { RuleName: 'nightly', TargetBackupVaultName: target, ScheduleExpression: 'cron(0 5 ? * * *)' },
    { RuleName: 'weekly', TargetBackupVaultName: target, ScheduleExpression: 'cron(0 5 ? * SUN *)' },
  ],
});

describe('GetBackupPlan', () => {
  it('returns the seeded document with rule ids, copy actions and the latest VersionId', async () => {
    const id = planIds.daily;
    const plan = await fx.backup.send(new GetBackupPlanCommand({ BackupPlanId: id }));
    expect(plan.BackupPlanId).toBe(id);
    expect(plan.BackupPlanArn).toBe(`arn:aws:backup:us-east-1:123456789012:backup-plan:${id}`);
    expect(plan.VersionId).toEqual(expect.any(String));
    expect(plan.BackupPlan?.BackupPlanName).toBe('daily');
    const [nightly, weekly] = plan.BackupPlan?.Rules ?? [];
    expect(nightly).toMatchObject({
      RuleName: 'nightly',
      TargetBackupVaultName: 'old',
      ScheduleExpression: 'cron(0 5 ? * * *)',
      Lifecycle: { DeleteAfterDays: 35 },
      CopyActions: [{ DestinationBackupVaultArn: arnOf('new'), Lifecycle: { DeleteAfterDays: 35 } }],
    });
    expect(nightly?.RuleId).toEqual(expect.any(String));
    expect(weekly?.ScheduleExpression).toBe('cron(0 5 ? * SUN *)');
    expect(weekly?.RuleId).not.toBe(nightly?.RuleId);
  });

  it('answers an unknown plan or version with ResourceNotFoundException', async () => {
    const plan = await errorOf(fx.backup.send(new GetBackupPlanCommand({ BackupPlanId: 'no-such-plan' })));
    const version = await errorOf(
      fx.backup.send(new GetBackupPlanCommand({ BackupPlanId: planIds.daily, VersionId: 'no-such-version' })),
    );
    expect(plan.name).toBe('ResourceNotFoundException');
    expect(version.name).toBe('ResourceNotFoundException');
  });
});

describe('UpdateBackupPlan', () => {
  it('creates a new VersionId each time and keeps every old version readable', async () => {
    const id = planIds.daily;
    const original = await fx.backup.send(new GetBackupPlanCommand({ BackupPlanId: id }));
    fx.emulator.advance(MINUTE_MS);
    const first = await fx.backup.send(
      new UpdateBackupPlanCommand({ BackupPlanId: id, BackupPlan: retargeted('new') }),
    );
    const second = await fx.backup.send(
      new UpdateBackupPlanCommand({ BackupPlanId: id, BackupPlan: retargeted('old') }),
    );
    const versions = [original.VersionId, first.VersionId, second.VersionId];
    expect(new Set(versions).size).toBe(3);
    expect(first.BackupPlanId).toBe(id);
    expect(first.CreationDate).toEqual(new Date('2026-06-01T00:01:00Z'));

    const latest = await fx.backup.send(new GetBackupPlanCommand({ BackupPlanId: id }));
    expect(latest.VersionId).toBe(second.VersionId);
    expect(latest.BackupPlan?.Rules?.map((rule) => rule.TargetBackupVaultName)).toEqual(['old', 'old']);

    const middle = await fx.backup.send(
      new GetBackupPlanCommand({ BackupPlanId: id, VersionId: first.VersionId }),
    );
    expect(middle.BackupPlan?.Rules?.map((rule) => rule.TargetBackupVaultName)).toEqual(['new', 'new']);
    const oldest = await fx.backup.send(
      new GetBackupPlanCommand({ BackupPlanId: id, VersionId: original.VersionId }),
    );
    expect(oldest.BackupPlan?.Rules?.[0]?.CopyActions).toHaveLength(1);
  });

  it('keeps the RuleId of a rule with the same name across versions', async () => {
    const id = planIds.daily;
    const before = await fx.backup.send(new GetBackupPlanCommand({ BackupPlanId: id }));
    await fx.backup.send(new UpdateBackupPlanCommand({ BackupPlanId: id, BackupPlan: retargeted('new') }));
    const after = await fx.backup.send(new GetBackupPlanCommand({ BackupPlanId: id }));
    expect(after.BackupPlan?.Rules?.map((rule) => rule.RuleId)).toEqual(
      before.BackupPlan?.Rules?.map((rule) => rule.RuleId),
    );
  });

  it('rejects a rule targeting a missing vault with InvalidParameterValueException and adds no version', async () => {
    const id = planIds.daily;
    const before = await fx.backup.send(new GetBackupPlanCommand({ BackupPlanId: id }));
    const error = await errorOf(
      fx.backup.send(new UpdateBackupPlanCommand({ BackupPlanId: id, BackupPlan: retargeted('ghost') })),
    );
    expect(error.name).toBe('InvalidParameterValueException');
    expect(error.message).toContain('ghost');
    const after = await fx.backup.send(new GetBackupPlanCommand({ BackupPlanId: id }));
    expect(after.VersionId).toBe(before.VersionId);
  });

  it('rejects a copy action into a missing vault of this account and Region', async () => {
    const plan = retargeted('new');
    const [rule] = plan.Rules ?? [];
    if (rule) rule.CopyActions = [{ DestinationBackupVaultArn: arnOf('ghost') }];
    const error = await errorOf(
      fx.backup.send(new UpdateBackupPlanCommand({ BackupPlanId: planIds.daily, BackupPlan: plan })),
    );
    expect(error.name).toBe('InvalidParameterValueException');
  });

  it('answers an unknown plan with ResourceNotFoundException', async () => {
    const error = await errorOf(
      fx.backup.send(
        new UpdateBackupPlanCommand({ BackupPlanId: 'no-such-plan', BackupPlan: retargeted('new') }),
      ),
    );
    expect(error.name).toBe('ResourceNotFoundException');
  });
});

describe('ListBackupPlans', () => {
  it('lists the seeded plan with its name and latest VersionId', async () => {
    const listed = await fx.backup.send(new ListBackupPlansCommand({}));
    expect(listed.BackupPlansList).toHaveLength(1);
    const [entry] = listed.BackupPlansList ?? [];
    const plan = await fx.backup.send(new GetBackupPlanCommand({ BackupPlanId: planIds.daily }));
    expect(entry).toMatchObject({
      BackupPlanId: planIds.daily,
      BackupPlanName: 'daily',
      VersionId: plan.VersionId,
    });
    expect(entry?.CreationDate).toBeInstanceOf(Date);
  });

  it('pages over many plans and leaves deleted plans out unless IncludeDeleted is set', async () => {
    for (let index = 0; index < 12; index++) {
      await fx.backup.send(
        new CreateBackupPlanCommand({
          BackupPlan: { ...retargeted('new'), BackupPlanName: `plan-${index}` },
          CreatorRequestId: `create-${index}`,
        }),
      );
    }
    const pageSizes: number[] = [];
    const names: string[] = [];
    for await (const page of paginateListBackupPlans({ client: fx.backup }, {})) {
      pageSizes.push(page.BackupPlansList?.length ?? 0);
      for (const plan of page.BackupPlansList ?? []) names.push(plan.BackupPlanName ?? '');
    }
    expect(pageSizes).toEqual([10, 3]);
    expect(new Set(names).size).toBe(13);

    const deleted = await fx.backup.send(new DeleteBackupPlanCommand({ BackupPlanId: planIds.daily }));
    expect(deleted.DeletionDate).toBeInstanceOf(Date);
    const live = await fx.backup.send(new ListBackupPlansCommand({ MaxResults: 100 }));
    const all = await fx.backup.send(new ListBackupPlansCommand({ MaxResults: 100, IncludeDeleted: true }));
    expect(live.BackupPlansList).toHaveLength(12);
    expect(all.BackupPlansList).toHaveLength(13);
    expect(
      all.BackupPlansList?.find((plan) => plan.BackupPlanId === planIds.daily)?.DeletionDate,
    ).toBeInstanceOf(Date);
  });
});
