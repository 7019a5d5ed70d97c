/**
 * Builds the `--json` output (see schema.ts) from what a command knows: the summary of an
 * execution or report, where it was read, and the error that ended it, if any.
 */
import type { z } from 'zod';
import type { MigrationSummary, VaultSummary } from '../report/model.ts';
import { SUCCESS_OUTCOMES, totals } from '../report/model.ts';
import { encryptionVerdict } from '../report/verdict.ts';
import { OUTPUT_SCHEMA_VERSION, type Output, type OutputCommand, type VaultSchema } from './schema.ts';

// The model and the schema must describe the same rows: each is assignable to the other.
type SchemaVault = z.infer<typeof VaultSchema>;
const _modelFitsSchema = (vault: VaultSummary): SchemaVault => vault;
const _schemaFitsModel = (vault: SchemaVault): VaultSummary => vault;
void _modelFitsSchema;
void _schemaFitsModel;

export interface OutputInputs {
  summary?: MigrationSummary | undefined;
  where?: 'local' | 'aws' | 'file' | undefined;
  arn?: string | null | undefined;
  error?: { name: string; message: string } | undefined;
}

export function countsOf(summary: MigrationSummary): NonNullable<Output['counts']> {
  const sum = totals(summary.vaults);
  const failedVaults = summary.vaults.filter((vault) => !SUCCESS_OUTCOMES.includes(vault.outcome));
  return {
    vaults: summary.vaults.length,
    vaultsSucceeded: summary.vaults.length - failedVaults.length,
    vaultsFailed: failedVaults.length,
    vaultsLeftAlone: summary.skippedVaults.length,
    recoveryPoints: sum.recoveryPoints,
    copyable: sum.copyable,
    copied: sum.copied,
    skipped: sum.skipped,
    withoutVerifiedCopy: sum.failed,
    vaultsWithUnknownFigures: summary.vaults.filter((vault) => vault.recoveryPoints === null).length,
    copiesWithTargetKey: sum.encryption.targetKey,
    copiesWithSourceKey: sum.encryption.sourceKey,
    copiesUnencrypted: sum.encryption.unencrypted,
    copiesWithOtherKey: sum.encryption.other,
    predicted: summary.vaults.some((vault) => vault.encryptionPredicted),
  };
}

export function buildOutput(command: OutputCommand, exitStatus: number, inputs: OutputInputs): Output {
  const { summary } = inputs;
  return {
    schemaVersion: OUTPUT_SCHEMA_VERSION,
    command,
    ok: exitStatus === 0,
    exitStatus,
    execution: summary
      ? {
          name: summary.execution,
          arn: inputs.arn ?? null,
          stateMachine: summary.stateMachine,
          status: summary.status,
          where: inputs.where ?? 'file',
          startedAt: summary.startedAt,
          stoppedAt: summary.stoppedAt,
          dryRun: summary.dryRun,
        }
      : null,
    context: summary?.context ?? null,
    error: inputs.error ?? null,
    counts: summary ? countsOf(summary) : null,
    encryption: summary && summary.vaults.length > 0 ? encryptionVerdict(summary) : null,
    vaults: summary?.vaults ?? [],
    skippedVaults: summary?.skippedVaults ?? [],
  };
}

export function renderOutput(output: Output): string {
  return `${JSON.stringify(output, null, 2)}\n`;
}
