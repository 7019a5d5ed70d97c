/**
 * Following an execution on AWS with the same board as a local run: DescribeExecution every poll
 * for the status, and the executions' histories (HistoryFollower) for what each vault is doing.
 * Where the history cannot be read (an operator without states:GetExecutionHistory), the status
 * line stands in, and the command says why once.
 */
import type { BackupClient } from '@aws-sdk/client-backup';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { CopyJobCounter } from '../aws/copy-jobs.ts';
import { followExecution } from '../aws/execution.ts';
import { HistoryFollower } from '../aws/history.ts';
import { interruption } from '../commands/interrupt.ts';
import { type CliIO, useColour } from '../io.ts';
import type { ExecutionView } from '../report/collect.ts';
import { formatDuration, ProgressBoard } from './board.ts';
import { ProgressTracker } from './tracker.ts';

export interface AwsFollowOptions {
  pollIntervalMs: number;
  quiet?: boolean | undefined;
  /** The vault of a single migration, shown before its first task ends. */
  vault?: string | undefined;
  /** When the execution started (the board's running time). */
  startedAt?: number | undefined;
  /** Printed on Ctrl-C, after the board is put away (the execution goes on in AWS). */
  interruptedMessage?: string | undefined;
  /** AWS Backup, for the copies done between copy rounds (ListCopyJobs); without it, the rounds' counts. */
  backup?: (() => BackupClient) | undefined;
  /** GetExecutionHistory calls per poll at most (default 10). */
  maxHistoryCallsPerPoll?: number | undefined;
}

/** Polls after the execution ended to read the last events (a batch's last vaults), at most this many. */
const FINAL_POLLS = 20;

/** One line on stderr that follows an execution: redrawn on a terminal, printed on change elsewhere. */
export function statusLine(io: CliIO, quiet: boolean | undefined) {
  let last = '';
  const started = Date.now();
  return {
    update(view: ExecutionView) {
      if (quiet) return;
      const elapsed = formatDuration(Date.now() - started).replace('<1 min', 'under a minute');
      if (io.stderr.isTTY) {
        io.stderr.write(`\r\x1b[2K${view.name}: ${view.status}, ${elapsed} so far`);
      } else if (view.status !== last) {
        io.stderr.write(`${view.name}: ${view.status}\n`);
      }
      last = view.status;
    },
    end() {
      if (!quiet && io.stderr.isTTY) io.stderr.write('\n');
    },
  };
}

/** Follows the execution to its end (or until `signal` aborts), drawing its progress on stderr. */
export async function followOnAws(
  sfn: SFNClient,
  executionArn: string,
  options: AwsFollowOptions,
  io: CliIO,
): Promise<{ view: ExecutionView; tracker: ProgressTracker; follower: HistoryFollower | undefined }> {
  const tracker = new ProgressTracker();
  const line = statusLine(io, options.quiet);
  const abort = new AbortController();
  const release = interruption.hold(() => {
    abort.abort();
    if (boardShown) board?.stop();
    else line.end();
    boardShown = false;
    if (options.interruptedMessage) io.stderr.write(`\n${options.interruptedMessage}\n`);
  });
  let boardShown = !options.quiet;
  let board: ProgressBoard | undefined;
  try {
    if (options.quiet) {
      const view = await followExecution(
        sfn,
        executionArn,
        options.pollIntervalMs,
        () => undefined,
        abort.signal,
      );
      return { view, tracker, follower: undefined };
    }
    return await followWithBoard();
  } finally {
    release();
  }

  async function followWithBoard() {
    if (options.vault) tracker.add(options.vault, 'preparing');
    board = new ProgressBoard(io.stderr, tracker, {
      colour: useColour(io.stderr, io.env),
      startedAt: options.startedAt ?? Date.now(),
      clock: 'execution',
    });
    const follower = new HistoryFollower(sfn, executionArn, (observation) => tracker.observe(observation), {
      maxCallsPerPoll: options.maxHistoryCallsPerPoll,
    });
    const copyJobs = options.backup ? new CopyJobCounter(options.backup) : undefined;
    board.start();
    const fallBack = () => {
      if (!boardShown || !follower.unavailable) return;
      boardShown = false;
      board?.stop();
      io.stderr.write(
        `vault-migrator: no live progress: the execution's history cannot be read (${follower.unavailable}); ` +
          'showing its status only (the operator needs states:GetExecutionHistory)\n',
      );
    };
    let view: ExecutionView;
    try {
      view = await followExecution(
        sfn,
        executionArn,
        options.pollIntervalMs,
        async (current) => {
          if (boardShown) await follower.poll();
          if (boardShown && current.status === 'RUNNING') await copyJobs?.refresh(tracker);
          fallBack();
          if (!boardShown) line.update(current);
        },
        abort.signal,
      );
      // The execution has ended: read what its last polls did not (a batch's vaults end together).
      for (
        let poll = 0;
        boardShown && follower.open && poll < FINAL_POLLS && !abort.signal?.aborted;
        poll++
      ) {
        await follower.poll();
      }
      fallBack();
    } finally {
      if (boardShown) board?.stop();
      else if (!abort.signal.aborted) line.end();
    }
    if (copyJobs?.unavailable) {
      io.stderr.write(
        `vault-migrator: copies were counted once a copy round only: copy jobs cannot be listed (${copyJobs.unavailable}; the operator needs backup:ListCopyJobs)\n`,
      );
    }
    return { view, tracker, follower };
  }
}

/**
 * Where each vault of a running execution is, once (`status` without --follow): the history read
 * within a few dozen calls, a line per vault as the board draws it. Empty when the history cannot
 * be read.
 */
export async function progressSnapshot(
  sfn: SFNClient,
  executionArn: string,
  width: number | undefined,
  colour = false,
): Promise<string[]> {
  const tracker = new ProgressTracker();
  const follower = new HistoryFollower(sfn, executionArn, (observation) => tracker.observe(observation), {
    maxCallsPerPoll: 25,
  });
  for (let poll = 0; poll < 2 && follower.open && !follower.unavailable; poll++) await follower.poll();
  if (follower.unavailable) return [];
  const board = new ProgressBoard({ write: () => undefined }, tracker, { colour, clock: 'execution' });
  const vaults = [...tracker.vaults.values()];
  const nameWidth = Math.max(0, ...vaults.map((vault) => vault.vault.length));
  return vaults.map((vault) =>
    board.vaultLine(vault, nameWidth, width === undefined ? undefined : width - 3),
  );
}
