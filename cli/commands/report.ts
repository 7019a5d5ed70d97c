/**
 * `report EXECUTION|FILE [--format table|json|csv|html]`: the summary of a migration, from its
 * report files (local or in the report bucket), in the form asked for.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { EXIT, type ExitStatus } from '../errors.ts';
import { type CliIO, useColour } from '../io.ts';
import { REPORT_FORMATS, type ReportFormat, renderReport } from '../report/formats.ts';
import type { Action } from './migrate.ts';
import { addPolicyOptions, addWhereOptions, type PolicyOptions, type WhereOptions } from './options.ts';
import { resolveTarget, summaryOf } from './resolve.ts';
import { targetKeyBreach } from './run.ts';

interface ReportOptions extends WhereOptions, PolicyOptions {
  format: ReportFormat;
  output?: string;
}

const EXAMPLES = `
Examples:
  $ vault-migrator report reports/demo/demo                       # a local run's folder
  $ vault-migrator report reports/legacy-20261123-141802/report.json --format csv
  $ vault-migrator report demo --report-dir reports/demo --format html -o migration.html
  $ vault-migrator report legacy-20261123-141802 --format json     # on AWS: reads the report bucket`;

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
    .option('-o, --output <file>', 'write to this file instead of stdout');
  addPolicyOptions(command);
  addWhereOptions(command, { running: false });
  command.addHelpText('after', EXAMPLES);
  command.action((argument: string, options: ReportOptions, self: Command) =>
    action(self, async (): Promise<ExitStatus> => {
      const { target, destroy } = await resolveTarget(argument, options, io, { files: true });
      try {
        const summary = await summaryOf(target);
        const colour = options.output === undefined && useColour(io.stdout, io.env);
        const text = renderReport(summary, options.format, { colour, cwd: io.cwd });
        if (options.output) {
          const path = resolve(io.cwd, options.output);
          writeFileSync(path, text);
          io.stderr.write(`Wrote ${path}\n`);
        } else {
          io.stdout.write(text);
        }
        const breach = options.requireTargetKey ? targetKeyBreach(summary) : undefined;
        if (breach) {
          io.stderr.write(`vault-migrator: ${breach}\n`);
          return EXIT.MIGRATION_FAILED;
        }
        return EXIT.OK;
      } finally {
        destroy();
      }
    }),
  );
  return command;
}
