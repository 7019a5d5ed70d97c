/**
 * Copies the target's listing does not show (yet): AWS lists a completed copy with a lag, so each
 * COMPLETED copy job's destination recovery point missing from the listing is read back with
 * DescribeRecoveryPoint, and the report states what AWS says of it rather than "not copied".
 */
import type { BackupClient, CopyJob, RecoveryPointByBackupVault } from '@aws-sdk/client-backup';
import { copyJobOutcome } from '#shared/copy-outcome.ts';
import { describeRecoveryPoint } from '#shared/describe.ts';

export async function readBackUnlistedCopies(
  client: BackupClient,
  targetVaultName: string,
  listed: readonly RecoveryPointByBackupVault[],
  copyJobs: readonly CopyJob[],
): Promise<RecoveryPointByBackupVault[]> {
  const known = new Set(listed.map((rp) => rp.RecoveryPointArn));
  const found: RecoveryPointByBackupVault[] = [];
  for (const job of copyJobs) {
    const arn = job.DestinationRecoveryPointArn;
    if (copyJobOutcome(job.State) !== 'COMPLETED' || !arn || known.has(arn)) continue;
    known.add(arn);
    // Gone: the report says so (copyStatus GONE).
    const copy = await describeRecoveryPoint(client, targetVaultName, arn);
    if (copy) found.push(copy);
  }
  return found;
}
