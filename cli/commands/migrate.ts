/**
 * `migrate` (one vault, MigrateVault) and `migrate-all` (every flagged vault, MigrateAllVaults).
 */
import { Command, Option } from 'commander';
import { MigrateAllVaultsInputSchema, MigrateVaultInputSchema } from '#shared/input.ts';
import { CliError, EXIT } from '../errors.ts';
import type { CliIO } from '../io.ts';
import {
  addOutputOptions,
  addPolicyOptions,
  addWhereOptions,
  checkInput,
  checkIntent,
  checkWhere,
  collect,
  defaultExecutionName,
  executionName,
  integer,
} from './options.ts';
import { type RunOptions, runMigration } from './run.ts';

/**
 * --delete-source deletes recovery points once their copies are verified: on a terminal, the
 * command asks first unless --yes (scripts and CI, with no terminal to ask on, are not asked).
 */
async function confirmDeletion(
  io: CliIO,
  options: { deleteSource?: boolean; dryRun?: boolean; yes?: boolean },
  what: string,
): Promise<void> {
  if (!options.deleteSource || options.dryRun || options.yes || !io.confirm) return;
  const yes = await io.confirm(
    `--delete-source: retire ${what} (delete its recovery points once every copy is verified)?`,
  );
  if (!yes) {
    throw new CliError(
      'NotConfirmed',
      'nothing was started: retiring the source was not confirmed (pass --yes to skip the question)',
      EXIT.MIGRATION_FAILED,
    );
  }
}

export type Action = (command: Command, run: () => Promise<number>) => Promise<void>;

interface MigrateOptions extends RunOptions {
  vault: string;
  target?: string;
  kmsKey?: string;
  deleteSource?: boolean;
  yes?: boolean;
  dryRun?: boolean;
  maxConcurrency?: number;
  name?: string;
}

interface MigrateAllOptions extends RunOptions {
  includeAwsManaged?: boolean;
  exclude?: string[];
  kmsKey?: string;
  deleteSource?: boolean;
  yes?: boolean;
  dryRun?: boolean;
  maxConcurrency?: number;
  maxVaults?: number;
  name?: string;
}

const MIGRATE_EXAMPLES = `
Examples:
  $ vault-migrator migrate --vault legacy --dry-run
  $ vault-migrator migrate --vault legacy --target legacy-cmk --kms-key arn:aws:kms:eu-west-1:123456789012:key/...
  $ vault-migrator migrate --vault legacy --delete-source --json > result.json
  $ vault-migrator migrate --local --vault legacy-unencrypted          # embedded emulator, demo account
  $ vault-migrator migrate --endpoint http://127.0.0.1:4566 --vault legacy --wait-scale 0.01`;

const MIGRATE_ALL_EXAMPLES = `
Examples:
  $ vault-migrator migrate-all --dry-run
  $ vault-migrator migrate-all --include-aws-managed --exclude legal-archive --exclude audit-2019
  $ vault-migrator migrate-all --local --include-aws-managed --delete-source`;

