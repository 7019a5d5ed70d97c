import {
  type AliasListEntry,
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  ListAliasesCommand,
  paginateListAliases,
} from '@aws-sdk/client-kms';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EmulatorFixture, emulatorWithClients, errorOf, rawRequest, stopFixture } from './helpers.ts';

let fx: EmulatorFixture;

beforeEach(async () => {
  fx = await emulatorWithClients();
  fx.emulator.seed({
    keys: [
      { alias: 'alias/migration', description: 'target key' },
      { alias: 'alias/off', keyState: 'Disabled' },
      { alias: 'alias/doomed', keyState: 'PendingDeletion' },
      { alias: 'alias/elsewhere', region: 'eu-west-1' },
    ],
  });
});

afterEach(async () => {
  await stopFixture(fx);
});

const keyOf = (alias: string) => {
  const key = [...fx.emulator.kms.keys.values()].find(
    (candidate) => candidate.keyId === fx.emulator.kms.aliases.get(alias)?.targetKeyId,
  );
  if (!key) throw new Error(`no key behind ${alias}`);
  return key;
};

describe('DescribeKey', () => {
  it.each([
    ['the key id', () => keyOf('alias/migration').keyId],
    ['the key ARN', () => keyOf('alias/migration').arn],
    ['the alias name', () => 'alias/migration'],
    ['the alias ARN', () => 'arn:aws:kms:us-east-1:123456789012:alias/migration'],
  ])('resolves a customer-managed key by %s', async (_, reference) => {
    const key = keyOf('alias/migration');
    const { KeyMetadata: metadata } = await fx.kms.send(new DescribeKeyCommand({ KeyId: reference() }));
    expect(metadata).toMatchObject({
      KeyId: key.keyId,
      Arn: key.arn,
      AWSAccountId: '123456789012',
      KeyManager: 'CUSTOMER',
      KeyState: 'Enabled',
      Enabled: true,
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
      Description: 'target key',
    });
    expect(metadata?.CreationDate).toBeInstanceOf(Date);
  });

  it('reports alias/aws/backup as an AWS-managed key, by alias name and by alias ARN', async () => {
    const byName = await fx.kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/backup' }));
    const byArn = await fx.kms.send(
      new DescribeKeyCommand({ KeyId: 'arn:aws:kms:us-east-1:123456789012:alias/aws/backup' }),
    );
    expect(byName.KeyMetadata?.KeyManager).toBe('AWS');
    expect(byArn.KeyMetadata?.KeyId).toBe(byName.KeyMetadata?.KeyId);
    expect(byName.KeyMetadata?.Arn).toMatch(/^arn:aws:kms:us-east-1:123456789012:key\//);
  });

  it('reports a disabled key as Disabled and not Enabled', async () => {
    const { KeyMetadata: metadata } = await fx.kms.send(new DescribeKeyCommand({ KeyId: 'alias/off' }));
    expect(metadata?.KeyState).toBe('Disabled');
    expect(metadata?.Enabled).toBe(false);
  });

  it('reports a key pending deletion with its DeletionDate', async () => {
    const { KeyMetadata: metadata } = await fx.kms.send(new DescribeKeyCommand({ KeyId: 'alias/doomed' }));
    expect(metadata?.KeyState).toBe('PendingDeletion');
    expect(metadata?.DeletionDate).toEqual(new Date('2026-07-01T00:00:00Z'));
  });

  it('does not find a key of another Region by its ARN through this Region', async () => {
    const foreign = keyOf('alias/elsewhere');
    expect(foreign.arn).toMatch(/^arn:aws:kms:eu-west-1:/);
    const byArn = await errorOf(fx.kms.send(new DescribeKeyCommand({ KeyId: foreign.arn })));
    const byId = await errorOf(fx.kms.send(new DescribeKeyCommand({ KeyId: foreign.keyId })));
    const renamed = await errorOf(
      fx.kms.send(new DescribeKeyCommand({ KeyId: foreign.arn.replace('eu-west-1', 'us-east-1') })),
    );
    expect(byArn.name).toBe('NotFoundException');
    expect(byId.name).toBe('NotFoundException');
    // The same key id under this Region's ARN names no key either: the key lives in eu-west-1.
    expect(renamed.name).toBe('NotFoundException');
  });

  it('does not find an alias ARN of another Region or account', async () => {
    const region = await errorOf(
      fx.kms.send(new DescribeKeyCommand({ KeyId: 'arn:aws:kms:eu-west-1:123456789012:alias/migration' })),
    );
    const account = await errorOf(
      fx.kms.send(new DescribeKeyCommand({ KeyId: 'arn:aws:kms:us-east-1:210987654321:alias/migration' })),
    );
    expect(region.name).toBe('NotFoundException');
    expect(account.name).toBe('NotFoundException');
  });

  it.each([
    '11111111-2222-4333-a444-555555555555',
    'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-4333-a444-555555555555',
    'alias/never-made',
  ])('answers the unknown key %s with NotFoundException', async (reference) => {
    const error = await errorOf(fx.kms.send(new DescribeKeyCommand({ KeyId: reference })));
    expect(error.name).toBe('NotFoundException');
    expect(error.$metadata?.httpStatusCode).toBe(400);
  });

  it('sends KMS errors as awsJson1_1: __type in the body and the x-amzn-ErrorType header', async () => {
    const answer = await rawRequest(fx.emulator.url, 'POST', '/', JSON.stringify({ KeyId: 'alias/nope' }), {
      'x-amz-target': 'TrentService.DescribeKey',
      'content-type': 'application/x-amz-json-1.1',
    });
    expect(answer.status).toBe(400);
    expect(answer.errorType).toBe('NotFoundException');
    expect(answer.contentType).toBe('application/x-amz-json-1.1');
    expect(answer.body.__type).toBe('NotFoundException');
    expect(answer.body.message).toEqual(expect.stringContaining('alias/nope'));
  });
});

describe('CreateKey and CreateAlias', () => {
  it('creates an enabled customer-managed symmetric key that an alias can then name', async () => {
    const created = await fx.kms.send(new CreateKeyCommand({ Description: 'made by a test' }));
    expect(created.KeyMetadata).toMatchObject({
      KeyManager: 'CUSTOMER',
      KeyState: 'Enabled',
      KeySpec: 'SYMMETRIC_DEFAULT',
      Description: 'made by a test',
    });
    await fx.kms.send(
      new CreateAliasCommand({ AliasName: 'alias/made', TargetKeyId: created.KeyMetadata?.KeyId }),
    );
    const described = await fx.kms.send(new DescribeKeyCommand({ KeyId: 'alias/made' }));
    expect(described.KeyMetadata?.Arn).toBe(created.KeyMetadata?.Arn);
  });

  it('refuses an alias that exists with AlreadyExistsException and a reserved or malformed one with ValidationException', async () => {
    const key = keyOf('alias/migration');
    const taken = await errorOf(
      fx.kms.send(new CreateAliasCommand({ AliasName: 'alias/off', TargetKeyId: key.keyId })),
    );
    const reserved = await errorOf(
      fx.kms.send(new CreateAliasCommand({ AliasName: 'alias/aws/mine', TargetKeyId: key.keyId })),
    );
    const malformed = await errorOf(
      fx.kms.send(new CreateAliasCommand({ AliasName: 'no-prefix', TargetKeyId: key.keyId })),
    );
    expect(taken.name).toBe('AlreadyExistsException');
    expect(reserved.name).toBe('ValidationException');
    expect(malformed.name).toBe('ValidationException');
    expect(fx.emulator.kms.aliases.get('alias/off')?.targetKeyId).not.toBe(key.keyId);
  });

  it('refuses an alias to a missing key with NotFoundException', async () => {
    const error = await errorOf(
      fx.kms.send(new CreateAliasCommand({ AliasName: 'alias/dangling', TargetKeyId: 'alias/never-made' })),
    );
    expect(error.name).toBe('NotFoundException');
    expect(fx.emulator.kms.aliases.has('alias/dangling')).toBe(false);
  });
});

describe('ListAliases', () => {
  it('pages with Limit and Marker until Truncated is false', async () => {
    for (let index = 0; index < 5; index++) {
      const key = await fx.kms.send(new CreateKeyCommand({}));
      await fx.kms.send(
        new CreateAliasCommand({ AliasName: `alias/extra-${index}`, TargetKeyId: key.KeyMetadata?.KeyId }),
      );
    }
    const first = await fx.kms.send(new ListAliasesCommand({ Limit: 4 }));
    expect(first.Aliases).toHaveLength(4);
    expect(first.Truncated).toBe(true);
    expect(first.NextMarker).toEqual(expect.any(String));

    const pageSizes: number[] = [];
    const aliases: AliasListEntry[] = [];
    for await (const page of paginateListAliases({ client: fx.kms }, { Limit: 4 })) {
      pageSizes.push(page.Aliases?.length ?? 0);
      aliases.push(...(page.Aliases ?? []));
    }
    expect(pageSizes).toEqual([4, 4, 1]);
    const names = aliases.map((alias) => alias.AliasName);
    expect(new Set(names).size).toBe(9);
    expect(names).toEqual(expect.arrayContaining(['alias/migration', 'alias/extra-0', 'alias/extra-4']));
    const migration = aliases.find((alias) => alias.AliasName === 'alias/migration');
    expect(migration?.AliasArn).toBe('arn:aws:kms:us-east-1:123456789012:alias/migration');
    expect(migration?.TargetKeyId).toBe(keyOf('alias/migration').keyId);
  });

  it('lists only the aliases of one key when KeyId is given', async () => {
    const key = keyOf('alias/migration');
    await fx.kms.send(new CreateAliasCommand({ AliasName: 'alias/second-name', TargetKeyId: key.arn }));
    const listed = await fx.kms.send(new ListAliasesCommand({ KeyId: key.keyId }));
    expect(listed.Aliases?.map((alias) => alias.AliasName).sort()).toEqual([
      'alias/migration',
      'alias/second-name',
    ]);
    expect(listed.Truncated).toBe(false);
  });
});
