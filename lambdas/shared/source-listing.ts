/**
 * Every recovery point of the source vault, classified. Shared by the dry run and the report's
 * CSV so that both say the same thing about each recovery point.
 */
import { type BackupClient, paginateListRecoveryPointsByBackupVault } from '@aws-sdk/client-backup';
import { type Classification, classifyRecoveryPoint, type SourceRecoveryPoint } from '#shared/classify.ts';
import { isVaultNotFound, SourceVaultNotFound } from '#shared/errors.ts';
import { PAGE_SIZE } from '#shared/ledger.ts';
import { pick } from '#shared/pick.ts';
import type { VaultLockBounds } from '#shared/retention.ts';

/** The fields of a recovery point that classification and the CSV read; nothing else is kept. */
export const LISTED_FIELDS = [
  'RecoveryPointArn',
  'ResourceArn',
  'ResourceType',
  'Status',
  'CreationDate',
  'BackupSizeInBytes',
  'Lifecycle',
  'CalculatedLifecycle',
  'IsEncrypted',
  'EncryptionKeyArn',
  'ParentRecoveryPointArn',
  'StorageClass',
] as const satisfies readonly (keyof SourceRecoveryPoint)[];

export type ListedRecoveryPoint = Pick<SourceRecoveryPoint, (typeof LISTED_FIELDS)[number]>;

export interface ClassifiedRecoveryPoint {
  recoveryPoint: ListedRecoveryPoint;
  classification: Classification;
}

export interface SourceListingOptions {
  sourceVaultName: string;
  /** Resolved ARN of the target vault's key. */
  targetKeyArn: string;
  targetVaultLock?: VaultLockBounds | undefined;
  now: Date;
}

function listed(recoveryPoint: SourceRecoveryPoint): ListedRecoveryPoint {
  return pick(recoveryPoint, LISTED_FIELDS);
}

/**
 * Lists the source vault to its end and yields each recovery point with its classification.
 *
 * A composite child is only skipped when its parent is in the vault, and the listing order does
 * not promise parents first. So a child is classified at once when its parent has already been
 * listed, and otherwise kept (its few fields only) until the listing is complete. Memory thus
 * grows with the parents and with children listed before their parent, not with the vault.
 *
 * @throws SourceVaultNotFound when AWS Backup answers that the vault does not exist.
 */
export async function* classifySourceRecoveryPoints(
  client: BackupClient,
  options: SourceListingOptions,
): AsyncGenerator<ClassifiedRecoveryPoint> {
  const parents = new Set<string>();
  const deferredChildren: ListedRecoveryPoint[] = [];
  const context = {
    targetKeyArn: options.targetKeyArn,
    now: options.now,
    targetVaultLock: options.targetVaultLock,
    isParentInVault: (arn: string) => parents.has(arn),
  };
  const pages = paginateListRecoveryPointsByBackupVault(
    { client, pageSize: PAGE_SIZE },
    { BackupVaultName: options.sourceVaultName, MaxResults: PAGE_SIZE },
  );
  try {
    for await (const page of pages) {
      const recoveryPoints = page.RecoveryPoints ?? [];
      for (const recoveryPoint of recoveryPoints) {
        if (recoveryPoint.IsParent === true && recoveryPoint.RecoveryPointArn) {
          parents.add(recoveryPoint.RecoveryPointArn);
        }
      }
      for (const recoveryPoint of recoveryPoints) {
        const kept = listed(recoveryPoint);
        const parentArn = kept.ParentRecoveryPointArn;
        if (parentArn && !parents.has(parentArn)) {
          deferredChildren.push(kept);
          continue;
        }
        yield { recoveryPoint: kept, classification: classifyRecoveryPoint(kept, context) };
      }
    }
  } catch (error) {
    if (isVaultNotFound(error)) {
      throw new SourceVaultNotFound(`Backup vault ${options.sourceVaultName} does not exist`, {
        cause: error,
      });
    }
    throw error;
  }
  for (const recoveryPoint of deferredChildren) {
    yield { recoveryPoint, classification: classifyRecoveryPoint(recoveryPoint, context) };
  }
}
