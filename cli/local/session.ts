/**
 * `--local`: the state machines run in this process on the local Step Functions engine with the
 * deployed handler code, and the handlers' Backup and KMS calls go to the embedded emulator, or to
 * the endpoint given with `--endpoint` (any AWS-compatible endpoint). Wait states advance the
 * emulator's clock, or sleep a scaled real time against an endpoint that has no clock to advance.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BackupClient, DescribeBackupVaultCommand } from '@aws-sdk/client-backup';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { type Emulator, type EmulatorOptions, startEmulator } from '#emulator/index.ts';
import type { SeedSpec } from '#emulator/seed.ts';
import { ENVIRONMENT } from '#shared/config.ts';
import {
  authorizeAsDeployed,
  authorizeEndpointAsDeployed,
  type StackPolicies,
} from '../../local/iam/stack-policies.ts';
import {
  type ExecutionResult,
  emulatorTime,
  endpointTime,
  FUNCTIONS,
  LocalRunner,
  type SimulatedTime,
  type StateMachineName,
} from '../../local/runner/index.ts';
import { localEnvironment } from '../../local/stack.ts';
import { DEMO_ACCOUNT, DEMO_EMULATOR } from '../demo/account.ts';
import { fromAwsError, UsageError } from '../errors.ts';
import type { CliIO } from '../io.ts';
import type { ProgressTracker } from '../progress/tracker.ts';
import {
  ensureMigrationKey,
  findMigrationKey,
  MIGRATION_KEY_ALIAS,
  onDemandMigrationKey,
} from './migration-key.ts';
import { observeTasks } from './observe.ts';
import { type ExecutionRecord, writeRecord } from './records.ts';

export { ensureMigrationKey, MIGRATION_KEY_ALIAS } from './migration-key.ts';

export interface LocalOptions {
  /** An AWS-compatible endpoint; without it, the embedded emulator. */
  endpoint?: string | undefined;
  /** Seed file for the embedded emulator; default the demo account. */
  seed?: string | undefined;
  /** Emulator settings for the embedded emulator (default: the demo's with the demo account, none with --seed). */
  emulator?: EmulatorOptions | undefined;
  /** Wall seconds per simulated second of Wait states: 0 = none (embedded default), 1 = real time (endpoint default). */
  waitScale?: number | undefined;
  reportDir: string;
  region?: string | undefined;
  /** The key named with --kms-key: then no key is created. */
  kmsKey?: string | undefined;
  /** Keep each execution's history as Step Functions records it (for the local Step Functions endpoint). */
  recordHistory?: boolean | undefined;
}

export interface LocalSession {
  runner: LocalRunner;
  /** Where the Backup and KMS calls go. */
  endpoint: string;
  region: string;
  accountId: string;
  reportDir: string;
  /**
   * The key MIGRATION_KMS_KEY_ARN names (reused, or created once a migration really runs), unless
   * --kms-key was given.
   */
  readonly keyArn: string | undefined;
  emulator: Emulator | undefined;
  /** The number of recovery points AWS Backup states for a vault (approximate), if it answers. */
  vaultSize(vaultName: string): Promise<number | undefined>;
  /** Runs an execution to its end, reporting its tasks to `tracker`, and records it. */
  execute(
    stateMachine: StateMachineName,
    input: unknown,
    name: string,
    tracker?: ProgressTracker,
  ): Promise<ExecutionRecord>;
  stop(): Promise<void>;
}

function loadSeed(path: string): SeedSpec {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as SeedSpec;
  } catch (error) {
    throw new UsageError(`--seed ${path}: ${(error as Error).message}`);
  }
}

function credentials(env: CliIO['env']) {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  // Fake credentials when none are set: the emulator (or any local endpoint) takes them.
  if (!accessKeyId || !secretAccessKey) return { accessKeyId: 'local', secretAccessKey: 'local' };
  return {
    accessKeyId,
    secretAccessKey,
    ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
  };
}

/**
 * Sets the stack's policies on the emulator. With --kms-key the local stack is the one deployed
 * with that key (`kmsKeyArn`), whose policy the stack does not manage; otherwise the migration key
 * gets the stack key's policy.
 */
