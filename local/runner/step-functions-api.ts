/**
 * The Step Functions API of the local runner, on 127.0.0.1: what the CLI's AWS mode calls
 * (StartExecution, DescribeExecution, GetExecutionHistory, in AWS's awsJson1_0 protocol), so that
 * a migration started through the SDK, exactly as on AWS, runs the real ASL on the local engine and
 * can be followed from its history. Point the SDK at it with AWS_ENDPOINT_URL_SFN.
 *
 * As AWS does: a name used before is refused with ExecutionAlreadyExists unless the execution is
 * still open and the input is the same (then the call succeeds and names the same execution);
 * GetExecutionHistory pages (maxResults 1-1000, default 100) in either order, with a nextToken;
 * includeExecutionData false leaves inputs and outputs out. Executions run one after another (the
 * runner gives each the Lambdas' environment for its duration); a later one is RUNNING until then.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HistoryEvent, LocalExecution } from './history.ts';
import type { AnyStateMachineName, LocalRunner } from './index.ts';

export interface StepFunctionsApiOptions {
  /** State machines served (default MigrateVault and MigrateAllVaults). */
  stateMachines?: AnyStateMachineName[];
  /** Runs an execution to its end (default: the runner's startExecution). */
  start?: (stateMachine: AnyStateMachineName, input: unknown, name: string) => Promise<unknown>;
  port?: number;
}

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const MAX_RESULTS = 1000;
const DEFAULT_RESULTS = 100;

function seconds(date: Date | undefined): number | undefined {
  return date === undefined ? undefined : date.getTime() / 1000;
}

function wireEvent(event: HistoryEvent, includeData: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { ...event, timestamp: seconds(event.timestamp) };
  if (includeData) return out;
  for (const [key, value] of Object.entries(event)) {
    if (!key.endsWith('EventDetails') || typeof value !== 'object' || value === null) continue;
    const { input: _input, output: _output, ...rest } = value as Record<string, unknown>;
    out[key] = rest;
  }
  return out;
}

export class StepFunctionsApi {
  url = '';
  /** Operations in the order they came (`StartExecution`, `GetExecutionHistory`, ...). */
  readonly calls: string[] = [];
  private server: Server | undefined;
  private queue: Promise<void> = Promise.resolve();
  private readonly served: AnyStateMachineName[];

  constructor(
    private readonly runner: LocalRunner,
    private readonly options: StepFunctionsApiOptions = {},
  ) {
    this.served = options.stateMachines ?? ['MigrateVault', 'MigrateAllVaults'];
  }

