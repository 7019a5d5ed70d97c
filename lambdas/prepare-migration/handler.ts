/**
 * Prepare: the first step of MigrateVault. Validates the execution input and everything it names
 * (source vault, KMS key, target vault, deletion permission) and produces the `Migration` every
 * later step carries. It only reads: bad input changes nothing (DESIGN invariant 6).
 */
import type { DescribeBackupVaultCommandOutput } from '@aws-sdk/client-backup';
import { z } from 'zod';
import { kmsClient } from '#shared/clients.ts';
import { readConfig } from '#shared/config.ts';
import type { Migration } from '#shared/contracts.ts';
import { sameKmsKey } from '#shared/encryption.ts';
import {
  DeletionNotAllowed,
  InvalidInput,
  SourceVaultNotFound,
  TargetVaultConflict,
  UnsupportedVaultType,
} from '#shared/errors.ts';
import { lambdaHandler } from '#shared/handler.ts';
import { type MigrateVaultInput, MigrateVaultInputSchema, parseMigrateVaultInput } from '#shared/input.ts';
import { logger } from '#shared/logger.ts';
import { checkKeyAllowed, checkKeyRegion, checkMigrationKey, describeKey } from '#shared/migration-key.ts';
import { describeVault } from '#shared/vaults.ts';

export {
  checkKeyAllowed,
  checkKeyRegion,
  checkMigrationKey,
  kmsReferenceRegion,
} from '#shared/migration-key.ts';

import { parseEvent } from '#shared/schemas.ts';

/** What the state machine passes: the raw execution input and the root execution's name. */
export interface PrepareMigrationEvent {
  input: unknown;
  /** `$$.Execution.Name` of the root execution. */
  executionId: string;
  /**
   * `$$.Execution.StartTime`, when the state machine passes it: the local runner's simulated clock
   * is not the Lambda's wall clock, and "new since the start" must be measured on AWS Backup's.
   * Default: now.
   */
  executionStartTime?: string;
  /**
   * A continuation's carried Migration: Prepare runs again on the carried input and must arrive at
   * the same migration, so an execution started with a forged continuation changes nothing.
   */
  carried?: unknown;
}

/** The fields a continuation's carried Migration must share with a fresh Prepare of its input. */
export const CARRIED_FIELDS = [
  'executionId',
  'sourceVaultName',
  'sourceVaultArn',
  'targetVaultName',
  'targetVaultArn',
  'kmsKeyArn',
  'deleteSourceVault',
  'retireAfterDays',
  'dryRun',
  'maxConcurrentCopies',
  'startedAt',
  'status',
] as const;

/** Names the fields where a carried Migration differs from the one Prepare computed. */
export function carriedMismatches(carried: unknown, prepared: Migration): string[] {
  if (!carried || typeof carried !== 'object') return ['(not an object)'];
  const record = carried as Record<string, unknown>;
  return CARRIED_FIELDS.filter((field) => record[field] !== prepared[field]);
}

const EventSchema = z.object({
  input: z.unknown(),
  executionId: z
    .string({ error: 'must be the execution name (a string)' })
    .min(1, { error: 'must not be empty' })
    .max(256, { error: 'must be at most 256 characters' }),
  executionStartTime: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time' }).optional(),
  carried: z.unknown().optional(),
});

/** Vault types whose recovery points the migrator cannot copy out of, or that hold no data of their own. */
export const UNSUPPORTED_VAULT_TYPES: readonly string[] = Object.freeze([
  'LOGICALLY_AIR_GAPPED_BACKUP_VAULT',
  'RESTORE_ACCESS_BACKUP_VAULT',
]);

type VaultDescription = Pick<
  DescribeBackupVaultCommandOutput,
  | 'BackupVaultName'
  | 'BackupVaultArn'
  | 'VaultType'
  | 'EncryptionKeyArn'
  | 'EncryptionKeyType'
  | 'Locked'
  | 'MinRetentionDays'
  | 'MaxRetentionDays'
>;

// ------------------------------------------------------------------------------------------ pure rules

/**
 * Validates the execution input. A target named like its source is a conflict over the target
 * vault (it exists, with the source's key), so it is reported as `TargetVaultConflict` when it is
 * the input's only problem; any other problem is `InvalidInput`.
 */
