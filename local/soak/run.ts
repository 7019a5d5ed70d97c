/**
 * `npm run soak [-- --runs N --seed S]`: N seeded, randomized migrations on the emulator under
 * faults (default 50 runs from seed 1), each checked by the invariant checker. Prints one line per
 * run, the figures (runs, faults injected by kind, invariant violations), every failure with its
 * seed, and `N passed, M failed` alone on the last line; exits non-zero on any failure.
 */
import { parseArgs } from 'node:util';

const USAGE = `Usage: npm run soak -- [--runs N] [--seed S] [--timeout SECONDS]
  --runs N      runs to play (default 50); run i uses seed S + i
  --seed S      seed of the first run (default 1); replay one run with --runs 1 --seed <its seed>
  --timeout T   wall-clock limit of one run in seconds (default 120)`;

function positiveInteger(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`--${name} must be a whole number >= 0, got "${raw}"`);
  }
  return value;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string' },
      seed: { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const runs = positiveInteger('runs', values.runs, 50);
  const seed = positiveInteger('seed', values.seed, 1);
  const timeoutMs = positiveInteger('timeout', values.timeout, 120) * 1000;

  // The Lambdas log through Powertools, which reads its level when first imported.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  const { formatRun, formatSummary, runSoak } = await import('./soak.ts');
  console.log(`soak: ${runs} runs from seed ${seed}`);
  const summary = await runSoak({
    runs,
    seed,
    timeoutMs,
    onRun: (result, index) => console.log(formatRun(result, index)),
  });
  for (const line of formatSummary(summary)) console.log(line);
  return summary.failed === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    console.error(USAGE);
    process.exitCode = 2;
  },
);
