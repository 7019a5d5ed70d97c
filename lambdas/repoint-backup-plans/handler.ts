/**
 * Repoints the backup plans from the source vault to the target before copying starts, so that no
 * new backup lands in the source while it is being emptied (DESIGN step 4).
 *
 * Every plan is read; a plan that names the source is sent back whole with the target instead
 * (one UpdateBackupPlan per changed plan). Re-running changes nothing: repointed plans no longer
 * name the source. A plan that cannot be read or updated is reported in `failures` with AWS's
 * reason and the others are still repointed; such a plan still names the source, so retirement
 * keeps the source vault.
 */
import {
  type BackupClient,
  type BackupPlan,
  GetBackupPlanCommand,
  paginateListBackupPlans,
  UpdateBackupPlanCommand,
} from '@aws-sdk/client-backup';
import { z } from 'zod';
import { backupClient } from '#shared/clients.ts';
import type { MigrationEvent, PlanRepointResult } from '#shared/contracts.ts';
import { describeError, isAwsError } from '#shared/errors.ts';
import { lambdaHandler } from '#shared/handler.ts';
import { VAULT_NAME_PATTERN } from '#shared/input.ts';
import { logger } from '#shared/logger.ts';
import { parseEvent } from '#shared/schemas.ts';
import { type DroppedCopyAction, isChanged, repointPlanDocument, type VaultPair } from './repoint.ts';

/** Dropped copy actions carried in the result; the log has them all. */
export const MAX_DROPPED_COPY_ACTIONS = 50;

const VAULT_ARN_PATTERN = /^arn:aws[-a-z]*:backup:[a-z0-9-]+:\d{12}:backup-vault:([a-zA-Z0-9\-_]{2,50})$/;

const vaultName = z.string().regex(VAULT_NAME_PATTERN, 'must be a backup vault name');
const vaultArn = z.string().regex(VAULT_ARN_PATTERN, 'must be a backup vault ARN');

const RepointEventSchema = z.object({
  migration: z
    .object({
      sourceVaultName: vaultName,
      sourceVaultArn: vaultArn,
      targetVaultName: vaultName,
      targetVaultArn: vaultArn,
      dryRun: z.boolean(),
      status: z.enum(['READY', 'ALREADY_COMPLIANT']),
    })
    .superRefine((migration, ctx) => {
      for (const side of ['source', 'target'] as const) {
        const arn = migration[`${side}VaultArn`];
        if (VAULT_ARN_PATTERN.exec(arn)?.[1] !== migration[`${side}VaultName`]) {
          ctx.addIssue({ code: 'custom', path: [`${side}VaultArn`], message: `must name ${side}VaultName` });
        }
      }
      if (migration.sourceVaultName === migration.targetVaultName) {
        ctx.addIssue({
          code: 'custom',
          path: ['targetVaultName'],
          message: 'must differ from sourceVaultName',
        });
      }
      // Repointing changes backup plans: a dry run or a vault already compliant must never get here.
      if (migration.dryRun) {
        ctx.addIssue({ code: 'custom', path: ['dryRun'], message: 'a dry run changes no backup plan' });
      }
      if (migration.status !== 'READY') {
        ctx.addIssue({ code: 'custom', path: ['status'], message: 'must be READY to repoint backup plans' });
      }
    }),
});

/** Validates the event; throws `InvalidInput` naming every problem. */
export function parseRepointEvent(raw: unknown): VaultPair {
  const { sourceVaultName, sourceVaultArn, targetVaultName, targetVaultArn } = parseEvent(
    RepointEventSchema,
    raw,
    'repoint-backup-plans',
  ).migration;
  return { sourceVaultName, sourceVaultArn, targetVaultName, targetVaultArn };
}

/** Output at `$.planRepoint`: the contract, plus the copy actions removed instead of repointed. */
export interface RepointBackupPlansResult extends PlanRepointResult {
  droppedCopyActions: Array<DroppedCopyAction & { backupPlanId: string; why: 'SELF_COPY' | 'DUPLICATE' }>;
}