  async start(): Promise<string> {
    const server = createServer((request, response) => {
      void this.handle(request, response);
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(this.options.port ?? 0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  /** Stops listening and waits for the executions already started to end. */
  async stop(): Promise<void> {
    const server = this.server;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    }
    await this.queue;
  }

  /** Resolves when every execution started so far has ended. */
  idle(): Promise<void> {
    return this.queue;
  }

  private execution(arn: unknown): LocalExecution {
    const found = typeof arn === 'string' ? this.runner.executions.get(arn) : undefined;
    if (!found) throw new ApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${String(arn)}'`);
    return found;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('AWSStepFunctions.') ? target.slice('AWSStepFunctions.'.length) : '';
    this.calls.push(operation || `${request.method} ${request.url}`);
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        throw new ApiError('SerializationException', 'Request body is not valid JSON');
      }
      this.send(response, 200, this.answer(operation, body));
    } catch (error) {
      const failure =
        error instanceof ApiError ? error : new ApiError('InternalFailure', (error as Error).message);
      // A client that went away mid-request has no one to answer.
      if (response.destroyed) return;
      this.send(response, failure.type === 'InternalFailure' ? 500 : 400, {
        __type: failure.type,
        message: failure.message,
      });
    }
  }

  private send(response: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    response.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': crypto.randomUUID(),
    });
    response.end(text);
  }

  private answer(operation: string, body: Record<string, unknown>): unknown {
    switch (operation) {
      case 'StartExecution':
        return this.startExecution(body);
      case 'DescribeExecution':
        return this.describeExecution(body);
      case 'GetExecutionHistory':
        return this.history(body);
      default:
        throw new ApiError(
          'UnknownOperationException',
          `The local Step Functions endpoint does not serve ${operation || 'this request'}`,
        );
    }
  }

  private startExecution(body: Record<string, unknown>): unknown {
    const machineArn = String(body.stateMachineArn ?? '');
    const stateMachine = this.served.find((name) => this.runner.stateMachineArn(name) === machineArn);
    if (!stateMachine) {
      throw new ApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${machineArn}'`);
    }
    const name = typeof body.name === 'string' ? body.name : crypto.randomUUID();
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) throw new ApiError('InvalidName', `Invalid Name: '${name}'`);
    const inputText = typeof body.input === 'string' ? body.input : '{}';
    let input: unknown;
    try {
      input = JSON.parse(inputText);
    } catch {
      throw new ApiError('InvalidExecutionInput', 'Invalid State Machine Execution Input: not JSON');
    }
    const arn = this.runner.executionArn(stateMachine, name);
    const existing = this.runner.executions.get(arn);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === inputText) {
        return { executionArn: arn, startDate: seconds(existing.startDate) };
      }
      throw new ApiError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }
    const execution = this.runner.acceptExecution(stateMachine, name, inputText);
    const start =
      this.options.start ??
      ((machine: AnyStateMachineName, given: unknown, named: string) =>
        this.runner.startExecution(machine, given, named));
    this.queue = this.queue.then(async () => {
      try {
        await start(stateMachine, input, name);
      } catch (error) {
        // The runner reports a failed execution as its result: this one could not run at all.
        this.runner.failAccepted(arn, error instanceof Error ? error : new Error(String(error)));
      }
    });
    return { executionArn: arn, startDate: seconds(execution.startDate) };
  }

  private describeExecution(body: Record<string, unknown>): unknown {
    const execution = this.execution(body.executionArn);
    return {
      executionArn: execution.executionArn,
      stateMachineArn: execution.stateMachineArn,
      name: execution.name,
      status: execution.status,
      startDate: seconds(execution.startDate),
      ...(execution.stopDate ? { stopDate: seconds(execution.stopDate) } : {}),
      input: execution.input,
      ...(execution.output !== undefined ? { output: execution.output } : {}),
      ...(execution.error !== undefined ? { error: execution.error } : {}),
      ...(execution.cause !== undefined ? { cause: execution.cause } : {}),
    };
  }

  private history(body: Record<string, unknown>): unknown {
    const execution = this.execution(body.executionArn);
    const maxResults =
      body.maxResults === undefined || body.maxResults === 0 ? DEFAULT_RESULTS : Number(body.maxResults);
    if (!Number.isInteger(maxResults) || maxResults < 0 || maxResults > MAX_RESULTS) {
      throw new ApiError('ValidationException', `maxResults must be between 0 and ${MAX_RESULTS}`);
    }
    const reverse = body.reverseOrder === true;
    const includeData = body.includeExecutionData !== false;
    // Events are numbered from 1 and never change: the token names the event the next page starts at.
    const events = execution.events;
    let start = reverse ? events.length : 1;
    if (typeof body.nextToken === 'string') {
      const token = /^(\d+):(forward|reverse):(.+)$/.exec(
        Buffer.from(body.nextToken, 'base64url').toString(),
      );
      if (!token || token[3] !== execution.executionArn || (token[2] === 'reverse') !== reverse) {
        throw new ApiError('InvalidToken', 'Invalid Token: not a token of this listing');
      }
      start = Number(token[1]);
    }
    const page = reverse
      ? events.slice(Math.max(0, start - maxResults), start).reverse()
      : events.slice(start - 1, start - 1 + maxResults);
    const last = page.at(-1)?.id;
    const next = last === undefined ? undefined : reverse ? last - 1 : last + 1;
    // The last page of a running execution ends the listing too: a reader asks again later.
    const more = next !== undefined && (reverse ? next >= 1 : next <= events.length);
    const token = `${next}:${reverse ? 'reverse' : 'forward'}:${execution.executionArn}`;
    return {
      events: page.map((event) => wireEvent(event, includeData)),
      ...(more ? { nextToken: Buffer.from(token).toString('base64url') } : {}),
    };
  }
}
