/**
 * One benchmark case: one design (ours or the naive baseline) on one workload, run on the local
 * runner against an in-process emulator in simulated time. Returns what was counted; `figures.ts`
 * derives the per-recovery-point figures, costs and verdicts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Emulator, startEmulator } from '#emulator/index.ts';
import { authorizeAsDeployed } from '../local/iam/stack-policies.ts';
import {
  emulatorTime,
  FUNCTIONS,
  type LambdaHandler,
  LocalRunner,
  type RunnerOptions,
} from '../local/runner/index.ts';
import { localEnvironment } from '../local/stack.ts';
import { NAIVE_FUNCTIONS, NAIVE_STATE_MACHINE } from './baseline/handlers.ts';
import { round } from './figures.ts';
import { measureReportLambda, type ReportMemory } from './report-memory.ts';
import { emulatorOptions, KEY_ALIAS, SOURCE_VAULT, seedFor, TARGET_VAULT, WORKLOAD } from './workloads.ts';

export type Design = 'ours' | 'baseline';

const here = dirname(fileURLToPath(import.meta.url));
const COPY_ROLE = 'arn:aws:iam::123456789012:role/vault-migrator-copy';
const HOUR_MS = 3_600_000;

/** What one case counted. Times in simulated hours unless named otherwise. */
export interface CaseMeasurement {
  design: Design;
  recoveryPoints: number;
  status: 'SUCCEEDED' | 'FAILED';
  error?: string;
  /** Ours: the report's outcome (MIGRATED when every copy verified). */
  outcome?: string;
  executions: number;
  stateTransitions: number;
  /** Ours: how many times each state was entered, over every execution (where the transitions go). */
  statesEntered?: Record<string, number>;
  lambdaInvocations: number;
  apiCalls: number;
  /** Ours: the calls made before the retire step (copy, verification); all of them when it never ran. */
  apiCallsWithoutRetirement: number;
  apiCallsByOperation: Record<string, number>;
  largestPayloadBytes: number;
  mostHistoryEvents: number;
  copies: {
    jobs: number;
    completed: number;
    /** Source recovery points with no copy in the target, and with more than one. */
    missing: number;
    duplicated: number;
    /** Source recovery points deleted, and of those, deleted while no copy of them was in the target. */
    retired: number;
    retiredWithoutCopy: number;
  };
  makespan: {
    /** First copy job created -> last copy job finished. */
    copyPhaseHours: number;
    /** First copy job created -> last copy job created: from then on only the tail runs. */
    allStartedHours: number;
    /** Execution start -> end. */
    executionHours: number;
    /** Sum over copy jobs of (start delay + running time), i.e. how long each held a slot. */
    totalCopyHours: number;
    /** Largest sum of slot time over the copy jobs of one resource (they cannot overlap). */
    longestChainHours: number;
    /** max(totalCopyHours / limit, longestChainHours). */
    lowerBoundHours: number;
    /** The same bound with running time only (no CREATED -> RUNNING delay). */
    lowerBoundWithoutStartDelayHours: number;
  };
  lambdaLocal: {
    /** Wall time during which at least one handler was running (handlers in iterations overlap). */
    busyMs: number;
  };
  wallSeconds: number;
  peakRssMb: number;
  /** Ours: the WriteReport Lambda, bundled, run again in a process of its own on the final state. */
  reportLambda?: ReportMemory;
  /** 'case' when the case ran in a process of its own, 'process' when others ran in it before. */
  memoryScope: 'case' | 'process';
}

/** Wraps handlers to measure the wall time during which any of them runs. */
function timed(functions: Record<string, LambdaHandler>) {
  let active = 0;
  let since = 0;
  const clock = { busyMs: 0 };
  const wrapped = Object.fromEntries(
    Object.entries(functions).map(([key, handler]) => [
      key,
      (async (event, context) => {
        if (active++ === 0) since = performance.now();
        try {
          return await handler(event, context);
        } finally {
          if (--active === 0) clock.busyMs += performance.now() - since;
        }
      }) satisfies LambdaHandler,
    ]),
  );
  return { wrapped, clock };
}

