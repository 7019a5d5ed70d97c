import type { BackupClient, ListCopyJobsCommandInput } from '@aws-sdk/client-backup';
import { describe, expect, it } from 'vitest';
import { CopyJobCounter } from '../../cli/aws/copy-jobs.ts';
import { ProgressTracker } from '../../cli/progress/tracker.ts';
import { copyRound, T0 } from './fixtures.ts';

const TARGET = 'arn:aws:backup:eu-west-1:123456789012:backup-vault:alpha-encrypted';

/** A Backup client answering ListCopyJobs with `completed` jobs, in pages of `pageSize`. */
function fakeBackup(completed: () => number, pageSize = 1000) {
  const calls: ListCopyJobsCommandInput[] = [];
  const client = {
    send: async (command: { input: ListCopyJobsCommandInput }) => {
      calls.push(command.input);
      const start = Number(command.input.NextToken ?? 0);
      const count = Math.max(0, Math.min(pageSize, completed() - start));
      const next = start + count;
      return {
        CopyJobs: Array.from({ length: count }, (_, index) => ({ CopyJobId: `job-${start + index}` })),
        ...(next < completed() ? { NextToken: String(next) } : {}),
      };
    },
  } as unknown as BackupClient;
  return { client, calls };
}

function copying(tracker: ProgressTracker, minutes: number, completed: number, inFlight: number) {
  tracker.observe(copyRound('alpha', minutes, completed, inFlight));
}

function prepared(tracker: ProgressTracker) {
  tracker.observe({
    task: 'PrepareMigration',
    event: { input: { sourceVaultName: 'alpha' } },
    result: { sourceVaultName: 'alpha', targetVaultArn: TARGET, dryRun: false, status: 'READY' },
    simulatedNow: new Date(T0),
  });
}

describe('CopyJobCounter: copies done between copy rounds, from ListCopyJobs', () => {
  it('counts the jobs into the new vault completed since the last round, at most those in flight', async () => {
    const tracker = new ProgressTracker();
    prepared(tracker);
    copying(tracker, 10, 30, 20);
    let completed = 7;
    const backup = fakeBackup(() => completed);
    let wall = 0;
    const counter = new CopyJobCounter(() => backup.client, { now: () => wall });
    await counter.refresh(tracker);
    expect(backup.calls).toEqual([
      {
        ByDestinationVaultArn: TARGET,
        ByState: 'COMPLETED',
        ByCompleteAfter: new Date(T0 + 10 * 60_000),
        MaxResults: 1000,
      },
    ]);
    expect(tracker.vaults.get('alpha')).toMatchObject({ done: 37, inFlight: 13 });
    // Within the minute: no second call.
    completed = 12;
    wall = 59_000;
    await counter.refresh(tracker);
    expect(backup.calls).toHaveLength(1);
    wall = 60_000;
    await counter.refresh(tracker);
    expect(tracker.vaults.get('alpha')).toMatchObject({ done: 42, inFlight: 8 });
    // Never more than the round left in flight (jobs of another run into the same vault are not ours).
    completed = 500;
    wall = 120_000;
    await counter.refresh(tracker);
    expect(tracker.vaults.get('alpha')).toMatchObject({ done: 50, inFlight: 0 });
    // The next round's own count replaces what was found in between.
    copying(tracker, 20, 48, 20);
    expect(tracker.vaults.get('alpha')).toMatchObject({ done: 48, inFlight: 20 });
  });

  it('reads at most two pages per vault, and asks only for vaults that are copying', async () => {
    const tracker = new ProgressTracker();
    prepared(tracker);
    tracker.add('beta');
    copying(tracker, 10, 0, 100);
    const backup = fakeBackup(() => 5000, 30);
    const counter = new CopyJobCounter(() => backup.client, { now: () => 0 });
    await counter.refresh(tracker);
    expect(backup.calls).toHaveLength(2);
    expect(tracker.vaults.get('alpha')).toMatchObject({ done: 60, inFlight: 40 });
    expect(tracker.vaults.get('beta')).toMatchObject({ done: 0, phase: 'waiting' });
  });

  it('stops asking, and says why, when copy jobs cannot be listed', async () => {
    const tracker = new ProgressTracker();
    prepared(tracker);
    copying(tracker, 10, 30, 20);
    const denied = {
      send: async () => {
        throw Object.assign(new Error('not authorized to perform: backup:ListCopyJobs'), {
          name: 'AccessDeniedException',
        });
      },
    } as unknown as BackupClient;
    let wall = 0;
    const counter = new CopyJobCounter(() => denied, { now: () => wall });
    await counter.refresh(tracker);
    wall = 3_600_000;
    await counter.refresh(tracker);
    expect(counter.calls).toBe(1);
    expect(counter.unavailable).toBe('AccessDeniedException: not authorized to perform: backup:ListCopyJobs');
    expect(tracker.vaults.get('alpha')).toMatchObject({ done: 30, inFlight: 20 });
  });
});
