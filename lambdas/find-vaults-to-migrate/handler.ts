/**
 * First step of MigrateAllVaults: lists every vault of the account and Region and picks those a
 * security scanner flags (no key; optionally an AWS-managed key), saying for every other vault
 * why it is left alone. It only reads. At most 300 vaults exist in an account and Region (AWS
 * Backup quota), so the whole answer fits in the state.
 */
import { createHash } from 'node:crypto';
import { type BackupVaultListMember, paginateListBackupVaults } from '@aws-sdk/client-backup';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { backupClient, kmsClient } from '#shared/clients.ts';
import { readConfig } from '#shared/config.ts';
import { DeletionNotAllowed, describeError, InvalidInput, isAwsError } from '#shared/errors.ts';
import { lambdaHandler } from '#shared/handler.ts';
import {
  DEFAULT_TARGET_SUFFIX,
  defaultTargetVaultName,
  MAX_VAULT_NAME_LENGTH,
  type MigrateAllVaultsInput,
  parseMigrateAllVaultsInput,
} from '#shared/input.ts';
import { PAGE_SIZE } from '#shared/ledger.ts';
import { logger } from '#shared/logger.ts';
import { mapLimit } from '#shared/map-limit.ts';
import { checkKeyAllowed, checkKeyRegion, checkMigrationKey, describeKey } from '#shared/migration-key.ts';
import { CREATED_BY_TAG, SKIP_TAG } from '#shared/tags.ts';
import { listVaultTags } from '#shared/vaults.ts';

/** Vaults (and plans) Control Tower owns: its SCP denies changes to them except by its own role (AWS-FACTS). */
export const CONTROL_TOWER_PREFIX = 'aws_controltower_';

/** ListTags calls in flight at once: quick, without inviting throttling. */
const TAG_READ_CONCURRENCY = 8;

export interface FindVaultsEvent {
  /** The raw MigrateAllVaults execution input. */
  input: unknown;
}

/** One vault to migrate; with `settings` merged in, a valid MigrateVault input. */
export interface VaultToMigrate {
  sourceVaultName: string;
  /** Always set, so that the state machine can pass it on without a missing-path error. */
  targetVaultName?: string;
}

export interface SkippedVault {
  vaultName: string;
  reason: string;
}

export interface BatchSettings {
  deleteSourceVault: boolean;
  dryRun: boolean;
  maxConcurrentCopies: number;
  /** The input's key, else the stack's default key; absent only when neither is set. */
  kmsKeyArn?: string;
  maxConcurrentVaults: number;
}

export interface FindVaultsResult {
  vaults: VaultToMigrate[];
  skipped: SkippedVault[];
  settings: BatchSettings;
}

export interface FindVaultsOptions {
  /** Page size of list calls; default 1000 (tests use small pages). */
  pageSize?: number;
}

type ListedVault = Pick<
  BackupVaultListMember,
  'BackupVaultName' | 'BackupVaultArn' | 'VaultType' | 'EncryptionKeyArn' | 'EncryptionKeyType'
>;

/** Who manages a vault's key, or why that could not be learnt. */
export type KeyManagement = { manager: 'AWS' | 'CUSTOMER' | string } | { error: string };

export type VaultDecision = { migrate: true } | { migrate: false; reason: string };

// ------------------------------------------------------------------------------------------ pure rules

/** The decisions that need no call beyond the listing: exclusions by name and by vault type. */
export function screenVault(
  vault: ListedVault,
  input: Pick<MigrateAllVaultsInput, 'excludeVaultNames'>,
): VaultDecision {
  const name = vault.BackupVaultName ?? '';
  if (input.excludeVaultNames.includes(name)) {
    return { migrate: false, reason: 'excluded by the input (excludeVaultNames)' };
  }
  if (name.includes('/')) {
    return {
      migrate: false,
      reason:
        'a service-owned vault (its name contains "/", e.g. aws/efs/automatic-backup-vault): AWS manages it',
    };
  }
  if (name.startsWith(CONTROL_TOWER_PREFIX)) {
    return {
      migrate: false,
      reason: `a Control Tower vault (${CONTROL_TOWER_PREFIX}*): Control Tower's SCP denies changes to it except by its own role`,
    };
  }
  if (vault.VaultType !== undefined && vault.VaultType !== 'BACKUP_VAULT') {
    return { migrate: false, reason: `a ${vault.VaultType} cannot be migrated` };
  }
  if (vault.EncryptionKeyType === 'AWS_OWNED_KMS_KEY') {
    return {
      migrate: false,
      reason: 'encrypted with an AWS-owned key (logically air-gapped): cannot be migrated',
    };
  }
  return { migrate: true };
}

