/**
 * Options several commands share (where to run, how to print) and the parsers that turn argument
 * text into values or a usage error.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { z } from 'zod';
import { DEFAULT_STACK_NAME } from '../aws/stack.ts';
import { UsageError } from '../errors.ts';

export interface WhereOptions {
  local?: boolean;
  endpoint?: string;
  seed?: string;
  randomSeed?: number;
  waitScale?: number;
  reportDir: string;
  region?: string;
  /** Absent: DEFAULT_STACK_NAME (kept absent so that --stack-name with --local can be refused). */
  stackName?: string;
  stateMachineArn?: string;
  reportBucket?: string;
  pollInterval: number;
}

export interface OutputOptions {
  json?: boolean;
  quiet?: boolean;
}

export interface PolicyOptions {
  /** Exit 1 when any copy is not encrypted with the target key. */
  requireTargetKey?: boolean;
}

const POLICY = 'Policy:';

/** --require-target-key: the security engineer's rule, as an exit status. */
export function addPolicyOptions(command: Command): Command {
  return command.addOption(
    new Option(
      '--require-target-key',
      'exit 1 unless every copy is encrypted with the target key (in a dry run: would be)',
    ).helpGroup(POLICY),
  );
}

export const DEFAULT_REPORT_DIR = 'reports';

