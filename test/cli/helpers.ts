import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SeedSpec } from '#emulator/seed.ts';
import { type LocalStepFunctions, serveStepFunctions } from '../../cli/commands/serve.ts';
import { BufferStream } from '../../cli/io.ts';
import { run } from '../../cli/program.ts';

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the command in this process, with its output captured. */
export async function cli(
  argv: string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; tty?: boolean; columns?: number } = {},
): Promise<CliResult> {
  const stdout = new BufferStream(false);
  const stderr = new BufferStream(options.tty ?? false, options.columns ?? 120);
  const status = await run(argv, {
    stdout,
    stderr,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    cwd: options.cwd ?? process.cwd(),
  });
  return { status, stdout: stdout.text, stderr: stderr.text };
}

/** A temporary directory, removed by the returned function. */
export function tempDir(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'vault-migrator-cli-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A small account: quick to migrate, with the cases the reports must tell apart. */
export const SMALL_ACCOUNT: SeedSpec = {
  keys: [{ alias: 'alias/app-data' }],
  vaults: [
    {
      name: 'alpha',
      encryptionKey: 'none',
      generate: { count: 10, perResource: 2, mix: { EBS: 1, S3: 1 }, unencryptedShare: 0.5 },
      recoveryPoints: [{ resourceType: 'RDS', continuous: true }],
    },
    { name: 'beta', encryptionKey: 'aws-managed', generate: { count: 6, perResource: 2, mix: { EFS: 1 } } },
    { name: 'compliant', encryptionKey: 'alias/app-data', generate: { count: 2 } },
  ],
  plans: [{ name: 'daily', rules: [{ ruleName: 'daily', targetVault: 'alpha' }] }],
};

/** What a stack trace looks like in output: a user must never see one. */
export const STACK_TRACE = /\n\s+at .+\(.+:\d+:\d+\)/;

/**
 * Runs the command as a user does: its own process (this Node, `args` its arguments), real stdout
 * and stderr, its exit status. Colours off; NODE_OPTIONS emptied, so nothing is preloaded.
 */
export function runProcess(args: string[], env: Record<string, string> = {}, cwd?: string) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(cwd ? { cwd } : {}),
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: '', NODE_OPTIONS: '', NO_COLOR: '1', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * `serve` on SMALL_ACCOUNT, its reports under `dir`: the local Step Functions endpoint the AWS-mode
 * tests talk to. `waitScale`: wall seconds per simulated second of Wait states (default none).
 */
export async function serveSmallAccount(dir: string, waitScale?: number): Promise<LocalStepFunctions> {
  const seed = join(dir, 'account.json');
  writeFileSync(seed, JSON.stringify(SMALL_ACCOUNT));
  return serveStepFunctions(
    { seed, reportDir: join(dir, 'reports'), ...(waitScale === undefined ? {} : { waitScale }) },
    { stdout: new BufferStream(), stderr: new BufferStream(), env: { ...process.env }, cwd: dir },
  );
}

/** An operator's environment for the AWS mode against `served` (its Step Functions and Backup endpoints). */
export function operatorEnv(served: LocalStepFunctions): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_SFN: served.url,
    AWS_ENDPOINT_URL_BACKUP: served.backupEndpoint,
    AWS_REGION: served.region,
    AWS_ACCESS_KEY_ID: 'AKIDOPERATOR',
    AWS_SECRET_ACCESS_KEY: 'secret',
  };
}
