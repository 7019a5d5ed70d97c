/**
 * Execution histories as Step Functions records them (GetExecutionHistory's HistoryEvent: id,
 * previousEventId, timestamp, type and one `<type>EventDetails` member), kept by the local runner
 * when asked (`RunnerOptions.recordHistory`) so that the local Step Functions endpoint can serve
 * DescribeExecution and GetExecutionHistory, and the CLI's AWS mode can follow a local execution
 * exactly as it follows one on AWS.
 *
 * What a Task records follows AWS: a Lambda Task (a function ARN as its Resource) is TaskStateEntered,
 * LambdaFunctionScheduled, LambdaFunctionStarted, LambdaFunctionSucceeded (or LambdaFunctionFailed,
 * again Scheduled/Started on each retry), TaskStateExited; `startExecution.sync:2` is TaskScheduled,
 * TaskStarted, TaskSubmitted (its output names the child execution), TaskSucceeded or TaskFailed.
 * Each Lambda event points at the one before it in its own chain (previousEventId), as on AWS,
 * which is how a reader pairs a result with its state when Map iterations interleave.
 */

/** One history event, as the SDK's HistoryEvent (timestamps are Dates; the endpoint sends seconds). */
export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: Date;
  type: string;
  [details: `${string}EventDetails`]: Record<string, unknown> | undefined;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

/** One execution as DescribeExecution tells it, with its history. */
export interface LocalExecution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  /** As the API carries them: JSON text. */
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  /** The execution that started this one (a batch's Map, or a continuation), if any. */
  parentArn?: string;
  events: HistoryEvent[];
}

/** The details member each event type carries (those not named here carry none, like LambdaFunctionStarted). */
function detailsKey(type: string): string | undefined {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  if (type === 'LambdaFunctionStarted') return undefined;
  return `${type[0]?.toLowerCase()}${type.slice(1)}EventDetails`;
}

/** Text as the history carries it (input and output are JSON strings). */
export function jsonText(value: unknown): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}

export class ExecutionHistory {
  constructor(
    readonly execution: LocalExecution,
    /** The time events are stamped with (simulated time, where the run has one). */
    private readonly now: () => Date,
  ) {}

  /** Appends an event; its previous event is `previous`, else the last one recorded. */
  add(type: string, details?: Record<string, unknown>, previous?: number): number {
    const events = this.execution.events;
    const id = events.length + 1;
    const event: HistoryEvent = {
      id,
      previousEventId: previous ?? events.length,
      timestamp: this.now(),
      type,
    };
    const key = detailsKey(type);
    if (key && details) event[key as `${string}EventDetails`] = details;
    events.push(event);
    return id;
  }

  /** The execution ended: its last event, and what DescribeExecution says from now on. */
  end(result: { status: 'SUCCEEDED'; output: unknown } | { status: 'FAILED'; error: string; cause: string }) {
    const execution = this.execution;
    execution.status = result.status;
    if (result.status === 'SUCCEEDED') {
      execution.output = jsonText(result.output);
      this.add('ExecutionSucceeded', { output: execution.output });
    } else {
      execution.error = result.error;
      execution.cause = result.cause;
      this.add('ExecutionFailed', { error: result.error, cause: result.cause });
    }
    execution.stopDate = this.now();
  }
}

/** The state types whose entering and leaving the engine's event log tells (Tasks are recorded by their handlers). */
const ENGINE_STATE_TYPES = new Set(['Pass', 'Choice', 'Wait', 'Succeed', 'Fail', 'Map', 'Parallel']);

/** What the local engine's event log says (aws-local-stepfunctions' EventLog, the fields read here). */
export interface EngineEvent {
  type: string;
  state?: { name: string; type: string; input?: unknown; output?: unknown };
  parentState?: { name: string };
  index?: number;
}

/**
 * Records the states the engine tells of: entering and leaving every state but a Task (its handler
 * records it, knowing the call's input and result), and Map iterations.
 */
export function recordEngineEvent(history: ExecutionHistory, event: EngineEvent, tasks?: TaskEvents): void {
  const state = event.state;
  if (state?.type === 'Task') {
    if (event.type === 'StateCaught' || event.type === 'StateFailed') tasks?.left(state.name);
    return;
  }
  if (state && ENGINE_STATE_TYPES.has(state.type)) {
    if (event.type === 'StateEntered') {
      history.add(`${state.type}StateEntered`, { name: state.name, input: jsonText(state.input) });
    } else if (event.type === 'StateExited' && state.type !== 'Fail') {
      history.add(`${state.type}StateExited`, { name: state.name, output: jsonText(state.output) });
    }
    return;
  }
  if (event.type.startsWith('MapIteration') && event.parentState) {
    history.add(event.type, { name: event.parentState.name, index: event.index ?? 0 });
  }
}

const STATES_RESOURCE = /^arn:aws:states:::([^:]+):(.+)$/;

/** One call of a Task's resource, recorded as it goes. */
export interface TaskAttempt {
  /** A `.sync` task has started its work (the child execution): the output names it. */
  submitted(output: unknown): void;
  succeeded(output: unknown): void;
  failed(error: Error): void;
}

/** Records Task states: each call of a Lambda, or of a Step Functions integration, in AWS's events. */
export class TaskEvents {
  /** Task states whose last call failed and which the engine has not left since: the next call retries. */
  private readonly failedCalls = new Map<string, number>();

  constructor(private readonly history: ExecutionHistory) {}

  /** The engine caught the Task's error or failed on it: a later call enters the state anew. */
  left(stateName: string): void {
    this.failedCalls.delete(stateName);
  }

  /** `nested`: a state of a Map iteration, whose concurrent calls a state name does not tell apart. */
  scheduled(
    stateName: string,
    input: unknown,
    resource: string,
    options: { region?: string; nested?: boolean } = {},
  ): TaskAttempt {
    const history = this.history;
    const retried = options.nested ? undefined : this.failedCalls.get(stateName);
    this.failedCalls.delete(stateName);
    const remember = (failed: number) => {
      if (!options.nested) this.failedCalls.set(stateName, failed);
    };
    const entered = retried ?? history.add('TaskStateEntered', { name: stateName, input: jsonText(input) });
    const integration = STATES_RESOURCE.exec(resource);
    const exited = (after: number, output: unknown) =>
      history.add('TaskStateExited', { name: stateName, output: jsonText(output) }, after);
    if (!integration) {
      const scheduled = history.add('LambdaFunctionScheduled', { resource, input: jsonText(input) }, entered);
      const started = history.add('LambdaFunctionStarted', undefined, scheduled);
      return {
        submitted: () => undefined,
        succeeded: (output) =>
          exited(history.add('LambdaFunctionSucceeded', { output: jsonText(output) }, started), output),
        failed: (error) => {
          const failed = history.add(
            'LambdaFunctionFailed',
            { error: error.name, cause: error.message },
            started,
          );
          remember(failed);
        },
      };
    }
    const named = { resourceType: integration[1], resource: integration[2] };
    const scheduled = history.add(
      'TaskScheduled',
      { ...named, region: options.region ?? 'us-east-1', parameters: jsonText(input) },
      entered,
    );
    let last = history.add('TaskStarted', named, scheduled);
    return {
      submitted: (output) => {
        last = history.add('TaskSubmitted', { ...named, output: jsonText(output) }, last);
      },
      succeeded: (output) =>
        exited(history.add('TaskSucceeded', { ...named, output: jsonText(output) }, last), output),
      failed: (error) => {
        remember(history.add('TaskFailed', { ...named, error: error.name, cause: error.message }, last));
      },
    };
  }
}
