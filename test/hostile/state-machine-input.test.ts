/**
 * Hostile input to both state machines, run for real on the local engine (DESIGN invariant 6: bad
 * input changes nothing and fails with a named error). Every input here must end the execution
 * with the named error its row gives, and the emulator must have seen no successful mutating call.
 * The CLI does not exist yet, so its half of the list is not here.
 *
 * One emulator serves a whole describe: none of these inputs may change it, which each case checks.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '#emulator/index.ts';
import { NAMED_ERRORS } from '#shared/errors.ts';
import { LocalRunner } from '../../local/runner/index.ts';
import { type Scenario, scenario } from '../state-machines/harness.ts';

const UUID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const OTHER_REGION_KEY = `arn:aws:kms:eu-west-1:123456789012:key/${UUID}`;
const OTHER_ACCOUNT_KEY = `arn:aws:kms:us-east-1:999999999999:key/${UUID}`;

interface Keys {
  /** ARN of the key with this alias in the emulator. */
  arn(alias: string): string;
  awsManaged: string;
}

type Input = unknown | ((keys: Keys) => unknown);

interface Case {
  what: string;
  input: Input;
  error: string;
}

/** The account the hostile inputs are thrown at: a vault to migrate and keys in every bad state. */
async function hostileAccount(environment: Record<string, string> = {}): Promise<Scenario & { keys: Keys }> {
  const current = await scenario({}, environment);
  const { emulator } = current;
  emulator.seed({
    keys: [
      { alias: 'alias/disabled', keyState: 'Disabled' },
      { alias: 'alias/pending-deletion', keyState: 'PendingDeletion' },
      { alias: 'alias/asymmetric', keySpec: 'RSA_2048' },
      { alias: 'alias/other' },
      // Present in the emulator, but in another Region: never usable for a us-east-1 vault.
      { alias: 'alias/elsewhere', region: 'eu-west-1' },
    ],
    vaults: [
      { name: 'legacy', encryptionKey: 'none', generate: { count: 6, mix: { EBS: 1, EFS: 1 } } },
      { name: 'taken', encryptionKey: 'none' },
      { name: 'taken-encrypted', encryptionKey: 'alias/other' },
      { name: 'air-gapped', vaultType: 'LOGICALLY_AIR_GAPPED_BACKUP_VAULT' },
      { name: 'restore-access', vaultType: 'RESTORE_ACCESS_BACKUP_VAULT' },
      { name: 'dr', encryptionKey: 'aws-managed' },
    ],
    plans: [{ name: 'daily', rules: [{ ruleName: 'daily', targetVault: 'legacy' }] }],
  });
  const keys: Keys = {
    arn: (alias) => {
      const key = emulator.kms.findKey(alias);
      if (!key) throw new Error(`no key ${alias}`);
      return key.arn;
    },
    awsManaged: emulator.kms.awsManagedBackupKey().arn,
  };
  return { ...current, keys };
}

/** The same Lambdas with another environment (another deployment's settings), on the same emulator. */
function runnerWith(current: Scenario, environment: Record<string, string>): LocalRunner {
  return new LocalRunner({
    time: current.runner.time,
    environment: {
      AWS_ENDPOINT_URL: current.emulator.url,
      AWS_REGION: current.emulator.region,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      VAULT_MIGRATOR_RETRY_BASE_MS: '2',
      MIGRATION_KMS_KEY_ARN: current.keyArn,
      COPY_ROLE_ARN: 'arn:aws:iam::123456789012:role/vault-migrator-copy',
      ALLOW_SOURCE_DELETION: 'true',
      REPORT_DIR: current.reportDir,
      ...environment,
    },
  });
}

function resolve(input: Input, keys: Keys): unknown {
  return typeof input === 'function' ? (input as (keys: Keys) => unknown)(keys) : input;
}

function expectNothingChanged(emulator: Emulator): void {
  expect(emulator.mutations().map((call) => call.operation)).toEqual([]);
}

