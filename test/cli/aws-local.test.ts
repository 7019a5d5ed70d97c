import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStepFunctions } from '../../cli/commands/serve.ts';
import { visibleLength } from '../../cli/io.ts';
import { OutputSchema } from '../../cli/output/schema.ts';
import { screen } from '../support/terminal.ts';
import { cli, operatorEnv, STACK_TRACE, serveSmallAccount, tempDir } from './helpers.ts';

describe('migrate and status --follow in AWS mode, against the local Step Functions endpoint', () => {
  const dir = tempDir();
  let served: LocalStepFunctions;
  const env = () => ({ ...operatorEnv(served), AWS_MAX_ATTEMPTS: '1' });
  const onAws = (argv: string[], options: { tty?: boolean; columns?: number } = {}) =>
    cli([...argv, '--poll-interval', '0.05'], { env: env(), cwd: dir.path, ...options });

  beforeAll(async () => {
    // Copy rounds take real time (a simulated minute is 2 ms): the command sees the execution run.
    served = await serveSmallAccount(dir.path, 0.00004);
  });

  afterAll(async () => {
    await served.stop();
    dir.remove();
  });

  it('migrate shows each phase and the copy counts as they move, from the history, then the summary', async () => {
    const result = await onAws([
      'migrate',
      '--state-machine-arn',
      served.stateMachineArn('MigrateVault'),
      '--vault',
      'alpha',
      '--max-concurrency',
      '3',
      '--name',
      'alpha-lines',
    ]);
    expect(result.stderr).not.toMatch(STACK_TRACE);
    expect(result.status).toBe(0);
    const lines = result.stderr.split('\n');
    expect(lines[0]).toBe(
      `Started arn:aws:states:${served.region}:${served.accountId}:execution:MigrateVault:alpha-lines`,
    );
    // Not a terminal: a timestamped line per phase and per quarter of the copies.
    const progress = lines.filter((line) => /^\d{4}-\d{2}-\d{2}T\S+Z alpha /.test(line));
    const phases = progress.map((line) => line.replace(/^.*\s{2}/, ''));
    expect(phases).toEqual(
      expect.arrayContaining([
        'planning',
        'repointing backup plans',
        'verifying',
        'writing the report',
        'migrated',
      ]),
    );
    expect(progress.some((line) => /copying \(\d running\)/.test(line))).toBe(true);
    const counts = progress.flatMap((line) => {
      const match = / (\d+)\/(\d+) copies/.exec(line);
      return match ? [Number(match[1])] : [];
    });
    expect(counts.length).toBeGreaterThanOrEqual(3);
    expect(counts.at(-1)).toBe(10);
    expect(new Set(counts).size).toBeGreaterThan(2);
    expect(result.stderr).not.toMatch(/no live progress/);
    expect(result.stdout).toMatch(/MigrateVault alpha-lines: SUCCEEDED/);
    // The report the Lambdas wrote is read and summarized (its location is a file of this machine).
    expect(result.stderr).toMatch(/Report: .*\/reports\/alpha\/alpha-lines\/report\.json/);
  });

  it('draws the board at 80 columns on a terminal, every line within the width, with the execution time', async () => {
    const result = await onAws(
      [
        'migrate-all',
        '--include-aws-managed',
        '--state-machine-arn',
        served.stateMachineArn('MigrateAllVaults'),
        '--name',
        'batch-board',
      ],
      { tty: true, columns: 80 },
    );
    expect(result.status).toBe(0);
    // What the terminal shows at the end: the "Started" line, the board's last frame (a line per vault
    // of the batch and the footer, redrawn in place), then a "Report:" line per vault.
    const shown = screen(result.stderr);
    expect(shown[0]).toMatch(/^Started arn:aws:states:.*:execution:MigrateAllVaults:batch-board$/);
    const board = shown.slice(1, 4);
    expect(board[0]).toMatch(/^alpha {2}█+ {2}10\/10 copies .*migrated$/);
    expect(board[1]).toMatch(/^beta {3}█+ {2}6\/6 copies .*migrated$/);
    expect(board[2]).toMatch(/^overall 100% \(16\/16\) · running /);
    for (const line of board) expect(visibleLength(line)).toBeLessThanOrEqual(79);
    expect(shown.slice(4).every((line) => line.startsWith('Report: '))).toBe(true);
  });

  it('prints the same JSON shape as any run with --json', async () => {
    const result = await onAws([
      'migrate',
      '--state-machine-arn',
      served.stateMachineArn('MigrateVault'),
      '--vault',
      'beta',
      '--dry-run',
      '--json',
      '--name',
      'beta-json',
    ]);
    expect(result.status).toBe(0);
    const output = OutputSchema.parse(JSON.parse(result.stdout));
    expect(output).toMatchObject({
      command: 'migrate',
      ok: true,
      execution: { name: 'beta-json', where: 'aws', status: 'SUCCEEDED', dryRun: true },
    });
    expect(output.vaults.map((vault) => vault.vault)).toEqual(['beta']);
  });

  it('status --follow shows the board of an execution started elsewhere', async () => {
    const sfn = new SFNClient({
      endpoint: served.url,
      region: served.region,
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    try {
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: served.stateMachineArn('MigrateVault'),
          name: 'alpha-followed',
          input: JSON.stringify({ sourceVaultName: 'alpha', maxConcurrentCopies: 2, dryRun: true }),
        }),
      );
      const result = await onAws(['status', executionArn as string, '--follow']);
      expect(result.status).toBe(0);
      expect(result.stderr).toMatch(/Z alpha .*dry run/);
      expect(result.stdout).toMatch(/Status {4}SUCCEEDED/);
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      expect(described.status).toBe('SUCCEEDED');
    } finally {
      sfn.destroy();
    }
  });

  it('reads the history within a bounded number of calls per poll', async () => {
    served.api.calls.length = 0;
    const result = await onAws([
      'migrate-all',
      '--include-aws-managed',
      '--state-machine-arn',
      served.stateMachineArn('MigrateAllVaults'),
      '--name',
      'batch-calls',
    ]);
    expect(result.status).toBe(0);
    const describes = served.api.calls.filter((call) => call === 'DescribeExecution').length;
    const histories = served.api.calls.filter((call) => call === 'GetExecutionHistory').length;
    expect(describes).toBeGreaterThan(0);
    // At most 10 history calls per poll, plus the polls that read the last events after the end.
    expect(histories).toBeLessThanOrEqual(10 * (describes + 20));
    expect(histories).toBeGreaterThanOrEqual(4);
  });
});

