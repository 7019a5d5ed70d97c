import {
  CreateBackupVaultCommand,
  DeleteBackupVaultAccessPolicyCommand,
  DeleteBackupVaultCommand,
  DeleteBackupVaultLockConfigurationCommand,
  DeleteBackupVaultNotificationsCommand,
  DeleteRecoveryPointCommand,
  DescribeBackupVaultCommand,
  GetBackupVaultAccessPolicyCommand,
  GetBackupVaultNotificationsCommand,
  ListBackupVaultsCommand,
  ListTagsCommand,
  PutBackupVaultAccessPolicyCommand,
  PutBackupVaultLockConfigurationCommand,
  PutBackupVaultNotificationsCommand,
  paginateListBackupVaults,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-backup';
import { CreateKeyCommand, DescribeKeyCommand } from '@aws-sdk/client-kms';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS, MINUTE_MS } from '#emulator/clock.ts';
import { type EmulatorFixture, emulatorWithClients, errorOf, rawRequest, stopFixture } from './helpers.ts';

const START = new Date('2026-06-01T00:00:00Z');
const arnOf = (name: string) => `arn:aws:backup:us-east-1:123456789012:backup-vault:${name}`;

let fx: EmulatorFixture;

beforeEach(async () => {
  fx = await emulatorWithClients();
});

afterEach(async () => {
  await stopFixture(fx);
});

describe('CreateBackupVault and DescribeBackupVault', () => {
  it('creates a vault with a customer-managed key and describes it with that key ARN', async () => {
    const key = await fx.kms.send(new CreateKeyCommand({ Description: 'migration key' }));
    const keyArn = key.KeyMetadata?.Arn ?? '';
    expect(keyArn).toMatch(/^arn:aws:kms:us-east-1:123456789012:key\//);

    const created = await fx.backup.send(
      new CreateBackupVaultCommand({ BackupVaultName: 'with-key', EncryptionKeyArn: keyArn }),
    );
    expect(created.BackupVaultName).toBe('with-key');
    expect(created.BackupVaultArn).toBe(arnOf('with-key'));
    expect(created.CreationDate).toEqual(START);
    // CreateBackupVault does not return the key (AWS-FACTS).
    expect((created as { EncryptionKeyArn?: string }).EncryptionKeyArn).toBeUndefined();

    const described = await fx.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'with-key' }));
    expect(described).toMatchObject({
      BackupVaultName: 'with-key',
      BackupVaultArn: arnOf('with-key'),
      EncryptionKeyArn: keyArn,
      VaultType: 'BACKUP_VAULT',
      VaultState: 'AVAILABLE',
      NumberOfRecoveryPoints: 0,
      Locked: false,
    });
    expect(described.CreationDate).toBeInstanceOf(Date);
    expect(described.MinRetentionDays).toBeUndefined();
    expect(described.LockDate).toBeUndefined();
  });

  it('protects a vault created without a key with the AWS-managed alias/aws/backup key', async () => {
    await fx.backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'default-key' }));
    const described = await fx.backup.send(
      new DescribeBackupVaultCommand({ BackupVaultName: 'default-key' }),
    );
    const managed = await fx.kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/backup' }));
    expect(described.EncryptionKeyArn).toBe(managed.KeyMetadata?.Arn);
    expect(managed.KeyMetadata?.KeyManager).toBe('AWS');
  });

  it('returns the original vault when the same CreatorRequestId is sent again', async () => {
    const first = await fx.backup.send(
      new CreateBackupVaultCommand({ BackupVaultName: 'idem', CreatorRequestId: 'request-1' }),
    );
    fx.emulator.advance(5 * MINUTE_MS);
    const again = await fx.backup.send(
      new CreateBackupVaultCommand({ BackupVaultName: 'idem', CreatorRequestId: 'request-1' }),
    );
    expect(again.BackupVaultArn).toBe(first.BackupVaultArn);
    expect(again.CreationDate).toEqual(first.CreationDate);
    const described = await fx.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'idem' }));
    expect(described.CreatorRequestId).toBe('request-1');
    expect(fx.emulator.backup.vaults.size).toBe(1);
  });

  it('refuses a second vault of the same name with AlreadyExistsException', async () => {
    await fx.backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'taken', CreatorRequestId: 'a' }));
    const error = await errorOf(
      fx.backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'taken', CreatorRequestId: 'b' })),
    );
    expect(error.name).toBe('AlreadyExistsException');
    expect(error.$metadata?.httpStatusCode).toBe(400);
  });

  it.each([
    ['a', 'one character'],
    ['x'.repeat(51), '51 characters'],
    ['has space', 'a space'],
    ['dot.name', 'a dot'],
    ['slash/name', 'a slash'],
    ['colon:name', 'a colon'],
    ['vault-ü', 'a non-ASCII letter'],
  ])('rejects the vault name %j (%s) with InvalidParameterValueException', async (name) => {
    const error = await errorOf(fx.backup.send(new CreateBackupVaultCommand({ BackupVaultName: name })));
    expect(error.name).toBe('InvalidParameterValueException');
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect(fx.emulator.backup.vaults.size).toBe(0);
  });

  it('accepts names at both length bounds made of letters, digits, hyphens and underscores', async () => {
    const longest = `A1_-${'z'.repeat(46)}`;
    await fx.backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'ab' }));
    await fx.backup.send(new CreateBackupVaultCommand({ BackupVaultName: longest }));
    const described = await fx.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: longest }));
    expect(described.BackupVaultName).toHaveLength(50);
  });

  it('refuses a key that does not exist or is disabled with InvalidParameterValueException', async () => {
    fx.emulator.seed({ keys: [{ alias: 'alias/off', keyState: 'Disabled' }] });
    const disabledArn = fx.emulator.kms.findKey('alias/off')?.arn ?? '';
    const missing = await errorOf(
      fx.backup.send(
        new CreateBackupVaultCommand({
          BackupVaultName: 'v1',
          EncryptionKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/00000000-0000-4000-a000-000000000000',
        }),
      ),
    );
    const disabled = await errorOf(
      fx.backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'v2', EncryptionKeyArn: disabledArn })),
    );
    expect(missing.name).toBe('InvalidParameterValueException');
    expect(disabled.name).toBe('InvalidParameterValueException');
    expect(disabled.message).toContain('Disabled');
    expect(fx.emulator.backup.vaults.size).toBe(0);
  });

  it('answers DescribeBackupVault of a missing vault with ResourceNotFoundException', async () => {
    const error = await errorOf(fx.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'ghost' })));
    expect(error.name).toBe('ResourceNotFoundException');
    expect(error.$metadata?.httpStatusCode).toBe(400);
  });
});

