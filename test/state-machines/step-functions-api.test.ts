import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { StepFunctionsApi } from '../../local/runner/step-functions-api.ts';
import { type Scenario, scenario } from './harness.ts';

/** Every event of an execution, read page by page the way a reader does. */
async function allEvents(
  sfn: SFNClient,
  executionArn: string,
  options: { maxResults?: number; reverseOrder?: boolean; includeExecutionData?: boolean } = {},
): Promise<{ events: HistoryEvent[]; pages: number }> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, ...options, nextToken }));
    pages++;
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return { events, pages };
}

async function ended(sfn: SFNClient, executionArn: string) {
  for (;;) {
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (described.status !== 'RUNNING') return described;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the local Step Functions endpoint (StartExecution, DescribeExecution, GetExecutionHistory)', () => {
  let current: Scenario | undefined;
  let api: StepFunctionsApi | undefined;
  let sfn: SFNClient | undefined;

  afterEach(async () => {
    sfn?.destroy();
    await api?.stop();
    await current?.stop();
    current = undefined;
    api = undefined;
  });

  async function serve(): Promise<{ scenario: Scenario; sfn: SFNClient; api: StepFunctionsApi }> {
    current = await scenario({}, {}, {}, { recordHistory: true });
    current.emulator.seed({
      vaults: [
        { name: 'alpha', encryptionKey: 'none', generate: { count: 30, perResource: 3, mix: { EBS: 1 } } },
        { name: 'beta', encryptionKey: 'aws-managed', generate: { count: 8, mix: { S3: 1 } } },
      ],
    });
    api = new StepFunctionsApi(current.runner);
    await api.start();
    sfn = new SFNClient({
      endpoint: api.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'operator', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    return { scenario: current, sfn, api };
  }

  it('runs an execution started through the SDK and records its history as Step Functions does', async () => {
    const { scenario: world, sfn } = await serve();
    const stateMachineArn = world.runner.stateMachineArn('MigrateVault');
    const input = JSON.stringify({ sourceVaultName: 'alpha', maxConcurrentCopies: 5 });
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'alpha-1', input }));
    expect(started.executionArn).toBe('arn:aws:states:us-east-1:123456789012:execution:MigrateVault:alpha-1');
    const executionArn = started.executionArn as string;
    const described = await ended(sfn, executionArn);
    expect(described).toMatchObject({ status: 'SUCCEEDED', name: 'alpha-1', stateMachineArn, input });
    expect(JSON.parse(described.output ?? '{}')).toMatchObject({
      outcome: 'MIGRATED',
      sourceVaultName: 'alpha',
    });
    expect(described.stopDate?.getTime()).toBeGreaterThanOrEqual(described.startDate?.getTime() ?? Infinity);

    const { events } = await allEvents(sfn, executionArn, { maxResults: 1000 });
    expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
    expect(events[0]?.type).toBe('ExecutionStarted');
    expect(events[0]?.executionStartedEventDetails?.input).toBe(input);
    expect(events.at(-1)?.type).toBe('ExecutionSucceeded');
    expect(events.at(-1)?.executionSucceededEventDetails?.output).toBe(described.output);

    // Each Lambda result leads back, by previousEventId, to its call and to the state that made it.
    const byId = new Map(events.map((event) => [event.id, event]));
    const succeeded = events.filter((event) => event.type === 'LambdaFunctionSucceeded');
    expect(succeeded.length).toBeGreaterThan(6);
    const calledStates = new Set<string>();
    for (const event of succeeded) {
      const startedEvent = byId.get(event.previousEventId);
      const scheduled = byId.get(startedEvent?.previousEventId);
      const entered = byId.get(scheduled?.previousEventId);
      expect(startedEvent?.type).toBe('LambdaFunctionStarted');
      expect(scheduled?.type).toBe('LambdaFunctionScheduled');
      expect(scheduled?.lambdaFunctionScheduledEventDetails?.resource).toMatch(
        /^arn:aws:lambda:us-east-1:123456789012:function:/,
      );
      expect(entered?.type).toBe('TaskStateEntered');
      calledStates.add(entered?.stateEnteredEventDetails?.name ?? '');
      // The result is the Lambda's: JSON, as the history carries it.
      expect(() => JSON.parse(event.lambdaFunctionSucceededEventDetails?.output ?? '')).not.toThrow();
    }
    expect(calledStates.size).toBeGreaterThanOrEqual(6);
    const exits = events.filter((event) => event.type === 'TaskStateExited').length;
    expect(exits).toBe(succeeded.length);
    expect(events.some((event) => event.type === 'WaitStateEntered')).toBe(true);
    expect(events.some((event) => event.type === 'ChoiceStateEntered')).toBe(true);
    // Simulated time: the copy rounds' waits move the events' timestamps by minutes.
    const span = (events.at(-1)?.timestamp?.getTime() ?? 0) - (events[0]?.timestamp?.getTime() ?? 0);
    expect(span).toBeGreaterThan(60_000);
  });

  it('pages the history in both orders with a token, and leaves the data out when asked', async () => {
    const { scenario: world, sfn } = await serve();
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: world.runner.stateMachineArn('MigrateVault'),
        name: 'alpha-pages',
        input: JSON.stringify({ sourceVaultName: 'alpha' }),
      }),
    );
    await ended(sfn, executionArn as string);
    const whole = await allEvents(sfn, executionArn as string, { maxResults: 1000 });
    const paged = await allEvents(sfn, executionArn as string, { maxResults: 7 });
    expect(paged.pages).toBe(Math.ceil(whole.events.length / 7));
    expect(paged.events).toEqual(whole.events);
    const reversed = await allEvents(sfn, executionArn as string, { maxResults: 9, reverseOrder: true });
    expect(reversed.events.map((event) => event.id)).toEqual(whole.events.map((event) => event.id).reverse());
    // The default page is 100 events.
    const first = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(first.events).toHaveLength(Math.min(100, whole.events.length));
    const bare = await allEvents(sfn, executionArn as string, {
      maxResults: 1000,
      includeExecutionData: false,
    });
    expect(bare.events[0]?.executionStartedEventDetails?.input).toBeUndefined();
    expect(bare.events[0]?.executionStartedEventDetails?.roleArn).toBeDefined();
    expect(bare.events.some((event) => event.lambdaFunctionSucceededEventDetails?.output)).toBe(false);
    // A token of one order is refused in the other, as a token of another execution would be.
    const forward = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 3 }));
    await expect(
      sfn.send(
        new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, nextToken: forward.nextToken }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidToken' });
  });

  it('refuses a name used before as AWS does, and answers for executions that do not exist', async () => {
    const { scenario: world, sfn, api: served } = await serve();
    const stateMachineArn = world.runner.stateMachineArn('MigrateVault');
    const input = JSON.stringify({ sourceVaultName: 'beta' });
    const first = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'beta-1', input }));
    // Same name and input while it is open: the same execution, no second run.
    const again = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'beta-1', input }));
    expect(again.executionArn).toBe(first.executionArn);
    await expect(
      sfn.send(
        new StartExecutionCommand({ stateMachineArn, name: 'beta-1', input: '{"sourceVaultName":"alpha"}' }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    await served.idle();
    // Once it is closed, even the same input is refused.
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'beta-1', input })),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    expect(served.calls.filter((call) => call === 'StartExecution')).toHaveLength(4);
    expect(world.emulator.backup.vaults.get('beta-encrypted')?.recoveryPoints.size).toBe(8);
    await expect(
      sfn.send(new DescribeExecutionCommand({ executionArn: `${first.executionArn}-nope` })),
    ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: `${stateMachineArn}Nope`, name: 'x', input })),
    ).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'has space', input })),
    ).rejects.toMatchObject({ name: 'InvalidName' });
  });

  it('keeps the input as sent, and gives an execution waiting its turn a history that has started', async () => {
    const { scenario: world, sfn, api: served } = await serve();
    const stateMachineArn = world.runner.stateMachineArn('MigrateVault');
    const spaced = '{ "sourceVaultName": "alpha",  "maxConcurrentCopies": 5 }';
    const first = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name: 'spaced', input: spaced }),
    );
    const second = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name: 'second', input: '{"sourceVaultName":"beta"}' }),
    );
    // The second runs after the first: its history already opens as on AWS.
    const waiting = await sfn.send(new GetExecutionHistoryCommand({ executionArn: second.executionArn }));
    expect(waiting.events?.map((event) => event.type)).toEqual(['ExecutionStarted']);
    // Same name, same input text: the same execution, while it runs or waits.
    const again = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name: 'spaced', input: spaced }),
    );
    expect(again.executionArn).toBe(first.executionArn);
    await served.idle();
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: first.executionArn }));
    expect(described.input).toBe(spaced);
    const { events } = await allEvents(sfn, first.executionArn as string, { maxResults: 1000 });
    expect(events[0]?.executionStartedEventDetails?.input).toBe(spaced);
    expect(events.filter((event) => event.type === 'ExecutionStarted')).toHaveLength(1);
    expect((await ended(sfn, second.executionArn as string)).status).toBe('SUCCEEDED');
  });

  it("names each child execution in its parent's TaskSubmitted event, and serves the child too", async () => {
    const { scenario: world, sfn } = await serve();
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: world.runner.stateMachineArn('MigrateAllVaults'),
        name: 'batch',
        input: JSON.stringify({ includeAwsManagedKeys: true }),
      }),
    );
    expect((await ended(sfn, executionArn as string)).status).toBe('SUCCEEDED');
    const { events } = await allEvents(sfn, executionArn as string, { maxResults: 1000 });
    const submitted = events.filter((event) => event.type === 'TaskSubmitted');
    expect(submitted).toHaveLength(2);
    expect(events.filter((event) => event.type === 'MapIterationStarted')).toHaveLength(2);
    for (const event of submitted) {
      expect(event.taskSubmittedEventDetails).toMatchObject({
        resourceType: 'states',
        resource: 'startExecution.sync:2',
      });
      const child = JSON.parse(event.taskSubmittedEventDetails?.output ?? '{}').ExecutionArn as string;
      expect(child).toMatch(/:execution:MigrateVault:[0-9a-f]{40}$/);
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn: child }));
      expect(described.status).toBe('SUCCEEDED');
      const childEvents = await allEvents(sfn, child, { maxResults: 1000 });
      expect(childEvents.events.at(-1)?.type).toBe('ExecutionSucceeded');
    }
  });
});