const MIGRATE_VAULT_CASES: Case[] = [
  // Missing and empty
  { what: 'an empty object', input: {}, error: 'InvalidInput' },
  { what: 'an empty source name', input: { sourceVaultName: '' }, error: 'InvalidInput' },
  { what: 'a one-character source name', input: { sourceVaultName: 'a' }, error: 'InvalidInput' },
  { what: 'a blank source name', input: { sourceVaultName: '   ' }, error: 'InvalidInput' },
  {
    what: 'an empty target name',
    input: { sourceVaultName: 'legacy', targetVaultName: '' },
    error: 'InvalidInput',
  },
  // Over-long
  { what: 'a 51-character source name', input: { sourceVaultName: 'v'.repeat(51) }, error: 'InvalidInput' },
  {
    what: 'a 100,000-character source name',
    input: { sourceVaultName: 'v'.repeat(100_000) },
    error: 'InvalidInput',
  },
  {
    what: 'a source name whose default target would pass 50 characters',
    input: { sourceVaultName: 'v'.repeat(45) },
    error: 'InvalidInput',
  },
  {
    what: 'a 51-character target name',
    input: { sourceVaultName: 'legacy', targetVaultName: 't'.repeat(51) },
    error: 'InvalidInput',
  },
  // Unicode and control characters
  { what: 'an accented source name', input: { sourceVaultName: 'légacy' }, error: 'InvalidInput' },
  { what: 'a CJK source name', input: { sourceVaultName: '金庫の保管' }, error: 'InvalidInput' },
  { what: 'an emoji source name', input: { sourceVaultName: 'vault-🔥' }, error: 'InvalidInput' },
  {
    what: 'a fullwidth lookalike of legacy',
    input: { sourceVaultName: 'ｌｅｇａｃｙ' },
    error: 'InvalidInput',
  },
  {
    what: 'a zero-width space in the name',
    input: { sourceVaultName: 'leg\u200bacy' },
    error: 'InvalidInput',
  },
  { what: 'a NUL byte in the name', input: { sourceVaultName: 'legacy\u0000' }, error: 'InvalidInput' },
  { what: 'a trailing newline', input: { sourceVaultName: 'legacy\n' }, error: 'InvalidInput' },
  { what: 'a right-to-left override', input: { sourceVaultName: '\u202elegacy' }, error: 'InvalidInput' },
  // Path-like and injection-like
  { what: 'a parent-directory source name', input: { sourceVaultName: '../x' }, error: 'InvalidInput' },
  { what: 'a slash in the source name', input: { sourceVaultName: 'a/b' }, error: 'InvalidInput' },
  { what: 'a percent-encoded slash', input: { sourceVaultName: '%2F' }, error: 'InvalidInput' },
  {
    what: 'an encoded traversal to another vault',
    input: { sourceVaultName: 'legacy%2F..%2Fdr' },
    error: 'InvalidInput',
  },
  { what: 'a backslash path', input: { sourceVaultName: '..\\..\\dr' }, error: 'InvalidInput' },
  { what: 'a query string', input: { sourceVaultName: 'legacy?versionId=1' }, error: 'InvalidInput' },
  {
    what: 'a vault ARN instead of a name',
    input: { sourceVaultName: 'arn:aws:backup:us-east-1:123456789012:backup-vault:legacy' },
    error: 'InvalidInput',
  },
  { what: 'a JSONPath as the name', input: { sourceVaultName: '$.migration' }, error: 'InvalidInput' },
  {
    what: 'a parent-directory target name',
    input: { sourceVaultName: 'legacy', targetVaultName: '../legacy-encrypted' },
    error: 'InvalidInput',
  },
  // Wrong types
  { what: 'a number as the source name', input: { sourceVaultName: 42 }, error: 'InvalidInput' },
  { what: 'null as the source name', input: { sourceVaultName: null }, error: 'InvalidInput' },
  { what: 'a list as the source name', input: { sourceVaultName: ['legacy'] }, error: 'InvalidInput' },
  {
    what: 'an object as the source name',
    input: { sourceVaultName: { name: 'legacy' } },
    error: 'InvalidInput',
  },
  { what: 'a boolean as the source name', input: { sourceVaultName: true }, error: 'InvalidInput' },
  {
    what: 'deleteSourceVault as the string "true"',
    input: { sourceVaultName: 'legacy', deleteSourceVault: 'true' },
    error: 'InvalidInput',
  },
  { what: 'dryRun as 1', input: { sourceVaultName: 'legacy', dryRun: 1 }, error: 'InvalidInput' },
  { what: 'dryRun as null', input: { sourceVaultName: 'legacy', dryRun: null }, error: 'InvalidInput' },
  {
    what: 'a number as the key',
    input: { sourceVaultName: 'legacy', kmsKeyArn: 12345 },
    error: 'InvalidInput',
  },
  // Unknown fields
  { what: 'an unknown field', input: { sourceVaultName: 'legacy', colour: 'blue' }, error: 'InvalidInput' },
  {
    what: 'a field differing only in case',
    input: { sourceVaultName: 'legacy', SourceVaultName: 'dr' },
    error: 'InvalidInput',
  },
  {
    what: 'a __proto__ field (prototype pollution)',
    input: JSON.parse('{"sourceVaultName":"legacy","__proto__":{"dryRun":true,"deleteSourceVault":true}}'),
    error: 'InvalidInput',
  },
  {
    what: 'a constructor field',
    input: { sourceVaultName: 'legacy', constructor: { prototype: { admin: true } } },
    error: 'InvalidInput',
  },
  {
    what: 'an unknown field of 300 KB',
    input: { sourceVaultName: 'legacy', padding: 'x'.repeat(300_000) },
    error: 'InvalidInput',
  },
  // Keys
  {
    what: 'a key in another Region',
    input: { sourceVaultName: 'legacy', kmsKeyArn: OTHER_REGION_KEY },
    error: 'InvalidKmsKey',
  },
  {
    what: 'an existing key of another Region',
    input: (keys: Keys) => ({ sourceVaultName: 'legacy', kmsKeyArn: keys.arn('alias/elsewhere') }),
    error: 'InvalidKmsKey',
  },
  {
    what: 'an alias ARN of another Region',
    input: {
      sourceVaultName: 'legacy',
      kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:alias/vault-migrator',
    },
    error: 'InvalidKmsKey',
  },
  {
    what: 'a key of another account',
    input: { sourceVaultName: 'legacy', kmsKeyArn: OTHER_ACCOUNT_KEY },
    error: 'InvalidKmsKey',
  },
  {
    what: 'a disabled key (alias)',
    input: { sourceVaultName: 'legacy', kmsKeyArn: 'alias/disabled' },
    error: 'InvalidKmsKey',
  },
  {
    what: 'a disabled key (ARN)',
    input: (keys: Keys) => ({ sourceVaultName: 'legacy', kmsKeyArn: keys.arn('alias/disabled') }),
    error: 'InvalidKmsKey',
  },
  {
    what: 'a key pending deletion',
    input: { sourceVaultName: 'legacy', kmsKeyArn: 'alias/pending-deletion' },
    error: 'InvalidKmsKey',
  },
  {
    what: 'an asymmetric key',
    input: { sourceVaultName: 'legacy', kmsKeyArn: 'alias/asymmetric' },
    error: 'InvalidKmsKey',
  },
  {
    what: 'the AWS-managed backup key by alias',
    input: { sourceVaultName: 'legacy', kmsKeyArn: 'alias/aws/backup' },
    error: 'InvalidInput',
  },
  {
    what: 'the AWS-managed backup key by ARN',
    input: (keys: Keys) => ({ sourceVaultName: 'legacy', kmsKeyArn: keys.awsManaged }),
    error: 'InvalidKmsKey',
  },
  {
    what: 'an alias that names no key',
    input: { sourceVaultName: 'legacy', kmsKeyArn: 'alias/missing' },
    error: 'InvalidKmsKey',
  },
  {
    what: 'a key reference that is no key',
    input: { sourceVaultName: 'legacy', kmsKeyArn: 'my key' },
    error: 'InvalidInput',
  },
  {
    what: 'an S3 ARN as the key',
    input: { sourceVaultName: 'legacy', kmsKeyArn: 'arn:aws:s3:::my-bucket' },
    error: 'InvalidInput',
  },
  // Vaults
  { what: 'a vault that does not exist', input: { sourceVaultName: 'nope' }, error: 'SourceVaultNotFound' },
  {
    what: 'a logically air-gapped source',
    input: { sourceVaultName: 'air-gapped' },
    error: 'UnsupportedVaultType',
  },
  {
    what: 'a restore-access source',
    input: { sourceVaultName: 'restore-access' },
    error: 'UnsupportedVaultType',
  },
  {
    what: 'a target equal to the source',
    input: { sourceVaultName: 'legacy', targetVaultName: 'legacy' },
    error: 'TargetVaultConflict',
  },
  {
    what: 'a target that exists with another key',
    input: { sourceVaultName: 'taken' },
    error: 'TargetVaultConflict',
  },
  {
    what: 'an existing vault with an AWS-managed key as target',
    input: { sourceVaultName: 'legacy', targetVaultName: 'dr' },
    error: 'TargetVaultConflict',
  },
  {
    what: 'a logically air-gapped vault as target',
    input: { sourceVaultName: 'legacy', targetVaultName: 'air-gapped' },
    error: 'TargetVaultConflict',
  },
  // Absurd concurrency
  {
    what: 'maxConcurrentCopies 0',
    input: { sourceVaultName: 'legacy', maxConcurrentCopies: 0 },
    error: 'InvalidInput',
  },
  {
    what: 'maxConcurrentCopies 101',
    input: { sourceVaultName: 'legacy', maxConcurrentCopies: 101 },
    error: 'InvalidInput',
  },
  {
    what: 'maxConcurrentCopies -1',
    input: { sourceVaultName: 'legacy', maxConcurrentCopies: -1 },
    error: 'InvalidInput',
  },
  {
    what: 'maxConcurrentCopies 1e9',
    input: { sourceVaultName: 'legacy', maxConcurrentCopies: 1e9 },
    error: 'InvalidInput',
  },
  {
    what: "maxConcurrentCopies '20'",
    input: { sourceVaultName: 'legacy', maxConcurrentCopies: '20' },
    error: 'InvalidInput',
  },
  {
    what: 'maxConcurrentCopies 2.5',
    input: { sourceVaultName: 'legacy', maxConcurrentCopies: 2.5 },
    error: 'InvalidInput',
  },
  {
    what: 'maxConcurrentCopies beyond safe integers',
    input: { sourceVaultName: 'legacy', maxConcurrentCopies: 2 ** 64 },
    error: 'InvalidInput',
  },
  // Options that contradict each other
  {
    what: 'retiring without deleting',
    input: { sourceVaultName: 'legacy', retireInsteadOfDelete: true },
    error: 'InvalidInput',
  },
  {
    what: 'retireAfterDays 0',
    input: {
      sourceVaultName: 'legacy',
      deleteSourceVault: true,
      retireInsteadOfDelete: true,
      retireAfterDays: 0,
    },
    error: 'InvalidInput',
  },
  // Not a JSON object
  { what: 'a JSON string', input: 'legacy', error: 'InvalidInput' },
  { what: 'a JSON array', input: ['legacy'], error: 'InvalidInput' },
  { what: 'a JSON number', input: 42, error: 'InvalidInput' },
  { what: 'a JSON boolean', input: true, error: 'InvalidInput' },
  {
    what: 'the input serialized twice (a JSON string of an object)',
    input: '{"sourceVaultName":"legacy"}',
    error: 'InvalidInput',
  },
];