describe('ListBackupVaults', () => {
  const names = Array.from({ length: 23 }, (_, index) => `vault-${String(index).padStart(2, '0')}`);

  beforeEach(() => {
    fx.emulator.seed({ vaults: names.map((name) => ({ name, encryptionKey: 'aws-managed' })) });
  });

  it('pages through every vault with the small default page size', async () => {
    const pageSizes: number[] = [];
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await fx.backup.send(new ListBackupVaultsCommand({ NextToken: token }));
      pageSizes.push(page.BackupVaultList?.length ?? 0);
      for (const vault of page.BackupVaultList ?? []) seen.push(vault.BackupVaultName ?? '');
      token = page.NextToken;
    } while (token);
    expect(pageSizes).toEqual([10, 10, 3]);
    expect(seen).toEqual(names);
  });

  it('honours MaxResults and the SDK paginator gathers the same vaults', async () => {
    const pageSizes: number[] = [];
    const seen: string[] = [];
    for await (const page of paginateListBackupVaults({ client: fx.backup }, { MaxResults: 7 })) {
      pageSizes.push(page.BackupVaultList?.length ?? 0);
      for (const vault of page.BackupVaultList ?? []) seen.push(vault.BackupVaultName ?? '');
    }
    expect(pageSizes).toEqual([7, 7, 7, 2]);
    expect(new Set(seen).size).toBe(23);
    expect(seen).toEqual(names);
  });

  it('describes each listed vault with its key and recovery point count', async () => {
    const page = await fx.backup.send(new ListBackupVaultsCommand({ MaxResults: 1 }));
    const vault = page.BackupVaultList?.[0];
    expect(vault?.BackupVaultArn).toBe(arnOf('vault-00'));
    expect(vault?.EncryptionKeyArn).toBe(fx.emulator.kms.awsManagedBackupKey().arn);
    expect(vault?.NumberOfRecoveryPoints).toBe(0);
    expect(vault?.CreationDate).toBeInstanceOf(Date);
    expect(page.NextToken).toEqual(expect.any(String));
  });
});

