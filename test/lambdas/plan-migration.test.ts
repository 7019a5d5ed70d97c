import {
  BackupClient,
  GetBackupPlanCommand,
  GetBackupVaultAccessPolicyCommand,
  GetBackupVaultNotificationsCommand,
  ListBackupPlansCommand,
  ListRecoveryPointsByBackupVaultCommand,
  type RecoveryPointByBackupVault,
} from '@aws-sdk/client-backup';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '#emulator/index.ts';
import { type Classification, classifyRecoveryPoint, SKIP_REASONS } from '#shared/classify.ts';
import { resetClients } from '#shared/clients.ts';
import type { Migration, MigrationEvent } from '#shared/contracts.ts';
import { DAY_MS } from '#shared/retention.ts';
import {
  CLASSIFICATION_CSV_COLUMNS,
  classificationCsvRow,
  classificationCsvRows,
  csvField,
} from '../../lambdas/plan-migration/csv.ts';
import { parsePlanMigrationEvent, planMigration } from '../../lambdas/plan-migration/handler.ts';
import {
  ASSUMED_BYTES_PER_HOUR_PER_COPY,
  estimateCopyHours,
  findSourceReferences,
  MAX_PLAN_REFERENCES,
  type MigrationPlan,
  PlanBuilder,
  SAMPLE_SIZE,
  type SourceReferences,
} from '../../lambdas/plan-migration/plan.ts';
import type { ClassifiedRecoveryPoint } from '../../lambdas/shared/source-listing.ts';
import { ARNS, NOW, recoveryPoint, SOURCE_KEY_ARN, TARGET_KEY_ARN } from '../unit/recovery-points.ts';
import { emulatorForHandlers, migrationFor, stopEmulator } from './helpers.ts';

const GIB = 1024 ** 3;
const SOURCE_ARN = 'arn:aws:backup:eu-west-1:111122223333:backup-vault:legacy';

const NO_REFERENCES: SourceReferences = {
  backupPlanRules: [],
  backupPlanRuleCount: 0,
  notifications: false,
  accessPolicy: false,
};

function classified(source: RecoveryPointByBackupVault, isParent = () => false): ClassifiedRecoveryPoint {
  return {
    recoveryPoint: source,
    classification: classifyRecoveryPoint(source, {
      targetKeyArn: TARGET_KEY_ARN,
      now: NOW,
      isParentInVault: isParent,
    }),
  };
}

function mockMigration(overrides: Partial<Migration> = {}): Migration {
  return {
    executionId: 'exec-1',
    sourceVaultName: 'legacy',
    sourceVaultArn: SOURCE_ARN,
    targetVaultName: 'legacy-encrypted',
    targetVaultArn: `${SOURCE_ARN}-encrypted`,
    kmsKeyArn: TARGET_KEY_ARN,
    deleteSourceVault: false,
    dryRun: true,
    maxConcurrentCopies: 20,
    startedAt: NOW.toISOString(),
    status: 'READY',
    ...overrides,
  };
}

