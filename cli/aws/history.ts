/**
 * Progress on AWS, from what Step Functions records: each execution's history holds every Lambda
 * task's input and result (LambdaFunctionScheduled, LambdaFunctionSucceeded), which are exactly
 * what the local progress board reads from the handlers it observes, so the same tracker draws the
 * same board. Child executions (a batch's vaults, a migration's continuations) are found in their
 * parent's TaskSubmitted events and followed too.
 *
 * Bounded: each poll reads only the events added since the last one (newest first, stopping at the
 * last event seen), with at most `maxCallsPerPoll` GetExecutionHistory calls across all executions;
 * a backlog (the first read of a long history, many vaults at once) is worked off over the next polls.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { stateMachinesDir } from '../../local/package-root.ts';
import type { TaskObservation } from '../local/observe.ts';

/** Events per GetExecutionHistory page (the API's largest). */
const PAGE_SIZE = 1000;

/** State name -> the function it invokes (`CopyRecoveryPoints`), from the ASL files that deploy. */
export function lambdaTasks(directory = stateMachinesDir()): Map<string, string> {
  const tasks = new Map<string, string>();
  const visit = (states: Record<string, Record<string, unknown>>) => {
    for (const [name, state] of Object.entries(states)) {
      const resource = /^\$\{(\w+)FunctionArn\}$/.exec(String(state.Resource ?? ''));
      if (resource?.[1]) tasks.set(name, resource[1]);
      const processor = (state.ItemProcessor ?? state.Iterator) as { States?: never } | undefined;
      if (processor?.States) visit(processor.States);
      for (const branch of (state.Branches ?? []) as Array<{ States: never }>) visit(branch.States);
    }
  };
  for (const file of readdirSync(directory).filter((name) => name.endsWith('.asl.json'))) {
    visit(JSON.parse(readFileSync(`${directory}/${file}`, 'utf8')).States);
  }
  return tasks;
}