async function authorizeLocalRun(
  emulator: Emulator | undefined,
  endpoint: string,
  region: string,
  accountId: string,
  keyArn: string | undefined,
  kmsKey: string | undefined,
  io: CliIO,
): Promise<StackPolicies | undefined> {
  let migrationKeyArn = keyArn;
  if (migrationKeyArn === undefined && kmsKey !== undefined) {
    const kms = new KMSClient({ endpoint, region, credentials: credentials(io.env), maxAttempts: 2 });
    try {
      migrationKeyArn = (await kms.send(new DescribeKeyCommand({ KeyId: kmsKey }))).KeyMetadata?.Arn;
    } catch {
      // A key that does not resolve: Prepare refuses it with InvalidKmsKey.
    } finally {
      kms.destroy();
    }
  }
  const local = {
    accountId,
    region,
    migrationKeyArn: migrationKeyArn ?? `arn:aws:kms:${region}:${accountId}:key/unresolved`,
  };
  const keepKeyPolicy = keyArn === undefined;
  if (emulator) return authorizeAsDeployed(emulator, local, {}, { keepKeyPolicy });
  return authorizeEndpointAsDeployed(endpoint, local, {}, { keepKeyPolicy });
}

/** Emulator time, optionally also sleeping `waitScale` wall seconds per simulated second. */
function scaledEmulatorTime(emulator: Emulator, waitScale: number): SimulatedTime {
  const base = emulatorTime(emulator);
  if (waitScale <= 0) return base;
  return {
    now: base.now,
    wait: async (seconds) => {
      await new Promise((done) => setTimeout(done, seconds * 1000 * waitScale));
      await base.wait(seconds);
    },
  };
}

