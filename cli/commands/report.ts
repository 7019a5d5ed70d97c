/**
 * `report EXECUTION|FILE [--format table|json|csv|html]`: the summary of a migration, from its
 * report files (local or in the report bucket), in the form asked for.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { CliError, EXIT, type ExitStatus, UsageError } from '../errors.ts';
import { type CliIO, outputWidth, useColour } from '../io.ts';
import { buildOutput, renderOutput } from '../output/envelope.ts';
import { REPORT_FORMATS, type ReportFormat, renderReport } from '../report/formats.ts';
import { succeeded } from '../report/model.ts';
import type { Action } from './migrate.ts';
import { addPolicyOptions, addWhereOptions, type PolicyOptions, type WhereOptions } from './options.ts';
import { resolveTarget, summaryOf } from './resolve.ts';
import { failureLine, failureName, targetKeyBreach } from './run.ts';

interface ReportOptions extends WhereOptions, PolicyOptions {
  format: ReportFormat;
  json?: boolean;
  output?: string;
}

const EXAMPLES = `
Examples:
  $ vault-migrator report reports/demo/demo                       # a local run's folder
  $ vault-migrator report reports/legacy-20261123-141802/report.json --format csv
  $ vault-migrator report demo --report-dir reports/demo --format html -o migration.html
  $ vault-migrator report legacy-20261123-141802 --format json     # on AWS: reads the report bucket`;

/** Writes the report file; a path that cannot be written is a command that could not run (exit 3). */
function writeOutputFile(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new CliError('CannotWriteOutput', `cannot write ${path}: ${code ?? message}`);
  }
}

export function reportCommand(io: CliIO, action: Action): Command {
  const command = new Command('report')
    .description(
      'Summarize a migration: per vault, recovery points, copies, skipped with reasons, failures, how the copies ' +
        'are encrypted, plans repointed, and whether the source was retired.',
    )
    .argument(
      '<execution-or-file>',
      'a report.json, a report or execution folder, or an execution name or ARN',
    )
    .addOption(
      new Option(
        '--format <format>',
        'table (for people), json, csv (one line per vault) or html (with a chart)',
      )
        .choices(REPORT_FORMATS)
        .default('table'),
    )
    .option('--json', 'the same as --format json: the JSON every command prints (schemas/output.schema.json)')
    .option('-o, --output <file>', 'write to this file instead of stdout');
  addPolicyOptions(command);
  addWhereOptions(command, { running: false });
  command.addHelpText('after', EXAMPLES);
  command.action((argument: string, options: ReportOptions, self: Command) =>
    action(self, async (): Promise<ExitStatus> => {
      const { target, destroy } = await resolveTarget(argument, options, io, { files: true });
      try {
        const summary = await summaryOf(target);
        if (options.json && options.format !== 'table' && options.format !== 'json') {
          throw new UsageError(`--json and --format ${options.format} ask for two formats; give one`);
        }
        const format: ReportFormat = options.json ? 'json' : options.format;
        // The same execution gives the same exit status here as in status.
        const failure = succeeded(summary) || summary.status === 'RUNNING' ? undefined : failureLine(summary);
        const breach =
          failure === undefined && options.requireTargetKey ? targetKeyBreach(summary) : undefined;
        const line = failure ?? breach;
        const status = line === undefined ? EXIT.OK : EXIT.MIGRATION_FAILED;
        const colour = options.output === undefined && useColour(io.stdout, io.env);
        const view = target.kind === 'execution' ? target.view : { error: undefined, arn: null };
        const text =
          format === 'json'
            ? renderOutput(
                buildOutput('report', status, {
                  summary,
                  where: target.kind === 'execution' ? target.where : 'file',
                  arn: view.arn,
                  ...(line === undefined
                    ? {}
                    : {
                        error: {
                          name: breach ? 'TargetKeyRequired' : failureName(view, summary),
                          message: line,
                        },
                      }),
                }),
              )
            : renderReport(summary, format, {
                colour,
                cwd: io.cwd,
                width: options.output === undefined ? outputWidth(io.stdout, io.env) : undefined,
              });
        if (options.output) {
          const path = resolve(io.cwd, options.output);
          writeOutputFile(path, text);
          io.stderr.write(`Wrote ${path}\n`);
        } else {
          io.stdout.write(text);
        }
        if (line !== undefined) io.stderr.write(`vault-migrator: ${line}\n`);
        return status;
      } finally {
        destroy();
      }
    }),
  );
  return command;
}
