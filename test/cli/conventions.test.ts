import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BufferStream, useColour } from '../../cli/io.ts';
import { run } from '../../cli/program.ts';
import { reportFile, sampleReport } from './fixtures.ts';
import { cli, SMALL_ACCOUNT, STACK_TRACE, tempDir } from './helpers.ts';

const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

describe('command-line conventions', () => {
  let dir: ReturnType<typeof tempDir>;
  let seed: string;
  let reportPath: string;
  beforeAll(() => {
    dir = tempDir();
    seed = join(dir.path, 'seed.json');
    writeFileSync(seed, JSON.stringify(SMALL_ACCOUNT));
    reportPath = join(dir.path, 'report.json');
    writeFileSync(reportPath, reportFile(sampleReport()));
  });
  afterAll(() => dir.remove());

  it('prints its version with --version and -V', async () => {
    for (const flag of ['--version', '-V']) {
      const result = await cli([flag]);
      expect(result.status, flag).toBe(0);
      expect(result.stdout.trim(), flag).toContain(VERSION);
    }
  });

  it('colours only a terminal; NO_COLOR only when non-empty; FORCE_COLOR and --no-color', async () => {
    const tty = new BufferStream(true);
    expect(useColour(tty, {})).toBe(true);
    expect(useColour(tty, { NO_COLOR: '' })).toBe(true);
    expect(useColour(tty, { NO_COLOR: '1' })).toBe(false);
    expect(useColour(new BufferStream(false), { FORCE_COLOR: '1' })).toBe(true);
    expect(useColour(new BufferStream(false), { FORCE_COLOR: '0' })).toBe(false);
    const stdout = new BufferStream(false);
    const stderr = new BufferStream(false);
    await run(['report', reportPath, '--no-color'], {
      stdout,
      stderr,
      env: { FORCE_COLOR: '1' },
      cwd: process.cwd(),
    });
    expect(stdout.text).toContain('Encryption verdict');
    expect(stdout.text).not.toContain('\x1b[');
    const forced = new BufferStream(false);
    await run(['report', reportPath], {
      stdout: forced,
      stderr,
      env: { FORCE_COLOR: '1' },
      cwd: process.cwd(),
    });
    expect(forced.text).toContain('\x1b[');
  });

  it.each([
    [['status', 'x', '--poll-interval', '0'], '--poll-interval'],
    [['migrate', '--vault', 'legacy', '--local', '--stack-name', 'Other'], '--stack-name is for AWS'],
  ])('refuses %j with exit status 2', async (argv, message) => {
    const result = await cli(argv);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('says a report file is missing, not that the Region is', async () => {
    const result = await cli(['report', join(dir.path, 'no-such', 'report.json')], {
      env: { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, AWS_PROFILE: undefined },
    });
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(/ReportNotFound: .*no-such/);
    expect(result.stderr).not.toContain('MissingRegion');
  });

  it('exits 3 when -o names a path it cannot write', async () => {
    const result = await cli(['report', reportPath, '-o', join(dir.path, 'missing-dir', 'out.html')]);
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(/CannotWriteOutput: cannot write .*missing-dir/);
    expect(result.stderr).not.toMatch(STACK_TRACE);
  });

  it('gives a failed execution the same exit status in status and in report', async () => {
    const local = ['--local', '--seed', seed, '--report-dir', dir.path];
    const failed = await cli(['migrate', '--vault', 'missing', '--name', 'failed-run', ...local]);
    expect(failed.status).toBe(1);
    const status = await cli(['status', 'failed-run', '--report-dir', dir.path]);
    const report = await cli(['report', 'failed-run', '--report-dir', dir.path]);
    expect(status.status).toBe(1);
    expect(report.status).toBe(1);
  });

  it('refuses a reused execution name locally, as Step Functions does', async () => {
    const local = ['--local', '--seed', seed, '--report-dir', dir.path];
    const first = await cli(['migrate', '--vault', 'beta', '--name', 'once', ...local]);
    expect(first.status).toBe(0);
    const again = await cli(['migrate', '--vault', 'beta', '--name', 'once', ...local]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/ExecutionAlreadyExists: .*once/);
  });

  it('asks before --delete-source on a terminal, and goes on without asking with --yes', async () => {
    const local = ['--local', '--seed', seed, '--report-dir', dir.path];
    const asked: string[] = [];
    const io = (answer: boolean) => ({
      stdout: new BufferStream(false),
      stderr: new BufferStream(true, 80),
      env: { NO_COLOR: '1' },
      cwd: process.cwd(),
      confirm: async (question: string) => {
        asked.push(question);
        return answer;
      },
    });
    const declined = await run(
      ['migrate', '--vault', 'beta', '--delete-source', '--name', 'ask-no', ...local],
      io(false),
    );
    expect(declined).toBe(1);
    expect(asked[0]).toMatch(/beta/);
    const yes = await run(
      ['migrate', '--vault', 'beta', '--delete-source', '--yes', '--name', 'ask-yes', '--quiet', ...local],
      io(false),
    );
    expect(yes).toBe(0);
    expect(asked).toHaveLength(1);
  });
});

/** The command in its own process, its stdout piped into `sh -c "... | true"` (closed at once). */
function piped(args: string): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', `${process.execPath} --import tsx cli/main.ts ${args} | true`], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stderr }));
  });
}