/** The decision by the vault's tags: vaults this tool created, and vaults operators opted out. */
export function screenTags(tags: Readonly<Record<string, string>>): VaultDecision {
  if (CREATED_BY_TAG in tags) {
    return { migrate: false, reason: `created by this tool (tag ${CREATED_BY_TAG})` };
  }
  if (SKIP_TAG in tags) {
    return { migrate: false, reason: `tagged ${SKIP_TAG}` };
  }
  return { migrate: true };
}

/** The decision by the vault's key: no key is the finding; an AWS-managed key only when asked. */
export function screenKey(
  vault: ListedVault,
  key: KeyManagement | undefined,
  input: Pick<MigrateAllVaultsInput, 'includeAwsManagedKeys'>,
): VaultDecision {
  if (!vault.EncryptionKeyArn) {
    return { migrate: true };
  }
  if (key === undefined || 'error' in key) {
    return {
      migrate: false,
      reason: `its key ${vault.EncryptionKeyArn} could not be described (${key?.error ?? 'not looked up'})`,
    };
  }
  if (key.manager === 'AWS') {
    return input.includeAwsManagedKeys
      ? { migrate: true }
      : { migrate: false, reason: 'encrypted with an AWS-managed key (includeAwsManagedKeys is false)' };
  }
  if (key.manager === 'CUSTOMER') {
    return { migrate: false, reason: 'already encrypted with a customer-managed key' };
  }
  return { migrate: false, reason: `its key is managed by ${key.manager}` };
}

/** Characters of the source name kept in a shortened target name. */
const SHORT_STEM_LENGTH = MAX_VAULT_NAME_LENGTH - DEFAULT_TARGET_SUFFIX.length - 9;

/**
 * The target vault name for a source: `<source>-encrypted` when that fits in 50 characters, else
 * the source's first characters, a hash of the whole source name (so that two long names sharing
 * a prefix stay apart, and a re-run picks the same target again) and the suffix.
 */
export function targetVaultNameFor(sourceVaultName: string): string {
  const preferred = defaultTargetVaultName(sourceVaultName);
  if (preferred.length <= MAX_VAULT_NAME_LENGTH) {
    return preferred;
  }
  const hash = createHash('sha256').update(sourceVaultName).digest('hex').slice(0, 8);
  return `${sourceVaultName.slice(0, SHORT_STEM_LENGTH)}-${hash}${DEFAULT_TARGET_SUFFIX}`;
}

/**
 * Target names for the chosen vaults, dropping (with a reason) any whose target name another chosen
 * vault already uses, or that names an existing vault without a key (Prepare would refuse it with
 * TargetVaultConflict). An existing target with a key is left to Prepare: with the migration key it
 * is the target of an earlier run and is reused.
 */
export function assignTargets(
  chosen: readonly string[],
  listed: readonly ListedVault[],
): { vaults: Array<{ sourceVaultName: string; targetVaultName: string }>; skipped: SkippedVault[] } {
  const unencrypted = new Set(
    listed.filter((vault) => !vault.EncryptionKeyArn).map((vault) => vault.BackupVaultName),
  );
  const taken = new Map<string, string>();
  const vaults: Array<{ sourceVaultName: string; targetVaultName: string }> = [];
  const skipped: SkippedVault[] = [];
  for (const sourceVaultName of chosen) {
    const targetVaultName = targetVaultNameFor(sourceVaultName);
    const owner = taken.get(targetVaultName);
    if (owner !== undefined) {
      skipped.push({
        vaultName: sourceVaultName,
        reason: `its target name ${targetVaultName} is also the target of ${owner}; migrate it alone with a targetVaultName`,
      });
    } else if (unencrypted.has(targetVaultName)) {
      skipped.push({
        vaultName: sourceVaultName,
        reason: `its target name ${targetVaultName} is an existing vault without a key; migrate it alone with another targetVaultName`,
      });
    } else {
      taken.set(targetVaultName, sourceVaultName);
      vaults.push({ sourceVaultName, targetVaultName });
    }
  }
  return { vaults, skipped };
}

/** The MigrateVault settings every chosen vault runs with. */
export function batchSettings(
  input: MigrateAllVaultsInput,
  defaultKmsKeyArn: string | undefined,
): BatchSettings {
  const kmsKeyArn = input.kmsKeyArn ?? defaultKmsKeyArn;
  return {
    deleteSourceVault: input.deleteSourceVault,
    dryRun: input.dryRun,
    maxConcurrentCopies: input.maxConcurrentCopies,
    ...(kmsKeyArn === undefined ? {} : { kmsKeyArn }),
    maxConcurrentVaults: input.maxConcurrentVaults,
  };
}

// ------------------------------------------------------------------------------------------ AWS reads

async function listVaults(pageSize: number): Promise<ListedVault[]> {
  const vaults: ListedVault[] = [];
  for await (const page of paginateListBackupVaults({ client: backupClient(), pageSize }, {})) {
    vaults.push(...(page.BackupVaultList ?? []));
  }
  return vaults;
}