async function readPlan(
  client: BackupClient,
  backupPlanId: string,
): Promise<{ plan: BackupPlan; versionId: string } | 'GONE'> {
  try {
    const answer = await client.send(new GetBackupPlanCommand({ BackupPlanId: backupPlanId }));
    if (!answer.BackupPlan || !answer.VersionId) {
      throw new Error(`GetBackupPlan returned no plan document or VersionId for ${backupPlanId}`);
    }
    return { plan: answer.BackupPlan, versionId: answer.VersionId };
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) return 'GONE';
    throw error;
  }
}

/**
 * The repoint's core: reads every plan and updates those that name the source vault.
 *
 * @throws InvalidInput when the event is malformed, a dry run, or not READY (before any AWS call).
 */
export async function repointBackupPlans(event: MigrationEvent): Promise<RepointBackupPlansResult> {
  const vaults = parseRepointEvent(event);
  const client = backupClient();
  const result: RepointBackupPlansResult = {
    plansExamined: 0,
    plansUpdated: 0,
    rulesRepointed: 0,
    copyActionsRepointed: 0,
    failures: [],
    updates: [],
    droppedCopyActions: [],
  };

  for await (const page of paginateListBackupPlans({ client, pageSize: 1000 }, { MaxResults: 1000 })) {
    for (const summary of page.BackupPlansList ?? []) {
      const backupPlanId = summary.BackupPlanId;
      if (!backupPlanId) continue;
      result.plansExamined += 1;
      const backupPlanName = summary.BackupPlanName;
      const named = backupPlanName === undefined ? {} : { backupPlanName };

      let read: Awaited<ReturnType<typeof readPlan>>;
      try {
        read = await readPlan(client, backupPlanId);
      } catch (error) {
        // Unread, the plan may still name the source: that must be visible, not skipped.
        const reason = `GetBackupPlan failed: ${describeError(error)}`;
        logger.warn('Backup plan could not be read', { backupPlanId, reason });
        result.failures.push({ backupPlanId, ...named, reason });
        continue;
      }
      if (read === 'GONE') {
        logger.info('Backup plan deleted while being read', { backupPlanId });
        continue;
      }

      const repointed = repointPlanDocument(
        read.plan,
        vaults.sourceVaultName,
        vaults.sourceVaultArn,
        vaults.targetVaultName,
        vaults.targetVaultArn,
      );
      if (!isChanged(repointed)) continue;

      try {
        const answer = await client.send(
          new UpdateBackupPlanCommand({ BackupPlanId: backupPlanId, BackupPlan: repointed.document }),
        );
        const newVersionId = answer.VersionId ?? '';
        result.plansUpdated += 1;
        result.rulesRepointed += repointed.rulesRepointed;
        result.copyActionsRepointed += repointed.copyActionsRepointed;
        result.updates.push({ backupPlanId, oldVersionId: read.versionId, newVersionId });
        const dropped = [
          ...repointed.droppedSelfCopies.map((action) => ({
            ...action,
            backupPlanId,
            why: 'SELF_COPY' as const,
          })),
          ...repointed.droppedDuplicateCopies.map((action) => ({
            ...action,
            backupPlanId,
            why: 'DUPLICATE' as const,
          })),
        ];
        for (const action of dropped) {
          if (result.droppedCopyActions.length < MAX_DROPPED_COPY_ACTIONS)
            result.droppedCopyActions.push(action);
        }
        logger.info('Backup plan repointed to the target vault', {
          backupPlanId,
          oldVersionId: read.versionId,
          newVersionId,
          rulesRepointed: repointed.rulesRepointed,
          copyActionsRepointed: repointed.copyActionsRepointed,
          droppedCopyActions: dropped,
        });
      } catch (error) {
        const reason = `UpdateBackupPlan failed: ${describeError(error)}`;
        logger.warn('Backup plan could not be repointed', { backupPlanId, reason });
        result.failures.push({ backupPlanId, ...named, reason });
      }
    }
  }
  return result;
}

export const handler = lambdaHandler((event: MigrationEvent) => repointBackupPlans(event));
