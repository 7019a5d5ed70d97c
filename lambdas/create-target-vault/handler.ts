/**
 * Creates the target vault with the migration key (idempotently) and carries the source vault's
 * settings over: tags, access policy (with the vault ARN rewritten), notifications and vault-lock
 * retention bounds. Run twice, it creates nothing the second time.
 */
import { createHash } from 'node:crypto';
import {
  type BackupVaultEvent,
  CreateBackupVaultCommand,
  type DescribeBackupVaultCommandOutput,
  GetBackupVaultAccessPolicyCommand,
  GetBackupVaultNotificationsCommand,
  PutBackupVaultAccessPolicyCommand,
  PutBackupVaultLockConfigurationCommand,
  PutBackupVaultNotificationsCommand,
  TagResourceCommand,
} from '@aws-sdk/client-backup';
import { z } from 'zod';
import { backupClient } from '#shared/clients.ts';
import type { Migration, MigrationEvent, TargetVaultResult } from '#shared/contracts.ts';
import { sameKmsKey } from '#shared/encryption.ts';
import {
  isAwsError,
  SourceVaultNotFound,
  TargetVaultConflict,
  TargetVaultNotVerified,
} from '#shared/errors.ts';
import { lambdaHandler } from '#shared/handler.ts';
import { VAULT_NAME_PATTERN } from '#shared/input.ts';
import { PAGE_SIZE } from '#shared/ledger.ts';
import { logger } from '#shared/logger.ts';
import { parseEvent } from '#shared/schemas.ts';
import { CREATED_BY_TAG, CREATED_BY_VALUE, MAX_VAULT_TAGS, SOURCE_VAULT_TAG } from '#shared/tags.ts';
import { describeVault, listVaultTags } from '#shared/vaults.ts';

/** Pauses before re-reading a vault just created: AWS Backup is eventually consistent. */
const READ_BACK_DELAYS_MS: readonly number[] = [250, 500, 1000, 2000, 4000];

export interface CreateTargetVaultOptions {
  /** Page size of list calls; default 1000 (tests use small pages). */
  pageSize?: number;
  /** Waits between reads of a vault that is not visible yet right after its creation. */
  readBackDelaysMs?: readonly number[];
}

type VaultDescription = Pick<
  DescribeBackupVaultCommandOutput,
  | 'BackupVaultArn'
  | 'VaultType'
  | 'EncryptionKeyArn'
  | 'CreatorRequestId'
  | 'Locked'
  | 'MinRetentionDays'
  | 'MaxRetentionDays'
  | 'LockDate'
>;

const vaultName = z.string().regex(VAULT_NAME_PATTERN, { error: 'must be a backup vault name' });
const vaultArn = z
  .string()
  .regex(/^arn:[^:]+:backup:[^:]*:\d{12}:backup-vault:/, { error: 'must be a vault ARN' });

const EventSchema = z.object({
  migration: z.looseObject({
    executionId: z.string().min(1),
    sourceVaultName: vaultName,
    sourceVaultArn: vaultArn,
    targetVaultName: vaultName,
    targetVaultArn: vaultArn,
    kmsKeyArn: z.string().regex(/^arn:[^:]+:kms:[^:]+:\d{12}:key\//, {
      error: 'must be a resolved KMS key ARN (Prepare resolves aliases)',
    }),
    // Guards against wiring that would let a dry run or a compliant vault reach a mutating step.
    dryRun: z.literal(false, { error: 'must be false: a dry run creates no vault' }),
    status: z.literal('READY', { error: 'must be READY: an already compliant vault needs no target' }),
  }),
});

// ------------------------------------------------------------------------------------------ pure rules

/**
 * CreatorRequestId of the target vault: the same for every attempt of one migration, so a retried
 * invocation gets the vault it already created back instead of AlreadyExistsException (the SDK
 * would otherwise fill in a random one, AWS-FACTS).
 */
export function creatorRequestIdFor(executionId: string, targetVaultName: string): string {
  const digest = createHash('sha256').update(`${executionId}\n${targetVaultName}`).digest('hex');
  return `vault-migrator-${digest.slice(0, 40)}`;
}

export interface TagPlan {
  /** Tags to put on the target (only those it does not already carry with the same value). */
  toApply: Record<string, string>;
  /** Source tags the target carries once `toApply` is put. */
  carried: number;
  /** Source tags left behind: reserved `aws:` keys, or over the per-vault tag limit. */
  dropped: string[];
}

/**
 * Which tags the target gets: the source's, plus the migrator's own two (which win over a source
 * tag of the same key, and always fit, since MigrateAllVaults recognises the migrator's vaults by
 * them). `aws:` keys are reserved for AWS and cannot be set by TagResource. Tags the target already
 * has count against the limit of {@link MAX_VAULT_TAGS}; source tags that do not fit are dropped
 * in key order, so that the result is the same on every run.
 */