export function integer(min: number, max: number) {
  return (text: string): number => {
    const value = Number(text);
    if (!/^-?\d+$/.test(text.trim()) || !Number.isInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}.`);
    }
    return value;
  };
}

export function decimal(min: number) {
  return (text: string): number => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || value < min) {
      throw new InvalidArgumentError(`must be a number of at least ${min}.`);
    }
    return value;
  };
}

/** A number of seconds more than 0 (a poll interval of 0 would call AWS as fast as it answers). */
export function positive(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError('must be a number more than 0.');
  }
  return value;
}

export function url(text: string): string {
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new InvalidArgumentError('must be a URL such as http://127.0.0.1:4566.');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InvalidArgumentError('must be an http:// or https:// URL.');
  }
  return text;
}

export function executionName(text: string): string {
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(text)) {
    throw new InvalidArgumentError('must be 1 to 80 letters, digits, hyphens and underscores.');
  }
  return text;
}

export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').filter((part) => part !== '')];
}

const WHERE = 'Where it runs:';
const OUTPUT = 'Output:';

/** --local, --endpoint and the AWS lookups: every command that runs or reads executions. */
export function addWhereOptions(command: Command, { running }: { running: boolean }): Command {
  command.addOption(
    running
      ? new Option(
          '--local',
          'run on this machine: the local Step Functions engine, against the embedded emulator (or --endpoint)',
        ).helpGroup(WHERE)
      : new Option('--local', 'read a run made with --local (under --report-dir), not AWS').helpGroup(WHERE),
  );
  if (running) {
    command.addOption(
      new Option('--endpoint <url>', 'AWS-compatible endpoint for the Backup and KMS calls (implies --local)')
        .argParser(url)
        .helpGroup(WHERE),
    );
  }
  command
    .addOption(
      new Option('--report-dir <dir>', 'local mode: where reports and execution records are')
        .default(DEFAULT_REPORT_DIR)
        .helpGroup(WHERE),
    )
    .addOption(
      new Option('--region <region>', 'AWS Region (default: AWS_REGION, or the profile)').helpGroup(WHERE),
    )
    .addOption(
      new Option(
        '--stack-name <name>',
        `the deployed stack whose outputs name the state machines (default: "${DEFAULT_STACK_NAME}")`,
      ).helpGroup(WHERE),
    )
    .addOption(
      new Option('--state-machine-arn <arn>', 'use this state machine instead of the stack output').helpGroup(
        WHERE,
      ),
    )
    .addOption(
      new Option(
        '--report-bucket <name>',
        'the report bucket, when --state-machine-arn bypasses the stack',
      ).helpGroup(WHERE),
    )
    .addOption(
      new Option('--poll-interval <seconds>', 'on AWS: seconds between DescribeExecution calls (more than 0)')
        .argParser(positive)
        .default(10)
        .helpGroup(WHERE),
    );
  if (running) {
    command
      .addOption(
        new Option(
          '--seed <file>',
          'embedded emulator: seed JSON (keys, vaults, plans); default the demo account',
        ).helpGroup(WHERE),
      )
      .addOption(
        new Option('--random-seed <n>', 'embedded emulator: seed of ids, copy durations and faults')
          .argParser(integer(0, 2 ** 31 - 1))
          .helpGroup(WHERE),
      )
      .addOption(
        new Option(
          '--wait-scale <factor>',
          'wall seconds per simulated second of Wait states (default 0 on the emulator, 1 against an endpoint)',
        )
          .argParser(decimal(0))
          .helpGroup(WHERE),
      );
  }
  return command;
}

export function addOutputOptions(command: Command, { json }: { json: boolean }): Command {
  if (json) {
    command.addOption(
      new Option(
        '--json',
        "print the execution's output as JSON on stdout (progress stays on stderr)",
      ).helpGroup(OUTPUT),
    );
  }
  return command.addOption(new Option('-q, --quiet', 'no progress on stderr').helpGroup(OUTPUT));
}

export function isLocal(options: Pick<WhereOptions, 'local' | 'endpoint'>): boolean {
  return options.local === true || options.endpoint !== undefined;
}

/** Combinations that make no sense, refused before anything runs. */
export function checkWhere(options: WhereOptions & { waitScale?: number }): void {
  const local = isLocal(options);
  if (options.endpoint && options.seed) {
    throw new UsageError('--seed seeds the embedded emulator; it does not go with --endpoint');
  }
  if (options.endpoint && options.randomSeed !== undefined) {
    throw new UsageError('--random-seed is for the embedded emulator; it does not go with --endpoint');
  }
  if (!local && (options.seed || options.randomSeed !== undefined || options.waitScale !== undefined)) {
    throw new UsageError('--seed, --random-seed and --wait-scale need --local (or --endpoint)');
  }
  if (local && options.stackName !== undefined) {
    throw new UsageError('--stack-name is for AWS; local runs use the state machines in this repository');
  }
  if (local && options.stateMachineArn) {
    throw new UsageError(
      '--state-machine-arn is for AWS; local runs use the state machines in this repository',
    );
  }
}

/** Flags that contradict each other, refused before anything runs. */
export function checkIntent(options: {
  dryRun?: boolean | undefined;
  deleteSource?: boolean | undefined;
}): void {
  if (options.dryRun && options.deleteSource) {
    throw new UsageError(
      '--dry-run changes nothing and --delete-source deletes the source: they contradict each other; pick one',
    );
  }
}

/** Input field -> the flag that sets it, so that schema problems name what the user typed. */
const FLAG_OF: Readonly<Record<string, string>> = {
  sourceVaultName: '--vault',
  targetVaultName: '--target',
  kmsKeyArn: '--kms-key',
  deleteSourceVault: '--delete-source',
  dryRun: '--dry-run',
  maxConcurrentCopies: '--max-concurrency',
  excludeVaultNames: '--exclude',
  includeAwsManagedKeys: '--include-aws-managed',
  maxConcurrentVaults: '--max-vaults',
};

/** Validates an execution input with the state machine's own schema; problems become a usage error. */
export function checkInput(schema: z.ZodType, input: unknown): void {
  const result = schema.safeParse(input);
  if (result.success) return;
  const problems = result.error.issues.map((issue) => {
    const [field, ...rest] = issue.path.map(String);
    const flag = field === undefined ? 'input' : (FLAG_OF[field] ?? field);
    const value =
      field !== undefined && rest.length > 0
        ? ` (${rest.map((index) => `value ${Number(index) + 1}`).join(' ')})`
        : '';
    // Messages name other fields too ("must differ from sourceVaultName"): say the flags instead.
    const message = issue.message.replace(/\b([a-zA-Z]+)\b/g, (word) => FLAG_OF[word] ?? word);
    return `${flag}${value}: ${message}`;
  });
  throw new UsageError(problems.join('; '));
}

/** `legacy-20261123-141802`: a default execution name that sorts by time. */
export function defaultExecutionName(prefix: string, now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d+Z$/, '')
    .replace(/[-:]/g, '')
    .replace('T', '-');
  return `${prefix.slice(0, 80 - stamp.length - 1)}-${stamp}`;
}
