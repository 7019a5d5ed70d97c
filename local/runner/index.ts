/**
 * Runs the real ASL definitions on this machine with aws-local-stepfunctions. Every Lambda Task is
 * bound to the same handler export that deploys (middy wrapper included); `startExecution.sync:2`
 * plays as a nested local run; Wait states advance the emulator's simulated clock (or sleep a scaled
 * real time against an external endpoint). It counts what AWS would bill and limit: state
 * transitions, Lambda invocations, history events and the largest state payload per execution.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { resetClients, runAsLocalCaller } from '#shared/clients.ts';
import { CLOCK_OFFSET_VARIABLE } from '#shared/config.ts';
import { accessKeyIdFor } from '../iam/identities.ts';
import {
  type AnyStateMachineName,
  iterationWaitSeconds,
  iterationWaits,
  processorsOf,
  STATE_MACHINE_FILES,
  STATE_MACHINES_DIR,
  SYNC_START_EXECUTION,
  secondsAt,
  type WaitState,
  withoutWallClockTimeouts,
} from './definitions.ts';
import { FUNCTIONS, type LambdaHandler, lambdaContext } from './functions.ts';
import {
  type EngineEvent,
  ExecutionHistory,
  type HistoryEvent,
  jsonText,
  type LocalExecution,
  recordEngineEvent,
  TaskEvents,
} from './history.ts';
import { IterationClock, type SimulatedTime } from './time.ts';

export {
  type AnyStateMachineName,
  STATE_MACHINES_DIR,
  type StateMachineName,
} from './definitions.ts';
export { FUNCTIONS, type LambdaHandler } from './functions.ts';
export { emulatorTime, endpointTime, type SimulatedTime } from './time.ts';

export interface RunnerOptions {
  region?: string;
  accountId?: string;
  time: SimulatedTime;
  /** Environment the Lambdas run with (their configuration), set for the duration of each run. */
  environment?: Record<string, string>;
  definitionsDir?: string;
  /**
   * More state machines to run (name -> ASL file in `definitionsDir`), each reachable through a
   * `${<name>StateMachineArn}` substitution. Default: only MigrateVault and MigrateAllVaults.
   */
  stateMachines?: Record<string, string>;
  /**
   * Handlers for more `${<key>}` substitutions, or in place of deployed ones (e.g. to time them).
   * Default: the deployed handlers (FUNCTIONS).
   */
  functions?: Record<string, LambdaHandler>;
  /**
   * Whether each Lambda signs its calls with its own role's local access key id (IAM in the loop,
   * the emulator maps it to the role). Off only against endpoints that check real credentials.
   * @default true
   */
  perFunctionIdentity?: boolean;
  /**
   * Whether to keep every execution's history as Step Functions records it (`executions`), for the
   * local Step Functions endpoint. Off by default: a long run's history is large.
   * @default false
   */
  recordHistory?: boolean;
}

/** Figures of one execution, as AWS would count them. */
export interface ExecutionStats {
  stateMachine: AnyStateMachineName;
  name: string;
  status: 'SUCCEEDED' | 'FAILED';
  stateTransitions: number;
  lambdaInvocations: number;
  /** Estimate of the execution's history events, with AWS's per-state event counts. */
  historyEvents: number;
  largestPayloadBytes: number;
  /** How many times each state was entered. */
  statesEntered: Record<string, number>;
}

export interface ExecutionResult {
  name: string;
  status: 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: string;
  cause?: string;
  /** This execution and every nested one, parent first. */
  executions: ExecutionStats[];
}

/** History events AWS records per state type (entered + exited, plus a task's scheduled/started/succeeded). */
const EVENTS_PER_STATE: Record<string, number> = {
  Task: 5,
  Pass: 2,
  Choice: 2,
  Wait: 2,
  Succeed: 2,
  Fail: 1,
  Map: 4,
  Parallel: 4,
};

export class LocalRunner {
  readonly region: string;
  readonly accountId: string;
  private readonly definitions = new Map<AnyStateMachineName, StateMachineDefinition>();
  private readonly substitutions: Record<string, string>;
  private readonly files: Record<string, string>;
  private readonly functions: Record<string, LambdaHandler>;
  /** Simulated time owed by Wait states, settled before the next task runs. */
  private pendingTime: Promise<void> = Promise.resolve();
  /** Simulated time of Wait states inside Map iterations, which run side by side. */
  private readonly iterationClock: IterationClock;
  /** Simulated minus wall time, as last read: history events are stamped with simulated time. */
  private clockOffsetMs = 0;
  /** With `recordHistory`: every execution started, nested ones included, by execution ARN. */
  readonly executions = new Map<string, LocalExecution>();