/** The emulator of the case running in this process, for progress reports. */
let current: { emulator: Emulator; simulatedStartMs: number; wallStart: number } | undefined;

export interface CaseProgress {
  wallSeconds: number;
  simulatedHours: number;
  copyJobsStarted: number;
  copyJobsCompleted: number;
  apiCalls: number;
}

/** Reports the running case's progress every `everyMs` (so a case stopped by a timeout still says how far it got). */
export function watchProgress(report: (progress: CaseProgress) => void, everyMs = 10_000): () => void {
  const timer = setInterval(() => {
    if (!current) return;
    const { emulator, simulatedStartMs, wallStart } = current;
    let completed = 0;
    for (const job of emulator.backup.copyJobs.values()) if (job.state === 'COMPLETED') completed++;
    report({
      wallSeconds: Math.round((performance.now() - wallStart) / 1000),
      simulatedHours: round((emulator.clock.nowMs() - simulatedStartMs) / HOUR_MS, 2),
      copyJobsStarted: emulator.backup.copyJobs.size,
      copyJobsCompleted: completed,
      apiCalls: emulator.stats().totalCalls,
    });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

function sampleMemory() {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 200);
  timer.unref();
  return () => {
    clearInterval(timer);
    return Math.max(peak, process.memoryUsage().rss);
  };
}

export async function runCase(
  design: Design,
  recoveryPoints: number,
  options: { memoryScope?: 'case' | 'process' } = {},
): Promise<CaseMeasurement> {
  const stopSampling = sampleMemory();
  const wallStart = performance.now();
  const emulator = await startEmulator(emulatorOptions());
  const reportDir = mkdtempSync(join(tmpdir(), 'vault-migrator-bench-'));
  try {
    const keyArn = emulator.kms.addKey({ alias: KEY_ALIAS }).arn;
    // IAM in the loop, as in every local run (the baseline's own Lambdas are not in the stack and
    // sign as the emulator's administrator).
    const authorization = await authorizeAsDeployed(emulator, {
      accountId: emulator.accountId,
      region: emulator.region,
      migrationKeyArn: keyArn,
    });
    emulator.seed(seedFor(recoveryPoints));
    emulator.recordCalls = false;
    const { wrapped, clock } = timed(design === 'ours' ? FUNCTIONS : NAIVE_FUNCTIONS);
    const retirement = watchRetirement(emulator);
    let apiCallsBeforeRetirement: number | undefined;
    const deleteSourceVault = wrapped.DeleteSourceVaultFunctionArn;
    if (deleteSourceVault !== undefined) {
      wrapped.DeleteSourceVaultFunctionArn = (event, context) => {
        apiCallsBeforeRetirement ??= emulator.stats().totalCalls;
        return deleteSourceVault(event, context);
      };
    }
    let reportEvent: unknown;
    const writeReport = wrapped.WriteReportFunctionArn;
    if (writeReport !== undefined) {
      wrapped.WriteReportFunctionArn = (event, context) => {
        reportEvent = event;
        return writeReport(event, context);
      };
    }
    const runnerOptions: RunnerOptions = {
      time: emulatorTime(emulator),
      // Every case retires its source (issue 17): deletion, and the report after it, are measured.
      environment: localEnvironment({
        endpoint: emulator.url,
        region: emulator.region,
        keyArn,
        copyRoleArn: COPY_ROLE,
        authorization: authorization.environment,
        reportDir,
        retryBaseMs: 2,
        logLevel: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
      }),
      functions: wrapped,
      ...(design === 'baseline'
        ? { definitionsDir: join(here, 'baseline'), stateMachines: NAIVE_STATE_MACHINE }
        : {}),
    };
    const runner = new LocalRunner(runnerOptions);
    const simulatedStart = emulator.clock.nowMs();
    current = { emulator, simulatedStartMs: simulatedStart, wallStart };
    const result =
      design === 'ours'
        ? await runner.startExecution(
            'MigrateVault',
            {
              sourceVaultName: SOURCE_VAULT,
              maxConcurrentCopies: WORKLOAD.maxConcurrentCopies,
              deleteSourceVault: true,
            },
            `bench-${recoveryPoints}`,
          )
        : await runner.startExecution(
            'NaiveMigrateVault',
            { sourceVaultName: SOURCE_VAULT, targetVaultName: TARGET_VAULT, kmsKeyArn: keyArn },
            `naive-${recoveryPoints}`,
          );
    const simulatedEnd = emulator.clock.nowMs();
    const stats = emulator.stats();
    const sum = (pick: (execution: (typeof result.executions)[number]) => number) =>
      result.executions.reduce((total, execution) => total + pick(execution), 0);
    const measurement: CaseMeasurement = {
      design,
      recoveryPoints,
      status: result.status,
      error: result.status === 'FAILED' ? `${result.error}: ${result.cause}` : undefined,
      outcome: (result.output as { outcome?: string } | undefined)?.outcome,
      executions: result.executions.length,
      stateTransitions: sum((execution) => execution.stateTransitions),
      statesEntered: result.executions.reduce<Record<string, number>>((all, execution) => {
        for (const [state, count] of Object.entries(execution.statesEntered)) {
          all[state] = (all[state] ?? 0) + count;
        }
        return all;
      }, {}),
      lambdaInvocations: sum((execution) => execution.lambdaInvocations),
      apiCalls: stats.totalCalls,
      apiCallsWithoutRetirement: apiCallsBeforeRetirement ?? stats.totalCalls,
      apiCallsByOperation: stats.calls,
      largestPayloadBytes: Math.max(...result.executions.map((execution) => execution.largestPayloadBytes)),
      mostHistoryEvents: Math.max(...result.executions.map((execution) => execution.historyEvents)),
      copies: countCopies(emulator, retirement),
      makespan: makespan(emulator, simulatedStart, simulatedEnd),
      lambdaLocal: { busyMs: Math.round(clock.busyMs) },
      wallSeconds: 0,
      peakRssMb: 0,
      memoryScope: options.memoryScope ?? 'process',
    };
    if (reportEvent !== undefined) {
      measurement.reportLambda = await measureReportLambda(
        reportEvent,
        runnerOptions.environment ?? {},
        emulator.clock.nowMs(),
      );
    }
    measurement.wallSeconds = round((performance.now() - wallStart) / 1000, 1);
    const maxRssMb = options.memoryScope === 'case' ? process.resourceUsage().maxRSS / 1024 : 0;
    measurement.peakRssMb = Math.round(Math.max(stopSampling() / 2 ** 20, maxRssMb));
    return measurement;
  } finally {
    current = undefined;
    stopSampling();
    await emulator.stop();
    rmSync(reportDir, { recursive: true, force: true });
  }
}

/**
 * Watches every deletion in the source vault and checks, at the moment of the call, that the
 * target already holds a finished copy of it (a copy keeps its source's resource and creation
 * date): DESIGN invariant 1, a source is retired only after its verified copy.
 */
function watchRetirement(emulator: Emulator) {
  const counted = { retired: 0, retiredWithoutCopy: 0 };
  let copied: Set<string> | undefined;
  const indexTarget = () => {
    copied = new Set();
    for (const copy of emulator.backup.vaults.get(TARGET_VAULT)?.recoveryPoints.values() ?? []) {
      if (copy.status === 'COMPLETED') copied.add(`${copy.resourceArn}|${copy.creationDate.getTime()}`);
    }
    return copied;
  };
  emulator.backup.onDeletionRequested = (recoveryPoint, vaultName) => {
    if (vaultName !== SOURCE_VAULT) return;
    counted.retired++;
    const key = `${recoveryPoint.resourceArn}|${recoveryPoint.creationDate.getTime()}`;
    // Copies made since the index was built are found by building it again.
    if (!(copied ?? indexTarget()).has(key) && !indexTarget().has(key)) counted.retiredWithoutCopy++;
  };
  return counted;
}

/**
 * Copies in the target per source recovery point: the sources still in the vault are looked up
 * at the end, the retired ones were checked when they were deleted.
 */
function countCopies(
  emulator: Emulator,
  retirement: ReturnType<typeof watchRetirement>,
): CaseMeasurement['copies'] {
  const jobs = [...emulator.backup.copyJobs.values()];
  const copies = new Map<string, number>();
  for (const copy of emulator.backup.vaults.get(TARGET_VAULT)?.recoveryPoints.values() ?? []) {
    const key = `${copy.resourceArn}|${copy.creationDate.getTime()}`;
    copies.set(key, (copies.get(key) ?? 0) + 1);
  }
  let missing = retirement.retiredWithoutCopy;
  for (const source of emulator.backup.vaults.get(SOURCE_VAULT)?.recoveryPoints.values() ?? []) {
    if (source.status === 'DELETING') continue;
    if ((copies.get(`${source.resourceArn}|${source.creationDate.getTime()}`) ?? 0) === 0) missing++;
  }
  let duplicated = 0;
  for (const count of copies.values()) if (count > 1) duplicated++;
  return {
    jobs: jobs.length,
    completed: jobs.filter((job) => job.state === 'COMPLETED').length,
    missing,
    duplicated,
    retired: retirement.retired,
    retiredWithoutCopy: retirement.retiredWithoutCopy,
  };
}

/**
 * The makespan and its lower bound from the copy jobs as the emulator ran them: a job holds an
 * account slot and its resource from the moment it gets a slot (start delay) to its finish.
 */
function makespan(emulator: Emulator, startMs: number, endMs: number): CaseMeasurement['makespan'] {
  const delay = emulator.backup.settings.copyStartDelayMs;
  const limit = emulator.backup.settings.copyConcurrencyLimit;
  let first = Number.POSITIVE_INFINITY;
  let lastCreated = Number.NEGATIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  let total = 0;
  let totalRunning = 0;
  const chains = new Map<string, { slot: number; running: number }>();
  for (const job of emulator.backup.copyJobs.values()) {
    first = Math.min(first, job.creationDate.getTime());
    lastCreated = Math.max(lastCreated, job.creationDate.getTime());
    if (job.startAt === undefined || job.finishAt === undefined || !job.completionDate) continue;
    last = Math.max(last, job.completionDate.getTime());
    const running = job.finishAt - job.startAt;
    total += running + delay;
    totalRunning += running;
    const chain = chains.get(job.resourceArn) ?? { slot: 0, running: 0 };
    chain.slot += running + delay;
    chain.running += running;
    chains.set(job.resourceArn, chain);
  }
  let longest = 0;
  let longestRunning = 0;
  for (const chain of chains.values()) {
    longest = Math.max(longest, chain.slot);
    longestRunning = Math.max(longestRunning, chain.running);
  }
  const hours = (ms: number) => round(ms / HOUR_MS, 3);
  return {
    copyPhaseHours: Number.isFinite(first) && Number.isFinite(last) ? hours(last - first) : 0,
    allStartedHours: Number.isFinite(first) ? hours(lastCreated - first) : 0,
    executionHours: hours(endMs - startMs),
    totalCopyHours: hours(total),
    longestChainHours: hours(longest),
    lowerBoundHours: hours(Math.max(total / limit, longest)),
    lowerBoundWithoutStartDelayHours: hours(Math.max(totalRunning / limit, longestRunning)),
  };
}
