/**
 * `demo`: the README's first command. An account with the vaults scanners flag, on the embedded
 * emulator; MigrateAllVaults runs on the local engine with live progress, then the summary table
 * and an HTML report.
 */
import { Command, Option } from 'commander';
import { DEMO_EMULATOR } from '../demo/account.ts';
import type { CliIO } from '../io.ts';
import { hanging } from '../report/text.ts';
import type { Action } from './migrate.ts';
import { decimal } from './options.ts';
import { runMigration } from './run.ts';

interface DemoOptions {
  reportDir: string;
  waitScale?: number;
  json?: boolean;
  quiet?: boolean;
}

const INTRO_VAULTS: ReadonlyArray<[string, string]> = [
  [
    'legacy-unencrypted',
    'no key (the Prowler finding): 305 recovery points of mixed types, some that cannot be copied',
  ],
  ['Default', 'the AWS-managed key: 120 recovery points'],
  ['analytics-backups', 'no key: 80 database backups, half of them unencrypted'],
  ['compliant-app', 'already on a customer-managed key (left alone)'],
];

const INTRO_END =
  'and backup plans that write to them. MigrateAllVaults runs on the local Step Functions engine with the real ' +
  'handlers; copy jobs take simulated minutes, some fail and are retried, and sources are retired where they can be.';

/** The demo's introduction, wrapped to the terminal (110 columns elsewhere). */
function intro(width: number): string {
  const lines = ['Demo: an AWS account on the embedded emulator, with'];
  for (const [vault, text] of INTRO_VAULTS)
    lines.push(...hanging(`  ${vault.padEnd(18)}  `, text, width, 22));
  lines.push(...hanging('', INTRO_END, width, 0));
  return `${lines.join('\n')}\n`;
}

export function demoCommand(io: CliIO, action: Action): Command {
  const command = new Command('demo')
    .description(
      'Migrate every flagged vault of a realistic account on the embedded emulator, with live progress, a summary ' +
        'table and an HTML report. Nothing leaves this machine.',
    )
    .option('--report-dir <dir>', 'where the reports go', 'reports/demo')
    .addOption(
      new Option(
        '--wait-scale <factor>',
        'wall seconds per simulated second of Wait states (slows the demo down)',
      ).argParser(decimal(0)),
    )
    .option('--json', "print MigrateAllVaults' output as JSON on stdout")
    .option('-q, --quiet', 'no progress on stderr');
  command.action((options: DemoOptions, self: Command) =>
    action(self, () => {
      if (!options.quiet && !options.json)
        io.stderr.write(intro(io.stderr.isTTY ? (io.stderr.columns ?? 110) : 110));
      return runMigration(
        {
          command: 'demo',
          replaceEarlierRun: true,
          kind: 'MigrateAllVaults',
          input: { includeAwsManagedKeys: true, deleteSourceVault: true, maxConcurrentVaults: 3 },
          executionName: 'demo',
          emulator: DEMO_EMULATOR,
        },
        {
          local: true,
          reportDir: options.reportDir,
          pollInterval: 10,
          ...(options.waitScale === undefined ? {} : { waitScale: options.waitScale }),
          ...(options.json ? { json: true } : {}),
          ...(options.quiet ? { quiet: true } : {}),
        },
        io,
      );
    }),
  );
  return command;
}