const MIGRATE_ALL_VAULTS_CASES: Case[] = [
  { what: 'an unknown field', input: { colour: 'blue' }, error: 'InvalidInput' },
  { what: 'excludeVaultNames as a string', input: { excludeVaultNames: 'legacy' }, error: 'InvalidInput' },
  { what: 'a path-like excluded name', input: { excludeVaultNames: ['../x'] }, error: 'InvalidInput' },
  { what: 'a number among excluded names', input: { excludeVaultNames: [42] }, error: 'InvalidInput' },
  // A typo must not migrate the vault it meant to protect (issue 16 item 10).
  {
    what: 'an excluded name that matches no vault',
    input: { excludeVaultNames: ['legacyy'] },
    error: 'InvalidInput',
  },
  {
    what: '301 excluded names',
    input: { excludeVaultNames: Array.from({ length: 301 }, (_, index) => `vault-${index}`) },
    error: 'InvalidInput',
  },
  { what: 'maxConcurrentVaults 0', input: { maxConcurrentVaults: 0 }, error: 'InvalidInput' },
  { what: 'maxConcurrentVaults 41', input: { maxConcurrentVaults: 41 }, error: 'InvalidInput' },
  { what: "maxConcurrentVaults '5'", input: { maxConcurrentVaults: '5' }, error: 'InvalidInput' },
  { what: 'maxConcurrentCopies 1e9', input: { maxConcurrentCopies: 1e9 }, error: 'InvalidInput' },
  { what: 'maxConcurrentCopies -1', input: { maxConcurrentCopies: -1 }, error: 'InvalidInput' },
  { what: "dryRun 'yes'", input: { dryRun: 'yes' }, error: 'InvalidInput' },
  { what: 'includeAwsManagedKeys 1', input: { includeAwsManagedKeys: 1 }, error: 'InvalidInput' },
  { what: 'the AWS-managed key alias', input: { kmsKeyArn: 'alias/aws/backup' }, error: 'InvalidInput' },
  { what: 'a key reference that is no key', input: { kmsKeyArn: 'not a key' }, error: 'InvalidInput' },
  { what: 'a field differing only in case', input: { DryRun: true }, error: 'InvalidInput' },
  {
    what: 'a __proto__ field',
    input: JSON.parse('{"__proto__":{"deleteSourceVault":true}}'),
    error: 'InvalidInput',
  },
];

