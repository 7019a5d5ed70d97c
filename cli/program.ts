/**
 * The `vault-migrator` command: its subcommands, and how every way of ending maps to an exit
 * status and (at most) one line on stderr.
 */
import { Command, CommanderError } from 'commander';
import { demoCommand } from './commands/demo.ts';
import { type Action, migrateAllCommand, migrateCommand } from './commands/migrate.ts';
import { reportCommand } from './commands/report.ts';
import { serveCommand } from './commands/serve.ts';
import { statusCommand } from './commands/status.ts';
import { CliError, EXIT, fromAwsError, oneLine, UsageError } from './errors.ts';
import { type CliIO, processIO } from './io.ts';
import { buildOutput, renderOutput } from './output/envelope.ts';
import type { OutputCommand } from './output/schema.ts';
import { versionText } from './version.ts';

const DESCRIPTION = `Migrate AWS Backup vaults to new vaults encrypted with a customer-managed KMS key, copy by
verified copy, with the backup-vault-migrator Step Functions workflow: on AWS (the deployed stack)
or on this machine (--local: the same state machines and handlers, against the embedded emulator
or any AWS-compatible --endpoint).`;

const FOOTER = `
Exit status: 0 every migration succeeded and verified; 1 a migration failed or is incomplete (the
named error is printed); 2 bad arguments; 3 the command could not run (no stack, endpoint,
credentials, execution or report); 130 interrupted.

Start with:  vault-migrator demo`;

function build(io: CliIO, action: Action): Command {
  const program = new Command('vault-migrator')
    .description(DESCRIPTION)
    .showHelpAfterError(
      'Usage: vault-migrator <command> [options]\n(vault-migrator --help lists the commands)',
    )
    .showSuggestionAfterError(true)
    .version(versionText(), '-V, --version', 'print the version (and commit) and exit')
    .option('--no-color', 'no colours, whatever the terminal (also NO_COLOR=1; FORCE_COLOR=1 forces them)')
    .addHelpText('after', FOOTER);
  program.addCommand(demoCommand(io, action));
  program.addCommand(migrateCommand(io, action));
  program.addCommand(migrateAllCommand(io, action));
  program.addCommand(statusCommand(io, action));
  program.addCommand(reportCommand(io, action));
  program.addCommand(serveCommand(io, action));
  const configure = (command: Command) => {
    command.exitOverride().configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      getOutHelpWidth: () => io.stdout.columns ?? 100,
      getErrHelpWidth: () => io.stderr.columns ?? 100,
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    });
    for (const sub of command.commands) configure(sub);
  };
  configure(program);
  for (const sub of program.commands) sub.showHelpAfterError(usageOf(sub));
  return program;
}

/** The usage line of a command and where its options are listed. */
function usageOf(command: Command): string {
  return `Usage: vault-migrator ${command.name()} ${command.usage()}\n(vault-migrator ${command.name()} --help lists every option)`;
}

/** The error as the user reads it: a CliError, an SDK error said plainly, or undefined for a bug. */
function known(error: unknown): CliError | undefined {
  return error instanceof CliError ? error : fromAwsError(error, 'AWS');
}

/** One line for anything thrown; the stack trace only for bugs, and only with VAULT_MIGRATOR_DEBUG. */
function report(error: unknown, io: CliIO): number {
  const plain = known(error);
  if (plain) {
    io.stderr.write(`vault-migrator: ${plain.name}: ${oneLine(plain.message)}\n`);
    return plain.exitStatus;
  }
  const { name, message, stack } = error instanceof Error ? error : new Error(String(error));
  if (io.env.VAULT_MIGRATOR_DEBUG) io.stderr.write(`${stack ?? message}\n`);
  io.stderr.write(
    `vault-migrator: ${name}: ${oneLine(message)}` +
      `${io.env.VAULT_MIGRATOR_DEBUG ? '' : ' (set VAULT_MIGRATOR_DEBUG=1 for the stack trace)'}\n`,
  );
  return EXIT.MIGRATION_FAILED;
}

/** Runs the command line `argv` (without node and the script) and returns the exit status. */
export async function run(argv: readonly string[], given: CliIO = processIO()): Promise<number> {
  // --no-color anywhere on the line (before or after the command) is NO_COLOR for this run.
  const io: CliIO = argv.includes('--no-color')
    ? { ...given, env: { ...given.env, NO_COLOR: '1', FORCE_COLOR: undefined } }
    : given;
  argv = argv.filter((arg) => arg !== '--no-color');
  io.argv ??= argv;
  let status: number = EXIT.OK;
  const action: Action = async (command, body) => {
    try {
      status = await body();
    } catch (error) {
      if (error instanceof UsageError) {
        io.stderr.write(`error: ${oneLine(error.message)}\n${usageOf(command)}\n`);
        status = EXIT.USAGE;
      } else {
        status = report(error, io);
      }
      // --json promised JSON on stdout: the same shape, with the error and nothing else.
      if ((command.opts() as { json?: boolean }).json) {
        const plain = known(error);
        const name = plain?.name ?? (error instanceof Error ? error.name : 'Error');
        const message = oneLine(plain?.message ?? (error instanceof Error ? error.message : String(error)));
        io.stdout.write(
          renderOutput(buildOutput(command.name() as OutputCommand, status, { error: { name, message } })),
        );
      }
    }
  };
  const program = build(io, action);
  if (argv.length === 0) {
    io.stderr.write(program.helpInformation());
    return EXIT.USAGE;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are answers, not errors; anything else commander refuses is bad usage.
      return error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.help' ||
        error.code === 'commander.version'
        ? EXIT.OK
        : EXIT.USAGE;
    }
    return report(error, io);
  }
  return status;
}