describe('ListBackupVaults while vaults are deleted', () => {
  it('neither skips nor repeats a vault when the vault named by NextToken is deleted between pages', async () => {
    // Insertion order is not name order, so "resume after the name" would skip 'a-vault'.
    const order = ['b-vault', 'a-vault', 'd-vault', 'c-vault'];
    fx.emulator.seed({ vaults: order.map((name) => ({ name, encryptionKey: 'aws-managed' })) });
    const first = await fx.backup.send(new ListBackupVaultsCommand({ MaxResults: 1 }));
    expect(first.BackupVaultList?.map((vault) => vault.BackupVaultName)).toEqual(['b-vault']);
    await fx.backup.send(new DeleteBackupVaultCommand({ BackupVaultName: 'b-vault' }));
    const seen: string[] = [];
    let token = first.NextToken;
    while (token) {
      const page = await fx.backup.send(new ListBackupVaultsCommand({ MaxResults: 1, NextToken: token }));
      for (const vault of page.BackupVaultList ?? []) seen.push(vault.BackupVaultName ?? '');
      token = page.NextToken;
    }
    expect(seen).toEqual(['a-vault', 'd-vault', 'c-vault']);
  });

  it('continues ListTags after the tag named by NextToken was removed', async () => {
    await fx.backup.send(
      new CreateBackupVaultCommand({
        BackupVaultName: 'tags',
        BackupVaultTags: { zeta: '1', alpha: '2', mid: '3' },
      }),
    );
    const first = await fx.backup.send(new ListTagsCommand({ ResourceArn: arnOf('tags'), MaxResults: 1 }));
    expect(first.Tags).toEqual({ zeta: '1' });
    await fx.backup.send(new UntagResourceCommand({ ResourceArn: arnOf('tags'), TagKeyList: ['zeta'] }));
    const rest = await fx.backup.send(
      new ListTagsCommand({ ResourceArn: arnOf('tags'), MaxResults: 10, NextToken: first.NextToken }),
    );
    expect(rest.Tags).toEqual({ alpha: '2', mid: '3' });
  });
});

