/**
 * One CSV row per classified source recovery point: the dry run's detail, written by the report
 * step (which re-reads the vault, since the plan in state only carries counts).
 */
import { sourceExpiresAt } from '#shared/retention.ts';
import type { ClassifiedRecoveryPoint } from '#shared/source-listing.ts';

export const CLASSIFICATION_CSV_COLUMNS = [
  'recoveryPointArn',
  'resourceType',
  'resourceArn',
  'creationDate',
  'copyable',
  'reason',
  'predictedEncryption',
  'predictedKeyArn',
  'deleteAfterDays',
  'expiresAt',
  'bytes',
  'encryptionConfidence',
  'detail',
] as const;

/** RFC 4180: quote a field holding a comma, a quote or a line break, doubling its quotes. */
export function csvField(value: string | number | boolean | undefined | null): string {
  if (value === undefined || value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The CSV row of one recovery point, in {@link CLASSIFICATION_CSV_COLUMNS} order.
 * - `deleteAfterDays` / `expiresAt`: for a copyable recovery point, the copy's Lifecycle and
 *   expiry (`never` when kept forever); for a skipped one, no Lifecycle and the source's own
 *   expiry, since nothing will be copied.
 * - `reason`: the skip reason, empty when copyable; `predicted*` empty when skipped.
 */
export function classificationCsvRow({ recoveryPoint, classification }: ClassifiedRecoveryPoint): string {
  const common = {
    recoveryPointArn: classification.recoveryPointArn,
    resourceType: classification.resourceType,
    resourceArn: recoveryPoint.ResourceArn,
    creationDate: recoveryPoint.CreationDate?.toISOString(),
    bytes: classification.bytes,
  };
  const fields: Record<(typeof CLASSIFICATION_CSV_COLUMNS)[number], string | number | boolean | undefined> =
    classification.copyable
      ? {
          ...common,
          copyable: true,
          reason: undefined,
          predictedEncryption: classification.predictedEncryption.outcome,
          predictedKeyArn: classification.predictedEncryption.keyArn,
          deleteAfterDays: classification.lifecycle?.DeleteAfterDays ?? undefined,
          expiresAt: classification.expiresAt?.toISOString() ?? 'never',
          encryptionConfidence: classification.predictedEncryption.confidence,
          detail: classification.notes.join(' '),
        }
      : {
          ...common,
          copyable: false,
          reason: classification.reason,
          predictedEncryption: undefined,
          predictedKeyArn: undefined,
          deleteAfterDays: undefined,
          expiresAt: sourceExpiresAt(recoveryPoint)?.toISOString() ?? 'never',
          encryptionConfidence: undefined,
          detail: classification.detail,
        };
  return CLASSIFICATION_CSV_COLUMNS.map((column) => csvField(fields[column])).join(',');
}

/** The header line followed by one line per recovery point (lines without their line break). */
export function* classificationCsvRows(entries: Iterable<ClassifiedRecoveryPoint>): Generator<string> {
  yield CLASSIFICATION_CSV_COLUMNS.join(',');
  for (const entry of entries) yield classificationCsvRow(entry);
}