export function parsePrepareInput(raw: unknown): MigrateVaultInput {
  const result = MigrateVaultInputSchema.safeParse(raw);
  if (!result.success) {
    const onlySameName = result.error.issues.every(
      (issue) =>
        issue.path.join('.') === 'targetVaultName' && issue.message === 'must differ from sourceVaultName',
    );
    if (onlySameName) {
      const name = (raw as { sourceVaultName?: unknown }).sourceVaultName;
      throw new TargetVaultConflict(
        `The target vault must be a new vault: targetVaultName "${String(name)}" is the source vault itself`,
      );
    }
  }
  return parseMigrateVaultInput(raw);
}

/** The key reference to use: the input's, else the stack's default; neither is an input fault. */
export function resolveKeyReference(inputKey: string | undefined, defaultKey: string | undefined): string {
  const reference = inputKey ?? defaultKey;
  if (reference === undefined) {
    throw new InvalidInput(
      'Invalid MigrateVault input: kmsKeyArn: required, because this deployment has no default migration key ' +
        '(MIGRATION_KMS_KEY_ARN); pass the ARN of a customer-managed KMS key',
    );
  }
  return reference;
}

/** Refuses vaults the migrator cannot copy out of. */
export function checkSourceVault(source: VaultDescription, name: string): void {
  if (source.VaultType !== undefined && UNSUPPORTED_VAULT_TYPES.includes(source.VaultType)) {
    throw new UnsupportedVaultType(
      `Backup vault ${name} is a ${source.VaultType}; only standard backup vaults (BACKUP_VAULT) can be migrated`,
    );
  }
  if (source.EncryptionKeyType === 'AWS_OWNED_KMS_KEY') {
    throw new UnsupportedVaultType(
      `Backup vault ${name} is encrypted with an AWS-owned key (a logically air-gapped vault); it cannot be migrated`,
    );
  }
}

export interface TargetDecision {
  exists: boolean;
  targetVaultArn?: string;
  lock?: { minRetentionDays?: number; maxRetentionDays?: number };
}

/**
 * Whether an existing target vault (undefined: none) can be used: only a standard vault with
 * exactly the migration key; its lock bounds then constrain the copies.
 */
export function decideTarget(
  target: VaultDescription | undefined,
  name: string,
  keyArn: string,
): TargetDecision {
  if (target === undefined) {
    return { exists: false };
  }
  if (target.VaultType !== undefined && target.VaultType !== 'BACKUP_VAULT') {
    throw new TargetVaultConflict(`Target vault ${name} already exists and is a ${target.VaultType}`);
  }
  if (!sameKmsKey(target.EncryptionKeyArn, keyArn)) {
    throw new TargetVaultConflict(
      `Target vault ${name} already exists and is encrypted with ${target.EncryptionKeyArn ?? 'no key'}, ` +
        `not ${keyArn}; name another targetVaultName`,
    );
  }
  const { MinRetentionDays: min, MaxRetentionDays: max } = target;
  const hasBounds = min !== undefined || max !== undefined;
  return {
    exists: true,
    ...(target.BackupVaultArn === undefined ? {} : { targetVaultArn: target.BackupVaultArn }),
    ...(hasBounds
      ? {
          lock: {
            ...(min === undefined ? {} : { minRetentionDays: min }),
            ...(max === undefined ? {} : { maxRetentionDays: max }),
          },
        }
      : {}),
  };
}

/**
 * The lock bounds a target without bounds of its own will have: create-target-vault puts the
 * source's Min/MaxRetentionDays on it (planVaultLock) before the first copy, so the copies, the
 * dry run and verification must already be measured against them.
 */
export function lockBoundsCarriedFrom(
  source: Pick<VaultDescription, 'MinRetentionDays' | 'MaxRetentionDays'>,
): TargetDecision['lock'] {
  const { MinRetentionDays: min, MaxRetentionDays: max } = source;
  if (min === undefined && max === undefined) return undefined;
  return {
    ...(min === undefined ? {} : { minRetentionDays: min }),
    ...(max === undefined ? {} : { maxRetentionDays: max }),
  };
}