async function describeKeyManagement(keyArn: string): Promise<KeyManagement> {
  try {
    const described = await kmsClient().send(new DescribeKeyCommand({ KeyId: keyArn }));
    return { manager: described.KeyMetadata?.KeyManager ?? 'an unknown manager' };
  } catch (error) {
    // A key of another account the migrator may not describe says nothing about the vault.
    if (isAwsError(error, 'NotFoundException', 'AccessDeniedException', 'InvalidArnException')) {
      return { error: describeError(error) };
    }
    throw error;
  }
}

// ------------------------------------------------------------------------------------------ core

/**
 * What every vault of the batch would be refused for is checked once, before any vault is touched:
 * deletion the deployment does not allow (DeletionNotAllowed) and a key that cannot encrypt the
 * target vaults (InvalidKmsKey). Otherwise each vault would fail on its own and the batch "succeed".
 */
function checkDeletionAllowed(input: MigrateAllVaultsInput): void {
  if (input.deleteSourceVault && !readConfig().allowSourceDeletion) {
    throw new DeletionNotAllowed(
      'deleteSourceVault is true, but this deployment does not allow deleting source vaults ' +
        '(ALLOW_SOURCE_DELETION is false): no vault was migrated; run without deleteSourceVault or redeploy with deletion allowed',
    );
  }
}

async function checkBatchKey(kmsKeyArn: string): Promise<void> {
  const region = await kmsClient().config.region();
  checkKeyRegion(kmsKeyArn, region);
  checkKeyAllowed(
    checkMigrationKey(kmsKeyArn, await describeKey(kmsKeyArn), region),
    readConfig().allowedKmsKeyArns,
  );
}

/** An excluded name that matches no vault is a typo: the vault it meant to protect would be migrated. */
export function checkExclusions(
  input: Pick<MigrateAllVaultsInput, 'excludeVaultNames'>,
  listed: readonly ListedVault[],
): void {
  const names = new Set(listed.map((vault) => vault.BackupVaultName));
  const unknown = input.excludeVaultNames.filter((name) => !names.has(name));
  if (unknown.length > 0) {
    throw new InvalidInput(
      `Invalid MigrateAllVaults input: excludeVaultNames: ${unknown.join(', ')} ${unknown.length === 1 ? 'matches' : 'match'} ` +
        'no vault in this account and Region; a misspelt exclusion would migrate the vault it meant to protect: nothing was migrated',
    );
  }
}

export async function findVaultsToMigrate(
  event: FindVaultsEvent,
  options: FindVaultsOptions = {},
): Promise<FindVaultsResult> {
  const input = parseMigrateAllVaultsInput(event?.input);
  const settings = batchSettings(input, readConfig().defaultKmsKeyArn);
  if (settings.kmsKeyArn === undefined) {
    throw new InvalidInput(
      'Invalid MigrateAllVaults input: kmsKeyArn: required, because this deployment has no default migration key ' +
        '(MIGRATION_KMS_KEY_ARN); pass the ARN of a customer-managed KMS key',
    );
  }
  checkDeletionAllowed(input);
  const pageSize = options.pageSize ?? PAGE_SIZE;
  const listed = await listVaults(pageSize);
  checkExclusions(input, listed);
  await checkBatchKey(settings.kmsKeyArn);

  const skipped: SkippedVault[] = [];
  const skip = (vault: ListedVault, decision: VaultDecision): boolean => {
    if (decision.migrate) return false;
    skipped.push({ vaultName: vault.BackupVaultName ?? '', reason: decision.reason });
    return true;
  };

  const screened = listed.filter((vault) => !skip(vault, screenVault(vault, input)));
  const tags = await mapLimit(screened, TAG_READ_CONCURRENCY, (vault) =>
    vault.BackupVaultArn === undefined ? Promise.resolve({}) : listVaultTags(vault.BackupVaultArn, pageSize),
  );
  const untagged = screened.filter((vault, index) => !skip(vault, screenTags(tags[index] ?? {})));

  const keys = new Map<string, Promise<KeyManagement>>();
  const keyOf = (keyArn: string) => {
    let management = keys.get(keyArn);
    if (management === undefined) {
      management = describeKeyManagement(keyArn);
      keys.set(keyArn, management);
    }
    return management;
  };
  const chosen: string[] = [];
  for (const vault of untagged) {
    const key = vault.EncryptionKeyArn ? await keyOf(vault.EncryptionKeyArn) : undefined;
    if (!skip(vault, screenKey(vault, key, input))) chosen.push(vault.BackupVaultName ?? '');
  }

  const assigned = assignTargets(chosen, listed);
  skipped.push(...assigned.skipped);
  logger.info('Vaults to migrate found', {
    listed: listed.length,
    toMigrate: assigned.vaults.length,
    skipped: skipped.length,
    keysDescribed: keys.size,
  });
  return { vaults: assigned.vaults, skipped, settings };
}

export const handler = lambdaHandler((event: FindVaultsEvent) => findVaultsToMigrate(event));
