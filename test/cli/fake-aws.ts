/**
 * A small stand-in for the AWS APIs the command uses in AWS mode, on 127.0.0.1: Step Functions
 * (awsJson1_0 StartExecution / DescribeExecution), CloudFormation (awsQuery DescribeStacks) and S3
 * (GetObject, path style). Point the SDK at it with AWS_ENDPOINT_URL.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FinalState {
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  output?: unknown;
  error?: string;
  cause?: string;
}

interface Execution {
  arn: string;
  name: string;
  stateMachineArn: string;
  input: string;
  described: number;
  final: FinalState;
}

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';

export function stateMachineArn(name: string): string {
  return `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;
}

export class FakeAws {
  url = '';
  /** Stack name -> outputs. */
  readonly stacks = new Map<string, Record<string, string>>();
  /** `bucket/key` -> body. */
  readonly objects = new Map<string, string>();
  readonly executions = new Map<string, Execution>();
  /** State machines that exist besides those the stacks name. */
  readonly stateMachines = new Set<string>();
  /** Operations in the order they came (`AWSStepFunctions.StartExecution`, `DescribeStacks`, `GET /bucket/key`). */
  readonly calls: string[] = [];
  /** DescribeExecution answers RUNNING this many times before the final state. */
  runningPolls = 2;
  /** How each started execution ends. */
  onStart: (input: unknown, stateMachineArn: string) => FinalState = () => ({
    status: 'SUCCEEDED',
    output: {},
  });
  private server: Server | undefined;

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      void this.handle(request, response);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** An execution that already exists (for status and report). */
  addExecution(stateMachine: string, name: string, input: unknown, final: FinalState, described = 0): string {
    const arn = `${stateMachineArn(stateMachine).replace(':stateMachine:', ':execution:')}:${name}`;
    this.executions.set(arn, {
      arn,
      name,
      stateMachineArn: stateMachineArn(stateMachine),
      input: JSON.stringify(input),
      described,
      final,
    });
    return arn;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const target = request.headers['x-amz-target'];
    if (typeof target === 'string' && target.startsWith('AWSStepFunctions.')) {
      this.calls.push(target);
      this.stepFunctions(target.slice('AWSStepFunctions.'.length), JSON.parse(body || '{}'), response);
      return;
    }
    if (request.method === 'POST' && body.includes('Action=DescribeStacks')) {
      this.calls.push('DescribeStacks');
      this.describeStacks(new URLSearchParams(body).get('StackName') ?? '', response);
      return;
    }
    if (request.method === 'GET') {
      const key = decodeURIComponent((request.url ?? '/').split('?')[0]?.slice(1) ?? '');
      this.calls.push(`GET /${key}`);
      const object = this.objects.get(key);
      if (object === undefined) {
        response.writeHead(404, { 'content-type': 'application/xml' });
        response.end(
          '<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>',
        );
        return;
      }
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(object),
      });
      response.end(object);
      return;
    }
    response.writeHead(400);
    response.end();
  }

  private json(response: ServerResponse, status: number, body: unknown, errorType?: string): void {
    response.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
    });
    response.end(JSON.stringify(body));
  }

  private stepFunctions(operation: string, request: Record<string, string>, response: ServerResponse): void {
    const now = Date.now() / 1000;
    if (operation === 'StartExecution') {
      const machine = request.stateMachineArn ?? '';
      const known =
        this.stateMachines.has(machine) ||
        [...this.stacks.values()].some((outputs) => Object.values(outputs).includes(machine));
      if (!known) {
        this.json(
          response,
          400,
          { __type: 'StateMachineDoesNotExist', message: `State Machine Does Not Exist: '${machine}'` },
          'StateMachineDoesNotExist',
        );
        return;
      }
      const name = request.name ?? 'unnamed';
      const arn = `${machine.replace(':stateMachine:', ':execution:')}:${name}`;
      const input = JSON.parse(request.input ?? '{}') as unknown;
      this.executions.set(arn, {
        arn,
        name,
        stateMachineArn: machine,
        input: request.input ?? '{}',
        described: 0,
        final: this.onStart(input, machine),
      });
      this.json(response, 200, { executionArn: arn, startDate: now });
      return;
    }
    if (operation === 'DescribeExecution') {
      const execution = this.executions.get(request.executionArn ?? '');
      if (!execution) {
        this.json(
          response,
          400,
          { __type: 'ExecutionDoesNotExist', message: `Execution Does Not Exist: '${request.executionArn}'` },
          'ExecutionDoesNotExist',
        );
        return;
      }
      execution.described++;
      const running = execution.described <= this.runningPolls;
      const { final } = execution;
      this.json(response, 200, {
        executionArn: execution.arn,
        stateMachineArn: execution.stateMachineArn,
        name: execution.name,
        status: running ? 'RUNNING' : final.status,
        startDate: now - 60,
        ...(running ? {} : { stopDate: now }),
        input: execution.input,
        ...(!running && final.output !== undefined ? { output: JSON.stringify(final.output) } : {}),
        ...(!running && final.error ? { error: final.error } : {}),
        ...(!running && final.cause ? { cause: final.cause } : {}),
      });
      return;
    }
    this.json(response, 400, { __type: 'UnknownOperationException' }, 'UnknownOperationException');
  }

  private describeStacks(stackName: string, response: ServerResponse): void {
    const outputs = this.stacks.get(stackName);
    if (!outputs) {
      response.writeHead(400, { 'content-type': 'text/xml' });
      response.end(
        `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id ${stackName} does not exist</Message></Error><RequestId>1</RequestId></ErrorResponse>`,
      );
      return;
    }
    const members = Object.entries(outputs)
      .map(
        ([key, value]) => `<member><OutputKey>${key}</OutputKey><OutputValue>${value}</OutputValue></member>`,
      )
      .join('');
    response.writeHead(200, { 'content-type': 'text/xml' });
    response.end(
      `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member><StackName>${stackName}</StackName><StackId>arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${stackName}/1</StackId><CreationTime>2026-01-01T00:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus><Outputs>${members}</Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeStacksResponse>`,
    );
  }
}