export function migrateCommand(io: CliIO, action: Action): Command {
  const command = new Command('migrate')
    .description(
      'Migrate one vault to a new vault encrypted with a customer-managed key (the MigrateVault state machine): ' +
        'create the target, repoint backup plans, copy and verify every recovery point, optionally retire the source.',
    )
    .requiredOption('--vault <name>', 'the source vault')
    .option('--target <name>', 'the new vault (default <vault>-encrypted)')
    .option(
      '--kms-key <arn>',
      "customer-managed key for the new vault (default: the stack's key; locally, alias/vault-migrator, created at an endpoint only when a migration really runs)",
    )
    .option('--delete-source', 'retire the source once every copy is verified (the stack must allow it)')
    .option('-y, --yes', 'with --delete-source on a terminal: do not ask for confirmation')
    .option('--dry-run', 'classify and report only; change nothing')
    .option('--max-concurrency <n>', 'copy jobs in flight at once (1-100, default 20)', integer(1, 100))
    .addOption(
      new Option('--name <execution>', 'execution name (default <vault>-<UTC time>)').argParser(
        executionName,
      ),
    );
  addPolicyOptions(command);
  addWhereOptions(command, { running: true });
  addOutputOptions(command, { json: true });
  command.addHelpText('after', MIGRATE_EXAMPLES);
  command.action((options: MigrateOptions, self: Command) =>
    action(self, async () => {
      checkWhere(options);
      checkIntent(options);
      const input: Record<string, unknown> = { sourceVaultName: options.vault };
      if (options.target !== undefined) input.targetVaultName = options.target;
      if (options.kmsKey !== undefined) input.kmsKeyArn = options.kmsKey;
      if (options.deleteSource) input.deleteSourceVault = true;
      if (options.dryRun) input.dryRun = true;
      if (options.maxConcurrency !== undefined) input.maxConcurrentCopies = options.maxConcurrency;
      checkInput(MigrateVaultInputSchema, input);
      await confirmDeletion(io, options, `the source vault ${options.vault}`);
      return runMigration(
        {
          command: 'migrate',
          kind: 'MigrateVault',
          input,
          executionName: options.name ?? defaultExecutionName(options.vault),
          nameGiven: options.name !== undefined,
          vault: options.vault,
          ...(options.kmsKey ? { kmsKey: options.kmsKey } : {}),
        },
        options,
        io,
      );
    }),
  );
  return command;
}

export function migrateAllCommand(io: CliIO, action: Action): Command {
  const command = new Command('migrate-all')
    .description(
      'Migrate every vault a scanner flags (no key; with --include-aws-managed also AWS-managed keys) with the ' +
        'MigrateAllVaults state machine; one vault failing does not stop the others.',
    )
    .option(
      '--include-aws-managed',
      'also migrate vaults encrypted with the AWS-managed key (alias/aws/backup)',
    )
    .option('--exclude <name...>', 'vault names never to migrate (repeat, or separate with commas)', collect)
    .option('--kms-key <arn>', "customer-managed key for the new vaults (default: the stack's key)")
    .option('--delete-source', 'retire each source once every copy is verified (the stack must allow it)')
    .option('-y, --yes', 'with --delete-source on a terminal: do not ask for confirmation')
    .option('--dry-run', 'classify and report only; change nothing')
    .option(
      '--max-concurrency <n>',
      'copy jobs in flight at once per vault (1-100, default 20)',
      integer(1, 100),
    )
    .option('--max-vaults <n>', 'vaults migrated at once (1-40, default 5)', integer(1, 40))
    .addOption(
      new Option('--name <execution>', 'execution name (default all-vaults-<UTC time>)').argParser(
        executionName,
      ),
    );
  addPolicyOptions(command);
  addWhereOptions(command, { running: true });
  addOutputOptions(command, { json: true });
  command.addHelpText('after', MIGRATE_ALL_EXAMPLES);
  command.action((options: MigrateAllOptions, self: Command) =>
    action(self, async () => {
      checkWhere(options);
      checkIntent(options);
      const input: Record<string, unknown> = {};
      if (options.includeAwsManaged) input.includeAwsManagedKeys = true;
      if (options.exclude && options.exclude.length > 0) input.excludeVaultNames = options.exclude;
      if (options.kmsKey !== undefined) input.kmsKeyArn = options.kmsKey;
      if (options.deleteSource) input.deleteSourceVault = true;
      if (options.dryRun) input.dryRun = true;
      if (options.maxConcurrency !== undefined) input.maxConcurrentCopies = options.maxConcurrency;
      if (options.maxVaults !== undefined) input.maxConcurrentVaults = options.maxVaults;
      checkInput(MigrateAllVaultsInputSchema, input);
      await confirmDeletion(io, options, 'every source vault it migrates');
      return runMigration(
        {
          command: 'migrate-all',
          kind: 'MigrateAllVaults',
          input,
          executionName: options.name ?? defaultExecutionName('all-vaults'),
          nameGiven: options.name !== undefined,
          ...(options.kmsKey ? { kmsKey: options.kmsKey } : {}),
        },
        options,
        io,
      );
    }),
  );
  return command;
}
