/**
 * Running a migration, locally or on AWS, from start to summary: start the execution, show its
 * progress on stderr, gather the reports, print the summary (or `--json`) on stdout, and return
 * the exit status (0 only when every migration succeeded and verified).
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { EmulatorOptions } from '#emulator/index.ts';
import { awsClients, callerIdentity } from '../aws/clients.ts';
import { s3Reports, startExecution } from '../aws/execution.ts';
import { findDeployment, type StateMachineKind } from '../aws/stack.ts';
import { DEMO_EMULATOR } from '../demo/account.ts';
import { CliError, EXIT, type ExitStatus } from '../errors.ts';
import { type CliIO, outputWidth, paint, useColour } from '../io.ts';
import { interruptedRecord, resumeCommand, whatExists } from '../local/interrupted.ts';
import { localSessionModule } from '../local/load.ts';
import { executionFolder, findRecord, localReports, writeRecord } from '../local/records.ts';
import { buildOutput, renderOutput } from '../output/envelope.ts';
import { followOnAws } from '../progress/aws.ts';
import { formatDuration, ProgressBoard } from '../progress/board.ts';
import { ProgressTracker } from '../progress/tracker.ts';
import { collectSummary, type ExecutionView } from '../report/collect.ts';
import { localContext, runContext } from '../report/context.ts';
import { renderHtml } from '../report/html.ts';
import { type MigrationSummary, SUCCESS_OUTCOMES, succeeded } from '../report/model.ts';
import { displayPath, hanging, renderSummaryText } from '../report/text.ts';
import { encryptionVerdict } from '../report/verdict.ts';
import { interruption } from './interrupt.ts';
import {
  defaultExecutionName,
  isLocal,
  type OutputOptions,
  type PolicyOptions,
  type WhereOptions,
} from './options.ts';

export interface MigrationRequest {
  /** The command, as the JSON output names it. */
  command: 'demo' | 'migrate' | 'migrate-all';
  kind: StateMachineKind;
  input: Record<string, unknown>;
  executionName: string;
  /** The vault of a single migration, shown before the execution reports anything. */
  vault?: string;
  /** Overrides of the embedded emulator (the demo's settings otherwise). */
  emulator?: EmulatorOptions;
  /** Key given with --kms-key (then local mode creates none). */
  kmsKey?: string;
  /** The demo replaces its own earlier run; any other local run refuses a name used before. */
  replaceEarlierRun?: boolean;
  /** Whether the user named the execution (--name); a default name that was used gets a suffix. */
  nameGiven?: boolean;
}

export type RunOptions = WhereOptions & OutputOptions & PolicyOptions;

/** What the run prints on stdout (the summary or JSON) and its one-line verdict on stderr. */
async function finish(
  request: MigrationRequest,
  view: ExecutionView,
  summary: MigrationSummary,
  options: RunOptions,
  io: CliIO,
  where: 'local' | 'aws',
): Promise<ExitStatus> {
  const ok = succeeded(summary);
  const breach = ok && options.requireTargetKey ? targetKeyBreach(summary) : undefined;
  const line = ok ? breach : failureLine(summary);
  const status = line === undefined ? EXIT.OK : EXIT.MIGRATION_FAILED;
  if (options.json) {
    const error =
      line === undefined
        ? undefined
        : { name: breach ? 'TargetKeyRequired' : failureName(view, summary), message: line };
    io.stdout.write(
      renderOutput(buildOutput(request.command, status, { summary, where, arn: view.arn, error })),
    );
  } else {
    io.stdout.write(
      renderSummaryText(summary, {
        colour: useColour(io.stdout, io.env),
        cwd: io.cwd,
        width: outputWidth(io.stdout, io.env),
      }),
    );
  }
  if (line !== undefined) io.stderr.write(`vault-migrator: ${line}\n`);
  return status;
}