describe('the plan builder', () => {
  it('counts recovery points by skip reason and by predicted encryption, with their bytes', () => {
    // GIVEN an encrypted EBS snapshot, an unencrypted RDS snapshot, an S3 backup and a PARTIAL one
    const builder = new PlanBuilder();
    builder.add(
      classified(
        recoveryPoint('EBS', {
          IsEncrypted: true,
          EncryptionKeyArn: SOURCE_KEY_ARN,
          BackupSizeInBytes: 10 * GIB,
        }),
      ),
    );
    builder.add(classified(recoveryPoint('RDS', { BackupSizeInBytes: 2 * GIB })));
    builder.add(classified(recoveryPoint('S3', { BackupSizeInBytes: 3 * GIB })));
    builder.add(classified(recoveryPoint('EFS', { Status: 'PARTIAL', BackupSizeInBytes: 5 * GIB })));
    // WHEN the plan is built
    const plan = builder.build(NO_REFERENCES, 20);
    // THEN the counts and bytes add up
    expect(plan.recoveryPoints).toBe(4);
    expect(plan.copyable).toBe(3);
    expect(plan.skipped).toEqual({
      ...Object.fromEntries(SKIP_REASONS.map((r) => [r, 0])),
      NOT_COMPLETED: 1,
    });
    expect(plan.predictedEncryption).toEqual({ TARGET_KEY: 1, SOURCE_KEY: 1, UNENCRYPTED: 1 });
    expect(plan.bytesToCopy).toBe(15 * GIB);
    expect(plan.bytesTotal).toBe(20 * GIB);
  });

  it('reports the newest and oldest creation dates as ISO strings', () => {
    const builder = new PlanBuilder();
    for (const daysAgo of [3, 40, 1]) {
      builder.add(
        classified(recoveryPoint('S3', { CreationDate: new Date(NOW.getTime() - daysAgo * DAY_MS) })),
      );
    }
    const plan = builder.build(NO_REFERENCES, 20);
    expect(plan.newestRecoveryPoint).toBe(new Date(NOW.getTime() - DAY_MS).toISOString());
    expect(plan.oldestRecoveryPoint).toBe(new Date(NOW.getTime() - 40 * DAY_MS).toISOString());
  });

  it('leaves the dates out of the plan of an empty vault', () => {
    const plan = new PlanBuilder().build(NO_REFERENCES, 20);
    expect(plan.recoveryPoints).toBe(0);
    expect(plan.estimatedCopyHours).toBe(0);
    expect(plan).not.toHaveProperty('newestRecoveryPoint');
    expect(plan).not.toHaveProperty('oldestRecoveryPoint');
    expect(plan.sample).toEqual([]);
  });

  it('samples at most 20 recovery points, showing each kind of outcome before repeating one', () => {
    // GIVEN 50 unencrypted RDS snapshots, then one continuous backup, then one S3 backup
    const builder = new PlanBuilder();
    for (let index = 0; index < 50; index++) {
      builder.add(classified(recoveryPoint('RDS', { RecoveryPointArn: `${ARNS.rdsSnapshot()}-${index}` })));
    }
    builder.add(
      classified(recoveryPoint('RDS', { RecoveryPointArn: ARNS.continuous(), Status: 'AVAILABLE' })),
    );
    builder.add(classified(recoveryPoint('S3')));
    // WHEN the plan is built
    const { sample } = builder.build(NO_REFERENCES, 20);
    // THEN the rare outcomes made it into the sample, which is capped
    expect(sample).toHaveLength(SAMPLE_SIZE);
    expect(sample.slice(0, 3).map((entry) => entry.predictedEncryption ?? entry.reason)).toEqual([
      'UNENCRYPTED',
      'CONTINUOUS_BACKUP',
      'TARGET_KEY',
    ]);
    expect(sample[1]).toEqual({
      recoveryPointArn: ARNS.continuous(),
      resourceType: 'RDS',
      copyable: false,
      reason: 'CONTINUOUS_BACKUP',
    });
  });

  it('keeps the plan far under 16 KiB however many recovery points and rules there are', () => {
    // GIVEN 20,000 recovery points of every kind with long ARNs, and 900 rules naming the source
    const builder = new PlanBuilder();
    const longArn = (index: number) => `${ARNS.rdsClusterSnapshot()}-${'x'.repeat(60)}-${index}`;
    for (let index = 0; index < 20_000; index++) {
      builder.add(
        classified(
          recoveryPoint(index % 2 ? 'Aurora' : 'S3', {
            RecoveryPointArn: longArn(index),
            ResourceArn: `arn:aws:s3:::bucket-${index}`,
            Status: index % 7 === 0 ? 'PARTIAL' : 'COMPLETED',
            IsEncrypted: index % 3 === 0,
            EncryptionKeyArn: index % 3 === 0 ? SOURCE_KEY_ARN : undefined,
          }),
        ),
      );
    }
    const references: SourceReferences = {
      backupPlanRules: Array.from({ length: MAX_PLAN_REFERENCES }, (_, index) => ({
        backupPlanId: `8b7a1c2d-0000-4000-8000-${String(index).padStart(12, '0')}`,
        backupPlanName: 'p'.repeat(50),
        ruleName: 'r'.repeat(50),
        kind: 'COPY_ACTION' as const,
      })),
      backupPlanRuleCount: 900,
      notifications: true,
      accessPolicy: true,
    };
    // WHEN the plan is built
    const plan = builder.build(references, 20);
    // THEN it holds 20 examples and stays small
    expect(plan.recoveryPoints).toBe(20_000);
    expect(plan.sample).toHaveLength(SAMPLE_SIZE);
    expect(Buffer.byteLength(JSON.stringify(plan))).toBeLessThan(12 * 1024);
  });
});

