/**
 * `npm run bench`: our design and the naive baseline on vaults of 1,000, 10,000 and 100,000
 * recovery points, in simulated time, each case in a process of its own (so that its wall time
 * and peak memory are its own). Prints a table and writes `bench/results/latest.json`.
 *
 *   tsx bench/run.ts [--sizes 1000,10000,100000] [--skip-baseline] [--baseline-max 10000]
 *                    [--out bench/results/latest.json] [--in-process] [--case-timeout-minutes 40]
 *
 * The baseline is simulated up to --baseline-max recovery points and extrapolated above (see
 * figures.ts); a case that runs past its timeout is reported as unfinished, with its progress.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { CaseMeasurement, CaseProgress, Design } from './case.ts';
import {
  AWS_LIMITS,
  byDesign,
  type CaseFigures,
  deriveFigures,
  extrapolateBaseline,
  PRICING,
  TARGETS,
  type TargetVerdict,
  verdicts,
} from './figures.ts';
import { DEFAULT_SIZES, WORKLOAD } from './workloads.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_OUT = join(here, 'results', 'latest.json');

export interface BenchOptions {
  sizes?: readonly number[];
  skipBaseline?: boolean;
  /** Largest size the baseline is simulated at; above it, it is extrapolated. Default 10,000. */
  baselineMax?: number;
  out?: string;
  /** Run the cases in this process (tests); memory figures then cover the whole process. */
  inProcess?: boolean;
  caseTimeoutMinutes?: number;
  /** Called with each line of progress (default: stderr). */
  log?: (line: string) => void;
}

/** A case that did not finish within its time. */
export interface UnfinishedCase {
  design: Design;
  recoveryPoints: number;
  reason: string;
  wallSeconds: number;
  /** What the emulator had seen when the case was stopped. */
  progress?: CaseProgress;
}

export interface BenchResult {
  generatedAt: string;
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGb: number;
    node: string;
    platform: string;
    /** 1-minute load average when the bench started and ended: other work on the machine slows wall times. */
    loadAverage: { start: number; end: number };
  };
  workload: typeof WORKLOAD & { sizes: number[] };
  method: Record<string, string>;
  limits: typeof AWS_LIMITS;
  targets: typeof TARGETS;
  pricing: typeof PRICING;
  cases: CaseFigures[];
  unfinished: UnfinishedCase[];
  verdicts: TargetVerdict[];
}

const METHOD = {
  makespan:
    'copy phase: first copy job created to last copy job finished, simulated hours (the execution span is in makespan.executionHours)',
  lowerBound:
    "max(sum over copy jobs of slot time / 100, longest per-resource sum of slot time); a job's slot time is the emulator's CREATED->RUNNING start delay (1 min, during which the job holds its account slot and its resource) plus its running time; lowerBoundWithoutStartDelayHours leaves the delay out",
  historyEvents:
    'estimated by the local runner with the events AWS writes per state (Task 5, Wait/Choice/Pass 2, Map 4, +1 per Map iteration start and end)',
  apiCalls: 'every AWS Backup and KMS call the emulator served (emulator.stats().totalCalls)',
  lambdaDuration:
    'billed ms per invocation = local handler wall time per invocation (handlers and the in-process emulator) + assumedApiLatencyMs per AWS API call; 1,024 MB',
  cost: 'Standard state transitions + Lambda GB-seconds + Lambda requests, us-east-1 list prices, per 10,000 recovery points',
  wallTime:
    'from starting the emulator to the end of the execution, in the case process (process start and module loading excluded)',
  memory: 'peak RSS of the process that ran the case (sampled every 200 ms and getrusage maxRSS)',
};

