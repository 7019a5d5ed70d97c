import { describe, expect, it } from 'vitest';
import { cli, STACK_TRACE } from './helpers.ts';

describe('vault-migrator arguments', () => {
  it('prints help for the program and every command, and exits 0', async () => {
    const top = await cli(['--help']);
    expect(top.status).toBe(0);
    for (const command of ['demo', 'migrate', 'migrate-all', 'status', 'report']) {
      expect(top.stdout).toContain(command);
      const help = await cli([command, '--help']);
      expect(help.status, command).toBe(0);
      expect(help.stdout, command).toContain(`Usage: vault-migrator ${command}`);
    }
    expect(top.stdout).toMatch(/Exit status: 0 .*1 .*2 bad arguments/s);
  });

  it('documents every migrate flag the README lists', async () => {
    const { stdout } = await cli(['migrate', '--help']);
    for (const flag of [
      '--vault',
      '--target',
      '--kms-key',
      '--delete-source',
      '--dry-run',
      '--max-concurrency',
      '--local',
      '--endpoint',
      '--wait-scale',
      '--report-dir',
      '--json',
      '--state-machine-arn',
      '--stack-name',
    ]) {
      expect(stdout).toContain(flag);
    }
    const all = await cli(['migrate-all', '--help']);
    for (const flag of ['--include-aws-managed', '--exclude', '--delete-source', '--dry-run']) {
      expect(all.stdout).toContain(flag);
    }
  });

  it.each([
    [[], 'Usage: vault-migrator'],
    [['frobnicate'], "unknown command 'frobnicate'"],
    [['migrate'], "required option '--vault <name>' not specified"],
    [['migrate', '--vault', 'legacy', '--max-concurrency', '0'], 'must be a whole number from 1 to 100'],
    [['migrate', '--vault', 'legacy', '--max-concurrency', 'lots'], 'must be a whole number from 1 to 100'],
    [['migrate', '--vault', 'legacy', '--target', 'legacy'], '--target: must differ from --vault'],
    [['migrate', '--vault', 'no spaces allowed'], '--vault: must be 2 to 50 characters'],
    [
      ['migrate', '--vault', 'legacy', '--kms-key', 'alias/aws/backup'],
      '--kms-key: names an AWS-managed key',
    ],
    [['migrate', '--vault', 'legacy', '--endpoint', 'not a url'], 'must be a URL'],
    [['migrate', '--vault', 'legacy', '--wait-scale', '-1'], 'must be a number of at least 0'],
    [
      ['migrate', '--vault', 'legacy', '--seed', 'seed.json'],
      '--seed, --random-seed and --wait-scale need --local',
    ],
    [
      ['migrate', '--vault', 'legacy', '--endpoint', 'http://127.0.0.1:1', '--seed', 'x.json'],
      'does not go with --endpoint',
    ],
    [
      ['migrate', '--vault', 'legacy', '--local', '--state-machine-arn', 'arn:x'],
      '--state-machine-arn is for AWS',
    ],
    [['migrate', '--vault', 'legacy', '--name', 'has spaces'], 'must be 1 to 80 letters'],
    [
      ['migrate-all', '--exclude', 'ok-name', '--exclude', 'x'],
      '--exclude (value 2): must be 2 to 50 characters',
    ],
    [['migrate-all', '--max-vaults', '41'], 'must be a whole number from 1 to 40'],
    [['report', 'x', '--format', 'pdf'], 'Allowed choices are table, json, csv, html'],
    [['status'], "missing required argument 'execution'"],
  ])('refuses %j with exit status 2, the problem and the usage', async (argv, problem) => {
    const result = await cli(argv);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(problem);
    expect(result.stderr).toContain('Usage: vault-migrator');
    expect(result.stderr).not.toMatch(STACK_TRACE);
    expect(result.stdout).toBe('');
  });

  it('takes --exclude as repeated flags or a comma-separated list', async () => {
    // Both forms reach validation as one list: a bad third name is reported as value 3.
    const result = await cli(['migrate-all', '--exclude', 'aa,bb', '--exclude', '!']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--exclude (value 3)');
  });
});
