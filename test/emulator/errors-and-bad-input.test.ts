import {
  type CopyJobState,
  CreateBackupVaultCommand,
  ListBackupVaultsCommand,
  ListCopyJobsCommand,
  ListRecoveryPointsByBackupVaultCommand,
  StartCopyJobCommand,
  type StartCopyJobCommandInput,
} from '@aws-sdk/client-backup';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  admin,
  type EmulatorFixture,
  emulatorWithClients,
  errorOf,
  type RawAnswer,
  rawRequest,
  stopFixture,
} from './helpers.ts';

const VAULT_ARN = 'arn:aws:backup:us-east-1:123456789012:backup-vault:src';
const RP_ARN = 'arn:aws:ec2:us-east-1::snapshot/snap-0000000000000abcd';
const ROLE = 'arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole';
const enc = encodeURIComponent;

// One emulator for the whole file: bad input must leave it unchanged and answering.
let fx: EmulatorFixture;
let vaultsBefore: number;

beforeAll(async () => {
  fx = await emulatorWithClients();
  fx.emulator.seed({
    vaults: [
      {
        name: 'src',
        encryptionKey: 'aws-managed',
        recoveryPoints: [{ resourceType: 'EBS', arn: RP_ARN }],
      },
      { name: 'dest', encryptionKey: 'aws-managed' },
    ],
  });
  vaultsBefore = fx.emulator.backup.vaults.size;
});

afterAll(async () => {
  await stopFixture(fx);
});

const send = (method: string, path: string, body?: string, headers?: Record<string, string>) =>
  rawRequest(fx.emulator.url, method, path, body, headers);

const kms = (operation: string, body: string) =>
  send('POST', '/', body, {
    'x-amz-target': `TrentService.${operation}`,
    'content-type': 'application/x-amz-json-1.1',
  });

/** An AWS Backup error as the SDK needs it: status, x-amzn-ErrorType header, JSON Code and Message. */
function expectBackupError(answer: RawAnswer, status: number, errorType: string): void {
  expect(answer.status).toBe(status);
  expect(answer.errorType).toBe(errorType);
  expect(answer.contentType).toBe('application/json');
  expect(answer.body.Code).toBe(errorType);
  expect(answer.body.Message).toEqual(expect.any(String));
}

