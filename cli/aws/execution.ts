/**
 * Executions on AWS: start one, read it, follow it to its end with DescribeExecution, and read the
 * reports it wrote to the report bucket.
 */
import { isAbsolute } from 'node:path';
import type { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { reportFolder } from '../../lambdas/write-report/sink.ts';
import { CliError, fromAwsError } from '../errors.ts';
import type { ExecutionView, ReportAccess } from '../report/collect.ts';
import { readReportFile, readReportHead } from '../report/load.ts';

/** `arn:aws:states:R:A:stateMachine:NAME` -> `arn:aws:states:R:A:execution:NAME:EXECUTION`. */
export function executionArnFor(stateMachineArn: string, executionName: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
}

/** Which of the two state machines an ARN names (deployed as `<stack>-MigrateVault` and `<stack>-MigrateAllVaults`). */
export function stateMachineKind(arn: string): 'MigrateVault' | 'MigrateAllVaults' {
  const name = arn.split(':')[6] ?? arn;
  return /MigrateAllVaults/.test(name) ? 'MigrateAllVaults' : 'MigrateVault';
}

export async function startExecution(
  sfn: SFNClient,
  stateMachineArn: string,
  input: unknown,
  name: string,
): Promise<string> {
  try {
    const started = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
    );
    if (!started.executionArn)
      throw new CliError('StartExecutionFailed', 'StartExecution returned no execution ARN');
    return started.executionArn;
  } catch (error) {
    if (error instanceof CliError) throw error;
    const name_ = (error as Error).name;
    if (name_ === 'StateMachineDoesNotExist' || name_ === 'InvalidArn') {
      throw new CliError('StateMachineNotFound', `no state machine ${stateMachineArn}`);
    }
    if (name_ === 'ExecutionAlreadyExists') {
      throw new CliError(
        'ExecutionAlreadyExists',
        `an execution named ${name} already exists with another input; pass another --name`,
      );
    }
    throw fromAwsError(error, 'starting the execution') ?? error;
  }
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function describeExecution(sfn: SFNClient, executionArn: string): Promise<ExecutionView> {
  try {
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const stateMachineArn = described.stateMachineArn ?? executionArn;
    return {
      name: described.name ?? executionArn.split(':').pop() ?? executionArn,
      arn: described.executionArn ?? executionArn,
      stateMachine: stateMachineKind(stateMachineArn),
      status: described.status === 'PENDING_REDRIVE' ? 'FAILED' : (described.status ?? 'RUNNING'),
      startDate: described.startDate?.toISOString(),
      stopDate: described.stopDate?.toISOString(),
      input: parseJson(described.input),
      output: parseJson(described.output),
      error: described.error,
      cause: described.cause,
    };
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'ExecutionDoesNotExist' || name === 'InvalidArn') {
      throw new CliError('ExecutionNotFound', `no execution ${executionArn}`);
    }
    throw fromAwsError(error, 'reading the execution') ?? error;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/** Polls until the execution ends (or `signal` aborts: then the last view, still RUNNING). */
export async function followExecution(
  sfn: SFNClient,
  executionArn: string,
  intervalMs: number,
  onPoll: (view: ExecutionView) => void | Promise<void>,
  signal?: AbortSignal,
): Promise<ExecutionView> {
  for (;;) {
    const view = await describeExecution(sfn, executionArn);
    await onPoll(view);
    if (view.status !== 'RUNNING' || signal?.aborted) return view;
    await sleep(intervalMs, signal);
  }
}

function parseS3(location: string): { bucket: string; key: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
  return match ? { bucket: match[1] as string, key: match[2] as string } : undefined;
}

/**
 * Reports in the report bucket (execution outputs name them as s3://bucket/key). A local Step
 * Functions endpoint (`serve`) runs the Lambdas with a report directory: its outputs name files,
 * read from this machine.
 */
export function s3Reports(s3: () => S3Client, bucket: string | undefined): ReportAccess {
  return {
    async read(location) {
      if (isAbsolute(location)) return readReportFile(location);
      const where = parseS3(location);
      if (!where) throw new CliError('ReportNotFound', `${location} is not an s3:// location`);
      try {
        const object = await s3().send(new GetObjectCommand({ Bucket: where.bucket, Key: where.key }));
        const body = object.Body as Readable | undefined;
        if (!body) throw new CliError('ReportNotFound', `${location} is empty`);
        try {
          return await readReportHead(body, location);
        } finally {
          body.destroy();
        }
      } catch (error) {
        if (error instanceof CliError) throw error;
        const name = (error as Error).name;
        if (name === 'NoSuchKey' || name === 'NotFound') {
          throw new CliError('ReportNotFound', `no report at ${location}`);
        }
        throw fromAwsError(error, `reading ${location}`) ?? error;
      }
    },
    locationOf: (executionName, sourceVaultName) =>
      bucket ? `s3://${bucket}/${reportFolder(executionName, sourceVaultName)}/report.json` : undefined,
  };
}