describe('DeleteBackupVault', () => {
  it('refuses a vault holding recovery points with InvalidRequestException whose Code is ERROR_9101', async () => {
    fx.emulator.seed({
      vaults: [{ name: 'full', encryptionKey: 'aws-managed', recoveryPoints: [{ resourceType: 'EBS' }] }],
    });
    const error = await errorOf(fx.backup.send(new DeleteBackupVaultCommand({ BackupVaultName: 'full' })));
    expect(error.name).toBe('InvalidRequestException');
    expect(error.Code).toBe('ERROR_9101');
    expect(error.$metadata?.httpStatusCode).toBe(400);
    const described = await fx.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'full' }));
    expect(described.NumberOfRecoveryPoints).toBe(1);
  });

  it('sends ERROR_9101 in the body and the exception name in the x-amzn-ErrorType header', async () => {
    fx.emulator.seed({
      vaults: [{ name: 'full', encryptionKey: 'aws-managed', recoveryPoints: [{ resourceType: 'S3' }] }],
    });
    const answer = await rawRequest(fx.emulator.url, 'DELETE', '/backup-vaults/full');
    expect(answer.status).toBe(400);
    expect(answer.errorType).toBe('InvalidRequestException');
    expect(answer.body.Code).toBe('ERROR_9101');
    expect(answer.body.Message).toEqual(expect.stringContaining('1 recovery points'));
  });

  it('deletes an empty vault, after which it is not found', async () => {
    await fx.backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'empty' }));
    const deleted = await fx.backup.send(new DeleteBackupVaultCommand({ BackupVaultName: 'empty' }));
    expect(deleted.$metadata.httpStatusCode).toBe(200);
    const error = await errorOf(fx.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'empty' })));
    expect(error.name).toBe('ResourceNotFoundException');
  });

  it('still fails with ERROR_9101 just after the last recovery point went when emptyVaultDeleteFailures is set', async () => {
    fx.emulator.setFaults({ emptyVaultDeleteFailures: 2 });
    fx.emulator.seed({
      vaults: [
        {
          name: 'draining',
          encryptionKey: 'aws-managed',
          recoveryPoints: [
            { resourceType: 'EBS', arn: 'arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0' },
          ],
        },
      ],
    });
    await fx.backup.send(
      new DeleteRecoveryPointCommand({
        BackupVaultName: 'draining',
        RecoveryPointArn: 'arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0',
      }),
    );
    fx.emulator.advance(2 * MINUTE_MS);
    const described = await fx.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'draining' }));
    expect(described.NumberOfRecoveryPoints).toBe(0);

    const codes: Array<string | undefined> = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await errorOf(
        fx.backup.send(new DeleteBackupVaultCommand({ BackupVaultName: 'draining' })),
      );
      expect(error.name).toBe('InvalidRequestException');
      codes.push(error.Code);
    }
    expect(codes).toEqual(['ERROR_9101', 'ERROR_9101']);
    await fx.backup.send(new DeleteBackupVaultCommand({ BackupVaultName: 'draining' }));
    expect(fx.emulator.backup.vaults.has('draining')).toBe(false);
    expect(fx.emulator.stats().injected.vaultDeleteConsistency).toBe(2);
  });
});

describe('vault access policies', () => {
  const policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Deny', Principal: '*', Action: 'backup:DeleteRecoveryPoint', Resource: '*' }],
  });

  beforeEach(async () => {
    await fx.backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'guarded' }));
  });

  it('has no policy until one is put, then returns it verbatim, and none after deletion', async () => {
    const before = await errorOf(
      fx.backup.send(new GetBackupVaultAccessPolicyCommand({ BackupVaultName: 'guarded' })),
    );
    expect(before.name).toBe('ResourceNotFoundException');

    await fx.backup.send(
      new PutBackupVaultAccessPolicyCommand({ BackupVaultName: 'guarded', Policy: policy }),
    );
    const got = await fx.backup.send(new GetBackupVaultAccessPolicyCommand({ BackupVaultName: 'guarded' }));
    expect(got.Policy).toBe(policy);
    expect(got.BackupVaultName).toBe('guarded');
    expect(got.BackupVaultArn).toBe(arnOf('guarded'));

    await fx.backup.send(new DeleteBackupVaultAccessPolicyCommand({ BackupVaultName: 'guarded' }));
    const after = await errorOf(
      fx.backup.send(new GetBackupVaultAccessPolicyCommand({ BackupVaultName: 'guarded' })),
    );
    expect(after.name).toBe('ResourceNotFoundException');
  });

  it('rejects a policy that is not JSON with InvalidParameterValueException and keeps the old one', async () => {
    await fx.backup.send(
      new PutBackupVaultAccessPolicyCommand({ BackupVaultName: 'guarded', Policy: policy }),
    );
    const error = await errorOf(
      fx.backup.send(
        new PutBackupVaultAccessPolicyCommand({ BackupVaultName: 'guarded', Policy: '{not json' }),
      ),
    );
    expect(error.name).toBe('InvalidParameterValueException');
    const got = await fx.backup.send(new GetBackupVaultAccessPolicyCommand({ BackupVaultName: 'guarded' }));
    expect(got.Policy).toBe(policy);
  });

  it('answers the policy of a missing vault with ResourceNotFoundException', async () => {
    const error = await errorOf(
      fx.backup.send(new PutBackupVaultAccessPolicyCommand({ BackupVaultName: 'ghost', Policy: policy })),
    );
    expect(error.name).toBe('ResourceNotFoundException');
  });
});