describe('the copy time estimate', () => {
  it('spreads the copy work over the concurrent copies', () => {
    // 100 jobs of 10 minutes each and 500 GiB at 50 GiB/h: 16.67 h + 10 h, over 20 copies at once
    const estimate = estimateCopyHours({
      copyJobs: 100,
      bytesToCopy: 500 * GIB,
      concurrency: 20,
      longestResourceChain: { copyJobs: 1, bytes: 5 * GIB },
    });
    expect(ASSUMED_BYTES_PER_HOUR_PER_COPY).toBe(50 * GIB);
    expect(estimate.hours).toBe(1.34);
    expect(estimate.longestResourceChainHours).toBe(0.27);
  });

  it('never estimates less than the copies of one resource take one after another', () => {
    // 30 snapshots of one 100 GiB volume: 30 x (10 min + 2 h), whatever the concurrency
    const estimate = estimateCopyHours({
      copyJobs: 30,
      bytesToCopy: 3000 * GIB,
      concurrency: 100,
      longestResourceChain: { copyJobs: 30, bytes: 3000 * GIB },
    });
    expect(estimate.hours).toBe(65);
  });

  it('does not count more parallel copies than there are copy jobs', () => {
    const estimate = estimateCopyHours({
      copyJobs: 2,
      bytesToCopy: 100 * GIB,
      concurrency: 20,
      longestResourceChain: { copyJobs: 1, bytes: 10 * GIB },
    });
    // (2 x 10 min + 2 h) / 2 copies at once, not / 20
    expect(estimate.hours).toBe(1.17);
  });

  it('states in the plan that it is an estimate and on what it rests', () => {
    const builder = new PlanBuilder();
    builder.add(classified(recoveryPoint('S3', { BackupSizeInBytes: 50 * GIB })));
    const plan = builder.build(NO_REFERENCES, 20);
    expect(plan.estimatedCopyHours).toBe(1.17);
    expect(plan.estimate).toMatchObject({ isEstimate: true, concurrency: 1, assumedMinutesPerCopyJob: 10 });
    expect(plan.estimate.basis).toMatch(/^Estimate, not a measurement/);
  });
});

describe('references to the source vault in a backup plan', () => {
  it('finds rules that back up into the source and rules that copy into it', () => {
    const references = findSourceReferences(
      'plan-1',
      {
        BackupPlanName: 'daily',
        Rules: [
          { RuleName: 'to-legacy', TargetBackupVaultName: 'legacy' },
          {
            RuleName: 'copy-to-legacy',
            TargetBackupVaultName: 'other',
            CopyActions: [
              { DestinationBackupVaultArn: 'arn:aws:backup:us-west-2:111122223333:backup-vault:dr' },
              { DestinationBackupVaultArn: SOURCE_ARN },
            ],
          },
          { RuleName: 'unrelated', TargetBackupVaultName: 'legacy-old' },
        ],
      },
      'legacy',
      SOURCE_ARN,
    );
    expect(references).toEqual([
      { backupPlanId: 'plan-1', backupPlanName: 'daily', ruleName: 'to-legacy', kind: 'TARGET' },
      { backupPlanId: 'plan-1', backupPlanName: 'daily', ruleName: 'copy-to-legacy', kind: 'COPY_ACTION' },
    ]);
  });

  it('does not mistake a vault of the same name in another Region for the source', () => {
    const references = findSourceReferences(
      'plan-1',
      {
        BackupPlanName: 'daily',
        Rules: [
          {
            RuleName: 'copy',
            TargetBackupVaultName: 'other',
            CopyActions: [{ DestinationBackupVaultArn: SOURCE_ARN.replace('eu-west-1', 'eu-central-1') }],
          },
        ],
      },
      'legacy',
      SOURCE_ARN,
    );
    expect(references).toEqual([]);
  });
});

