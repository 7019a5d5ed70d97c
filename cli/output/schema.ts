/**
 * The one JSON shape every command prints with `--json` (demo, migrate, migrate-all, status,
 * report): the same top-level keys on success and on failure, versioned by `schemaVersion`.
 * Written once as a zod schema; the type is inferred from it, and `schemas/output.schema.json`
 * (JSON Schema, for other tools) is generated from it by `npm run schema` and checked by a test.
 */

import { z } from 'zod';
import { MIGRATION_OUTCOMES } from '#shared/contracts.ts';

export const OUTPUT_SCHEMA_VERSION = 1;

const count = z.number().int().min(0);

const EncryptionCountsSchema = z.strictObject({
  targetKey: count,
  sourceKey: count,
  unencrypted: count,
  other: count,
});

export const OutcomeSchema = z.enum(MIGRATION_OUTCOMES);

const TypeShortfallSchema = z.strictObject({
  resourceType: z.string(),
  notOnTargetKey: count,
  sourceKey: count,
  unencrypted: count,
  other: count,
  fullyManaged: z.boolean().nullable(),
});

const VaultKeyVerdictSchema = z.strictObject({
  vault: z.string(),
  known: z.boolean(),
  copies: count,
  onTargetKey: count,
  notOnTargetKey: count,
  sourceKey: count,
  unencrypted: count,
  other: count,
  leftInSource: count,
  predicted: z.boolean(),
  byType: z.array(TypeShortfallSchema),
});

export const EncryptionVerdictSchema = z.strictObject({
  copies: count,
  onTargetKey: count,
  notOnTargetKey: count,
  percentOnTargetKey: z.number().int().min(0).max(100),
  allOnTargetKey: z.boolean(),
  predicted: z
    .boolean()
    .describe('dry run: the figures are predictions for the copies a migration would make'),
  unknownVaults: z.array(z.string()),
  vaults: z.array(VaultKeyVerdictSchema),
  advice: z.array(z.string()),
});

export const VaultSchema = z.strictObject({
  vault: z.string(),
  targetVault: z.string().nullable(),
  targetKeyArn: z.string().nullable(),
  sourceKeyArn: z.string().nullable(),
  sourceVaultArn: z.string().nullable(),
  execution: z.string().nullable(),
  outcome: OutcomeSchema,
  error: z.string().nullable().describe('the named error and its cause, readable, on one line'),
  recoveryPoints: count.nullable(),
  copyable: count.nullable(),
  copied: count.nullable(),
  skipped: count.nullable(),
  skippedReasons: z.array(z.strictObject({ reason: z.string(), label: z.string(), count })),
  failed: count.nullable(),
  encryption: EncryptionCountsSchema.nullable().describe(
    'encryption of the copies as AWS reports each one; in a dry run (encryptionPredicted) the prediction',
  ),
  encryptionPredicted: z.boolean(),
  encryptionByType: z.array(EncryptionCountsSchema.extend({ resourceType: z.string() })).nullable(),
  plans: z
    .strictObject({ examined: count.nullable(), repointed: count, notRepointed: z.array(z.string()) })
    .nullable(),
  plansPlanned: count.nullable(),
  source: z.strictObject({
    fate: z.enum(['retired', 'kept', 'untouched', 'unknown']),
    short: z.string(),
    why: z.string(),
  }),
  reportFiles: z.strictObject({
    json: z.string().nullable(),
    csv: z.string().nullable(),
    text: z.string().nullable(),
  }),
  basis: z.enum(['report', 'output', 'none']),
});

export const CountsSchema = z.strictObject({
  vaults: count,
  vaultsSucceeded: count,
  vaultsFailed: count,
  vaultsLeftAlone: count,
  recoveryPoints: count,
  copyable: count,
  copied: count,
  skipped: count,
  withoutVerifiedCopy: count.describe(
    'copyable recovery points with no verified copy, including those of vaults whose figures are unknown',
  ),
  vaultsWithUnknownFigures: count,
  copiesWithTargetKey: count,
  copiesWithSourceKey: count,
  copiesUnencrypted: count,
  copiesWithOtherKey: count,
  predicted: z.boolean(),
});

export const ExecutionSchema = z.strictObject({
  name: z.string(),
  arn: z.string().nullable(),
  stateMachine: z.string(),
  status: z.string().describe('RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED'),
  where: z.enum(['local', 'aws', 'file']),
  startedAt: z.string().nullable(),
  stoppedAt: z.string().nullable(),
  dryRun: z.boolean(),
});

export const ContextSchema = z.strictObject({
  where: z.enum(['aws', 'local', 'file']),
  account: z.string().nullable(),
  region: z.string().nullable(),
  caller: z.string().nullable().describe('the caller identity ARN (STS GetCallerIdentity)'),
  endpoint: z.string().nullable(),
  toolVersion: z.string(),
  toolCommit: z.string().nullable(),
  clock: z.string().describe('the clock of startedAt and stoppedAt'),
  simulatedMs: z.number().nullable(),
});

export const ErrorSchema = z.strictObject({
  name: z.string(),
  message: z.string().describe('readable text, never JSON inside a string'),
});

export const OutputSchema = z
  .strictObject({
    schemaVersion: z.literal(OUTPUT_SCHEMA_VERSION),
    command: z.enum(['demo', 'migrate', 'migrate-all', 'status', 'report']),
    ok: z.boolean().describe('true exactly when exitStatus is 0'),
    exitStatus: z.number().int(),
    execution: ExecutionSchema.nullable(),
    context: ContextSchema.nullable(),
    error: ErrorSchema.nullable(),
    counts: CountsSchema.nullable(),
    encryption: EncryptionVerdictSchema.nullable(),
    vaults: z.array(VaultSchema),
    skippedVaults: z.array(z.strictObject({ vault: z.string(), reason: z.string() })),
  })
  .describe('vault-migrator --json output');

export type Output = z.infer<typeof OutputSchema>;
export type OutputCommand = Output['command'];

/** The JSON Schema of the output, as committed in schemas/output.schema.json. */
export function outputJsonSchema(): unknown {
  return {
    title: 'vault-migrator --json output, version 1',
    ...z.toJSONSchema(OutputSchema, { target: 'draft-2020-12' }),
  };
}
