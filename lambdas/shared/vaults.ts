/** Reads of one vault that several steps make the same way. */
import {
  DescribeBackupVaultCommand,
  type DescribeBackupVaultCommandOutput,
  paginateListTags,
} from '@aws-sdk/client-backup';
import { backupClient } from './clients.ts';
import { isVaultNotFound } from './errors.ts';

/** The vault, or undefined when AWS says it does not exist (ResourceNotFound or 403, AWS-FACTS). */
export async function describeVault(name: string): Promise<DescribeBackupVaultCommandOutput | undefined> {
  try {
    return await backupClient().send(new DescribeBackupVaultCommand({ BackupVaultName: name }));
  } catch (error) {
    if (isVaultNotFound(error)) return undefined;
    throw error;
  }
}

/** Every tag of a vault (all pages). */
export async function listVaultTags(resourceArn: string, pageSize = 1000): Promise<Record<string, string>> {
  const tags: Record<string, string> = {};
  for await (const page of paginateListTags(
    { client: backupClient(), pageSize },
    { ResourceArn: resourceArn },
  )) {
    Object.assign(tags, page.Tags);
  }
  return tags;
}