describe('requests refused before any operation runs', () => {
  it('refuses an unsigned request with 403 MissingAuthenticationTokenException', async () => {
    const response = await fetch(`${fx.emulator.url}/backup-vaults/`, { signal: AbortSignal.timeout(5_000) });
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(((await response.json()) as { Code?: string }).Code).toBe('MissingAuthenticationTokenException');
  });

  it('refuses an unsigned KMS request with 403 as well', async () => {
    const response = await fetch(`${fx.emulator.url}/`, {
      method: 'POST',
      headers: { 'x-amz-target': 'TrentService.DescribeKey', 'content-type': 'application/x-amz-json-1.1' },
      body: JSON.stringify({ KeyId: 'alias/aws/backup' }),
      signal: AbortSignal.timeout(5_000),
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });

  it.each([
    ['GET', '/nope'],
    ['GET', '/'],
    ['GET', '/backup-vaults/src/recovery-points/a/b'],
    ['POST', '/backup-vaults/src'],
    ['PATCH', '/copy-jobs'],
    ['GET', '/untag/x'],
  ])('answers %s %s with 404 UnknownOperationException', async (method, path) => {
    expectBackupError(await send(method, path), 404, 'UnknownOperationException');
  });

  it('answers a malformed percent-encoding in the path with InvalidParameterValueException', async () => {
    expectBackupError(await send('GET', '/backup-vaults/%E0%A4%A'), 400, 'InvalidParameterValueException');
  });

  it('answers a body over 1 MiB with 413 RequestEntityTooLargeException instead of a reset', async () => {
    const answer = await send('PUT', '/backup-vaults/huge', JSON.stringify({ pad: 'x'.repeat(1_100_000) }));
    expectBackupError(answer, 413, 'RequestEntityTooLargeException');
    expect(fx.emulator.backup.vaults.has('huge')).toBe(false);
  });

  it('answers an unknown KMS operation with UnknownOperationException and a KMS call off POST / with 404', async () => {
    const unknown = await kms('ReEncrypt', '{}');
    expect(unknown.status).toBe(400);
    expect(unknown.errorType).toBe('UnknownOperationException');
    expect(unknown.body.__type).toBe('UnknownOperationException');
    const wrongPath = await send('POST', '/keys', '{}', { 'x-amz-target': 'TrentService.DescribeKey' });
    expect(wrongPath.status).toBe(404);
    expect(wrongPath.errorType).toBe('UnknownOperationException');
  });
});

describe('malformed JSON bodies', () => {
  it.each([
    ['PUT', '/backup-vaults/new-vault', '{"EncryptionKeyArn":'],
    ['PUT', '/backup-vaults/new-vault', '[1, 2]'],
    ['PUT', '/backup-vaults/new-vault', '"a string"'],
    ['PUT', '/backup-vaults/new-vault', 'null'],
    ['PUT', '/copy-jobs', '{RecoveryPointArn: x}'],
    ['PUT', '/backup-vaults/src/access-policy', 'Policy=x'],
    ['PUT', '/backup-vaults/src/vault-lock', '{"MinRetentionDays": 7,}'],
    ['POST', `/tags/${enc(VAULT_ARN)}`, '{"Tags": {"a": "b"}'],
    ['POST', `/untag/${enc(VAULT_ARN)}`, '\u0000'],
    ['POST', '/backup/plans/some-plan', '{'],
  ])('answers %s %s with body %j by 400 SerializationException', async (method, path, body) => {
    expectBackupError(await send(method, path, body), 400, 'SerializationException');
  });

  it('answers a malformed KMS body with SerializationException in the awsJson1_1 shape', async () => {
    const answer = await kms('DescribeKey', '{"KeyId": ');
    expect(answer.status).toBe(400);
    expect(answer.errorType).toBe('SerializationException');
    expect(answer.contentType).toBe('application/x-amz-json-1.1');
    expect(answer.body.__type).toBe('SerializationException');
  });
});

describe('missing required fields', () => {
  it.each([
    ['PUT', '/copy-jobs', {}],
    ['PUT', '/copy-jobs', { RecoveryPointArn: RP_ARN, SourceBackupVaultName: 'src', IamRoleArn: ROLE }],
    [
      'PUT',
      '/copy-jobs',
      {
        RecoveryPointArn: '',
        SourceBackupVaultName: 'src',
        DestinationBackupVaultArn: VAULT_ARN,
        IamRoleArn: ROLE,
      },
    ],
    ['PUT', '/backup-vaults/src/notification-configuration', { SNSTopicArn: 'arn:aws:sns:us-east-1:1:t' }],
    ['PUT', '/backup-vaults/src/notification-configuration', { BackupVaultEvents: ['COPY_JOB_FAILED'] }],
    ['POST', `/tags/${enc(VAULT_ARN)}`, {}],
    ['POST', `/untag/${enc(VAULT_ARN)}`, {}],
  ])('answers %s %s with %j by MissingParameterValueException', async (method, path, body) => {
    expectBackupError(await send(method, path, JSON.stringify(body)), 400, 'MissingParameterValueException');
  });

  it('answers an SDK StartCopyJob without its destination with MissingParameterValueException', async () => {
    const input = { RecoveryPointArn: RP_ARN, SourceBackupVaultName: 'src', IamRoleArn: ROLE };
    const error = await errorOf(fx.backup.send(new StartCopyJobCommand(input as StartCopyJobCommandInput)));
    expect(error.name).toBe('MissingParameterValueException');
  });

  it('answers a KMS DescribeKey without KeyId with ValidationException', async () => {
    const answer = await kms('DescribeKey', '{}');
    expect(answer.status).toBe(400);
    expect(answer.errorType).toBe('ValidationException');
  });
});

describe('fields of the wrong type', () => {
  const copy = {
    RecoveryPointArn: RP_ARN,
    SourceBackupVaultName: 'src',
    DestinationBackupVaultArn: VAULT_ARN,
    IamRoleArn: ROLE,
  };
  it.each([
    ['PUT', '/backup-vaults/typed', { EncryptionKeyArn: 5 }],
    ['PUT', '/backup-vaults/typed', { CreatorRequestId: true }],
    ['PUT', '/backup-vaults/typed', { BackupVaultTags: 'team=storage' }],
    ['PUT', '/backup-vaults/typed', { BackupVaultTags: { team: 1 } }],
    ['PUT', '/copy-jobs', { ...copy, RecoveryPointArn: 123 }],
    ['PUT', '/copy-jobs', { ...copy, Lifecycle: 'forever' }],
    ['PUT', '/copy-jobs', { ...copy, Lifecycle: { DeleteAfterDays: '30' } }],
    ['PUT', '/copy-jobs', { ...copy, Lifecycle: { OptInToArchiveForSupportedResources: 'yes' } }],
    ['PUT', '/backup-vaults/src/vault-lock', { MinRetentionDays: '7' }],
    ['PUT', '/backup-vaults/src/access-policy', { Policy: { Version: '2012-10-17' } }],
    [
      'PUT',
      '/backup-vaults/src/notification-configuration',
      { SNSTopicArn: 'arn:aws:sns:us-east-1:123456789012:t', BackupVaultEvents: 'COPY_JOB_FAILED' },
    ],
    [
      'PUT',
      '/backup-vaults/src/notification-configuration',
      { SNSTopicArn: 'arn:aws:sns:us-east-1:123456789012:t', BackupVaultEvents: [1] },
    ],
    ['POST', `/untag/${enc(VAULT_ARN)}`, { TagKeyList: [1, 2] }],
    ['POST', `/tags/${enc(VAULT_ARN)}`, { Tags: ['a', 'b'] }],
    ['PUT', '/backup/plans', { BackupPlan: 'daily' }],
  ])('answers %s %s with %j by SerializationException', async (method, path, body) => {
    expectBackupError(await send(method, path, JSON.stringify(body)), 400, 'SerializationException');
  });
});

describe('invalid values', () => {
  it.each(['%20bad', 'a', 'dot.name', `${'x'.repeat(51)}`])(
    'answers PUT /backup-vaults/%s by InvalidParameterValueException',
    async (name) => {
      expectBackupError(
        await send('PUT', `/backup-vaults/${name}`, '{}'),
        400,
        'InvalidParameterValueException',
      );
    },
  );

  it.each([
    '/backup-vaults/?maxResults=0',
    '/backup-vaults/?maxResults=1001',
    '/backup-vaults/?maxResults=ten',
    '/backup-vaults/?maxResults=2.5',
    '/backup-vaults/src/recovery-points/?maxResults=-1',
    '/copy-jobs/?maxResults=0',
    '/backup/plans/?maxResults=100000',
    `/tags/${enc(VAULT_ARN)}/?maxResults=0`,
  ])('answers GET %s by InvalidParameterValueException', async (path) => {
    expectBackupError(await send('GET', path), 400, 'InvalidParameterValueException');
  });

  it.each([
    '/backup-vaults/?nextToken=garbage',
    `/backup-vaults/?nextToken=${Buffer.from('{"x":1}').toString('base64url')}`,
    '/backup-vaults/src/recovery-points/?nextToken=%7B%7D',
    `/backup-vaults/src/recovery-points/?nextToken=${Buffer.from('{"after":"abc"}').toString('base64url')}`,
    '/copy-jobs/?nextToken=!!!',
    '/backup/plans/?nextToken=bm90IGpzb24',
  ])('answers GET %s by InvalidParameterValueException', async (path) => {
    expectBackupError(await send('GET', path), 400, 'InvalidParameterValueException');
  });

  it.each([
    '/backup-vaults/src/recovery-points/?createdBefore=yesterday',
    '/copy-jobs/?createdAfter=not-a-date',
    '/copy-jobs/?state=DONE',
  ])('answers GET %s by InvalidParameterValueException', async (path) => {
    expectBackupError(await send('GET', path), 400, 'InvalidParameterValueException');
  });

  it('raises InvalidParameterValueException in the SDK for MaxResults 0, a foreign NextToken and an unknown state', async () => {
    const maxResults = await errorOf(fx.backup.send(new ListBackupVaultsCommand({ MaxResults: 0 })));
    const token = await errorOf(
      fx.backup.send(
        new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'src', NextToken: 'garbage' }),
      ),
    );
    const state = await errorOf(fx.backup.send(new ListCopyJobsCommand({ ByState: 'DONE' as CopyJobState })));
    expect([maxResults.name, token.name, state.name]).toEqual([
      'InvalidParameterValueException',
      'InvalidParameterValueException',
      'InvalidParameterValueException',
    ]);
    expect(maxResults.$metadata?.httpStatusCode).toBe(400);
  });

  it('raises InvalidParameterValueException in the SDK for an invalid vault name', async () => {
    const error = await errorOf(
      fx.backup.send(new CreateBackupVaultCommand({ BackupVaultName: 'no spaces' })),
    );
    expect(error.name).toBe('InvalidParameterValueException');
  });
});

