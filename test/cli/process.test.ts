import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runProcess, SMALL_ACCOUNT, STACK_TRACE, tempDir } from './helpers.ts';

describe('vault-migrator as a process', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('keeps stdout to the JSON output alone, whatever the handlers log, and exits 0', {
    timeout: 60_000,
  }, async () => {
    const seed = join(dir.path, 'seed.json');
    writeFileSync(seed, JSON.stringify(SMALL_ACCOUNT));
    // POWERTOOLS_LOG_LEVEL is emptied above: the command itself must keep the handlers quiet.
    const result = await runProcess([
      '--import',
      'tsx',
      'cli/main.ts',
      'migrate',
      '--local',
      '--seed',
      seed,
      '--vault',
      'beta',
      '--report-dir',
      dir.path,
      '--json',
    ]);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: true,
      vaults: [{ outcome: 'MIGRATED', vault: 'beta' }],
    });
    expect(result.stderr).toMatch(/beta .*6\/6 copies/);
    expect(result.stderr).not.toContain('NodeVersionSupportWarning');
  });

  it('answers bad arguments through the bin with exit status 2, the usage and no stack trace', {
    timeout: 30_000,
  }, async () => {
    const result = await runProcess(['cli/bin.mjs', 'migrate', '--vault', 'x']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('error: --vault: must be 2 to 50 characters');
    expect(result.stderr).toContain('Usage: vault-migrator migrate [options]');
    expect(result.stderr).not.toMatch(STACK_TRACE);
    expect(result.stdout).toBe('');
  });
});
