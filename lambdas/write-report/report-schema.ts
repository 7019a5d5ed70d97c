/**
 * What a report.json's head holds, as a schema: the report Lambda writes it (report.ts), the CLI
 * reads it through this (cli/report/load.ts) instead of trusting a layout. Objects are loose: a
 * newer report may carry more than an older reader knows; the figures readers compute with are
 * typed, and a report that lacks them is not a report.
 */
import { z } from 'zod';
import { MIGRATION_OUTCOMES } from '#shared/contracts.ts';

const count = z.number().int().min(0);

const VaultSchema = z.looseObject({
  name: z.string().nullable(),
  arn: z.string().nullable(),
  keyArn: z.string().nullable(),
  exists: z.boolean().nullable(),
});

export const ReportCountsSchema = z.looseObject({
  recoveryPoints: count,
  inSourceVault: count,
  sourceGone: count,
  copyable: count,
  skipped: count,
  skippedByReason: z.record(z.string(), count),
  copied: count,
  notCopied: count,
  copyFailed: count,
  copyInProgress: count,
  copyEncryption: z.looseObject({
    TARGET_KEY: count,
    SOURCE_KEY: count,
    UNENCRYPTED: count,
    OTHER_KEY: count,
    UNKNOWN: count,
  }),
  predictedEncryption: z.looseObject({ TARGET_KEY: count, SOURCE_KEY: count, UNENCRYPTED: count }),
  retention: z.record(z.string(), count),
  targetOther: count,
});

export const ReportHeadSchema = z.looseObject({
  reportVersion: z.literal(1),
  generatedAt: z.string(),
  executionId: z.string(),
  outcome: z.enum(MIGRATION_OUTCOMES),
  sourceVault: VaultSchema,
  targetVault: VaultSchema,
  options: z.looseObject({
    deleteSourceVault: z.boolean().nullable(),
    dryRun: z.boolean().nullable(),
  }),
  startedAt: z.string().nullable(),
  counts: ReportCountsSchema,
  verification: z.looseObject({}).nullable(),
  planRepoint: z.looseObject({}).nullable(),
  retirement: z.looseObject({}).nullable(),
  error: z.looseObject({ Error: z.string() }).nullable(),
  readErrors: z.array(z.string()),
});

/** The first problem of a head that does not pass, as `field.path: message`. */
export function headProblem(value: unknown): string | undefined {
  const parsed = ReportHeadSchema.safeParse(value);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  return issue ? `${issue.path.join('.') || '(top)'}: ${issue.message}` : 'not a report';
}