/** The ARN a vault named `name` has next to `siblingVaultArn` (same partition, Region and account). */
export function vaultArnNextTo(siblingVaultArn: string, name: string): string {
  const prefix = /^(arn:[^:]+:backup:[^:]*:\d{12}:backup-vault:)/.exec(siblingVaultArn)?.[1];
  if (prefix === undefined) {
    throw new Error(`Not a backup vault ARN: ${siblingVaultArn}`);
  }
  return `${prefix}${name}`;
}

// ------------------------------------------------------------------------------------------ AWS reads

// ------------------------------------------------------------------------------------------ core

export async function prepareMigration(event: PrepareMigrationEvent): Promise<Migration> {
  const migration = await prepare(event);
  if (event?.carried !== undefined) {
    const mismatches = carriedMismatches(event.carried, migration);
    if (mismatches.length > 0) {
      throw new InvalidInput(
        `The continuation's carried state does not match its input (${mismatches.join(', ')}): refusing to go on`,
      );
    }
  }
  return migration;
}

async function prepare(event: PrepareMigrationEvent): Promise<Migration> {
  const envelope = parseEvent(EventSchema, event, 'prepare-migration');
  const { executionId, executionStartTime } = envelope;
  const input = parsePrepareInput(envelope.input);
  const config = readConfig();

  if (input.deleteSourceVault && !config.allowSourceDeletion) {
    throw new DeletionNotAllowed(
      'deleteSourceVault is true, but this deployment does not allow deleting source vaults ' +
        '(ALLOW_SOURCE_DELETION is false); run without deleteSourceVault or redeploy with deletion allowed',
    );
  }
  const keyReference = resolveKeyReference(input.kmsKeyArn, config.defaultKmsKeyArn);
  const region = await kmsClient().config.region();
  checkKeyRegion(keyReference, region);

  const source = await describeVault(input.sourceVaultName);
  if (source === undefined) {
    throw new SourceVaultNotFound(`Backup vault ${input.sourceVaultName} does not exist (or is not visible)`);
  }
  checkSourceVault(source, input.sourceVaultName);
  const sourceVaultArn = source.BackupVaultArn;
  if (sourceVaultArn === undefined) {
    throw new SourceVaultNotFound(`AWS Backup described vault ${input.sourceVaultName} without an ARN`);
  }

  const kmsKeyArn = checkMigrationKey(keyReference, await describeKey(keyReference), region);
  checkKeyAllowed(kmsKeyArn, config.allowedKmsKeyArns);
  const base = {
    executionId,
    sourceVaultName: input.sourceVaultName,
    sourceVaultArn,
    ...(source.EncryptionKeyArn ? { sourceKeyArn: source.EncryptionKeyArn } : {}),
    targetVaultName: input.targetVaultName,
    targetVaultArn: vaultArnNextTo(sourceVaultArn, input.targetVaultName),
    kmsKeyArn,
    deleteSourceVault: input.deleteSourceVault,
    ...(input.retireAfterDays === undefined ? {} : { retireAfterDays: input.retireAfterDays }),
    dryRun: input.dryRun,
    maxConcurrentCopies: input.maxConcurrentCopies,
    startedAt: new Date(executionStartTime ?? Date.now()).toISOString(),
  };

  if (sameKmsKey(source.EncryptionKeyArn, kmsKeyArn)) {
    logger.info('Source vault already uses the migration key', { kmsKeyArn });
    return { ...base, status: 'ALREADY_COMPLIANT' };
  }

  const target = decideTarget(await describeVault(input.targetVaultName), input.targetVaultName, kmsKeyArn);
  logger.info('Migration prepared', {
    kmsKeyArn,
    targetVaultName: input.targetVaultName,
    targetExists: target.exists,
    dryRun: input.dryRun,
  });
  const targetVaultLock = target.lock ?? lockBoundsCarriedFrom(source);
  return {
    ...base,
    ...(target.targetVaultArn === undefined ? {} : { targetVaultArn: target.targetVaultArn }),
    status: 'READY',
    ...(targetVaultLock === undefined ? {} : { targetVaultLock }),
  };
}

export const handler = lambdaHandler(prepareMigration);