describe('vault-migrator in a pipe', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('says nothing when the reader closes the pipe early (no EPIPE stack trace)', {
    timeout: 30_000,
  }, async () => {
    const path = join(dir.path, 'report.json');
    writeFileSync(path, reportFile(sampleReport()));
    const result = await piped(`report ${path} --format csv`);
    expect(result.stderr).not.toContain('EPIPE');
    expect(result.stderr).not.toMatch(STACK_TRACE);
  });
});

describe('--wait-scale against an endpoint with the emulator clock', () => {
  it('advances the clock and also sleeps the scaled time; without a scale it only advances', async () => {
    const { startEmulator } = await import('#emulator/index.ts');
    const { endpointTime } = await import('../../local/runner/index.ts');
    const emulator = await startEmulator({});
    try {
      const scaled = endpointTime(emulator.url, 0.01);
      const before = (await scaled.now()).getTime();
      const wallStart = Date.now();
      await scaled.wait(60);
      expect(Date.now() - wallStart).toBeGreaterThanOrEqual(550);
      expect((await scaled.now()).getTime() - before).toBe(60_000);
      const unscaled = endpointTime(emulator.url);
      const quick = Date.now();
      await unscaled.wait(3600);
      expect(Date.now() - quick).toBeLessThan(500);
    } finally {
      await emulator.stop();
    }
  });
});

describe('Ctrl-C during a local run', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('says what exists, records the run as ABORTED for status, prints the resume command, exits 130', {
    timeout: 60_000,
  }, async () => {
    const seed = join(dir.path, 'seed.json');
    writeFileSync(seed, JSON.stringify(SMALL_ACCOUNT));
    const args = ['migrate', '--vault', 'alpha', '--local', '--seed', seed, '--report-dir', dir.path];
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'cli/main.ts', ...args, '--name', 'cut-short', '--wait-scale', '0.05'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
    );
    let stderr = '';
    const copying = new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/copying/.test(stderr)) resolve();
      });
    });
    const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
    await copying;
    child.kill('SIGINT');
    const status = await closed;
    expect(status).toBe(130);
    expect(stderr).toMatch(/What exists now:\n\s+alpha: target vault created, backup plans repointed/);
    const resume = /Resume with \(nothing is copied twice\):\n\s+(vault-migrator .*)\n/.exec(stderr)?.[1];
    expect(resume).toContain(`migrate --vault alpha --local --seed ${seed}`);
    expect(resume).toMatch(/--name cut-short-resume-\d{8}-\d{6}$/);
    const recorded = await cli(['status', 'cut-short', '--report-dir', dir.path]);
    expect(recorded.stdout).toMatch(/Status\s+ABORTED/);
    expect(recorded.status).toBe(1);
  });
});
