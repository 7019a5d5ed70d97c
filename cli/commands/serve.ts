/**
 * `serve`: the Step Functions API of the local engine on 127.0.0.1, so that the AWS mode of this
 * command (or the AWS CLI, or any SDK) can be rehearsed without an account: `migrate`, `migrate-all`
 * and `status --follow` with AWS_ENDPOINT_URL_SFN pointing here start and follow executions through
 * StartExecution, DescribeExecution and GetExecutionHistory, exactly as on AWS (and the copy counts
 * between rounds through ListCopyJobs, at AWS_ENDPOINT_URL_BACKUP). The Backup and KMS
 * calls go to the embedded emulator (the demo account, or --seed) or to --endpoint, authorized by the
 * stack's policies as in every local run.
 */
import { Command, Option } from 'commander';
import type { StepFunctionsApi } from '../../local/runner/step-functions-api.ts';
import type { CliIO } from '../io.ts';
import { localSessionModule, stepFunctionsApiModule } from '../local/load.ts';
import { interruption } from './interrupt.ts';
import type { Action } from './migrate.ts';
import { DEFAULT_REPORT_DIR, decimal, integer, url } from './options.ts';

export interface ServeOptions {
  endpoint?: string;
  seed?: string;
  waitScale?: number;
  reportDir: string;
  region?: string;
  port?: number;
}

export interface LocalStepFunctions {
  /** The Step Functions endpoint (http://127.0.0.1:PORT). */
  url: string;
  region: string;
  accountId: string;
  /** Where the Backup and KMS calls go (the embedded emulator, or --endpoint): the operator's too. */
  backupEndpoint: string;
  stateMachineArn(name: 'MigrateVault' | 'MigrateAllVaults'): string;
  api: StepFunctionsApi;
  stop(): Promise<void>;
}

/** Opens a local session and serves its engine's Step Functions API until `stop`. */
export async function serveStepFunctions(options: ServeOptions, io: CliIO): Promise<LocalStepFunctions> {
  const [{ openLocalSession }, { StepFunctionsApi }] = await Promise.all([
    localSessionModule(),
    stepFunctionsApiModule(),
  ]);
  const session = await openLocalSession(
    {
      endpoint: options.endpoint,
      seed: options.seed,
      waitScale: options.waitScale,
      reportDir: options.reportDir,
      region: options.region,
      recordHistory: true,
    },
    io,
  );
  const api = new StepFunctionsApi(session.runner, {
    ...(options.port === undefined ? {} : { port: options.port }),
    // Each execution is recorded under --report-dir too, as a local run is (status --local reads it).
    start: (stateMachine, input, name) =>
      session.execute(stateMachine as 'MigrateVault' | 'MigrateAllVaults', input, name),
  });
  try {
    await api.start();
  } catch (error) {
    await session.stop();
    throw error;
  }
  return {
    url: api.url,
    region: session.region,
    accountId: session.accountId,
    backupEndpoint: session.endpoint,
    stateMachineArn: (name) => session.runner.stateMachineArn(name),
    api,
    async stop() {
      await api.stop();
      await session.stop();
    },
  };
}

const EXAMPLES = `
Examples:
  $ vault-migrator serve --port 8083
  # in another terminal, with the two lines serve printed:
  $ export AWS_ENDPOINT_URL_SFN=http://127.0.0.1:8083 AWS_REGION=us-east-1
  $ vault-migrator migrate --state-machine-arn arn:aws:states:us-east-1:123456789012:stateMachine:MigrateVault --vault legacy-unencrypted`;

export function serveCommand(io: CliIO, action: Action): Command {
  const command = new Command('serve')
    .description(
      "Serve the local engine's Step Functions API on 127.0.0.1 (StartExecution, DescribeExecution, " +
        'GetExecutionHistory), to rehearse the AWS mode of migrate, migrate-all and status --follow without an account.',
    )
    .addOption(
      new Option('--port <n>', 'port to listen on (default: a free one)').argParser(integer(0, 65535)),
    )
    .addOption(
      new Option('--endpoint <url>', 'AWS-compatible endpoint for the Backup and KMS calls').argParser(url),
    )
    .option('--seed <file>', 'embedded emulator: seed JSON (keys, vaults, plans); default the demo account')
    .addOption(
      new Option(
        '--wait-scale <factor>',
        'wall seconds per simulated second of Wait states (default 0 on the embedded emulator)',
      ).argParser(decimal(0)),
    )
    .option('--report-dir <dir>', 'where reports and execution records go', DEFAULT_REPORT_DIR)
    .option('--region <region>', 'the Region the state machine ARNs name (default us-east-1)');
  command.addHelpText('after', EXAMPLES);
  command.action((options: ServeOptions, self: Command) =>
    action(self, async () => {
      const served = await serveStepFunctions(options, io);
      io.stdout.write(
        `export AWS_ENDPOINT_URL_SFN=${served.url} AWS_ENDPOINT_URL_BACKUP=${served.backupEndpoint} AWS_REGION=${served.region}\n`,
      );
      io.stderr.write(
        `Step Functions API of the local engine on ${served.url} (Ctrl-C stops it).\n` +
          `  MigrateVault      ${served.stateMachineArn('MigrateVault')}\n` +
          `  MigrateAllVaults  ${served.stateMachineArn('MigrateAllVaults')}\n` +
          'Run the export line above in another terminal, then for example:\n' +
          `  vault-migrator migrate --state-machine-arn ${served.stateMachineArn('MigrateVault')} --vault legacy-unencrypted\n`,
      );
      // Until Ctrl-C: the command then exits (status 130) as every interrupted command does.
      await new Promise<void>((resolve) => {
        interruption.hold(() => {
          void served.stop();
          resolve();
        });
      });
      return 0;
    }),
  );
  return command;
}