describe('MigrateVault refuses hostile input with a named error and changes nothing', () => {
  let current: Awaited<ReturnType<typeof hostileAccount>>;

  beforeAll(async () => {
    current = await hostileAccount();
  });
  afterAll(async () => {
    await current.stop();
  });
  beforeEach(() => {
    current.emulator.resetStats();
  });

  it.each(MIGRATE_VAULT_CASES.map((row, index) => ({ ...row, index })))(
    'fails with $error for $what',
    async ({ input, error, index }) => {
      const result = await current.runner.startExecution(
        'MigrateVault',
        resolve(input, current.keys),
        `hostile-vault-${index}`,
      );
      expect(result.status).toBe('FAILED');
      expect(result.error).toBe(error);
      expectNothingChanged(current.emulator);
    },
  );

  it('treats a vault AWS answers 403 for as not found', async () => {
    current.emulator.setFaults({ missingVaultAs: 'AccessDeniedException' });
    try {
      const result = await current.runner.startExecution(
        'MigrateVault',
        { sourceVaultName: 'nope' },
        'hostile-403',
      );
      expect(result.error).toBe('SourceVaultNotFound');
      expectNothingChanged(current.emulator);
    } finally {
      current.emulator.setFaults({ missingVaultAs: 'ResourceNotFoundException' });
    }
  });

  it('fails with DeletionNotAllowed when the deployment does not allow deletion', async () => {
    const noDeletion = runnerWith(current, { ALLOW_SOURCE_DELETION: 'false' });
    const result = await noDeletion.startExecution(
      'MigrateVault',
      { sourceVaultName: 'legacy', deleteSourceVault: true },
      'hostile-no-deletion',
    );
    expect(result.error).toBe('DeletionNotAllowed');
    expectNothingChanged(current.emulator);
  });

  it('fails with InvalidInput when neither the input nor the deployment names a key', async () => {
    const noKey = runnerWith(current, { MIGRATION_KMS_KEY_ARN: '' });
    const result = await noKey.startExecution(
      'MigrateVault',
      { sourceVaultName: 'legacy' },
      'hostile-no-key',
    );
    expect(result.error).toBe('InvalidInput');
    expectNothingChanged(current.emulator);
  });

  it('leaves the account exactly as it was after every hostile input', () => {
    const vaults = [...current.emulator.backup.vaults.keys()].sort();
    expect(vaults).toEqual(['air-gapped', 'dr', 'legacy', 'restore-access', 'taken', 'taken-encrypted']);
    expect(current.emulator.backup.copyJobs.size).toBe(0);
    expect(current.emulator.backup.vaults.get('legacy')?.recoveryPoints.size).toBe(6);
    const plan = [...current.emulator.backup.plans.values()][0];
    expect(plan?.versions).toHaveLength(1);
  });
});

