/**
 * Hostile input to the vault-migrator command, run in this process against an emulator it reaches
 * through --endpoint: every refusal must come with exit status 2 (bad arguments) or 1 and the named
 * error, never a stack trace, and the emulator must have seen no successful mutating call.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '#emulator/index.ts';
import { cli, STACK_TRACE, tempDir } from '../cli/helpers.ts';

const OTHER_REGION_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('vault-migrator refuses hostile arguments and changes nothing', () => {
  let emulator: Emulator;
  let dir: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    emulator = await startEmulator({ randomSeed: 11 });
    emulator.seed({
      // The key the command would otherwise create at the endpoint (see the known gap below).
      keys: [{ alias: 'alias/vault-migrator' }, { alias: 'alias/disabled', keyState: 'Disabled' }],
      vaults: [
        { name: 'legacy', encryptionKey: 'none', generate: { count: 4, mix: { EFS: 1 } } },
        { name: 'air-gapped', vaultType: 'LOGICALLY_AIR_GAPPED_BACKUP_VAULT' },
      ],
    });
    dir = tempDir();
  });
  afterAll(async () => {
    await emulator.stop();
    dir.remove();
  });
  beforeEach(() => {
    emulator.resetStats();
  });

  const where = () => ['--endpoint', emulator.url, '--report-dir', dir.path, '--quiet'];

  it.each<[string, string[]]>([
    ['an empty vault name', ['migrate', '--vault', '']],
    ['a path-like vault name', ['migrate', '--vault', '../x']],
    ['a slash in the vault name', ['migrate', '--vault', 'a/b']],
    ['a percent-encoded slash', ['migrate', '--vault', '%2F']],
    ['a unicode vault name', ['migrate', '--vault', 'légacy']],
    ['an over-long vault name', ['migrate', '--vault', 'v'.repeat(5000)]],
    ['JSON as the vault name', ['migrate', '--vault', '{"sourceVaultName":"legacy"}']],
    ['a path-like target', ['migrate', '--vault', 'legacy', '--target', '../legacy-encrypted']],
    ['the source as target', ['migrate', '--vault', 'legacy', '--target', 'legacy']],
    ['the AWS-managed key', ['migrate', '--vault', 'legacy', '--kms-key', 'alias/aws/backup']],
    ['a key that is no key reference', ['migrate', '--vault', 'legacy', '--kms-key', '; rm -rf /']],
    ['concurrency 0', ['migrate', '--vault', 'legacy', '--max-concurrency', '0']],
    ['concurrency 101', ['migrate', '--vault', 'legacy', '--max-concurrency', '101']],
    ['concurrency -1', ['migrate', '--vault', 'legacy', '--max-concurrency', '-1']],
    ['concurrency 1e9', ['migrate', '--vault', 'legacy', '--max-concurrency', '1e9']],
    ['concurrency 2.5', ['migrate', '--vault', 'legacy', '--max-concurrency', '2.5']],
    ['a path-like execution name', ['migrate', '--vault', 'legacy', '--name', '../../etc']],
    ['an unknown flag', ['migrate', '--vault', 'legacy', '--colour', 'blue']],
    ['a path-like excluded vault', ['migrate-all', '--exclude', '../x']],
    ['absurd vault concurrency', ['migrate-all', '--max-vaults', '1000000']],
    ['--dry-run with --delete-source', ['migrate', '--vault', 'legacy', '--dry-run', '--delete-source']],
    ['a batch --dry-run with --delete-source', ['migrate-all', '--dry-run', '--delete-source']],
  ])('exits 2 for %s', async (_what, argv) => {
    const result = await cli([...argv, ...where()]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Usage: vault-migrator');
    expect(result.stderr).not.toMatch(STACK_TRACE);
    expect(emulator.mutations().map((call) => call.operation)).toEqual([]);
  });

  it.each<[string, string[], string]>([
    ['a vault that does not exist', ['migrate', '--vault', 'nope'], 'SourceVaultNotFound'],
    [
      'a key in another Region',
      ['migrate', '--vault', 'legacy', '--kms-key', OTHER_REGION_KEY],
      'InvalidKmsKey',
    ],
    ['a disabled key', ['migrate', '--vault', 'legacy', '--kms-key', 'alias/disabled'], 'InvalidKmsKey'],
    ['a logically air-gapped vault', ['migrate', '--vault', 'air-gapped'], 'UnsupportedVaultType'],
    // A typo must not migrate the vault it meant to protect.
    ['an --exclude that matches no vault', ['migrate-all', '--exclude', 'legacyy'], 'InvalidInput'],
  ])('exits 1 with the named error for %s', async (_what, argv, error) => {
    const result = await cli([...argv, ...where()]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^vault-migrator: ${error}: `));
    expect(result.stderr).not.toMatch(STACK_TRACE);
    expect(emulator.mutations().map((call) => call.operation)).toEqual([]);
  });

  it('refuses a seed file that is not JSON, without a stack trace', async () => {
    const seed = join(dir.path, 'not-json.json');
    writeFileSync(seed, '{"vaults": [ this is not JSON');
    const result = await cli([
      'migrate',
      '--local',
      '--seed',
      seed,
      '--vault',
      'legacy',
      '--report-dir',
      dir.path,
    ]);
    expect([2, 3]).toContain(result.status);
    expect(result.stderr).toContain('not-json.json');
    expect(result.stderr).not.toMatch(STACK_TRACE);
  });
});

describe('local mode creates the migration key only for a migration that really runs', () => {
  let emulator: Emulator;
  let dir: ReturnType<typeof tempDir>;

  beforeEach(async () => {
    // No alias/vault-migrator at the endpoint: the command would create it.
    emulator = await startEmulator({ randomSeed: 12 });
    emulator.seed({
      vaults: [
        { name: 'legacy', encryptionKey: 'none', generate: { count: 2, mix: { EFS: 1 } } },
        { name: 'taken', encryptionKey: 'none' },
        { name: 'taken-encrypted', encryptionKey: 'aws-managed' },
      ],
    });
    emulator.resetStats();
    dir = tempDir();
  });
  afterEach(async () => {
    await emulator.stop();
    dir.remove();
  });

  const where = () => ['--endpoint', emulator.url, '--report-dir', dir.path, '--quiet'];

  it.each<[string, string[], string]>([
    ['a vault that does not exist', ['migrate', '--vault', 'nope'], 'SourceVaultNotFound'],
    ['a target that exists with another key', ['migrate', '--vault', 'taken'], 'TargetVaultConflict'],
    ['a dry run (it creates nothing)', ['migrate', '--vault', 'legacy', '--dry-run'], 'InvalidKmsKey'],
    ['an --exclude that matches no vault', ['migrate-all', '--exclude', 'legacyy'], 'InvalidInput'],
  ])('changes nothing at the endpoint, KMS keys and aliases included, for %s', async (_what, argv, error) => {
    const result = await cli([...argv, ...where()]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^vault-migrator: ${error}: `));
    expect(emulator.mutations().map((call) => call.operation)).toEqual([]);
    expect(emulator.kms.findKey('alias/vault-migrator')).toBeUndefined();
  });

  it('creates the key and its alias when the migration runs', async () => {
    const result = await cli(['migrate', '--vault', 'legacy', ...where()]);
    expect(result.status).toBe(0);
    const key = emulator.kms.findKey('alias/vault-migrator');
    expect(key?.keyManager).toBe('CUSTOMER');
    expect(emulator.backup.vaults.get('legacy-encrypted')?.encryptionKeyArn).toBe(key?.arn);
  });
});