export function planTargetTags(
  sourceTags: Readonly<Record<string, string>>,
  targetTags: Readonly<Record<string, string>>,
  sourceVaultName: string,
): TagPlan {
  const own: Record<string, string> = {
    [CREATED_BY_TAG]: CREATED_BY_VALUE,
    [SOURCE_VAULT_TAG]: sourceVaultName,
  };
  const keys = new Set([...Object.keys(targetTags), ...Object.keys(own)]);
  const kept: Record<string, string> = {};
  const dropped: string[] = [];
  for (const key of Object.keys(sourceTags).sort()) {
    if (key in own) continue;
    if (key.toLowerCase().startsWith('aws:')) {
      dropped.push(key);
      continue;
    }
    if (!keys.has(key) && keys.size >= MAX_VAULT_TAGS) {
      dropped.push(key);
      continue;
    }
    keys.add(key);
    kept[key] = sourceTags[key] as string;
  }
  const desired = { ...kept, ...own };
  const toApply = Object.fromEntries(
    Object.entries(desired).filter(([key, value]) => targetTags[key] !== value),
  );
  return { toApply, carried: Object.keys(kept).length, dropped };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The source's access policy with every mention of the source vault's ARN replaced by the target
 * vault's. Only whole ARNs are replaced: the ARN of vault `legacy` is a prefix of the ARN of vault
 * `legacy-2`, which stays as it is; `legacy*` becomes `<target>*`. The text is otherwise kept as
 * the user wrote it.
 */
export function rewritePolicyVaultArn(
  policy: string,
  sourceVaultArn: string,
  targetVaultArn: string,
): string {
  const wholeArn = new RegExp(`${escapeRegExp(sourceVaultArn)}(?![A-Za-z0-9_-])`, 'g');
  return policy.replace(wholeArn, () => targetVaultArn);
}

export interface VaultLockPlan {
  /** Bounds to put on the target, or undefined when there is nothing to put. */
  put?: { MinRetentionDays?: number; MaxRetentionDays?: number };
  /** Whether the target ends with the source's bounds. */
  carried: boolean;
  note?: string;
}

/**
 * Vault-lock retention bounds to carry. The source's Min/MaxRetentionDays are put on the target
 * as they are; a lock the target already has is never changed (an operator set it, and Prepare
 * measured the copies against it), so differing bounds are only reported.
 */
export function planVaultLock(source: VaultDescription, target: VaultDescription): VaultLockPlan {
  const min = source.MinRetentionDays;
  const max = source.MaxRetentionDays;
  if (min === undefined && max === undefined) {
    return { carried: false };
  }
  if (target.MinRetentionDays === min && target.MaxRetentionDays === max) {
    return { carried: true };
  }
  if (target.Locked || target.MinRetentionDays !== undefined || target.MaxRetentionDays !== undefined) {
    return {
      carried: false,
      note:
        `the target vault already has a vault lock (min ${String(target.MinRetentionDays)}, max ` +
        `${String(target.MaxRetentionDays)} days), left as it is; the source's is min ${String(min)}, max ${String(max)}`,
    };
  }
  return {
    put: {
      ...(min === undefined ? {} : { MinRetentionDays: min }),
      ...(max === undefined ? {} : { MaxRetentionDays: max }),
    },
    carried: true,
  };
}

// ------------------------------------------------------------------------------------------ AWS calls

function parseMigrationEvent(event: MigrationEvent): Migration {
  parseEvent(EventSchema, event, 'create-target-vault');
  return event.migration;
}

/** Creates the vault; false when it already exists. */
async function createVault(migration: Migration, creatorRequestId: string): Promise<boolean> {
  try {
    await backupClient().send(
      new CreateBackupVaultCommand({
        BackupVaultName: migration.targetVaultName,
        EncryptionKeyArn: migration.kmsKeyArn,
        CreatorRequestId: creatorRequestId,
      }),
    );
    return true;
  } catch (error) {
    if (isAwsError(error, 'AlreadyExistsException')) return false;
    throw error;
  }
}

async function readBack(name: string, delaysMs: readonly number[]): Promise<VaultDescription | undefined> {
  for (let attempt = 0; ; attempt++) {
    const described = await describeVault(name);
    const delay = delaysMs[attempt];
    if (described !== undefined || delay === undefined) return described;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

async function carryTags(migration: Migration, targetVaultArn: string, pageSize: number): Promise<number> {
  const [sourceTags, targetTags] = await Promise.all([
    listVaultTags(migration.sourceVaultArn, pageSize),
    listVaultTags(targetVaultArn, pageSize),
  ]);
  const plan = planTargetTags(sourceTags, targetTags, migration.sourceVaultName);
  if (plan.dropped.length > 0) {
    logger.warn('Source vault tags not carried to the target', { dropped: plan.dropped });
  }
  if (Object.keys(plan.toApply).length > 0) {
    await backupClient().send(new TagResourceCommand({ ResourceArn: targetVaultArn, Tags: plan.toApply }));
  }
  return plan.carried;
}

async function carryAccessPolicy(migration: Migration, targetVaultArn: string): Promise<boolean> {
  let policy: string | undefined;
  try {
    const got = await backupClient().send(
      new GetBackupVaultAccessPolicyCommand({ BackupVaultName: migration.sourceVaultName }),
    );
    policy = got.Policy;
  } catch (error) {
    // AWS Backup answers a vault without a policy with ResourceNotFoundException.
    if (isAwsError(error, 'ResourceNotFoundException')) return false;
    throw error;
  }
  if (policy === undefined || policy === '') return false;
  await backupClient().send(
    new PutBackupVaultAccessPolicyCommand({
      BackupVaultName: migration.targetVaultName,
      Policy: rewritePolicyVaultArn(policy, migration.sourceVaultArn, targetVaultArn),
    }),
  );
  return true;
}

async function carryNotifications(migration: Migration): Promise<boolean> {
  let topic: string | undefined;
  let events: BackupVaultEvent[] | undefined;
  try {
    const got = await backupClient().send(
      new GetBackupVaultNotificationsCommand({ BackupVaultName: migration.sourceVaultName }),
    );
    topic = got.SNSTopicArn;
    events = got.BackupVaultEvents;
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) return false;
    throw error;
  }
  if (topic === undefined || events === undefined || events.length === 0) return false;
  await backupClient().send(
    new PutBackupVaultNotificationsCommand({
      BackupVaultName: migration.targetVaultName,
      SNSTopicArn: topic,
      BackupVaultEvents: events,
    }),
  );
  return true;
}

async function carryVaultLock(
  migration: Migration,
  source: VaultDescription,
  target: VaultDescription,
): Promise<boolean> {
  const plan = planVaultLock(source, target);
  if (plan.note !== undefined) logger.warn('Vault lock not carried', { reason: plan.note });
  if (plan.put === undefined) return plan.carried;
  // Only the retention bounds, never ChangeableForDays: that would start the countdown to a
  // compliance-mode lock, which nobody (AWS included) can undo, and that is the vault owner's
  // decision to make, not the migrator's. The bounds in governance mode are what the source had
  // in effect for its copies.
  await backupClient().send(
    new PutBackupVaultLockConfigurationCommand({ BackupVaultName: migration.targetVaultName, ...plan.put }),
  );
  return true;
}

// ------------------------------------------------------------------------------------------ core

export async function createTargetVault(
  event: MigrationEvent,
  options: CreateTargetVaultOptions = {},
): Promise<TargetVaultResult> {
  const migration = parseMigrationEvent(event);
  const pageSize = options.pageSize ?? PAGE_SIZE;
  const creatorRequestId = creatorRequestIdFor(migration.executionId, migration.targetVaultName);

  const createdNow = await createVault(migration, creatorRequestId);
  const target = await readBack(migration.targetVaultName, options.readBackDelaysMs ?? READ_BACK_DELAYS_MS);
  if (target === undefined) {
    throw new TargetVaultNotVerified(
      `Target vault ${migration.targetVaultName} cannot be read back after ${createdNow ? 'its creation' : 'AlreadyExistsException'}`,
    );
  }
  const created = createdNow || target.CreatorRequestId === creatorRequestId;
  // Checked before carrying anything over, so that a vault that is not ours is never changed.
  if (!sameKmsKey(target.EncryptionKeyArn, migration.kmsKeyArn)) {
    const actual = target.EncryptionKeyArn ?? 'no key';
    if (created) {
      throw new TargetVaultNotVerified(
        `Target vault ${migration.targetVaultName} was created but reads back encrypted with ${actual}, not ${migration.kmsKeyArn}`,
      );
    }
    throw new TargetVaultConflict(
      `Target vault ${migration.targetVaultName} already exists and is encrypted with ${actual}, not ${migration.kmsKeyArn}`,
    );
  }
  if (target.VaultType !== undefined && target.VaultType !== 'BACKUP_VAULT') {
    throw new TargetVaultConflict(
      `Target vault ${migration.targetVaultName} already exists and is a ${target.VaultType}`,
    );
  }
  const targetVaultArn = target.BackupVaultArn ?? migration.targetVaultArn;

  const source = await describeVault(migration.sourceVaultName);
  if (source === undefined) {
    throw new SourceVaultNotFound(
      `Backup vault ${migration.sourceVaultName} no longer exists (or is not visible)`,
    );
  }
  const tags = await carryTags(migration, targetVaultArn, pageSize);
  const accessPolicy = await carryAccessPolicy(migration, targetVaultArn);
  const notifications = await carryNotifications(migration);
  const vaultLock = await carryVaultLock(migration, source, target);

  const result: TargetVaultResult = {
    targetVaultArn,
    created,
    encryptionKeyArn: target.EncryptionKeyArn ?? migration.kmsKeyArn,
    carried: { tags, accessPolicy, notifications, vaultLock },
  };
  logger.info('Target vault ready', { ...result });
  return result;
}

export const handler = lambdaHandler((event: MigrationEvent) => createTargetVault(event));