describe('MigrateAllVaults refuses hostile input with a named error and changes nothing', () => {
  let current: Awaited<ReturnType<typeof hostileAccount>>;

  beforeAll(async () => {
    current = await hostileAccount();
  });
  afterAll(async () => {
    await current.stop();
  });
  beforeEach(() => {
    current.emulator.resetStats();
  });

  it.each(MIGRATE_ALL_VAULTS_CASES.map((row, index) => ({ ...row, index })))(
    'fails with $error for $what',
    async ({ input, error, index }) => {
      const result = await current.runner.startExecution(
        'MigrateAllVaults',
        resolve(input, current.keys),
        `hostile-batch-${index}`,
      );
      expect(result.status).toBe('FAILED');
      expect(result.error).toBe(error);
      expectNothingChanged(current.emulator);
    },
  );
});

/**
 * Inputs that were once gaps in DESIGN invariant 6 (null as the whole input, a batch whose key or
 * deletion permission every vault would be refused for): each now ends in its named error with
 * nothing changed.
 */
describe('input validation: the gaps closed by issue 16 and before', () => {
  let current: Awaited<ReturnType<typeof hostileAccount>>;

  beforeAll(async () => {
    current = await hostileAccount();
  });
  afterAll(async () => {
    await current.stop();
  });
  beforeEach(() => {
    current.emulator.resetStats();
  });

  // Closed: the child re-runs Prepare on the carried input and compares ("Check the carried state").
  it('MigrateVault refuses a forged continuation, and changes nothing', async () => {
    const source = current.emulator.backup.getVault('legacy');
    const forged = {
      continuation: {
        input: { sourceVaultName: 'legacy' },
        migration: {
          executionId: 'forged',
          sourceVaultName: 'legacy',
          sourceVaultArn: source.arn,
          // An existing vault with the AWS-managed key: Prepare would refuse it (TargetVaultConflict).
          targetVaultName: 'dr',
          targetVaultArn: source.arn.replace(/legacy$/, 'dr'),
          kmsKeyArn: current.keyArn,
          deleteSourceVault: false,
          dryRun: false,
          maxConcurrentCopies: 5,
          startedAt: current.emulator.clock.now().toISOString(),
          status: 'READY',
        },
        targetVault: null,
        planRepoint: null,
        sweep: 0,
        copy: { sweep: -1 },
        executionId: 'forged',
      },
    };
    const result = await current.runner.startExecution('MigrateVault', forged, 'hostile-forged-continuation');
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('InvalidInput');
    expect(NAMED_ERRORS).toContain(result.error);
    expectNothingChanged(current.emulator);
  });

  it('MigrateVault refuses a null input with InvalidInput, and changes nothing', async () => {
    const result = await current.runner.startExecution('MigrateVault', null, 'hostile-null');
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('InvalidInput');
    expectNothingChanged(current.emulator);
  });

  // Closed: MigrateAllVaults keeps any input at $.input first, so find-vaults names the problem.
  it.each([
    ['a JSON string', 'x'],
    ['a JSON array', []],
    ['a JSON number', 7],
  ])('MigrateAllVaults refuses %s with InvalidInput', async (_what, input) => {
    const result = await current.runner.startExecution('MigrateAllVaults', input, `hostile-batch-${_what}`);
    expect(result.error).toBe('InvalidInput');
    expectNothingChanged(current.emulator);
  });

  it('MigrateAllVaults refuses null with InvalidInput, and changes nothing', async () => {
    const result = await current.runner.startExecution('MigrateAllVaults', null, 'hostile-batch-null');
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('InvalidInput');
    expectNothingChanged(current.emulator);
  });

  it.each([
    ['a key in another Region', { kmsKeyArn: OTHER_REGION_KEY }, 'InvalidKmsKey'],
    ['a disabled key', { kmsKeyArn: 'alias/disabled' }, 'InvalidKmsKey'],
    ['deletion the deployment does not allow', { deleteSourceVault: true }, 'DeletionNotAllowed'],
  ])('MigrateAllVaults fails as a whole for %s', async (_what, input, error) => {
    const batch =
      error === 'DeletionNotAllowed'
        ? runnerWith(current, { ALLOW_SOURCE_DELETION: 'false' })
        : current.runner;
    const result = await batch.startExecution(
      'MigrateAllVaults',
      input,
      `hostile-batch-${error}-${_what.length}`,
    );
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(error);
    expectNothingChanged(current.emulator);
  });
});