describe('status of a running execution in AWS mode, without --follow', () => {
  const dir = tempDir();
  let served: LocalStepFunctions;

  beforeAll(async () => {
    // Slow enough to be caught running: a simulated minute is 0.12 s.
    served = await serveSmallAccount(dir.path, 0.002);
  });

  afterAll(async () => {
    await served.stop();
    dir.remove();
  });

  it('shows where each vault is, read once from the history', { timeout: 60_000 }, async () => {
    const sfn = new SFNClient({
      endpoint: served.url,
      region: served.region,
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    try {
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: served.stateMachineArn('MigrateVault'),
          name: 'alpha-snapshot',
          input: JSON.stringify({ sourceVaultName: 'alpha', maxConcurrentCopies: 2 }),
        }),
      );
      // Wait for the copy rounds to begin.
      for (;;) {
        const history = await sfn.send(
          new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1000 }),
        );
        const copying = (history.events ?? []).some(
          (event) =>
            event.type === 'WaitStateEntered' && /copy jobs/.test(event.stateEnteredEventDetails?.name ?? ''),
        );
        if (copying) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const result = await cli(['status', executionArn as string], {
        env: operatorEnv(served),
        cwd: dir.path,
      });
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/Status {4}RUNNING/);
      expect(result.stdout).toMatch(/\nProgress\n {2}alpha {2}.*\d+\/\d+ copies .*copying \(\d running\)/);
      await served.api.idle();
    } finally {
      sfn.destroy();
    }
  });
});
