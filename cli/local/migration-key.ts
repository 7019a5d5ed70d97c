/**
 * The local migration key (`alias/vault-migrator`) for runs without `--kms-key`, created at the
 * endpoint only when a migration will really run (DESIGN invariant 6: bad input changes nothing,
 * KMS keys and aliases included). While the alias is missing, the handlers are given the alias
 * itself as their default key: Prepare (and the batch's first step) validate everything else first
 * and only then find the key missing; the wrappers here then create it, unless the run is a dry run
 * or the migration would be refused anyway, and run the step again.
 */
import { type BackupClient, DescribeBackupVaultCommand } from '@aws-sdk/client-backup';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  type KMSClient,
  paginateListAliases,
} from '@aws-sdk/client-kms';
import type { Context } from 'aws-lambda';
import { InvalidKmsKey, isAwsError, TargetVaultConflict } from '#shared/errors.ts';
import { MigrateAllVaultsInputSchema, MigrateVaultInputSchema } from '#shared/input.ts';
import { CliError } from '../errors.ts';

/** The alias of the key local runs create or reuse, as the stack's key has it on AWS. */
export const MIGRATION_KEY_ALIAS = 'alias/vault-migrator';

type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/** The ARN of the key alias/vault-migrator names at the endpoint, or undefined. Reads only. */
export async function findMigrationKey(kms: KMSClient): Promise<string | undefined> {
  for await (const page of paginateListAliases({ client: kms }, {})) {
    const alias = page.Aliases?.find((entry) => entry.AliasName === MIGRATION_KEY_ALIAS);
    if (alias?.TargetKeyId) {
      const described = await kms.send(new DescribeKeyCommand({ KeyId: alias.TargetKeyId }));
      const arn = described.KeyMetadata?.Arn;
      if (arn) return arn;
    }
  }
  return undefined;
}

/** Creates the customer-managed key and its alias alias/vault-migrator. */
export async function createMigrationKey(kms: KMSClient): Promise<string> {
  const created = await kms.send(
    new CreateKeyCommand({
      Description: 'backup-vault-migrator target key (local)',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeySpec: 'SYMMETRIC_DEFAULT',
    }),
  );
  const keyId = created.KeyMetadata?.KeyId;
  const arn = created.KeyMetadata?.Arn;
  if (!keyId || !arn) throw new CliError('InvalidKmsKey', 'CreateKey returned no key id');
  await kms.send(new CreateAliasCommand({ AliasName: MIGRATION_KEY_ALIAS, TargetKeyId: keyId }));
  return arn;
}

/** The key alias/vault-migrator names, created when missing. */
export async function ensureMigrationKey(kms: KMSClient): Promise<string> {
  return (await findMigrationKey(kms)) ?? createMigrationKey(kms);
}

export interface OnDemandKey {
  /** The key's ARN once it exists (found or created). */
  arn(): string | undefined;
  /** Wrapped handlers to run in place of Prepare and of the batch's first step. */
  functions: Record<string, LambdaHandler>;
}

/**
 * Wraps `prepare` and `findVaults` so that the key is created the first time a step finds it
 * missing, for an input that names no key, is not a dry run, and would not be refused anyway.
 * `setDefaultKey` gives the created key to the handlers (MIGRATION_KMS_KEY_ARN).
 */
export function onDemandMigrationKey(options: {
  kms: () => KMSClient;
  backup: () => BackupClient;
  endpoint: string;
  prepare: LambdaHandler;
  findVaults: LambdaHandler;
  setDefaultKey: (arn: string) => void | Promise<void>;
}): OnDemandKey {
  let arn: string | undefined;
  const missing = (dryRun: boolean) =>
    new InvalidKmsKey(
      `${MIGRATION_KEY_ALIAS} does not exist at ${options.endpoint}` +
        (dryRun
          ? ', and a dry run creates nothing: pass --kms-key, or run without --dry-run to have it created'
          : ''),
    );

  const create = async () => {
    arn ??= await createMigrationKey(options.kms());
    await options.setDefaultKey(arn);
  };

  const targetExists = async (name: string) => {
    try {
      await options.backup().send(new DescribeBackupVaultCommand({ BackupVaultName: name }));
      return true;
    } catch (error) {
      if (isAwsError(error, 'ResourceNotFoundException', 'AccessDeniedException')) return false;
      throw error;
    }
  };

  const prepare: LambdaHandler = async (event, context) => {
    try {
      return await options.prepare(event, context);
    } catch (error) {
      if (arn !== undefined || !isAwsError(error, 'InvalidKmsKey')) throw error;
      const input = MigrateVaultInputSchema.safeParse((event as { input?: unknown } | null)?.input);
      if (!input.success || input.data.kmsKeyArn !== undefined) throw error;
      if (input.data.dryRun) throw missing(true);
      // Every other check passed; the one left needs the key: an existing target vault has some
      // other key than one not yet created, so Prepare would refuse it.
      if (await targetExists(input.data.targetVaultName)) {
        throw new TargetVaultConflict(
          `Target vault ${input.data.targetVaultName} already exists, and not with ${MIGRATION_KEY_ALIAS} ` +
            `(which does not exist at ${options.endpoint} yet): pass --target with another name, or --kms-key`,
        );
      }
      await create();
      return options.prepare(event, context);
    }
  };

  const findVaults: LambdaHandler = async (event, context) => {
    try {
      return await options.findVaults(event, context);
    } catch (error) {
      if (arn !== undefined || !isAwsError(error, 'InvalidKmsKey')) throw error;
      const input = MigrateAllVaultsInputSchema.safeParse((event as { input?: unknown } | null)?.input);
      if (!input.success || input.data.kmsKeyArn !== undefined) throw error;
      if (input.data.dryRun) throw missing(true);
      await create();
      return options.findVaults(event, context);
    }
  };

  return {
    arn: () => arn,
    functions: { PrepareMigrationFunctionArn: prepare, FindVaultsToMigrateFunctionArn: findVaults },
  };
}
