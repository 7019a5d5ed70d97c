import { describe, expect, it } from 'vitest';
import { InvalidInput } from '#shared/errors.ts';
import {
  defaultTargetVaultName,
  isKmsKeyReference,
  parseMigrateAllVaultsInput,
  parseMigrateVaultInput,
} from '#shared/input.ts';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function rejectionOf(parse: (raw: unknown) => unknown, raw: unknown): InvalidInput {
  try {
    parse(raw);
  } catch (error) {
    if (error instanceof InvalidInput) {
      return error;
    }
    throw error;
  }
  throw new Error(`expected InvalidInput for ${JSON.stringify(raw)}`);
}

describe('parseMigrateVaultInput: valid inputs', () => {
  it('applies every default to an input with only the source vault name', () => {
    expect(parseMigrateVaultInput({ sourceVaultName: 'legacy' })).toEqual({
      sourceVaultName: 'legacy',
      targetVaultName: 'legacy-encrypted',
      deleteSourceVault: false,
      dryRun: false,
      maxConcurrentCopies: 20,
      retireInsteadOfDelete: false,
      retireAfterDays: undefined,
    });
  });

  it('keeps every field given', () => {
    expect(
      parseMigrateVaultInput({
        sourceVaultName: 'legacy_vault-01',
        targetVaultName: 'legacy-cmk',
        kmsKeyArn: KEY_ARN,
        deleteSourceVault: true,
        dryRun: true,
        maxConcurrentCopies: 100,
        retireInsteadOfDelete: true,
        retireAfterDays: 36_500,
      }),
    ).toEqual({
      sourceVaultName: 'legacy_vault-01',
      targetVaultName: 'legacy-cmk',
      kmsKeyArn: KEY_ARN,
      deleteSourceVault: true,
      dryRun: true,
      maxConcurrentCopies: 100,
      retireInsteadOfDelete: true,
      retireAfterDays: 36_500,
    });
  });

  it('retires after 30 days by default when retiring instead of deleting', () => {
    const input = parseMigrateVaultInput({
      sourceVaultName: 'legacy',
      deleteSourceVault: true,
      retireInsteadOfDelete: true,
    });
    expect(input.retireAfterDays).toBe(30);
  });

  it('accepts a source name of 40 characters, whose default target is exactly 50', () => {
    const sourceVaultName = 'a'.repeat(40);
    expect(parseMigrateVaultInput({ sourceVaultName }).targetVaultName).toHaveLength(50);
  });

  it('accepts a long source name when a target name is given', () => {
    const input = parseMigrateVaultInput({
      sourceVaultName: 'b'.repeat(50),
      targetVaultName: 'short-target',
    });
    expect(input.targetVaultName).toBe('short-target');
  });

  it('accepts the smallest concurrency', () => {
    expect(
      parseMigrateVaultInput({ sourceVaultName: 'ab', maxConcurrentCopies: 1 }).maxConcurrentCopies,
    ).toBe(1);
  });

  it.each([
    ['a key ARN', KEY_ARN],
    ['a multi-Region key ARN', 'arn:aws:kms:eu-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab'],
    [
      'a GovCloud key ARN',
      'arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    ],
    ['a China key ARN', 'arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
    ['an alias ARN', 'arn:aws:kms:eu-west-1:111122223333:alias/backup-migration'],
    ['an alias name', 'alias/backup-migration'],
    ['a nested alias name', 'alias/team/backup_vaults'],
    ['a key id', '1234abcd-12ab-34cd-56ef-1234567890ab'],
    ['a multi-Region key id', 'mrk-1234abcd12ab34cd56ef1234567890ab'],
  ])('accepts %s as kmsKeyArn', (_form, kmsKeyArn) => {
    expect(parseMigrateVaultInput({ sourceVaultName: 'legacy', kmsKeyArn }).kmsKeyArn).toBe(kmsKeyArn);
  });
});

describe('parseMigrateVaultInput: invalid inputs are rejected with InvalidInput', () => {
  it.each<[string, unknown, string]>([
    ['no input at all', undefined, '(input): must be a JSON object'],
    ['null', null, '(input): must be a JSON object'],
    ['a string', 'legacy', '(input): must be a JSON object'],
    ['an array', [{ sourceVaultName: 'legacy' }], '(input): must be a JSON object'],
    ['an empty object', {}, 'sourceVaultName: is required'],
    ['a numeric source name', { sourceVaultName: 42 }, 'sourceVaultName: must be a string'],
    ['a one-character source name', { sourceVaultName: 'a' }, 'sourceVaultName: must be 2 to 50 characters'],
    ['a 51-character source name', { sourceVaultName: 'a'.repeat(51) }, 'sourceVaultName: must be 2 to 50'],
    ['a source name with a space', { sourceVaultName: 'my vault' }, 'sourceVaultName: must be 2 to 50'],
    ['a source name with a dot', { sourceVaultName: 'my.vault' }, 'sourceVaultName: must be 2 to 50'],
    [
      'a source name given as an ARN',
      { sourceVaultName: 'arn:aws:backup:eu-west-1:1:backup-vault:x' },
      'sourceVaultName',
    ],
    [
      'an empty target name',
      { sourceVaultName: 'legacy', targetVaultName: '' },
      'targetVaultName: must be 2 to 50',
    ],
    ['a target name with a slash', { sourceVaultName: 'legacy', targetVaultName: 'a/b' }, 'targetVaultName'],
    ['a target equal to the source', { sourceVaultName: 'legacy', targetVaultName: 'legacy' }, 'must differ'],
    ['a default target name of 51 characters', { sourceVaultName: 'c'.repeat(41) }, 'pass targetVaultName'],
    [
      'a random string as key',
      { sourceVaultName: 'legacy', kmsKeyArn: 'my-key' },
      'kmsKeyArn: must be a KMS key',
    ],
    ['an empty key', { sourceVaultName: 'legacy', kmsKeyArn: '' }, 'kmsKeyArn'],
    [
      'a key ARN of another service',
      { sourceVaultName: 'legacy', kmsKeyArn: 'arn:aws:s3:::bucket/key' },
      'kmsKeyArn',
    ],
    [
      'a key ARN with a short account',
      {
        sourceVaultName: 'legacy',
        kmsKeyArn: 'arn:aws:kms:eu-west-1:1234:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      },
      'kmsKeyArn',
    ],
    [
      'a key ARN with a malformed key id',
      { sourceVaultName: 'legacy', kmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/not-a-uuid' },
      'kmsKeyArn',
    ],
    [
      'an AWS-managed key alias',
      { sourceVaultName: 'legacy', kmsKeyArn: 'alias/aws/backup' },
      'AWS-managed key',
    ],
    [
      'an AWS-managed key alias ARN',
      { sourceVaultName: 'legacy', kmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:alias/aws/backup' },
      'AWS-managed key',
    ],
    [
      'a key given as a number',
      { sourceVaultName: 'legacy', kmsKeyArn: 1234 },
      'kmsKeyArn: must be a string',
    ],
    [
      'deleteSourceVault as a string',
      { sourceVaultName: 'legacy', deleteSourceVault: 'true' },
      'deleteSourceVault: must be true or false',
    ],
    ['dryRun as a number', { sourceVaultName: 'legacy', dryRun: 1 }, 'dryRun: must be true or false'],
    [
      'zero concurrent copies',
      { sourceVaultName: 'legacy', maxConcurrentCopies: 0 },
      'maxConcurrentCopies: must be at least 1',
    ],
    [
      '101 concurrent copies',
      { sourceVaultName: 'legacy', maxConcurrentCopies: 101 },
      'maxConcurrentCopies: must be at most 100',
    ],
    [
      'fractional concurrency',
      { sourceVaultName: 'legacy', maxConcurrentCopies: 2.5 },
      'maxConcurrentCopies: must be a whole number',
    ],
    [
      'concurrency as a string',
      { sourceVaultName: 'legacy', maxConcurrentCopies: '20' },
      'maxConcurrentCopies: must be a number',
    ],
    [
      'an unknown field',
      { sourceVaultName: 'legacy', sourceVault: 'legacy' },
      'sourceVault: is not a known field',
    ],
    ['a misspelt option', { sourceVaultName: 'legacy', dryrun: true }, 'dryrun: is not a known field'],
    [
      'retiring without deleting the source',
      { sourceVaultName: 'legacy', retireInsteadOfDelete: true },
      'retireInsteadOfDelete: only applies when deleteSourceVault is true',
    ],
    [
      'retireAfterDays without retiring',
      { sourceVaultName: 'legacy', deleteSourceVault: true, retireAfterDays: 7 },
      'retireAfterDays: only applies when retireInsteadOfDelete is true',
    ],
    [
      'zero retirement days',
      { sourceVaultName: 'legacy', deleteSourceVault: true, retireInsteadOfDelete: true, retireAfterDays: 0 },
      'retireAfterDays: must be at least 1',
    ],
    [
      'retirement past 100 years',
      {
        sourceVaultName: 'legacy',
        deleteSourceVault: true,
        retireInsteadOfDelete: true,
        retireAfterDays: 36_501,
      },
      'retireAfterDays: must be at most 36500',
    ],
  ])('rejects %s', (_case, raw, expectedProblem) => {
    const error = rejectionOf(parseMigrateVaultInput, raw);
    expect(error.name).toBe('InvalidInput');
    expect(error.message).toMatch(/^Invalid MigrateVault input: /);
    expect(error.message).toContain(expectedProblem);
  });

  it('lists every problem of an input in one line', () => {
    const error = rejectionOf(parseMigrateVaultInput, {
      sourceVaultName: 'x',
      kmsKeyArn: 'nope',
      maxConcurrentCopies: 0,
      colour: 'blue',
    });
    expect(error.message).not.toContain('\n');
    expect(error.message).toContain('sourceVaultName: must be 2 to 50 characters');
    expect(error.message).toContain('kmsKeyArn: must be a KMS key ARN');
    expect(error.message).toContain('maxConcurrentCopies: must be at least 1');
    expect(error.message).toContain('colour: is not a known field');
    expect(error.message.split('; ')).toHaveLength(4);
  });

  it('tells what the too-long default target name would be and how to fix it', () => {
    const error = rejectionOf(parseMigrateVaultInput, { sourceVaultName: 'd'.repeat(45) });
    expect(error.message).toBe(
      `Invalid MigrateVault input: targetVaultName: required: the default target name "${'d'.repeat(45)}-encrypted" ` +
        'would be 55 characters, over the 50 AWS allows; pass targetVaultName',
    );
  });
});

describe('parseMigrateAllVaultsInput', () => {
  it('applies every default to an empty input', () => {
    expect(parseMigrateAllVaultsInput({})).toEqual({
      includeAwsManagedKeys: false,
      excludeVaultNames: [],
      deleteSourceVault: false,
      dryRun: false,
      maxConcurrentCopies: 20,
      maxConcurrentVaults: 5,
    });
  });

  it('keeps every field given', () => {
    expect(
      parseMigrateAllVaultsInput({
        includeAwsManagedKeys: true,
        excludeVaultNames: ['Default', 'aws_efs_automatic'],
        deleteSourceVault: true,
        dryRun: true,
        maxConcurrentCopies: 50,
        maxConcurrentVaults: 40,
        kmsKeyArn: 'alias/backup-migration',
      }),
    ).toEqual({
      includeAwsManagedKeys: true,
      excludeVaultNames: ['Default', 'aws_efs_automatic'],
      deleteSourceVault: true,
      dryRun: true,
      maxConcurrentCopies: 50,
      maxConcurrentVaults: 40,
      kmsKeyArn: 'alias/backup-migration',
    });
  });

  it('drops repeated excluded names', () => {
    expect(parseMigrateAllVaultsInput({ excludeVaultNames: ['a1', 'a1', 'b2'] }).excludeVaultNames).toEqual([
      'a1',
      'b2',
    ]);
  });

  it('accepts 300 excluded names', () => {
    const names = Array.from({ length: 300 }, (_, index) => `vault-${index}`);
    expect(parseMigrateAllVaultsInput({ excludeVaultNames: names }).excludeVaultNames).toHaveLength(300);
  });

  it.each<[string, unknown, string]>([
    ['null', null, '(input): must be a JSON object'],
    ['excludeVaultNames as a string', { excludeVaultNames: 'legacy' }, 'excludeVaultNames: must be a list'],
    [
      'an invalid excluded name',
      { excludeVaultNames: ['ok-name', 'not ok'] },
      'excludeVaultNames.1: must be 2 to 50',
    ],
    [
      '301 excluded names',
      { excludeVaultNames: Array.from({ length: 301 }, (_, index) => `vault-${index}`) },
      'excludeVaultNames: must name at most 300 vaults',
    ],
    [
      'includeAwsManagedKeys as a string',
      { includeAwsManagedKeys: 'yes' },
      'includeAwsManagedKeys: must be true or false',
    ],
    ['zero concurrent vaults', { maxConcurrentVaults: 0 }, 'maxConcurrentVaults: must be at least 1'],
    ['41 concurrent vaults', { maxConcurrentVaults: 41 }, 'maxConcurrentVaults: must be at most 40'],
    ['101 concurrent copies', { maxConcurrentCopies: 101 }, 'maxConcurrentCopies: must be at most 100'],
    ['an invalid key', { kmsKeyArn: 'key-1' }, 'kmsKeyArn: must be a KMS key'],
    ['a MigrateVault field', { sourceVaultName: 'legacy' }, 'sourceVaultName: is not a known field'],
  ])('rejects %s', (_case, raw, expectedProblem) => {
    const error = rejectionOf(parseMigrateAllVaultsInput, raw);
    expect(error.message).toMatch(/^Invalid MigrateAllVaults input: /);
    expect(error.message).toContain(expectedProblem);
  });
});

describe('helpers', () => {
  it('names the default target <source>-encrypted', () => {
    expect(defaultTargetVaultName('legacy')).toBe('legacy-encrypted');
  });

  it('recognises the KMS key forms DescribeKey accepts and nothing else', () => {
    expect(isKmsKeyReference(KEY_ARN)).toBe(true);
    expect(isKmsKeyReference('alias/x')).toBe(true);
    expect(isKmsKeyReference('alias/')).toBe(false);
    expect(isKmsKeyReference(`${KEY_ARN} `)).toBe(false);
    expect(isKmsKeyReference('1234ABCD-12AB-34CD-56EF-1234567890AB')).toBe(false);
  });
});