/** The name of the error that made a run fail: the execution's, else the first failed vault's. */
export function failureName(view: Pick<ExecutionView, 'error'>, summary: MigrationSummary): string {
  if (view.error) return view.error;
  const failed = summary.vaults.find((vault) => !SUCCESS_OUTCOMES.includes(vault.outcome));
  const named = failed?.error?.match(/^[A-Za-z][\w.]*/)?.[0];
  if (named) return named;
  return failed?.outcome === 'INCOMPLETE' ? 'MigrationIncomplete' : 'MigrationFailed';
}

/** With --require-target-key: the one line that says the policy is not met, or undefined. */
export function targetKeyBreach(summary: MigrationSummary): string | undefined {
  const verdict = encryptionVerdict(summary);
  if (verdict.allOnTargetKey) return undefined;
  const verb = verdict.predicted ? 'would not be' : 'are not';
  const what =
    verdict.notOnTargetKey > 0
      ? `${verdict.notOnTargetKey} of ${verdict.copies} copies ${verb} on the target key`
      : `the encryption of ${verdict.unknownVaults.join(', ')} is not known`;
  return (
    `TargetKeyRequired: ${what} (--require-target-key). ` +
    'Hint: copies of types AWS Backup does not fully manage keep their source key; take new backups into the new vault (see the encryption verdict).'
  );
}

/** The one line that says why a run is not a success. */
export function failureLine(summary: MigrationSummary): string {
  const failed = summary.vaults.filter((vault) => !SUCCESS_OUTCOMES.includes(vault.outcome));
  if (
    summary.status !== 'SUCCEEDED' &&
    (summary.stateMachine === 'MigrateAllVaults' || failed.length === 0)
  ) {
    return summary.error ?? `execution ${summary.execution} ${summary.status}`;
  }
  if (summary.stateMachine === 'MigrateVault' && failed.length === 1) {
    const vault = failed[0];
    return vault?.error ?? summary.error ?? `${vault?.vault}: ${vault?.outcome}`;
  }
  const first = failed[0];
  return (
    `${failed.length} of ${summary.vaults.length} vaults did not migrate; ` +
    `${first?.vault}: ${first?.error ?? first?.outcome}${failed.length > 1 ? ' (and more: see the table)' : ''}`
  );
}

