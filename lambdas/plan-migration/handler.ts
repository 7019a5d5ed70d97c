/**
 * Dry run: classify every source recovery point, find what else names the source vault (backup
 * plans, notifications, access policy) and estimate the copy volume. Only reads: it never calls a
 * mutating AWS Backup operation, so it is safe on any vault at any time.
 */

import {
  type BackupClient,
  type BackupPlan,
  GetBackupPlanCommand,
  GetBackupVaultAccessPolicyCommand,
  GetBackupVaultNotificationsCommand,
  paginateListBackupPlans,
} from '@aws-sdk/client-backup';
import { z } from 'zod';
import { backupClient } from '#shared/clients.ts';
import { currentTime } from '#shared/clock.ts';
import type { MigrationEvent } from '#shared/contracts.ts';
import { isAwsError } from '#shared/errors.ts';
import { lambdaHandler } from '#shared/handler.ts';
import { KMS_KEY_PATTERNS, VAULT_NAME_PATTERN } from '#shared/input.ts';
import { logger } from '#shared/logger.ts';
import { parseEvent } from '#shared/schemas.ts';
import { classifySourceRecoveryPoints } from '#shared/source-listing.ts';
import {
  findSourceReferences,
  MAX_PLAN_REFERENCES,
  type MigrationPlan,
  PlanBuilder,
  type PlanRuleReference,
  type SourceReferences,
} from './plan.ts';

const VAULT_ARN_PATTERN = /^arn:aws[-a-z]*:backup:[a-z0-9-]+:\d{12}:backup-vault:([a-zA-Z0-9\-_]{2,50})$/;

const retentionDays = z.number().int().min(0);

/** The fields of `$.migration` the dry run reads; the rest of the object is not its business. */
const PlanMigrationEventSchema = z.object({
  migration: z
    .object({
      sourceVaultName: z.string().regex(VAULT_NAME_PATTERN, 'must be a backup vault name'),
      sourceVaultArn: z.string().regex(VAULT_ARN_PATTERN, 'must be a backup vault ARN'),
      kmsKeyArn: z.string().regex(KMS_KEY_PATTERNS.keyArn, 'must be a resolved KMS key ARN'),
      maxConcurrentCopies: z.number().int().min(1).max(100),
      targetVaultLock: z
        .object({
          minRetentionDays: retentionDays.nullish().transform((days) => days ?? undefined),
          maxRetentionDays: retentionDays.nullish().transform((days) => days ?? undefined),
        })
        .nullish()
        .transform((lock) => lock ?? undefined),
    })
    .refine(
      (migration) => VAULT_ARN_PATTERN.exec(migration.sourceVaultArn)?.[1] === migration.sourceVaultName,
      {
        message: 'sourceVaultArn must name sourceVaultName',
        path: ['sourceVaultArn'],
      },
    ),
});

export type PlanMigrationEvent = z.output<typeof PlanMigrationEventSchema>;

/** Validates the event; throws `InvalidInput` naming every problem. */
export function parsePlanMigrationEvent(raw: unknown): PlanMigrationEvent {
  return parseEvent(PlanMigrationEventSchema, raw, 'plan-migration');
}

/** Whether a Get* on an existing vault answered "there is none of that". */
async function exists(request: () => Promise<unknown>): Promise<boolean> {
  try {
    await request();
    return true;
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) return false;
    throw error;
  }
}

/** Every current backup plan with its latest version (at most 300 in an account and Region). */
async function* listBackupPlans(
  client: BackupClient,
): AsyncGenerator<{ backupPlanId: string; versionId: string | undefined; plan: BackupPlan }> {
  for await (const page of paginateListBackupPlans({ client, pageSize: 1000 }, { MaxResults: 1000 })) {
    for (const summary of page.BackupPlansList ?? []) {
      const backupPlanId = summary.BackupPlanId;
      if (!backupPlanId) continue;
      try {
        const answer = await client.send(new GetBackupPlanCommand({ BackupPlanId: backupPlanId }));
        if (answer.BackupPlan) {
          yield { backupPlanId, versionId: answer.VersionId, plan: answer.BackupPlan };
        }
      } catch (error) {
        // Deleted between the listing and now: it no longer sends anything anywhere.
        if (isAwsError(error, 'ResourceNotFoundException')) {
          logger.info('Backup plan disappeared while being read', { backupPlanId });
          continue;
        }
        throw error;
      }
    }
  }
}

async function findReferences(
  client: BackupClient,
  sourceVaultName: string,
  sourceVaultArn: string,
): Promise<SourceReferences> {
  const backupPlanRules: PlanRuleReference[] = [];
  let backupPlanRuleCount = 0;
  for await (const { backupPlanId, plan } of listBackupPlans(client)) {
    for (const reference of findSourceReferences(backupPlanId, plan, sourceVaultName, sourceVaultArn)) {
      backupPlanRuleCount += 1;
      if (backupPlanRules.length < MAX_PLAN_REFERENCES) backupPlanRules.push(reference);
    }
  }
  const notifications = await exists(() =>
    client.send(new GetBackupVaultNotificationsCommand({ BackupVaultName: sourceVaultName })),
  );
  const accessPolicy = await exists(() =>
    client.send(new GetBackupVaultAccessPolicyCommand({ BackupVaultName: sourceVaultName })),
  );
  return { backupPlanRules, backupPlanRuleCount, notifications, accessPolicy };
}

/**
 * The dry run's core: reads the source vault and the backup plans, returns the plan (`$.plan`).
 * `now` decides expiry and cold-storage classification (tests and local runs pass simulated time).
 *
 * @throws InvalidInput when the event is malformed (before any AWS call).
 * @throws SourceVaultNotFound when the source vault does not exist.
 */
export async function planMigration(
  event: MigrationEvent,
  now: Date = currentTime(),
): Promise<MigrationPlan> {
  const { migration } = parsePlanMigrationEvent(event);
  const client = backupClient();
  const builder = new PlanBuilder();
  for await (const classified of classifySourceRecoveryPoints(client, {
    sourceVaultName: migration.sourceVaultName,
    targetKeyArn: migration.kmsKeyArn,
    targetVaultLock: migration.targetVaultLock,
    now,
  })) {
    builder.add(classified);
  }
  const references = await findReferences(client, migration.sourceVaultName, migration.sourceVaultArn);
  const plan = builder.build(references, migration.maxConcurrentCopies);
  logger.info('Dry run planned', {
    recoveryPoints: plan.recoveryPoints,
    copyable: plan.copyable,
    bytesToCopy: plan.bytesToCopy,
    estimatedCopyHours: plan.estimatedCopyHours,
    backupPlanRules: references.backupPlanRuleCount,
  });
  return plan;
}

export const handler = lambdaHandler((event: MigrationEvent) => planMigration(event));
