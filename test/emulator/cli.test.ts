import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackupClient, DescribeBackupVaultCommand, ListBackupVaultsCommand } from '@aws-sdk/client-backup';
import { KMSClient, ListAliasesCommand } from '@aws-sdk/client-kms';
import { afterAll, describe, expect, it } from 'vitest';
import { admin } from './helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..');
// `node --import tsx` runs the CLI in a single process (npx would add a wrapper process to kill).
const cli = (args: string[]) =>
  spawn(process.execPath, ['--import', 'tsx', 'local/emulator/main.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

const running: ChildProcess[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'emulator-cli-'));

/** Kills a CLI process that is still running and waits for it to exit. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

// Each test stops its own server (the tests run concurrently); this is the safety net.
afterAll(async () => {
  await Promise.all(running.splice(0).map(stopChild));
  rmSync(tmp, { recursive: true, force: true });
});

/** Starts the CLI and resolves with the URL of its first stdout line. */
function startCli(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = cli(args);
  running.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no URL within 10 s; stderr: ${err}`)), 10_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const newline = out.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        resolve({ child, url: out.slice(0, newline) });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the CLI exited with ${code} before printing its URL; stderr: ${err}`));
    });
  });
}

/** Runs the CLI to its end (killed after 10 s) and returns its exit code and output. */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = cli(args);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) =>
    // 'close', not 'exit': only then has all of the child's output been read from its pipes.
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

const clientsFor = (url: string, region = 'us-east-1') => {
  const config = {
    endpoint: url,
    region,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
    maxAttempts: 1,
  };
  return { backup: new BackupClient(config), kms: new KMSClient(config) };
};

describe.concurrent('local/emulator/main.ts', () => {
  it('prints its loopback URL first, answers the SDK, and exits 0 on SIGTERM', async () => {
    const { child, url } = await startCli(['--port', '0']);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { backup } = clientsFor(url);
    try {
      const listed = await backup.send(new ListBackupVaultsCommand({}));
      expect(listed.BackupVaultList).toEqual([]);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      backup.destroy();
      await stopChild(child);
    }
  });

  it('loads a --seed file and honours --region and --account', async () => {
    const seedFile = join(tmp, 'seed.json');
    writeFileSync(
      seedFile,
      JSON.stringify({
        keys: [{ alias: 'alias/cli-key' }],
        vaults: [
          { name: 'from-file', encryptionKey: 'alias/cli-key', recoveryPoints: [{ resourceType: 'EBS' }] },
        ],
      }),
    );
    const { child, url } = await startCli([
      '--seed',
      seedFile,
      '--region',
      'eu-west-1',
      '--account',
      '210987654321',
    ]);
    const { backup, kms } = clientsFor(url, 'eu-west-1');
    try {
      const vault = await backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'from-file' }));
      expect(vault.BackupVaultArn).toBe('arn:aws:backup:eu-west-1:210987654321:backup-vault:from-file');
      expect(vault.NumberOfRecoveryPoints).toBe(1);
      expect(vault.EncryptionKeyArn).toMatch(/^arn:aws:kms:eu-west-1:210987654321:key\//);
      const aliases = await kms.send(new ListAliasesCommand({}));
      // alias/aws/backup appears too: the seeded EBS backup is encrypted with the AWS-managed key.
      expect(aliases.Aliases?.map((alias) => alias.AliasName).sort()).toEqual([
        'alias/aws/backup',
        'alias/cli-key',
      ]);
    } finally {
      backup.destroy();
      kms.destroy();
      await stopChild(child);
    }
  });

  it('lets simulated time run with wall time under --speed', async () => {
    const { child, url } = await startCli(['--speed', '60000']);
    const first = await admin<{ now: number; speed: number }>(url, 'GET', 'clock');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = await admin<{ now: number; speed: number }>(url, 'GET', 'clock');
    await stopChild(child);
    expect(first.body.speed).toBe(60000);
    // 50 ms of wall time at 60,000x is at least 50 simulated minutes.
    expect(second.body.now - first.body.now).toBeGreaterThanOrEqual(50 * 60);
  });

  it('prints the usage and exits 0 with --help', async () => {
    const result = await runCli(['--help']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Usage:');
    expect(result.stdout).toContain('--limit-behaviour');
  });

  it.each([
    [['--bogus'], "Unknown option '--bogus'"],
    [['--port', '70000'], '--port must be 0..65535'],
    [['--limit-behaviour', 'drop'], '--limit-behaviour must be queue or reject'],
    [['--seed', '/nonexistent/seed.json'], 'cannot read seed'],
  ])('exits 2 with an error on stderr for %j', async (args, message) => {
    const result = await runCli(args);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`error: `);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
  });
});