describe('vault notifications', () => {
  const topic = 'arn:aws:sns:us-east-1:123456789012:backup-events';

  beforeEach(async () => {
    await fx.backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'noisy' }));
  });

  it('stores the topic and events, returns them, and forgets them when deleted', async () => {
    const before = await errorOf(
      fx.backup.send(new GetBackupVaultNotificationsCommand({ BackupVaultName: 'noisy' })),
    );
    expect(before.name).toBe('ResourceNotFoundException');

    await fx.backup.send(
      new PutBackupVaultNotificationsCommand({
        BackupVaultName: 'noisy',
        SNSTopicArn: topic,
        BackupVaultEvents: ['COPY_JOB_FAILED', 'RECOVERY_POINT_MODIFIED'],
      }),
    );
    const got = await fx.backup.send(new GetBackupVaultNotificationsCommand({ BackupVaultName: 'noisy' }));
    expect(got.SNSTopicArn).toBe(topic);
    expect(got.BackupVaultEvents).toEqual(['COPY_JOB_FAILED', 'RECOVERY_POINT_MODIFIED']);
    expect(got.BackupVaultArn).toBe(arnOf('noisy'));

    await fx.backup.send(new DeleteBackupVaultNotificationsCommand({ BackupVaultName: 'noisy' }));
    const after = await errorOf(
      fx.backup.send(new GetBackupVaultNotificationsCommand({ BackupVaultName: 'noisy' })),
    );
    expect(after.name).toBe('ResourceNotFoundException');
  });

  it('rejects a topic ARN that is not an SNS ARN with InvalidParameterValueException', async () => {
    const error = await errorOf(
      fx.backup.send(
        new PutBackupVaultNotificationsCommand({
          BackupVaultName: 'noisy',
          SNSTopicArn: 'arn:aws:sqs:us-east-1:123456789012:queue',
          BackupVaultEvents: ['COPY_JOB_FAILED'],
        }),
      ),
    );
    expect(error.name).toBe('InvalidParameterValueException');
    expect(fx.emulator.backup.vaults.get('noisy')?.notifications).toBeUndefined();
  });
});

describe('vault lock', () => {
  beforeEach(async () => {
    await fx.backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'locked' }));
  });

  it('reports Locked with the retention bounds and no LockDate in governance mode', async () => {
    await fx.backup.send(
      new PutBackupVaultLockConfigurationCommand({
        BackupVaultName: 'locked',
        MinRetentionDays: 7,
        MaxRetentionDays: 365,
      }),
    );
    const described = await fx.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'locked' }));
    expect(described.Locked).toBe(true);
    expect(described.MinRetentionDays).toBe(7);
    expect(described.MaxRetentionDays).toBe(365);
    expect(described.LockDate).toBeUndefined();

    await fx.backup.send(new DeleteBackupVaultLockConfigurationCommand({ BackupVaultName: 'locked' }));
    const unlocked = await fx.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'locked' }));
    expect(unlocked.Locked).toBe(false);
    expect(unlocked.MinRetentionDays).toBeUndefined();
  });

  it('sets a LockDate ChangeableForDays ahead, after which the lock can be neither changed nor removed', async () => {
    await fx.backup.send(
      new PutBackupVaultLockConfigurationCommand({
        BackupVaultName: 'locked',
        MinRetentionDays: 30,
        ChangeableForDays: 3,
      }),
    );
    const described = await fx.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'locked' }));
    expect(described.LockDate).toBeInstanceOf(Date);
    expect(described.LockDate).toEqual(new Date(START.getTime() + 3 * DAY_MS));

    fx.emulator.advance(3 * DAY_MS + MINUTE_MS);
    const removal = await errorOf(
      fx.backup.send(new DeleteBackupVaultLockConfigurationCommand({ BackupVaultName: 'locked' })),
    );
    const change = await errorOf(
      fx.backup.send(
        new PutBackupVaultLockConfigurationCommand({ BackupVaultName: 'locked', MinRetentionDays: 1 }),
      ),
    );
    expect(removal.name).toBe('InvalidRequestException');
    expect(change.name).toBe('InvalidRequestException');
    const after = await fx.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'locked' }));
    expect(after.MinRetentionDays).toBe(30);
  });

  it('can still be removed before its LockDate', async () => {
    await fx.backup.send(
      new PutBackupVaultLockConfigurationCommand({
        BackupVaultName: 'locked',
        MinRetentionDays: 1,
        ChangeableForDays: 3,
      }),
    );
    fx.emulator.advance(2 * DAY_MS);
    await fx.backup.send(new DeleteBackupVaultLockConfigurationCommand({ BackupVaultName: 'locked' }));
    const described = await fx.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'locked' }));
    expect(described.Locked).toBe(false);
  });

  it.each<[{ MinRetentionDays?: number; MaxRetentionDays?: number; ChangeableForDays?: number }, string]>([
    [{ MinRetentionDays: 30, MaxRetentionDays: 7 }, 'a maximum below the minimum'],
    [{ MinRetentionDays: 0 }, 'a minimum of 0 days'],
    [{ MinRetentionDays: 1, ChangeableForDays: 2 }, 'fewer than 3 changeable days'],
  ])('rejects %j (%s) with InvalidParameterValueException', async (settings) => {
    const error = await errorOf(
      fx.backup.send(new PutBackupVaultLockConfigurationCommand({ BackupVaultName: 'locked', ...settings })),
    );
    expect(error.name).toBe('InvalidParameterValueException');
    const described = await fx.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'locked' }));
    expect(described.Locked).toBe(false);
  });
});

