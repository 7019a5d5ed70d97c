/**
 * `status EXECUTION [--follow]`: where an execution is, and how its vaults came out.
 */
import { Command } from 'commander';
import { awsClients } from '../aws/clients.ts';
import { EXIT, type ExitStatus } from '../errors.ts';
import { type CliIO, outputWidth, paint, useColour } from '../io.ts';
import { buildOutput, renderOutput } from '../output/envelope.ts';
import { followOnAws, progressSnapshot } from '../progress/aws.ts';
import { formatDuration } from '../progress/board.ts';
import { type MigrationSummary, OUTCOME_LABEL, succeeded } from '../report/model.ts';
import { displayPath } from '../report/text.ts';
import type { Action } from './migrate.ts';
import { addOutputOptions, addWhereOptions, type OutputOptions, type WhereOptions } from './options.ts';
import { resolveTarget, summaryOf, type Target } from './resolve.ts';
import { failureLine, failureName } from './run.ts';

interface StatusOptions extends WhereOptions, OutputOptions {
  follow?: boolean;
}

const EXAMPLES = `
Examples:
  $ vault-migrator status arn:aws:states:eu-west-1:123456789012:execution:BackupVaultMigrator-MigrateVault:legacy-20261123-141802
  $ vault-migrator status legacy-20261123-141802 --follow
  $ vault-migrator status demo --report-dir reports/demo          # a local run`;

function field(label: string, value: string): string {
  return `${`${label}`.padEnd(10)}${value}`;
}

function describe(target: Target, summary: MigrationSummary, io: CliIO, progress: string[] = []): string {
  const style = paint(useColour(io.stdout, io.env));
  const lines: string[] = [];
  if (target.kind === 'execution') {
    const { view } = target;
    lines.push(
      field('Execution', `${view.name} (${view.stateMachine}${target.where === 'local' ? ', local' : ''})`),
    );
    if (target.where === 'aws') lines.push(field('ARN', view.arn));
    lines.push(
      field(
        'Status',
        style(
          view.status === 'SUCCEEDED' ? 'green' : view.status === 'RUNNING' ? 'cyan' : 'red',
          view.status,
        ),
      ),
    );
    if (view.startDate) lines.push(field('Started', view.startDate));
    if (view.stopDate) lines.push(field('Stopped', view.stopDate));
    if (view.status === 'RUNNING' && view.startDate) {
      lines.push(field('Running', `${formatDuration(Date.now() - Date.parse(view.startDate))} so far`));
    }
    if (progress.length > 0) lines.push('', 'Progress', ...progress.map((line) => `  ${line}`));
  } else {
    lines.push(field('Report', displayPath(target.path, io.cwd)));
    lines.push(field('Execution', summary.execution));
  }
  if (summary.error && summary.vaults.length === 0) lines.push(field('Error', summary.error));
  const nameWidth = Math.max(0, ...summary.vaults.map((vault) => vault.vault.length));
  if (summary.vaults.length > 0) lines.push('', 'Vaults');
  for (const vault of summary.vaults) {
    const detail =
      vault.error ??
      (vault.copyable === null ? '' : `${vault.copied ?? 0} of ${vault.copyable} copies verified`);
    lines.push(`  ${vault.vault.padEnd(nameWidth)}  ${OUTCOME_LABEL[vault.outcome].padEnd(24)}  ${detail}`);
  }
  for (const skipped of summary.skippedVaults) {
    lines.push(`  ${skipped.vault.padEnd(nameWidth)}  ${'left alone'.padEnd(24)}  ${skipped.reason}`);
  }
  return `${lines.join('\n')}\n`;
}

export function statusCommand(io: CliIO, action: Action): Command {
  const command = new Command('status')
    .description('Show the status of a migration execution (on AWS, or recorded by a local run).')
    .argument(
      '<execution>',
      'execution ARN or name (on AWS), or a local run: its name, folder or execution.json',
    )
    .option('--follow', 'on AWS: wait for a running execution to end, showing the progress of each vault');
  addWhereOptions(command, { running: false });
  addOutputOptions(command, { json: true });
  command.addHelpText('after', EXAMPLES);
  command.action((execution: string, options: StatusOptions, self: Command) =>
    action(self, async (): Promise<ExitStatus> => {
      const { target, destroy } = await resolveTarget(execution, options, io, { files: true });
      try {
        let resolved = target;
        if (
          resolved.kind === 'execution' &&
          resolved.where === 'aws' &&
          options.follow &&
          resolved.view.status === 'RUNNING'
        ) {
          const clients = awsClients(io, options.region);
          try {
            const { view } = await followOnAws(
              clients.sfn(),
              resolved.view.arn,
              {
                pollIntervalMs: options.pollInterval * 1000,
                quiet: options.quiet,
                backup: clients.backup,
                startedAt: resolved.view.startDate ? Date.parse(resolved.view.startDate) : undefined,
                interruptedMessage: `The execution goes on in AWS. Follow it again with: vault-migrator status ${resolved.view.arn} --follow`,
              },
              io,
            );
            resolved = { ...resolved, view };
          } finally {
            clients.destroy();
          }
        }
        // Not followed: where each vault is now, from the history (AWS only; a local run has ended).
        let progress: string[] = [];
        if (
          resolved.kind === 'execution' &&
          resolved.where === 'aws' &&
          resolved.view.status === 'RUNNING' &&
          !options.json
        ) {
          const clients = awsClients(io, options.region);
          try {
            progress = await progressSnapshot(
              clients.sfn(),
              resolved.view.arn,
              outputWidth(io.stdout, io.env),
              useColour(io.stdout, io.env),
            );
          } finally {
            clients.destroy();
          }
        }
        const summary = await summaryOf(resolved);
        const line = summary.status === 'RUNNING' || succeeded(summary) ? undefined : failureLine(summary);
        const status = line === undefined ? EXIT.OK : EXIT.MIGRATION_FAILED;
        if (options.json) {
          const view = resolved.kind === 'execution' ? resolved.view : { error: undefined, arn: null };
          io.stdout.write(
            renderOutput(
              buildOutput('status', status, {
                summary,
                where: resolved.kind === 'execution' ? resolved.where : 'file',
                arn: view.arn,
                ...(line === undefined ? {} : { error: { name: failureName(view, summary), message: line } }),
              }),
            ),
          );
        } else {
          io.stdout.write(describe(resolved, summary, io, progress));
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