export async function openLocalSession(options: LocalOptions, io: CliIO): Promise<LocalSession> {
  const reportDir = resolve(io.cwd, options.reportDir);
  let emulator: Emulator | undefined;
  let endpoint: string;
  let region: string;
  let time: SimulatedTime;
  if (options.endpoint) {
    endpoint = options.endpoint.replace(/\/+$/, '');
    region = options.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION ?? 'us-east-1';
    time = endpointTime(endpoint, options.waitScale);
  } else {
    const seed = options.seed ? loadSeed(resolve(io.cwd, options.seed)) : DEMO_ACCOUNT;
    // The demo account comes with the demo's faults (a few copy jobs fail and are retried); a seed
    // of one's own gets a well-behaved emulator unless told otherwise.
    emulator = await startEmulator({
      ...(options.emulator ?? (options.seed ? {} : DEMO_EMULATOR)),
      ...(options.region ? { region: options.region } : {}),
      seed,
    });
    emulator.recordCalls = false;
    endpoint = emulator.url;
    region = emulator.region;
    time = scaledEmulatorTime(emulator, options.waitScale ?? 0);
  }
  const accountId = emulator?.accountId ?? '123456789012';
  const stopEmulator = async () => {
    await emulator?.stop();
  };

  // At an endpoint the key is only looked up here: creating it waits until a migration will really
  // run. The embedded emulator lives and dies with this process, so it simply gets one.
  const kms = new KMSClient({ endpoint, region, credentials: credentials(io.env), maxAttempts: 2 });
  let foundKeyArn: string | undefined;
  if (!options.kmsKey) {
    try {
      foundKeyArn = emulator ? await ensureMigrationKey(kms) : await findMigrationKey(kms);
    } catch (error) {
      kms.destroy();
      await stopEmulator();
      throw fromAwsError(error, `KMS at ${endpoint}`) ?? error;
    }
  }

  // IAM in the loop, always: every call of the Lambdas is authorized by the stack's policies (the
  // embedded emulator, or an emulator behind --endpoint; another endpoint checks credentials itself).
  let authorization: StackPolicies | undefined;
  try {
    authorization = await authorizeLocalRun(
      emulator,
      endpoint,
      region,
      accountId,
      foundKeyArn,
      options.kmsKey,
      io,
    );
  } catch (error) {
    await stopEmulator();
    throw error;
  }

  // Observe before the runner exists: it may take its handlers when it is built.
  let tracker: ProgressTracker | undefined;
  const stopObserving = observeTasks((observation) => tracker?.observe(observation));
  const creds = credentials(io.env);
  let backup: BackupClient | undefined;
  const backupClient = () => {
    backup ??= new BackupClient({ endpoint, region, credentials: creds, maxAttempts: 3 });
    return backup;
  };
  const onDemand =
    options.kmsKey || foundKeyArn
      ? undefined
      : onDemandMigrationKey({
          kms: () => kms,
          backup: backupClient,
          endpoint,
          // The observed handlers: the progress still sees these steps.
          prepare: FUNCTIONS.PrepareMigrationFunctionArn as NonNullable<(typeof FUNCTIONS)[string]>,
          findVaults: FUNCTIONS.FindVaultsToMigrateFunctionArn as NonNullable<(typeof FUNCTIONS)[string]>,
          setDefaultKey: async (arn) => {
            process.env[ENVIRONMENT.defaultKmsKeyArn] = arn;
            if (authorization === undefined) return;
            // The key exists only now: the stack's policies name it from here on.
            authorization = await authorizeLocalRun(
              emulator,
              endpoint,
              region,
              accountId,
              arn,
              undefined,
              io,
            );
            const allowed = authorization?.environment[ENVIRONMENT.allowedKmsKeyArns];
            if (allowed !== undefined) process.env[ENVIRONMENT.allowedKmsKeyArns] = allowed;
          },
        });
  const defaultKey = foundKeyArn ?? (onDemand ? MIGRATION_KEY_ALIAS : undefined);
  const runner = new LocalRunner({
    region,
    accountId,
    time,
    perFunctionIdentity: authorization !== undefined,
    ...(options.recordHistory ? { recordHistory: true } : {}),
    environment: localEnvironment({
      endpoint,
      region,
      credentials: creds,
      keyArn: defaultKey,
      copyRoleArn: io.env[ENVIRONMENT.copyRoleArn] ?? `arn:aws:iam::${accountId}:role/vault-migrator-copy`,
      authorization: authorization?.environment,
      reportDir,
      // Handler logs would garble the progress and --json output; set POWERTOOLS_LOG_LEVEL to see them.
      logLevel: io.env.POWERTOOLS_LOG_LEVEL || 'SILENT',
      // Against the emulator, time is simulated: SDK retries need not wait long.
      retryBaseMs: io.env[ENVIRONMENT.retryBaseMs] ?? (emulator ? 5 : 100),
    }),
    ...(onDemand ? { functions: onDemand.functions } : {}),
  });

  const execute: LocalSession['execute'] = async (stateMachine, input, name, progress) => {
    tracker = progress;
    const startDate = new Date().toISOString();
    const simulatedStart = (await time.now()).getTime();
    let result: ExecutionResult;
    try {
      result = await runner.startExecution(stateMachine, input, name);
    } finally {
      tracker = undefined;
    }
    const simulatedEnd = (await time.now()).getTime();
    const sum = (pick: (execution: ExecutionResult['executions'][number]) => number) =>
      result.executions.reduce((total, execution) => total + pick(execution), 0);
    const record: ExecutionRecord = {
      recordVersion: 1,
      name,
      arn: `arn:aws:states:${region}:${accountId}:execution:${stateMachine}:${name}`,
      stateMachine,
      status: result.status,
      startDate,
      stopDate: new Date().toISOString(),
      input,
      ...(result.output === undefined ? {} : { output: result.output }),
      ...(result.error === undefined ? {} : { error: result.error }),
      ...(result.cause === undefined ? {} : { cause: result.cause }),
      endpoint: emulator ? 'embedded emulator' : endpoint,
      simulatedMs: simulatedEnd - simulatedStart,
      stats: {
        executions: result.executions.length,
        stateTransitions: sum((execution) => execution.stateTransitions),
        lambdaInvocations: sum((execution) => execution.lambdaInvocations),
      },
    };
    writeRecord(reportDir, record);
    return record;
  };

  const vaultSize = async (vaultName: string) => {
    try {
      const vault = await backupClient().send(new DescribeBackupVaultCommand({ BackupVaultName: vaultName }));
      return vault.NumberOfRecoveryPoints;
    } catch {
      return undefined;
    }
  };

  return {
    runner,
    endpoint,
    region,
    accountId,
    reportDir,
    get keyArn() {
      return foundKeyArn ?? onDemand?.arn();
    },
    emulator,
    vaultSize,
    execute,
    async stop() {
      stopObserving();
      backup?.destroy();
      kms.destroy();
      await stopEmulator();
    },
  };
}
