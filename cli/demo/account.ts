/**
 * The account the demo (and `--local` without `--seed`) starts from: the vaults Prowler flags, and
 * the awkward recovery points real vaults hold.
 */
import type { EmulatorOptions } from '#emulator/index.ts';
import type { SeedSpec } from '#emulator/seed.ts';

export const DEMO_ACCOUNT: SeedSpec = {
  keys: [
    { alias: 'alias/app-data' },
    { alias: 'alias/vault-migrator', description: 'backup-vault-migrator target key' },
  ],
  vaults: [
    {
      // No key at all: the Prowler finding. Mixed types, some copies stay unencrypted, and five
      // recovery points that cannot be copied (continuous, partial, cold, DynamoDB without advanced
      // backup) keep the vault when its deletion is asked.
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
      // The AWS-managed key (alias/aws/backup): flagged by compliance, migrated with --include-aws-managed.
      name: 'Default',
      encryptionKey: 'aws-managed',
      generate: { count: 120, perResource: 4, mix: { EBS: 2, S3: 1, EFS: 1 } },
    },
    {
      // Another vault without a key, mostly databases.
      name: 'analytics-backups',
      encryptionKey: 'none',
      tags: { team: 'data' },
      generate: { count: 80, perResource: 4, mix: { RDS: 2, Aurora: 1, DynamoDB: 1 }, unencryptedShare: 0.5 },
    },
    // Already on a customer-managed key: left alone.
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
    {
      name: 'analytics-nightly',
      rules: [{ ruleName: 'nightly', targetVault: 'analytics-backups', lifecycle: { DeleteAfterDays: 14 } }],
    },
  ],
};

/** The emulator's behaviour in the demo: reproducible, with a few copy jobs failing and retried. */
export const DEMO_EMULATOR: EmulatorOptions = {
  randomSeed: 2026,
  faults: { copyFailureRate: 0.03 },
};