export async function runBench(options: BenchOptions = {}): Promise<BenchResult> {
  const sizes = [...(options.sizes ?? DEFAULT_SIZES)].sort((a, b) => a - b);
  const baselineMax = options.baselineMax ?? 10_000;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const loadAtStart = loadavg()[0] ?? 0;
  const cases: CaseFigures[] = [];
  const unfinished: UnfinishedCase[] = [];
  const plan: Array<[Design, number]> = [];
  for (const size of sizes) {
    plan.push(['ours', size]);
    if (!options.skipBaseline && size <= baselineMax) plan.push(['baseline', size]);
  }
  for (const [design, size] of plan) {
    log(`bench: ${design} on ${size.toLocaleString('en-US')} recovery points...`);
    const outcome = options.inProcess
      ? await inProcess(design, size)
      : await inChildProcess(design, size, (options.caseTimeoutMinutes ?? 40) * 60_000);
    if ('reason' in outcome) {
      unfinished.push(outcome);
      log(`bench:   unfinished: ${outcome.reason}`);
      continue;
    }
    const figures = deriveFigures(outcome);
    cases.push(figures);
    log(
      `bench:   ${figures.status} in ${figures.wallSeconds} s wall, makespan ${figures.makespan.copyPhaseHours} h (x${figures.makespanRatio} of the bound)`,
    );
  }
  if (!options.skipBaseline) {
    const simulated = byDesign(cases, 'baseline').filter((figures) => figures.status === 'SUCCEEDED');
    const largest = simulated.at(-1);
    for (const size of sizes.filter((size) => size > baselineMax)) {
      if (!largest) break;
      const ours = cases.find((figures) => figures.design === 'ours' && figures.recoveryPoints === size);
      cases.push(extrapolateBaseline(largest, size, ours?.makespan));
    }
  }
  const result: BenchResult = {
    generatedAt: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      loadAverage: {
        start: Math.round(loadAtStart * 100) / 100,
        end: Math.round((loadavg()[0] ?? 0) * 100) / 100,
      },
    },
    workload: { ...WORKLOAD, sizes },
    method: METHOD,
    limits: AWS_LIMITS,
    targets: TARGETS,
    pricing: PRICING,
    cases,
    unfinished,
    verdicts: verdicts(byDesign(cases, 'ours')),
  };
  const out = resolve(options.out ?? DEFAULT_OUT);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

async function inProcess(design: Design, size: number): Promise<CaseMeasurement> {
  const { runCase } = await import('./case.ts');
  return runCase(design, size, { memoryScope: 'process' });
}