  constructor(private readonly options: RunnerOptions) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
    this.files = { ...STATE_MACHINE_FILES, ...options.stateMachines };
    this.functions = { ...FUNCTIONS, ...options.functions };
    this.iterationClock = new IterationClock(options.time);
    this.substitutions = {
      ...Object.fromEntries(
        Object.keys(this.files).map((name) => [`${name}StateMachineArn`, this.stateMachineArn(name)]),
      ),
      ...Object.fromEntries(
        Object.keys(this.functions).map((key) => [
          key,
          `arn:aws:lambda:${this.region}:${this.accountId}:function:vault-migrator-${key.replace(/FunctionArn$/, '')}`,
        ]),
      ),
    };
  }

  /** The same runner with another source of simulated time (tests use it to interleave events). */
  withTime(time: SimulatedTime): LocalRunner {
    return new LocalRunner({ ...this.options, time });
  }

  get time(): SimulatedTime {
    return this.options.time;
  }

  executionArn(stateMachine: AnyStateMachineName, name: string): string {
    return `arn:aws:states:${this.region}:${this.accountId}:execution:${stateMachine}:${name}`;
  }

  stateMachineArn(name: AnyStateMachineName): string {
    return `arn:aws:states:${this.region}:${this.accountId}:stateMachine:${name}`;
  }

  /** The definition as it deploys: the ASL file with its `${...}` substitutions applied. */
  definition(name: AnyStateMachineName): StateMachineDefinition {
    let definition = this.definitions.get(name);
    if (!definition) {
      const file = this.files[name];
      if (!file) throw new Error(`No local state machine ${name}`);
      const raw = readFileSync(join(this.options.definitionsDir ?? STATE_MACHINES_DIR, file), 'utf8');
      const substituted = raw.replace(/\$\{([A-Za-z0-9]+)\}/g, (match, key: string) => {
        const value = this.substitutions[key];
        if (value === undefined) throw new Error(`${file} names an unknown substitution ${match}`);
        return value;
      });
      definition = withoutWallClockTimeouts(JSON.parse(substituted) as StateMachineDefinition);
      this.definitions.set(name, definition);
    }
    return definition;
  }

  /** Runs an execution to its end, nested executions included. */
  async startExecution(
    stateMachine: AnyStateMachineName,
    input: unknown,
    name?: string,
  ): Promise<ExecutionResult> {
    const restore = this.applyEnvironment();
    try {
      const executions: ExecutionStats[] = [];
      const result = await this.run(
        stateMachine,
        input,
        name ?? `local-${Date.now().toString(36)}`,
        executions,
      );
      return { ...result, executions };
    } finally {
      restore();
    }
  }

  private applyEnvironment(): () => void {
    const environment = this.options.environment ?? {};
    const saved = Object.fromEntries(Object.keys(environment).map((key) => [key, process.env[key]]));
    Object.assign(process.env, environment);
    resetClients();
    return () => {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      resetClients();
    };
  }

  private async run(
    stateMachine: AnyStateMachineName,
    input: unknown,
    name: string,
    executions: ExecutionStats[],
    parentArn?: string,
  ): Promise<Omit<ExecutionResult, 'executions'>> {
    const definition = this.definition(stateMachine);
    const stats: ExecutionStats = {
      stateMachine,
      name,
      status: 'SUCCEEDED',
      stateTransitions: 0,
      lambdaInvocations: 0,
      historyEvents: 2,
      largestPayloadBytes: Buffer.byteLength(JSON.stringify(input)),
      statesEntered: {},
    };
    executions.push(stats);
    const started = await this.options.time.now();
    this.clockOffsetMs = started.getTime() - Date.now();
    const startTime = started.toISOString();
    const executionArn = this.executionArn(stateMachine, name);
    const history = this.options.recordHistory
      ? this.recordExecution(stateMachine, name, input, parentArn)
      : undefined;
    const tasks = history ? new TaskEvents(history) : undefined;
    const lastResults = new Map<string, unknown>();
    const handlers = this.taskHandlers(definition, stats, lastResults, executions, history, tasks);
    const waits = this.waitOverrides(definition, lastResults);
    const machine = new StateMachine(definition, { validationOptions: { checkArn: false } });
    const execution = machine.run(input as never, {
      overrides: {
        taskResourceLocalHandlers: handlers as never,
        waitTimeOverrides: waits,
        // Retry intervals are real time in the engine: simulated time has no use for them.
        retryIntervalOverrides: Object.fromEntries(Object.keys(definition.States).map((state) => [state, 0])),
      },
      context: { Execution: { Id: executionArn, Name: name, StartTime: startTime, Input: input as never } },
    });
    const counting = (async () => {
      for await (const event of execution.eventLogs) {
        if (history) recordEngineEvent(history, event as EngineEvent, tasks);
        if (event.type === 'StateEntered') {
          stats.stateTransitions++;
          stats.statesEntered[event.state.name] = (stats.statesEntered[event.state.name] ?? 0) + 1;
          stats.historyEvents += EVENTS_PER_STATE[event.state.type] ?? 2;
        } else if (event.type === 'StateRetried' || event.type === 'StateFailed') {
          stats.historyEvents += 3;
        } else if (event.type === 'MapIterationStarted' || event.type === 'MapIterationSucceeded') {
          stats.historyEvents += 1;
        }
        if (event.type === 'StateExited' && event.state.output !== undefined) {
          stats.largestPayloadBytes = Math.max(
            stats.largestPayloadBytes,
            Buffer.byteLength(JSON.stringify(event.state.output)),
          );
        }
      }
    })();
    try {
      const output = await execution.result;
      await counting;
      history?.end({ status: 'SUCCEEDED', output });
      return { name, status: 'SUCCEEDED', output };
    } catch (error) {
      await counting.catch(() => undefined);
      stats.status = 'FAILED';
      const failure =
        error instanceof ExecutionError ? (error.cause as { name?: string; message?: string }) : undefined;
      const ended = {
        status: 'FAILED' as const,
        error: failure?.name ?? (error as Error).name,
        cause: failure?.message ?? (error as Error).message,
      };
      history?.end(ended);
      return { name, ...ended };
    }
  }

  /**
   * An execution started through the API but not run yet (runs take turns): recorded now, with the
   * input text as given and its ExecutionStarted event, as AWS has it from the start; the run
   * carries on in the same record. With `recordHistory` only.
   */
  acceptExecution(stateMachine: AnyStateMachineName, name: string, inputText: string): LocalExecution {
    return this.recordExecution(stateMachine, name, inputText, undefined).execution;
  }

  /** An accepted execution that could not run at all ends FAILED, as its history says. */
  failAccepted(executionArn: string, error: Error): void {
    const execution = this.executions.get(executionArn);
    if (!execution || execution.status !== 'RUNNING') return;
    this.history(execution).end({ status: 'FAILED', error: error.name || 'Error', cause: error.message });
  }

  private history(execution: LocalExecution): ExecutionHistory {
    return new ExecutionHistory(execution, () => new Date(Date.now() + this.clockOffsetMs));
  }

  /** `input` is the execution's input, or its text as the API was given it. */
  private recordExecution(
    stateMachine: AnyStateMachineName,
    name: string,
    input: unknown,
    parentArn: string | undefined,
  ): ExecutionHistory {
    const executionArn = this.executionArn(stateMachine, name);
    const accepted = this.executions.get(executionArn);
    if (accepted && accepted.status === 'RUNNING' && accepted.events.length === 1) {
      // Its turn has come: it starts now, in the run's (simulated) time.
      const now = new Date(Date.now() + this.clockOffsetMs);
      accepted.startDate = now;
      (accepted.events[0] as HistoryEvent).timestamp = now;
      return this.history(accepted);
    }
    const execution: LocalExecution = {
      executionArn,
      stateMachineArn: this.stateMachineArn(stateMachine),
      name,
      status: 'RUNNING',
      startDate: new Date(Date.now() + this.clockOffsetMs),
      input: typeof input === 'string' ? input : jsonText(input),
      ...(parentArn ? { parentArn } : {}),
      events: [],
    };
    this.executions.set(execution.executionArn, execution);
    const history = this.history(execution);
    history.add('ExecutionStarted', {
      input: execution.input,
      roleArn: `arn:aws:iam::${this.accountId}:role/vault-migrator-${stateMachine}`,
    });
    return history;
  }

  private taskHandlers(
    definition: StateMachineDefinition,
    stats: ExecutionStats,
    lastResults: Map<string, unknown>,
    executions: ExecutionStats[],
    history: ExecutionHistory | undefined,
    tasks: TaskEvents | undefined,
  ) {
    const handlers: Record<string, (input: never) => Promise<never>> = {};
    const afterIterationWait = iterationWaits(definition);
    // States inside Map iterations (or Parallel branches) run side by side: their calls are not
    // told apart by state name, so the history does not chain their retries.
    const visit = (states: StateMachineDefinition['States'], nested = false) => {
      for (const [stateName, state] of Object.entries(states)) {
        for (const processor of processorsOf(state)) visit(processor.States, true);
        if (state.Type !== 'Task') continue;
        const resource = (state as { Resource: string }).Resource;
        const resultPath = (state as { ResultPath?: string | null }).ResultPath ?? '$';
        if (resource === SYNC_START_EXECUTION) {
          handlers[stateName] = (async (request: {
            StateMachineArn: string;
            Name?: string;
            Input: unknown;
          }) => {
            await this.pendingTime;
            const name = request.Name ?? `nested-${Date.now().toString(36)}`;
            const attempt = tasks?.scheduled(stateName, request, SYNC_START_EXECUTION, {
              region: this.region,
              nested,
            });
            try {
              const result = await this.nestedExecution(
                { ...request, Name: name },
                executions,
                (arn) =>
                  attempt?.submitted({
                    ExecutionArn: arn,
                    StartDate: (Date.now() + this.clockOffsetMs) / 1000,
                  }),
                history?.execution.executionArn,
              );
              attempt?.succeeded(result);
              return result;
            } catch (error) {
              attempt?.failed(error as Error);
              throw error;
            }
          }) as never;
          continue;
        }
        const key = Object.entries(this.substitutions).find(([, arn]) => arn === resource)?.[0];
        const lambda = key ? this.functions[key] : undefined;
        if (!lambda) throw new Error(`Task "${stateName}" names ${resource}, which no local handler serves`);
        const precedingWait = afterIterationWait.get(stateName);
        handlers[stateName] = (async (event: unknown) => {
          await this.pendingTime;
          if (precedingWait) await this.iterationClock.redeem(precedingWait);
          return this.iterationClock.busy(async () => {
            stats.lambdaInvocations++;
            const now = await this.options.time.now();
            this.clockOffsetMs = now.getTime() - Date.now();
            process.env[CLOCK_OFFSET_VARIABLE] = String(this.clockOffsetMs);
            const attempt = tasks?.scheduled(stateName, event, resource, { nested });
            try {
              // Each invocation signs its calls as its own function's role (IAM in the loop).
              const invoke = () => lambda(event, lambdaContext(key as string));
              const result =
                this.options.perFunctionIdentity === false
                  ? await invoke()
                  : await runAsLocalCaller(accessKeyIdFor(key as string), invoke);
              lastResults.set(resultPath, result);
              attempt?.succeeded(result);
              return result;
            } catch (error) {
              // As Lambda reports it: the error's name as errorType, a JSON cause.
              const failure = new Error(
                JSON.stringify({ errorType: (error as Error).name, errorMessage: (error as Error).message }),
              );
              failure.name = (error as Error).name || 'Error';
              attempt?.failed(failure);
              throw failure;
            }
          });
        }) as never;
      }
    };
    visit(definition.States);
    return handlers;
  }

  private async nestedExecution(
    request: { StateMachineArn: string; Name: string; Input: unknown },
    executions: ExecutionStats[],
    onStart: (executionArn: string) => void,
    parentArn: string | undefined,
  ) {
    const target = Object.keys(this.files).find(
      (name) => this.stateMachineArn(name) === request.StateMachineArn,
    );
    if (!target)
      throw Object.assign(new Error(`No local state machine ${request.StateMachineArn}`), {
        name: 'StateMachineDoesNotExist',
      });
    const name = request.Name;
    const executionArn = this.executionArn(target, name);
    onStart(executionArn);
    const result = await this.run(target, request.Input, name, executions, parentArn);
    if (result.status === 'SUCCEEDED') {
      return { ExecutionArn: executionArn, Name: name, Status: 'SUCCEEDED', Output: result.output } as never;
    }
    const failure = new Error(
      JSON.stringify({
        ExecutionArn: executionArn,
        Name: name,
        Status: 'FAILED',
        Error: result.error,
        Cause: result.cause,
      }),
    );
    failure.name = 'States.TaskFailed';
    throw failure;
  }

  /**
   * Wait states: the engine asks for the wait length when it enters the state; the answer comes
   * from the result the preceding task wrote at the path the Wait reads (`$.copy.waitSeconds` is
   * the copy pump's `waitSeconds`), and simulated time moves by it before the engine goes on.
   */
  private waitOverrides(definition: StateMachineDefinition, lastResults: Map<string, unknown>) {
    const waitStates = new Map<string, WaitState>();
    for (const [stateName, state] of Object.entries(definition.States)) {
      if (state.Type === 'Wait') waitStates.set(stateName, state as WaitState);
    }
    const nestedWaits = new Map<string, number>();
    for (const [stateName, seconds] of iterationWaitSeconds(definition)) nestedWaits.set(stateName, seconds);
    const time = this.options.time;
    const owe = (seconds: number) => {
      this.pendingTime = this.pendingTime.then(() => time.wait(seconds));
    };
    const iterationClock = this.iterationClock;
    return new Proxy({} as Record<string, number>, {
      get(_target, property) {
        if (typeof property !== 'string') return undefined;
        const nested = nestedWaits.get(property);
        if (nested !== undefined) {
          iterationClock.ticket(property, nested);
          return 0;
        }
        const state = waitStates.get(property);
        if (!state) return undefined;
        const seconds = state.Seconds ?? secondsAt(state.SecondsPath ?? '', lastResults);
        owe(seconds);
        return 0;
      },
      has(_target, property) {
        return typeof property === 'string' && (waitStates.has(property) || nestedWaits.has(property));
      },
    });
  }
}