describe('the classification CSV', () => {
  it('starts with a header naming every column', () => {
    const rows = [...classificationCsvRows([])];
    expect(rows).toEqual([CLASSIFICATION_CSV_COLUMNS.join(',')]);
    expect(rows[0]).toBe(
      'recoveryPointArn,resourceType,resourceArn,creationDate,copyable,reason,predictedEncryption,' +
        'predictedKeyArn,deleteAfterDays,expiresAt,bytes,encryptionConfidence,detail',
    );
  });

  it('writes a copyable recovery point with its predicted key and the copy retention', () => {
    const source = recoveryPoint('EBS', { IsEncrypted: true, EncryptionKeyArn: SOURCE_KEY_ARN });
    const row = classificationCsvRow(classified(source));
    expect(row.split(',')).toEqual([
      source.RecoveryPointArn,
      'EBS',
      source.ResourceArn,
      source.CreationDate?.toISOString(),
      'true',
      '',
      'SOURCE_KEY',
      SOURCE_KEY_ARN,
      '35',
      new Date(source.CreationDate!.getTime() + 35 * DAY_MS).toISOString(),
      String(1024 ** 3),
      'unconfirmed',
      '',
    ]);
  });

  it('writes "never" as the expiry of a copy kept forever', () => {
    const source = recoveryPoint('S3', { Lifecycle: undefined, CalculatedLifecycle: undefined });
    const fields = classificationCsvRow(classified(source)).split(',');
    expect(fields[8]).toBe('');
    expect(fields[9]).toBe('never');
  });

  it('writes a skipped recovery point with its reason, the source expiry and the skip detail', () => {
    const source = recoveryPoint('EFS', { Status: 'PARTIAL' });
    const entry = classified(source);
    const row = classificationCsvRow(entry);
    const detail = (entry.classification as Extract<Classification, { copyable: false }>).detail;
    expect(detail).toBe('Status PARTIAL: a composite backup with nested recovery points missing.');
    expect(row).toBe(
      [
        source.RecoveryPointArn,
        'EFS',
        source.ResourceArn,
        source.CreationDate?.toISOString(),
        'false',
        'NOT_COMPLETED',
        '',
        '',
        '',
        source.CalculatedLifecycle?.DeleteAt?.toISOString(),
        String(1024 ** 3),
        '',
        csvField(detail),
      ].join(','),
    );
  });

  it('quotes fields holding commas, quotes or line breaks', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(undefined)).toBe('');
    expect(csvField(false)).toBe('false');
  });
});

describe('the plan-migration event', () => {
  it('accepts a migration as Prepare produces it', () => {
    const parsed = parsePlanMigrationEvent({
      migration: mockMigration({ targetVaultLock: { minRetentionDays: 7 } }),
    });
    expect(parsed.migration).toEqual({
      sourceVaultName: 'legacy',
      sourceVaultArn: SOURCE_ARN,
      kmsKeyArn: TARGET_KEY_ARN,
      maxConcurrentCopies: 20,
      targetVaultLock: { minRetentionDays: 7, maxRetentionDays: undefined },
    });
  });

  it('rejects a key given as an alias: the dry run needs the resolved key ARN', () => {
    expect(() =>
      parsePlanMigrationEvent({ migration: mockMigration({ kmsKeyArn: 'alias/migration' }) }),
    ).toThrow('Invalid plan-migration event: migration.kmsKeyArn: must be a resolved KMS key ARN');
  });

  it('rejects a migration whose source vault ARN names another vault', () => {
    expect(() =>
      parsePlanMigrationEvent({
        migration: mockMigration({ sourceVaultArn: SOURCE_ARN.replace('legacy', 'other') }),
      }),
    ).toThrow(
      'Invalid plan-migration event: migration.sourceVaultArn: sourceVaultArn must name sourceVaultName',
    );
  });

  it('rejects an event without a migration', () => {
    expect(() => parsePlanMigrationEvent({})).toThrow(/^Invalid plan-migration event: migration: /);
  });
});