async function runLocally(request: MigrationRequest, options: RunOptions, io: CliIO): Promise<ExitStatus> {
  const started = Date.now();
  const reportDir = resolve(io.cwd, options.reportDir);
  if (!request.replaceEarlierRun && !request.nameGiven) {
    const base = request.executionName;
    for (let suffix = 2; findRecord(reportDir, request.executionName); suffix++) {
      request = { ...request, executionName: `${base.slice(0, 76)}-${suffix}` };
    }
  }
  if (!request.replaceEarlierRun && findRecord(reportDir, request.executionName)) {
    throw new CliError(
      'ExecutionAlreadyExists',
      `an execution named ${request.executionName} already ran under ${reportDir}; give another --name ` +
        '(Step Functions refuses a name used before, too; a new run takes the migration up where it is)',
      EXIT.USAGE,
    );
  }
  const { openLocalSession } = await localSessionModule();
  const session = await openLocalSession(
    {
      endpoint: options.endpoint,
      seed: options.seed,
      emulator:
        options.randomSeed === undefined
          ? request.emulator
          : { ...(request.emulator ?? (options.seed ? {} : DEMO_EMULATOR)), randomSeed: options.randomSeed },
      waitScale: options.waitScale,
      reportDir: options.reportDir,
      region: options.region,
      kmsKey: request.kmsKey,
    },
    io,
  );
  const tracker = new ProgressTracker();
  tracker.onVaultAdded = (vault) => {
    void session.vaultSize(vault).then((size) => {
      if (size !== undefined) tracker.estimate(vault, size);
    });
  };
  if (request.vault) tracker.add(request.vault, 'preparing');
  const board = options.quiet
    ? undefined
    : new ProgressBoard(io.stderr, tracker, { colour: useColour(io.stderr, io.env), startedAt: started });
  const dim = paint(useColour(io.stderr, io.env));
  if (!options.quiet) {
    const width = io.stderr.isTTY ? (io.stderr.columns ?? 120) : Number.POSITIVE_INFINITY;
    const where =
      `${request.kind} ${request.executionName} on the local engine; Backup and KMS calls go to ${session.emulator ? `the embedded emulator (${session.endpoint})` : session.endpoint}` +
      `${session.keyArn ? `; target key ${session.keyArn}` : ''}`;
    io.stderr.write(
      `${hanging('', where, width - 1, 2)
        .map((line) => dim('dim', line))
        .join('\n')}\n`,
    );
  }
  board?.start();
  const startDate = new Date().toISOString();
  const release = interruption.hold(() => {
    board?.stop();
    writeRecord(
      session.reportDir,
      interruptedRecord({
        name: request.executionName,
        arn: `arn:aws:states:${session.region}:${session.accountId}:execution:${request.kind}:${request.executionName}`,
        stateMachine: request.kind,
        startDate,
        input: request.input,
        endpoint: session.emulator ? 'embedded emulator' : session.endpoint,
      }),
    );
    const lines = whatExists(tracker);
    io.stderr.write(
      `\nInterrupted: the local execution ${request.executionName} stopped with the command.\n` +
        (lines.length > 0 ? `What exists now:\n${lines.join('\n')}\n` : '') +
        `Recorded as ABORTED: vault-migrator status ${request.executionName} --report-dir ${displayPath(session.reportDir, io.cwd)}\n` +
        (io.argv && request.command !== 'demo'
          ? `Resume with (nothing is copied twice):\n  ${resumeCommand(io.argv, defaultExecutionName(`${request.executionName.replace(/-resume-\d{8}-\d{6}$/, '')}-resume`))}\n`
          : ''),
    );
  });
  let record: Awaited<ReturnType<typeof session.execute>>;
  try {
    record = await session.execute(request.kind, request.input, request.executionName, tracker);
  } finally {
    board?.stop();
    release();
    await session.stop();
  }
  const summary = await collectSummary(record, localReports(session.reportDir));
  summary.context = localContext(record);
  const htmlPath = join(executionFolder(session.reportDir, record), 'report.html');
  writeFileSync(htmlPath, renderHtml(summary, new Date(), { folder: dirname(htmlPath) }));
  if (!options.quiet) {
    io.stderr.write(
      dim(
        'dim',
        `${record.stats.executions} execution${record.stats.executions === 1 ? '' : 's'}, ${record.stats.stateTransitions} state transitions, ` +
          `${record.stats.lambdaInvocations} Lambda invocations; ${formatDuration(record.simulatedMs)} simulated in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
      ),
    );
    io.stderr.write(`HTML report: ${displayPath(htmlPath, io.cwd)}\n`);
  }
  return finish(request, record, summary, options, io, 'local');
}

async function runOnAws(request: MigrationRequest, options: RunOptions, io: CliIO): Promise<ExitStatus> {
  const clients = awsClients(io, options.region);
  try {
    const deployment = await findDeployment(clients.cloudFormation, request.kind, options);
    const executionArn = await startExecution(
      clients.sfn(),
      deployment.stateMachineArn,
      request.input,
      request.executionName,
    );
    if (!options.quiet) io.stderr.write(`Started ${executionArn}\n`);
    const { view } = await followOnAws(
      clients.sfn(),
      executionArn,
      {
        pollIntervalMs: options.pollInterval * 1000,
        quiet: options.quiet,
        vault: request.vault,
        backup: clients.backup,
        interruptedMessage: `The execution goes on in AWS. Follow it with: vault-migrator status ${executionArn} --follow`,
      },
      io,
    );
    const summary = await collectSummary(view, s3Reports(clients.s3, deployment.reportBucket));
    summary.context = runContext('aws', view.arn, { caller: await callerIdentity(clients) });
    for (const vault of summary.vaults) {
      if (vault.reportFiles.json && !options.quiet) io.stderr.write(`Report: ${vault.reportFiles.json}\n`);
    }
    return await finish(request, view, summary, options, io, 'aws');
  } finally {
    clients.destroy();
  }
}

export function runMigration(request: MigrationRequest, options: RunOptions, io: CliIO): Promise<ExitStatus> {
  return isLocal(options) ? runLocally(request, options, io) : runOnAws(request, options, io);
}
