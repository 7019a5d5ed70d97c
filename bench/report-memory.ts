/**
 * The report Lambda's peak memory, measured as Lambda would see it: the WriteReport handler,
 * bundled by esbuild with the stack's own bundling settings, runs in a Node process of its own
 * against the emulator as the execution left it, with the event the execution gave it. Its peak
 * resident set (`process.resourceUsage().maxRSS`) is what Lambda reports as "Max Memory Used".
 *
 * BENCH_REPORT_LAMBDA_CHECKOUT=<directory of another checkout> measures that checkout's handler
 * instead, against the same final state (to compare a change with what it replaced), and
 * BENCH_REPORT_MAX_OLD_SPACE_MB caps its heap (does it still succeed in that much?).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundlingOptions, MIGRATOR_FUNCTIONS } from '../infra/functions.ts';
import { CLOCK_OFFSET_VARIABLE, toEnvironment } from '../lambdas/shared/config.ts';
import { accessKeyIdFor } from '../local/iam/identities.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface ReportMemory {
  /** Resident set when the handler module is loaded, before the call. */
  loadedRssMb: number;
  /** Peak resident set of the process over the call. */
  peakRssMb: number;
  /** The Lambda's configured memory, for the headroom. */
  configuredMb: number;
  wallSeconds: number;
}

let bundled: Promise<string> | undefined;

/** Bundles the WriteReport Lambda once per process, as `cdk deploy` would. */
function bundle(): Promise<string> {
  bundled ??= (async () => {
    const checkout = process.env.BENCH_REPORT_LAMBDA_CHECKOUT ?? root;
    const options = bundlingOptions(checkout);
    const directory = mkdtempSync(join(tmpdir(), 'vault-migrator-report-lambda-'));
    const outfile = join(directory, 'handler.mjs');
    await build({
      entryPoints: [join(checkout, 'lambdas', MIGRATOR_FUNCTIONS.writeReport.directory, 'handler.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node24',
      format: 'esm',
      mainFields: [...(options.mainFields ?? [])],
      banner: { js: options.banner ?? '' },
      minify: options.minify ?? false,
      tsconfig: join(checkout, 'tsconfig.json'),
      logLevel: 'error',
    });
    writeFileSync(
      join(directory, 'driver.mjs'),
      [
        "import { readFileSync } from 'node:fs';",
        "const { handler } = await import('./handler.mjs');",
        'const event = JSON.parse(readFileSync(process.argv[2], "utf8"));',
        'const loaded = process.memoryUsage().rss;',
        'const started = performance.now();',
        'const context = { functionName: "vault-migrator-WriteReport", awsRequestId: "bench", getRemainingTimeInMillis: () => 900000 };',
        'const result = await handler(event, context);',
        'process.stdout.write(JSON.stringify({ loaded, maxRssKb: process.resourceUsage().maxRSS, ms: performance.now() - started, outcome: result?.outcome }));',
      ].join('\n'),
    );
    return directory;
  })();
  return bundled;
}

/**
 * Runs the bundled WriteReport with `event` against the emulator named by `environment`
 * (AWS_ENDPOINT_URL), signed as its role, at the emulator's time.
 */
export async function measureReportLambda(
  event: unknown,
  environment: Record<string, string>,
  emulatorNowMs: number,
): Promise<ReportMemory> {
  const directory = await bundle();
  const eventFile = join(directory, `event-${process.pid}-${Date.now()}.json`);
  const reportDir = mkdtempSync(join(tmpdir(), 'vault-migrator-report-probe-'));
  writeFileSync(eventFile, JSON.stringify(event));
  try {
    const output = await new Promise<string>((resolve, reject) => {
      const heap = process.env.BENCH_REPORT_MAX_OLD_SPACE_MB;
      const flags = heap ? [`--max-old-space-size=${heap}`] : [];
      const child = spawn(process.execPath, [...flags, join(directory, 'driver.mjs'), eventFile], {
        env: {
          PATH: process.env.PATH ?? '',
          ...environment,
          AWS_ACCESS_KEY_ID: accessKeyIdFor('WriteReportFunctionArn'),
          ...toEnvironment({ reportDir }),
          [CLOCK_OFFSET_VARIABLE]: String(Math.round(emulatorNowMs - Date.now())),
          POWERTOOLS_LOG_LEVEL: 'ERROR',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk;
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk;
      });
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0
          ? resolve(stdout)
          : reject(new Error(`report probe exited ${code}: ${stderr.slice(-2000)}`)),
      );
    });
    const measured = JSON.parse(output) as { loaded: number; maxRssKb: number; ms: number };
    return {
      loadedRssMb: Math.round(measured.loaded / 2 ** 20),
      peakRssMb: Math.round(measured.maxRssKb / 1024),
      configuredMb: MIGRATOR_FUNCTIONS.writeReport.memorySize,
      wallSeconds: Math.round(measured.ms / 100) / 10,
    };
  } finally {
    rmSync(eventFile, { force: true });
    rmSync(reportDir, { recursive: true, force: true });
  }
}