describe('vault tags', () => {
  beforeEach(async () => {
    await fx.backup.send(
      new CreateBackupVaultCommand({ BackupVaultName: 'tagged', BackupVaultTags: { team: 'storage' } }),
    );
  });

  it('lists the creation tags, adds with TagResource and removes with UntagResource by vault ARN', async () => {
    const arn = arnOf('tagged');
    expect((await fx.backup.send(new ListTagsCommand({ ResourceArn: arn }))).Tags).toEqual({
      team: 'storage',
    });

    await fx.backup.send(
      new TagResourceCommand({ ResourceArn: arn, Tags: { env: 'prod', 'cost/centre': '42' } }),
    );
    expect((await fx.backup.send(new ListTagsCommand({ ResourceArn: arn }))).Tags).toEqual({
      team: 'storage',
      env: 'prod',
      'cost/centre': '42',
    });

    await fx.backup.send(new UntagResourceCommand({ ResourceArn: arn, TagKeyList: ['team', 'absent'] }));
    expect((await fx.backup.send(new ListTagsCommand({ ResourceArn: arn }))).Tags).toEqual({
      env: 'prod',
      'cost/centre': '42',
    });
  });

  it('decodes the percent-encoded ARN in the path (its colons and slashes) as one label', async () => {
    const encoded = encodeURIComponent(arnOf('tagged'));
    expect(encoded).toContain('%3A');
    const answer = await rawRequest(fx.emulator.url, 'GET', `/tags/${encoded}/`);
    expect(answer.status).toBe(200);
    expect(answer.body.Tags).toEqual({ team: 'storage' });
  });

  it('answers the tags of a missing vault with ResourceNotFoundException and a non-ARN with InvalidParameterValueException', async () => {
    const missing = await errorOf(fx.backup.send(new ListTagsCommand({ ResourceArn: arnOf('ghost') })));
    const garbage = await errorOf(
      fx.backup.send(new TagResourceCommand({ ResourceArn: 'not-an-arn', Tags: { a: 'b' } })),
    );
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(garbage.name).toBe('InvalidParameterValueException');
  });

  it('refuses more than 50 tags on a resource with LimitExceededException', async () => {
    const tags = Object.fromEntries(Array.from({ length: 50 }, (_, index) => [`k${index}`, 'v']));
    const error = await errorOf(
      fx.backup.send(new TagResourceCommand({ ResourceArn: arnOf('tagged'), Tags: tags })),
    );
    expect(error.name).toBe('LimitExceededException');
    const listed = await fx.backup.send(new ListTagsCommand({ ResourceArn: arnOf('tagged') }));
    expect(Object.keys(listed.Tags ?? {})).toEqual(['team']);
  });
});
