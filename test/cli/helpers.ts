import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SeedSpec } from '#emulator/seed.ts';
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