describe('the control API refuses bad input too', () => {
  it('answers a negative or non-numeric clock advance with 400 InvalidParameterValueException', async () => {
    const before = fx.emulator.clock.nowMs();
    for (const ms of [-1, 'soon']) {
      const answer = await admin<{ Code?: string }>(fx.emulator.url, 'POST', 'clock/advance', { ms });
      expect(answer.status).toBe(400);
      expect(answer.body.Code).toBe('InvalidParameterValueException');
    }
    expect(fx.emulator.clock.nowMs()).toBe(before);
  });

  it('answers a clock advance to something that is not a date with 400', async () => {
    const before = fx.emulator.clock.nowMs();
    const answer = await admin<{ Code?: string }>(fx.emulator.url, 'POST', 'clock/advance', {
      to: 'next week',
    });
    expect(answer.status).toBe(400);
    expect(answer.body.Code).toBe('InvalidParameterValueException');
    expect(fx.emulator.clock.nowMs()).toBe(before);
  });

  it.each([{ vaults: 'x' }, { vaults: [{}] }, { vaults: [{ name: 42 }] }, { keys: 5 }])(
    'answers the seed %j with 400 and creates no vault',
    async (spec) => {
      const answer = await admin<{ Code?: string }>(fx.emulator.url, 'POST', 'seed', spec);
      expect(answer.status).toBe(400);
      expect(answer.body.Code).toEqual(expect.any(String));
      expect([...fx.emulator.backup.vaults.keys()]).toEqual(['src', 'dest']);
    },
  );

  it('answers an unknown control path with 404 and a malformed control body with 400', async () => {
    const unknown = await admin<{ Code?: string }>(fx.emulator.url, 'GET', 'nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body.Code).toBe('UnknownOperationException');
    const response = await fetch(`${fx.emulator.url}/_emulator/faults`, {
      method: 'POST',
      body: '{"throttleRate":',
      signal: AbortSignal.timeout(5_000),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('SerializationException');
  });
});

describe('after all the bad input', () => {
  it('changed nothing and still answers real SDK calls', async () => {
    expect(fx.emulator.mutations()).toEqual([]);
    expect(fx.emulator.backup.vaults.size).toBe(vaultsBefore);
    expect(fx.emulator.backup.copyJobs.size).toBe(0);
    expect(fx.emulator.stats().failedCalls).toBeGreaterThan(50);
    const vaults = await fx.backup.send(new ListBackupVaultsCommand({}));
    expect(vaults.BackupVaultList?.map((vault) => vault.BackupVaultName)).toEqual(['src', 'dest']);
    const key = await fx.kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/backup' }));
    expect(key.KeyMetadata?.KeyManager).toBe('AWS');
  });
});
