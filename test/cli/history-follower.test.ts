import type { HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { HistoryFollower, lambdaTasks } from '../../cli/aws/history.ts';
import type { TaskObservation } from '../../cli/local/observe.ts';

/** A history that grows, served newest first in pages as GetExecutionHistory does. */
class FakeHistories {
  readonly histories = new Map<string, HistoryEvent[]>();
  readonly calls: Array<{ executionArn: string; nextToken?: string }> = [];
  failWith: Error | undefined;

  add(arn: string, type: string, details: Partial<HistoryEvent> = {}, previous?: number): number {
    const events = this.histories.get(arn) ?? [];
    this.histories.set(arn, events);
    const id = events.length + 1;
    events.push({
      id,
      previousEventId: previous ?? id - 1,
      type,
      timestamp: new Date(1_000 * id),
      ...details,
    } as HistoryEvent);
    return id;
  }

  /** A Lambda task's five events, as a Task state records them. */
  lambda(arn: string, state: string, input: unknown, output: unknown): void {
    const entered = this.add(arn, 'TaskStateEntered', {
      stateEnteredEventDetails: { name: state, input: '{}' },
    });
    const scheduled = this.add(
      arn,
      'LambdaFunctionScheduled',
      {
        lambdaFunctionScheduledEventDetails: {
          resource: 'arn:aws:lambda:eu-west-1:1:function:Stack-Fn1ABC',
          input: JSON.stringify(input),
        },
      },
      entered,
    );
    const started = this.add(arn, 'LambdaFunctionStarted', {}, scheduled);
    const succeeded = this.add(
      arn,
      'LambdaFunctionSucceeded',
      { lambdaFunctionSucceededEventDetails: { output: JSON.stringify(output) } },
      started,
    );
    this.add(arn, 'TaskStateExited', { stateExitedEventDetails: { name: state, output: '{}' } }, succeeded);
  }

  client(): SFNClient {
    return {
      send: async (command: {
        input: { executionArn: string; nextToken?: string; maxResults?: number; reverseOrder?: boolean };
      }) => {
        const { executionArn, nextToken, maxResults = 100, reverseOrder } = command.input;
        this.calls.push({ executionArn, ...(nextToken ? { nextToken } : {}) });
        if (this.failWith) throw this.failWith;
        expect(reverseOrder).toBe(true);
        const events = this.histories.get(executionArn) ?? [];
        const start = nextToken ? Number(nextToken) : events.length;
        const page = events.slice(Math.max(0, start - maxResults), start).reverse();
        const next = start - page.length;
        return { events: page, ...(next > 0 ? { nextToken: String(next) } : {}) };
      },
    } as unknown as SFNClient;
  }
}

const ROOT = 'arn:aws:states:eu-west-1:1:execution:MigrateAllVaults:batch';

describe('HistoryFollower: progress from execution histories, within a bounded number of calls', () => {
  it('maps each state of the ASL files to the function it invokes', () => {
    const tasks = lambdaTasks();
    expect(tasks.get('Copy the next recovery points')).toBeUndefined();
    expect([...new Set(tasks.values())].sort()).toEqual([
      'CopyRecoveryPoints',
      'CreateTargetVault',
      'DeleteSourceVault',
      'FindVaultsToMigrate',
      'PlanMigration',
      'PrepareMigration',
      'RepointBackupPlans',
      'VerifyMigration',
      'WriteReport',
    ]);
  });

  it('reads a long history over several polls, handles its events once and in order, then one call per poll', async () => {
    const fake = new FakeHistories();
    const tasks = lambdaTasks();
    const copyState = [...tasks].find(([, task]) => task === 'CopyRecoveryPoints')?.[0] as string;
    fake.add(ROOT, 'ExecutionStarted');
    for (let round = 1; round <= 700; round++) {
      fake.lambda(ROOT, copyState, { migration: { sourceVaultName: 'alpha' } }, { round });
      fake.add(ROOT, 'WaitStateEntered', { stateEnteredEventDetails: { name: 'wait', input: '{}' } });
    }
    // 4,201 events: five pages of 1,000.
    const seen: TaskObservation[] = [];
    const follower = new HistoryFollower(fake.client(), ROOT, (observation) => seen.push(observation), {
      maxCallsPerPoll: 3,
      tasks,
    });
    await follower.poll();
    expect(fake.calls).toHaveLength(3);
    // Nothing is handled until the read reaches the start: events are handled oldest first.
    expect(seen).toHaveLength(0);
    await follower.poll();
    expect(fake.calls).toHaveLength(5);
    expect(seen.map((observation) => (observation.result as { round: number }).round)).toEqual(
      Array.from({ length: 700 }, (_, index) => index + 1),
    );
    expect(seen[0]).toMatchObject({
      task: 'CopyRecoveryPoints',
      event: { migration: { sourceVaultName: 'alpha' } },
    });
    expect(seen[0]?.simulatedNow).toBeInstanceOf(Date);
    // New events: one page, read back to the last event seen.
    fake.lambda(ROOT, copyState, {}, { round: 701 });
    await follower.poll();
    expect(fake.calls).toHaveLength(6);
    expect(seen).toHaveLength(701);
    await follower.poll();
    expect(fake.calls).toHaveLength(7);
    expect(seen).toHaveLength(701);
  });

  it('follows the child executions a parent submits, round robin within the budget, until each has ended', async () => {
    const fake = new FakeHistories();
    const tasks = lambdaTasks();
    const prepare = [...tasks].find(([, task]) => task === 'PrepareMigration')?.[0] as string;
    fake.add(ROOT, 'ExecutionStarted');
    const children = Array.from(
      { length: 4 },
      (_, index) => `${ROOT.replace('MigrateAllVaults:batch', 'MigrateVault')}${index}`,
    );
    for (const child of children) {
      fake.add(ROOT, 'TaskSubmitted', {
        taskSubmittedEventDetails: {
          resourceType: 'states',
          resource: 'startExecution.sync:2',
          output: JSON.stringify({ ExecutionArn: child }),
        },
      });
      fake.add(child, 'ExecutionStarted');
      fake.lambda(child, prepare, { input: { sourceVaultName: child.slice(-1) } }, { dryRun: false });
      fake.add(child, 'ExecutionSucceeded');
    }
    fake.add(ROOT, 'ExecutionSucceeded');
    const seen: TaskObservation[] = [];
    const follower = new HistoryFollower(fake.client(), ROOT, (observation) => seen.push(observation), {
      maxCallsPerPoll: 3,
      tasks,
    });
    await follower.poll();
    expect(follower.executions).toEqual([ROOT, ...children]);
    expect(fake.calls).toHaveLength(3);
    await follower.poll();
    expect(fake.calls).toHaveLength(5);
    expect(follower.open).toBe(false);
    expect(
      seen
        .map(
          (observation) =>
            (observation.event as { input: { sourceVaultName: string } }).input.sourceVaultName,
        )
        .sort(),
    ).toEqual(['0', '1', '2', '3']);
    // Every execution has ended: no more calls.
    await follower.poll();
    expect(fake.calls).toHaveLength(5);
  });

  it('reads every child within a few polls when there are more than the budget, not one more per poll', async () => {
    const fake = new FakeHistories();
    fake.add(ROOT, 'ExecutionStarted');
    const children = Array.from({ length: 50 }, (_, index) => `${ROOT}-child-${index}`);
    for (const child of children) {
      fake.add(ROOT, 'TaskSubmitted', {
        taskSubmittedEventDetails: {
          resourceType: 'states',
          resource: 'startExecution.sync:2',
          output: JSON.stringify({ ExecutionArn: child }),
        },
      });
      fake.add(child, 'ExecutionStarted');
    }
    const follower = new HistoryFollower(fake.client(), ROOT, () => undefined, {
      maxCallsPerPoll: 10,
      tasks: lambdaTasks(),
    });
    for (let poll = 0; poll < 6; poll++) await follower.poll();
    const read = new Set(fake.calls.map((call) => call.executionArn));
    expect(children.filter((child) => !read.has(child))).toEqual([]);
    expect(fake.calls.length).toBeLessThanOrEqual(60);
  });

  it('handles events that arrive between the pages of one read once, in order', async () => {
    const fake = new FakeHistories();
    const tasks = lambdaTasks();
    const copyState = [...tasks].find(([, task]) => task === 'CopyRecoveryPoints')?.[0] as string;
    fake.add(ROOT, 'ExecutionStarted');
    for (let round = 1; round <= 300; round++) fake.lambda(ROOT, copyState, {}, { round });
    const seen: number[] = [];
    const follower = new HistoryFollower(
      fake.client(),
      ROOT,
      (observation) => seen.push((observation.result as { round: number }).round),
      { maxCallsPerPoll: 1, tasks },
    );
    await follower.poll();
    // 1,501 events: one page of 1,000 read, newest first; then more rounds end before the next page.
    for (let round = 301; round <= 320; round++) fake.lambda(ROOT, copyState, {}, { round });
    await follower.poll();
    expect(seen).toEqual(Array.from({ length: 300 }, (_, index) => index + 1));
    await follower.poll();
    expect(seen).toEqual(Array.from({ length: 320 }, (_, index) => index + 1));
  });

  it('pairs a retried Lambda call with its state, and reports failures that are not a Failed event', async () => {
    const fake = new FakeHistories();
    const tasks = lambdaTasks();
    const copyState = [...tasks].find(([, task]) => task === 'CopyRecoveryPoints')?.[0] as string;
    fake.add(ROOT, 'ExecutionStarted');
    const entered = fake.add(ROOT, 'TaskStateEntered', {
      stateEnteredEventDetails: { name: copyState, input: '{}' },
    });
    // A function name that does not contain the task's name, as CloudFormation may generate.
    const resource = 'arn:aws:lambda:eu-west-1:1:function:Stack-Fn1ABC-x7Yz';
    let previous = entered;
    for (const outcome of ['LambdaFunctionFailed', 'LambdaFunctionTimedOut', 'LambdaFunctionSucceeded']) {
      const scheduled = fake.add(
        ROOT,
        'LambdaFunctionScheduled',
        { lambdaFunctionScheduledEventDetails: { resource, input: '{}' } },
        previous,
      );
      const started = fake.add(ROOT, 'LambdaFunctionStarted', {}, scheduled);
      const details =
        outcome === 'LambdaFunctionSucceeded'
          ? { lambdaFunctionSucceededEventDetails: { output: '{"round":1}' } }
          : outcome === 'LambdaFunctionTimedOut'
            ? { lambdaFunctionTimedOutEventDetails: { error: 'States.Timeout', cause: 'late' } }
            : { lambdaFunctionFailedEventDetails: { error: 'ThrottlingException', cause: 'slow down' } };
      previous = fake.add(ROOT, outcome, details, started);
    }
    const seen: TaskObservation[] = [];
    const follower = new HistoryFollower(fake.client(), ROOT, (observation) => seen.push(observation), {
      tasks,
    });
    await follower.poll();
    expect(seen.map((observation) => [observation.task, observation.error?.name ?? 'ok'])).toEqual([
      ['CopyRecoveryPoints', 'ThrottlingException'],
      ['CopyRecoveryPoints', 'States.Timeout'],
      ['CopyRecoveryPoints', 'ok'],
    ]);
  });

  it('waits out an error that is not about permissions, and reads on at the next poll', async () => {
    const fake = new FakeHistories();
    fake.add(ROOT, 'ExecutionStarted');
    fake.failWith = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const follower = new HistoryFollower(fake.client(), ROOT, () => undefined, { tasks: lambdaTasks() });
    await follower.poll();
    expect(follower.unavailable).toBeUndefined();
    fake.failWith = undefined;
    fake.add(ROOT, 'ExecutionSucceeded');
    await follower.poll();
    expect(follower.open).toBe(false);
  });

  it('stops reading, and says why, when the history cannot be read', async () => {
    const fake = new FakeHistories();
    fake.failWith = Object.assign(
      new Error('User is not authorized to perform: states:GetExecutionHistory'),
      {
        name: 'AccessDeniedException',
      },
    );
    const follower = new HistoryFollower(fake.client(), ROOT, () => undefined, { tasks: lambdaTasks() });
    await follower.poll();
    await follower.poll();
    expect(fake.calls).toHaveLength(1);
    expect(follower.unavailable).toBe(
      'AccessDeniedException: User is not authorized to perform: states:GetExecutionHistory',
    );
  });
});