describe('plan-migration against a mocked AWS Backup', () => {
  const backup = mockClient(BackupClient);

  beforeEach(() => {
    backup.reset();
    resetClients();
    backup.on(ListBackupPlansCommand).resolves({ BackupPlansList: [] });
    backup
      .on(GetBackupVaultNotificationsCommand)
      .rejects(Object.assign(new Error('none'), { name: 'ResourceNotFoundException' }));
    backup
      .on(GetBackupVaultAccessPolicyCommand)
      .rejects(Object.assign(new Error('none'), { name: 'ResourceNotFoundException' }));
  });

  afterAll(() => {
    backup.restore();
    resetClients();
  });

  it('rejects a malformed event with InvalidInput before calling AWS', async () => {
    const event = { migration: { ...mockMigration(), sourceVaultName: 'no spaces allowed' } };
    await expect(planMigration(event as MigrationEvent, NOW)).rejects.toMatchObject({ name: 'InvalidInput' });
    expect(backup.calls()).toHaveLength(0);
  });

  it.each(['ResourceNotFoundException', 'AccessDeniedException'])(
    'reports SourceVaultNotFound when the listing answers %s',
    async (errorName) => {
      backup
        .on(ListRecoveryPointsByBackupVaultCommand)
        .rejects(
          Object.assign(new Error('Insufficient privileges to perform this action.'), { name: errorName }),
        );
      await expect(planMigration({ migration: mockMigration() }, NOW)).rejects.toMatchObject({
        name: 'SourceVaultNotFound',
        message: 'Backup vault legacy does not exist',
      });
    },
  );

  it('recognises a composite child listed on a page before its parent', async () => {
    // GIVEN a listing whose first page holds a child and an orphan, and whose second page the parent
    const parentArn = ARNS.backup('parent-on-page-two');
    const child = recoveryPoint('S3', {
      RecoveryPointArn: ARNS.backup('child'),
      ParentRecoveryPointArn: parentArn,
    });
    const orphan = recoveryPoint('S3', {
      RecoveryPointArn: ARNS.backup('orphan'),
      ParentRecoveryPointArn: ARNS.backup('parent-not-in-vault'),
    });
    const parent = recoveryPoint('CloudFormation', { RecoveryPointArn: parentArn, IsParent: true });
    backup
      .on(ListRecoveryPointsByBackupVaultCommand)
      .resolvesOnce({ RecoveryPoints: [child, orphan], NextToken: 'page-2' })
      .resolvesOnce({ RecoveryPoints: [parent] });
    // WHEN the dry run plans the migration
    const plan = await planMigration({ migration: mockMigration() }, NOW);
    // THEN the child is skipped as copied with its parent, and the orphan is copied on its own
    expect(plan.recoveryPoints).toBe(3);
    expect(plan.copyable).toBe(2);
    expect(plan.skipped.COMPOSITE_CHILD).toBe(1);
    const listings = backup.commandCalls(ListRecoveryPointsByBackupVaultCommand);
    expect(listings).toHaveLength(2);
    expect(listings[1]?.args[0].input).toEqual({
      BackupVaultName: 'legacy',
      MaxResults: 1000,
      NextToken: 'page-2',
    });
    expect(plan.sample.find((entry) => entry.reason === 'COMPOSITE_CHILD')?.recoveryPointArn).toBe(
      ARNS.backup('child'),
    );
  });

  it('skips a backup plan deleted between the listing and its reading, and reads the others', async () => {
    backup.on(ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [] });
    backup.on(ListBackupPlansCommand).resolves({
      BackupPlansList: [{ BackupPlanId: 'gone' }, { BackupPlanId: 'daily' }],
    });
    backup
      .on(GetBackupPlanCommand, { BackupPlanId: 'gone' })
      .rejects(Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' }));
    backup.on(GetBackupPlanCommand, { BackupPlanId: 'daily' }).resolves({
      BackupPlanId: 'daily',
      BackupPlan: { BackupPlanName: 'daily', Rules: [{ RuleName: 'r', TargetBackupVaultName: 'legacy' }] },
    });
    backup.on(GetBackupVaultAccessPolicyCommand).resolves({ Policy: '{}' });
    const plan = await planMigration({ migration: mockMigration() }, NOW);
    expect(plan.references).toEqual({
      backupPlanRules: [{ backupPlanId: 'daily', backupPlanName: 'daily', ruleName: 'r', kind: 'TARGET' }],
      backupPlanRuleCount: 1,
      notifications: false,
      accessPolicy: true,
    });
  });

  it('fails on an unexpected error reading the notifications rather than guessing', async () => {
    backup.on(ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [] });
    backup
      .on(GetBackupVaultNotificationsCommand)
      .rejects(Object.assign(new Error('no permission'), { name: 'AccessDeniedException' }));
    await expect(planMigration({ migration: mockMigration() }, NOW)).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
  });
});

