/**
 * How the copies are encrypted, per resource type: the reason a copy is not on the target key is
 * almost always its type (AWS Backup re-encrypts only the types it fully manages), so a security
 * engineer reads "EBS: 80 kept the source key" rather than a bare total. Copies as AWS reports each
 * one; in a dry run, the predictions for the copies a migration would make.
 */
import type { EncryptionTally } from '#shared/contracts.ts';
import type { ReportRow } from './report.ts';

export type EncryptionByResourceType = Record<string, EncryptionTally>;

function emptyTally(): EncryptionTally {
  return { TARGET_KEY: 0, SOURCE_KEY: 0, UNENCRYPTED: 0, OTHER_KEY: 0, UNKNOWN: 0 };
}

/** Adds one row to the tally by type (copied: as read back; would copy: as predicted). */
export function countEncryptionByType(byType: EncryptionByResourceType, row: ReportRow): void {
  const outcome =
    row.outcome === 'COPIED'
      ? (row.copyEncryption ?? 'UNKNOWN')
      : row.outcome === 'WOULD_COPY'
        ? row.predictedEncryption
        : null;
  if (outcome === null) return;
  const type = row.resourceType ?? 'unknown';
  byType[type] ??= emptyTally();
  byType[type][outcome]++;
}