function parse(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Errors that will not go away by asking again (permissions, an endpoint without the call): give up. */
const FOR_GOOD =
  /AccessDenied|UnknownOperation|NotAuthorized|UnrecognizedClient|InvalidSignature|ExecutionDoesNotExist|InvalidArn/;

/** Whether an AWS error of this name is for good (else: throttling, the network; ask again later). */
export function errorIsForGood(name: string): boolean {
  return FOR_GOOD.test(name);
}

const ENDED = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut']);

/** One execution being followed. */
interface Followed {
  arn: string;
  /** The newest event handled. */
  lastId: number;
  ended: boolean;
  /** A read in progress (newest first): pages gathered and where the next one starts. */
  gathered: HistoryEvent[];
  token: string | undefined;
  newest: number | undefined;
  /** Chains of Lambda events: TaskStateEntered id -> state; Scheduled id -> state and input; Started -> Scheduled. */
  entered: Map<number, string>;
  scheduled: Map<number, { state: string | undefined; resource: string; input: string | undefined }>;
  started: Map<number, number>;
}

export class HistoryFollower {
  private readonly followed = new Map<string, Followed>();
  /** Why the history cannot be read (then the caller shows the status only), once it failed. */
  unavailable: string | undefined;
  /** GetExecutionHistory calls made so far. */
  calls = 0;
  /** Where the next poll's round starts, so that no execution waits behind the others every time. */
  private next = 0;

  constructor(
    private readonly sfn: SFNClient,
    rootArn: string,
    private readonly onObservation: (observation: TaskObservation) => void,
    private readonly options: { maxCallsPerPoll?: number; tasks?: Map<string, string> } = {},
  ) {
    this.tasks = options.tasks ?? lambdaTasks();
    this.follow(rootArn);
  }

  private readonly tasks: Map<string, string>;

  /** Executions followed (the first is the one started). */
  get executions(): string[] {
    return [...this.followed.keys()];
  }

  private follow(arn: string): void {
    if (this.followed.has(arn)) return;
    this.followed.set(arn, {
      arn,
      lastId: 0,
      ended: false,
      gathered: [],
      token: undefined,
      newest: undefined,
      entered: new Map(),
      scheduled: new Map(),
      started: new Map(),
    });
  }

  /** Whether some execution followed has events not read yet (or may get some). */
  get open(): boolean {
    return [...this.followed.values()].some((execution) => !execution.ended);
  }

  /**
   * Reads what is new, within the call budget: a page of each open execution in turn, again while
   * some read is unfinished (a long history) or a child was found that was never read.
   */
  async poll(): Promise<void> {
    let budget = this.options.maxCallsPerPoll ?? 10;
    const attempted = new Set<Followed>();
    const failed = new Set<Followed>();
    while (budget > 0 && !this.unavailable) {
      const open = [...this.followed.values()].filter((execution) => !execution.ended);
      // Each execution once a poll (children found in this poll too), more only to finish a long read.
      const due = open.filter(
        (execution) => !failed.has(execution) && (!attempted.has(execution) || execution.token !== undefined),
      );
      if (due.length === 0) return;
      // Start where the last round stopped, so that with more executions than calls each gets its turn.
      const start = this.next % due.length;
      let read = 0;
      for (const execution of [...due.slice(start), ...due.slice(0, start)]) {
        if (budget <= 0 || this.unavailable) break;
        budget--;
        read++;
        attempted.add(execution);
        // A transient error waits for the next poll (a read in progress goes on from its token).
        if (!(await this.readPage(execution))) failed.add(execution);
      }
      this.next = start + read;
    }
  }

  /**
   * Reads one page; once the read reaches the events handled before, handles the new ones in order.
   * Returns false when the call failed.
   */
  private async readPage(execution: Followed): Promise<boolean> {
    let page: { events?: HistoryEvent[]; nextToken?: string | undefined };
    try {
      this.calls++;
      page = await this.sfn.send(
        new GetExecutionHistoryCommand({
          executionArn: execution.arn,
          reverseOrder: true,
          maxResults: PAGE_SIZE,
          ...(execution.token ? { nextToken: execution.token } : {}),
        }),
      );
    } catch (error) {
      const { name, message } = error as Error;
      if (name === 'InvalidToken') {
        // The read took too long (tokens expire after 24 hours): start it again.
        execution.gathered = [];
        execution.token = undefined;
        execution.newest = undefined;
        return false;
      }
      // Permissions and endpoints do not come back; throttling and the network do, at the next poll.
      if (errorIsForGood(name)) this.unavailable = `${name}: ${message}`;
      return false;
    }
    const events = page.events ?? [];
    execution.newest ??= events[0]?.id ?? execution.lastId;
    let reached = false;
    for (const event of events) {
      if ((event.id ?? 0) <= execution.lastId) {
        reached = true;
        break;
      }
      execution.gathered.push(event);
    }
    if (!reached && page.nextToken) {
      execution.token = page.nextToken;
      return true;
    }
    const fresh = execution.gathered.reverse();
    execution.lastId = execution.newest;
    execution.gathered = [];
    execution.token = undefined;
    execution.newest = undefined;
    for (const event of fresh) this.handle(execution, event);
    return true;
  }

  private handle(execution: Followed, event: HistoryEvent): void {
    const id = event.id ?? 0;
    const previous = event.previousEventId ?? 0;
    switch (event.type) {
      case 'TaskStateEntered':
        execution.entered.set(id, event.stateEnteredEventDetails?.name ?? '');
        break;
      case 'LambdaFunctionScheduled': {
        const details = event.lambdaFunctionScheduledEventDetails;
        const state = execution.entered.get(previous);
        execution.entered.delete(previous);
        execution.scheduled.set(id, { state, resource: details?.resource ?? '', input: details?.input });
        break;
      }
      case 'LambdaFunctionStarted':
        execution.started.set(id, previous);
        break;
      case 'LambdaFunctionScheduleFailed': {
        const call = execution.scheduled.get(previous);
        execution.scheduled.delete(previous);
        const task = call ? this.taskOf(call.state, call.resource) : undefined;
        const failed = event.lambdaFunctionScheduleFailedEventDetails;
        if (task && call) {
          this.onObservation({
            task,
            event: parse(call.input),
            error: { name: failed?.error ?? event.type, message: failed?.cause ?? '' },
            simulatedNow: event.timestamp ?? new Date(),
          });
          if (call.state !== undefined) execution.entered.set(id, call.state);
        }
        break;
      }
      case 'LambdaFunctionSucceeded':
      case 'LambdaFunctionFailed':
      case 'LambdaFunctionTimedOut':
      case 'LambdaFunctionStartFailed': {
        const scheduledId = execution.started.get(previous) ?? 0;
        execution.started.delete(previous);
        const call = execution.scheduled.get(scheduledId);
        execution.scheduled.delete(scheduledId);
        if (!call) break;
        const task = this.taskOf(call.state, call.resource);
        if (!task) break;
        const observation: TaskObservation = {
          task,
          event: parse(call.input),
          simulatedNow: event.timestamp ?? new Date(),
        };
        if (event.type === 'LambdaFunctionSucceeded') {
          observation.result = parse(event.lambdaFunctionSucceededEventDetails?.output);
        } else {
          const failed =
            event.lambdaFunctionFailedEventDetails ??
            event.lambdaFunctionTimedOutEventDetails ??
            event.lambdaFunctionStartFailedEventDetails;
          observation.error = { name: failed?.error ?? event.type, message: failed?.cause ?? '' };
          // A retry's LambdaFunctionScheduled follows this event: it is the same state's call.
          if (call.state !== undefined) execution.entered.set(id, call.state);
        }
        this.onObservation(observation);
        break;
      }
      case 'TaskSubmitted': {
        const details = event.taskSubmittedEventDetails;
        if (details?.resourceType !== 'states' || !details.resource?.startsWith('startExecution')) break;
        const child = (parse(details.output) as { ExecutionArn?: unknown } | undefined)?.ExecutionArn;
        if (typeof child === 'string') this.follow(child);
        break;
      }
      default:
        if (event.type && ENDED.has(event.type)) {
          execution.ended = true;
          execution.entered.clear();
          execution.scheduled.clear();
          execution.started.clear();
        }
    }
  }

  /** The function a state invokes: by the state's name in the ASL, else by the function's name. */
  private taskOf(state: string | undefined, resource: string): string | undefined {
    const byState = state === undefined ? undefined : this.tasks.get(state);
    if (byState) return byState;
    const functionName = resource.split(':')[6] ?? resource;
    return [...new Set(this.tasks.values())].find((task) => functionName.includes(task));
  }
}