describe('plan-migration against the emulator', () => {
  let emulator: Emulator;
  let planIds: Record<string, string>;
  let targetKeyArn: string;

  beforeAll(async () => {
    emulator = await emulatorForHandlers();
    planIds = emulator.seed({
      keys: [{ alias: 'alias/migration' }, { alias: 'alias/app' }],
      vaults: [
        {
          name: 'legacy',
          encryptionKey: 'none',
          accessPolicy: { Version: '2012-10-17', Statement: [] },
          notifications: {
            snsTopicArn: 'arn:aws:sns:us-east-1:123456789012:backups',
            events: ['BACKUP_JOB_FAILED'],
          },
          recoveryPoints: [
            { resourceType: 'EBS', encrypted: true, encryptionKey: 'alias/app', sizeBytes: 10 * GIB },
            { resourceType: 'EBS', encrypted: false, sizeBytes: 20 * GIB, createdDaysAgo: 30 },
            { resourceType: 'S3', sizeBytes: 5 * GIB, createdDaysAgo: 2 },
            { resourceType: 'RDS', continuous: true, sizeBytes: GIB },
            { resourceType: 'EFS', status: 'PARTIAL', sizeBytes: GIB },
            { resourceType: 'DynamoDB', dynamoDbAdvanced: false, sizeBytes: GIB },
            {
              resourceType: 'EBS',
              createdDaysAgo: 100,
              lifecycle: { MoveToColdStorageAfterDays: 30, DeleteAfterDays: 365 },
              sizeBytes: GIB,
            },
            { resourceType: 'CloudFormation', compositeMembers: 2, sizeBytes: GIB },
          ],
        },
        { name: 'other', encryptionKey: 'alias/app' },
        { name: 'big', encryptionKey: 'none', generate: { count: 2345, retentionDays: 365 } },
      ],
      plans: [
        { name: 'daily', rules: [{ ruleName: 'to-legacy', targetVault: 'legacy', copyTo: ['other'] }] },
        { name: 'dr', rules: [{ ruleName: 'copy-to-legacy', targetVault: 'other', copyTo: ['legacy'] }] },
        { name: 'unrelated', rules: [{ ruleName: 'to-other', targetVault: 'other' }] },
      ],
    });
    targetKeyArn = emulator.kms.findKey('alias/migration')!.arn;
  });

  afterEach(() => {
    emulator.setFaults({ throttleRate: {} });
    emulator.resetStats();
  });

  afterAll(async () => {
    await stopEmulator(emulator);
  });

  function event(sourceVaultName: string): MigrationEvent {
    return { migration: migrationFor(emulator, { sourceVaultName, kmsKeyArn: targetKeyArn, dryRun: true }) };
  }

  it('classifies every recovery point, finds the references, and changes nothing', async () => {
    // WHEN the dry run plans the migration of the seeded vault
    const plan: MigrationPlan = await planMigration(event('legacy'), emulator.clock.now());
    // THEN every recovery point is counted and classified
    expect(plan.recoveryPoints).toBe(10);
    expect(plan.skipped).toEqual({
      NOT_COMPLETED: 1,
      COLD_STORAGE: 1,
      CONTINUOUS_BACKUP: 1,
      COPY_NOT_SUPPORTED: 1,
      COMPOSITE_CHILD: 2,
      ALREADY_EXPIRED: 0,
      RETENTION_OUTSIDE_VAULT_LOCK: 0,
    });
    expect(plan.copyable).toBe(4);
    // the keyless vault's S3 and CloudFormation copies take the target key; EBS keeps what it had
    expect(plan.predictedEncryption).toEqual({ TARGET_KEY: 2, SOURCE_KEY: 1, UNENCRYPTED: 1 });
    expect(plan.bytesToCopy).toBe(36 * GIB);
    expect(plan.bytesTotal).toBe(42 * GIB);
    expect(plan.oldestRecoveryPoint).toBe(new Date(emulator.clock.nowMs() - 100 * DAY_MS).toISOString());
    expect(plan.newestRecoveryPoint).toBe(new Date(emulator.clock.nowMs() - DAY_MS).toISOString());
    expect(plan.references).toEqual({
      backupPlanRules: expect.arrayContaining([
        { backupPlanId: planIds.daily, backupPlanName: 'daily', ruleName: 'to-legacy', kind: 'TARGET' },
        { backupPlanId: planIds.dr, backupPlanName: 'dr', ruleName: 'copy-to-legacy', kind: 'COPY_ACTION' },
      ]),
      backupPlanRuleCount: 2,
      notifications: true,
      accessPolicy: true,
    });
    expect(plan.references.backupPlanRules).toHaveLength(2);
    // AND nothing was changed
    expect(emulator.mutations()).toEqual([]);
    expect(emulator.stats().calls).toMatchObject({
      ListRecoveryPointsByBackupVault: 1,
      ListBackupPlans: 1,
      GetBackupPlan: 3,
      GetBackupVaultNotifications: 1,
      GetBackupVaultAccessPolicy: 1,
    });
  });

  it('reads a vault of several listing pages to its end', async () => {
    const plan = await planMigration(event('big'), emulator.clock.now());
    expect(plan.recoveryPoints).toBe(2345);
    expect(plan.copyable + Object.values(plan.skipped).reduce((sum, count) => sum + count, 0)).toBe(2345);
    expect(emulator.stats().calls.ListRecoveryPointsByBackupVault).toBe(3);
    expect(plan.references).toEqual({
      backupPlanRules: [],
      backupPlanRuleCount: 0,
      notifications: false,
      accessPolicy: false,
    });
    expect(Buffer.byteLength(JSON.stringify(plan))).toBeLessThan(16 * 1024);
    expect(emulator.mutations()).toEqual([]);
  });

  it('gets the same plan when a fifth of the calls are throttled', async () => {
    const calm = await planMigration(event('legacy'), emulator.clock.now());
    emulator.setFaults({ throttleRate: { '*': 0.2 } });
    const throttled = await planMigration(event('legacy'), emulator.clock.now());
    expect(throttled).toEqual(calm);
    expect(emulator.stats().injected.throttles).toBeGreaterThan(0);
    expect(emulator.mutations()).toEqual([]);
  });

  it('reports SourceVaultNotFound for a vault that does not exist, changing nothing', async () => {
    await expect(planMigration(event('missing'), emulator.clock.now())).rejects.toMatchObject({
      name: 'SourceVaultNotFound',
    });
    expect(emulator.mutations()).toEqual([]);
  });

  it('recognises a composite child inserted in the vault before its parent', async () => {
    // GIVEN a child recovery point listed before the parent that names it
    const parentArn = emulator.backup.newRecoveryPointArn('CloudFormation', { managedByBackup: true });
    emulator.seed({ vaults: [{ name: 'composite', encryptionKey: 'none' }] });
    emulator.seeder.addRecoveryPoint('composite', { resourceType: 'S3' }, parentArn);
    emulator.seeder.addRecoveryPoint('composite', {
      resourceType: 'CloudFormation',
      arn: parentArn,
      compositeMembers: 1,
    });
    // WHEN it is planned
    const plan = await planMigration(event('composite'), emulator.clock.now());
    // THEN both children are copied with the parent, which alone is copyable
    expect(plan.recoveryPoints).toBe(3);
    expect(plan.copyable).toBe(1);
    expect(plan.skipped.COMPOSITE_CHILD).toBe(2);
  });
});