/** Runs one case in a child process; its figures come back through a file. */
function inChildProcess(
  design: Design,
  size: number,
  timeoutMs: number,
): Promise<CaseMeasurement | UnfinishedCase> {
  const resultFile = join(tmpdir(), `vault-migrator-bench-${process.pid}-${design}-${size}.json`);
  const progressFile = `${resultFile}.progress`;
  const loader = process.execArgv.some((arg) => arg.includes('tsx')) ? process.execArgv : ['--import', 'tsx'];
  const started = performance.now();
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      [...loader, fileURLToPath(import.meta.url), '--case', `${design}:${size}`, '--case-out', resultFile],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT' } },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const wallSeconds = Math.round((performance.now() - started) / 1000);
      const read = <T>(file: string): T | undefined =>
        existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
      const measurement = read<CaseMeasurement>(resultFile);
      const progress = read<CaseProgress>(progressFile);
      rmSync(resultFile, { force: true });
      rmSync(progressFile, { force: true });
      if (measurement) return done(measurement);
      done({
        design,
        recoveryPoints: size,
        reason: timedOut
          ? `stopped after the case timeout of ${Math.round(timeoutMs / 60_000)} min`
          : `exited with code ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
        wallSeconds,
        progress,
      });
    });
  });
}

// ---------------------------------------------------------------- table

const integer = (value: number) => Math.round(value).toLocaleString('en-US');
const decimal = (value: number, digits = 2) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const kib = (bytes: number) => `${decimal(bytes / 1024, 1)} KiB`;

function ratio(baseline: number, ours: number): string {
  if (ours <= 0) return baseline > 0 ? 'n/a' : '-';
  const value = baseline / ours;
  return `${value >= 10 ? integer(value) : decimal(value, 1)}x`;
}

function limitMark(value: number, max: number): string {
  return value > max ? ' (over the limit)' : '';
}

export function formatTable(result: BenchResult): string {
  const lines: string[] = [];
  const sizes = [...new Set(result.cases.map((figures) => figures.recoveryPoints))].sort((a, b) => a - b);
  for (const size of sizes) {
    const ours = result.cases.find((figures) => figures.design === 'ours' && figures.recoveryPoints === size);
    const baseline = result.cases.find(
      (figures) => figures.design === 'baseline' && figures.recoveryPoints === size,
    );
    const rows: Array<
      [string, (figures: CaseFigures) => string, ((o: CaseFigures, b: CaseFigures) => string)?]
    > = [
      ['status', (f) => (f.extrapolated ? 'extrapolated' : f.status)],
      [
        'state transitions / RP',
        (f) => decimal(f.perRecoveryPoint.stateTransitions),
        (o, b) => ratio(b.perRecoveryPoint.stateTransitions, o.perRecoveryPoint.stateTransitions),
      ],
      [
        'Lambda invocations / RP',
        (f) => decimal(f.perRecoveryPoint.lambdaInvocations),
        (o, b) => ratio(b.perRecoveryPoint.lambdaInvocations, o.perRecoveryPoint.lambdaInvocations),
      ],
      [
        'AWS API calls / RP',
        (f) => decimal(f.perRecoveryPoint.apiCalls),
        (o, b) => ratio(b.perRecoveryPoint.apiCalls, o.perRecoveryPoint.apiCalls),
      ],
      ['  of which to migrate', (f) => decimal(f.perRecoveryPoint.apiCallsWithoutRetirement)],
      ['source points retired', (f) => integer(f.copies.retired ?? 0)],
      ['executions', (f) => integer(f.executions)],
      [
        'largest state payload',
        (f) => `${kib(f.largestPayloadBytes)}${limitMark(f.largestPayloadBytes, AWS_LIMITS.payloadBytes)}`,
        (o, b) => ratio(b.largestPayloadBytes, o.largestPayloadBytes),
      ],
      [
        'most history events / execution',
        (f) => `${integer(f.mostHistoryEvents)}${limitMark(f.mostHistoryEvents, AWS_LIMITS.historyEvents)}`,
        (o, b) => ratio(b.mostHistoryEvents, o.mostHistoryEvents),
      ],
      [
        'makespan, copy phase (sim. h)',
        (f) => decimal(f.makespan.copyPhaseHours, 1),
        (o, b) => ratio(b.makespan.copyPhaseHours, o.makespan.copyPhaseHours),
      ],
      ['lower bound (sim. h)', (f) => decimal(f.makespan.lowerBoundHours, 1)],
      ['makespan / lower bound', (f) => decimal(f.makespanRatio, 3)],
      [
        '  (bound without start delay)',
        (f) =>
          f.makespan.lowerBoundWithoutStartDelayHours > 0
            ? decimal(f.makespan.copyPhaseHours / f.makespan.lowerBoundWithoutStartDelayHours, 3)
            : '-',
      ],
      [
        'AWS cost / 10k RP (USD)',
        (f) => `$${decimal(f.costPer10k.total)}`,
        (o, b) => ratio(b.costPer10k.total, o.costPer10k.total),
      ],
      ['wall time (s)', (f) => decimal(f.wallSeconds, 1)],
      ['peak RSS (MB)', (f) => (f.peakRssMb > 0 ? integer(f.peakRssMb) : '-')],
      [
        'report Lambda peak RSS (MB)',
        (f) =>
          f.reportLambda
            ? `${integer(f.reportLambda.peakRssMb)} of ${integer(f.reportLambda.configuredMb)} (${decimal(f.reportLambda.wallSeconds, 1)} s)`
            : '-',
      ],
    ];
    lines.push(`${integer(size)} recovery points`);
    const header = ['', 'ours', baseline ? 'baseline' : '', baseline && ours ? 'baseline/ours' : ''];
    const body = rows.map(([label, value, compare]) => [
      label,
      ours ? value(ours) : '-',
      baseline ? value(baseline) : '',
      ours && baseline && compare ? compare(ours, baseline) : '',
    ]);
    lines.push(...alignRows([header, ...body]), '');
  }
  for (const figures of result.cases.filter((item) => item.status === 'FAILED')) {
    lines.push(
      `${figures.design} on ${integer(figures.recoveryPoints)} FAILED (${figures.error ?? 'no error'}) after ${integer(figures.copies.completed)} of ${integer(figures.recoveryPoints)} copies`,
    );
  }
  for (const item of result.unfinished) {
    const progress = item.progress
      ? `: after ${item.progress.wallSeconds} s, ${integer(item.progress.copyJobsCompleted)} copies done, ${decimal(item.progress.simulatedHours, 1)} simulated hours`
      : '';
    lines.push(`${item.design} on ${integer(item.recoveryPoints)}: unfinished (${item.reason})${progress}`);
  }
  const breaking = result.cases.filter((figures) => figures.limitsBroken.length > 0);
  for (const figures of breaking) {
    lines.push(`${figures.design} on ${integer(figures.recoveryPoints)} breaks AWS limits:`);
    for (const limit of figures.limitsBroken) {
      lines.push(`  ${limit.limit}: ${integer(limit.value)} > ${integer(limit.max)}; ${limit.failsAt}`);
    }
  }
  if (breaking.length > 0) lines.push('');
  lines.push('targets (ours)');
  lines.push(
    ...alignRows([
      ['target', 'RPs', 'value', 'limit', 'verdict'],
      ...result.verdicts.map((verdict) => [
        verdict.target,
        integer(verdict.recoveryPoints),
        withUnit(verdict.value, verdict.unit),
        withUnit(verdict.limit, verdict.unit),
        verdict.limit === 0
          ? verdict.met
            ? 'met'
            : 'MISSED'
          : `${verdict.met ? 'met' : 'MISSED'} (${decimal(verdict.ofLimit * 100, 0)}% of the limit)`,
      ]),
    ]),
  );
  return lines.join('\n');
}

function withUnit(value: number, unit: string): string {
  if (unit === 'bytes') return kib(value);
  return `${value.toLocaleString('en-US')}${unit ? ` ${unit}` : ''}`;
}

function alignRows(rows: string[][]): string[] {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) =>
    row
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd(),
  );
}

// ---------------------------------------------------------------- command line

async function runChildCase(spec: string, out: string): Promise<void> {
  const [design, size] = spec.split(':');
  if ((design !== 'ours' && design !== 'baseline') || !Number.isInteger(Number(size))) {
    throw new Error(`--case wants ours:<size> or baseline:<size>, not ${spec}`);
  }
  const { runCase, watchProgress } = await import('./case.ts');
  const stop = watchProgress((progress) => writeFileSync(`${out}.progress`, JSON.stringify(progress)));
  try {
    const measurement = await runCase(design, Number(size), { memoryScope: 'case' });
    writeFileSync(out, JSON.stringify(measurement));
  } finally {
    stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string' },
      'skip-baseline': { type: 'boolean', default: false },
      'baseline-max': { type: 'string' },
      out: { type: 'string' },
      'in-process': { type: 'boolean', default: false },
      'case-timeout-minutes': { type: 'string' },
      case: { type: 'string' },
      'case-out': { type: 'string' },
    },
  });
  if (values.case) {
    await runChildCase(values.case, values['case-out'] ?? join(tmpdir(), 'bench-case.json'));
    return;
  }
  const sizes = values.sizes?.split(',').map((size) => Number(size.replace(/_/g, '')));
  if (sizes?.some((size) => !Number.isInteger(size) || size < 1)) {
    throw new Error(`--sizes wants positive integers, e.g. 1000,10000, not ${values.sizes}`);
  }
  const result = await runBench({
    sizes,
    skipBaseline: values['skip-baseline'],
    baselineMax: values['baseline-max'] ? Number(values['baseline-max']) : undefined,
    out: values.out,
    inProcess: values['in-process'],
    caseTimeoutMinutes: values['case-timeout-minutes'] ? Number(values['case-timeout-minutes']) : undefined,
  });
  process.stdout.write(`${formatTable(result)}\n\nwritten: ${resolve(values.out ?? DEFAULT_OUT)}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // Before the handlers' logger is loaded (case.ts is imported lazily for that reason).
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
