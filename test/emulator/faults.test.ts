import {
  BackupClient,
  DescribeBackupVaultCommand,
  DescribeCopyJobCommand,
  ListBackupVaultsCommand,
  StartCopyJobCommand,
} from '@aws-sdk/client-backup';
import { DescribeKeyCommand, DisableKeyCommand } from '@aws-sdk/client-kms';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorOptions } from '#emulator/index.ts';
import {
  BACKUP_ROLE,
  type EmulatorFixture,
  emulatorWithClients,
  errorOf,
  rawRequest,
  stopFixture,
} from './helpers.ts';

const RP = 'arn:aws:ec2:us-east-1::snapshot/snap-00000000000000001';
const DEST_ARN = 'arn:aws:backup:us-east-1:123456789012:backup-vault:dest';

const fixtures: EmulatorFixture[] = [];

afterEach(async () => {
  for (const fixture of fixtures.splice(0)) await stopFixture(fixture);
});

async function start(options: EmulatorOptions = {}): Promise<EmulatorFixture> {
  const fixture = await emulatorWithClients({
    copyDurationMs: () => 10 * 60_000,
    seed: {
      keys: [{ alias: 'alias/dest-key' }],
      vaults: [
        { name: 'src', encryptionKey: 'aws-managed', recoveryPoints: [{ resourceType: 'EBS', arn: RP }] },
        { name: 'dest', encryptionKey: 'alias/dest-key' },
      ],
    },
    ...options,
  });
  fixtures.push(fixture);
  return fixture;
}

/** Starts a copy of RP, runs it to its end and returns the final job. */
async function copyOnce(fx: EmulatorFixture) {
  const started = await fx.backup.send(
    new StartCopyJobCommand({
      RecoveryPointArn: RP,
      SourceBackupVaultName: 'src',
      DestinationBackupVaultArn: DEST_ARN,
      IamRoleArn: BACKUP_ROLE,
    }),
  );
  fx.emulator.runUntilIdle();
  const { CopyJob: job } = await fx.backup.send(new DescribeCopyJobCommand({ CopyJobId: started.CopyJobId }));
  return job;
}

/** Which of `count` DescribeBackupVault calls were throttled ('T') or answered ('.'). */
async function throttlePattern(fx: EmulatorFixture, count: number): Promise<string> {
  let pattern = '';
  for (let index = 0; index < count; index++) {
    try {
      await fx.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'src' }));
      pattern += '.';
    } catch (error) {
      expect((error as { name: string }).name).toBe('ThrottlingException');
      pattern += 'T';
    }
  }
  return pattern;
}

describe('throttling', () => {
  it('raises ThrottlingException through the SDK with maxAttempts 1 when throttleRate is 1', async () => {
    const fx = await start({ faults: { throttleRate: { '*': 1 } } });
    const backup = await errorOf(fx.backup.send(new ListBackupVaultsCommand({})));
    const kms = await errorOf(fx.kms.send(new DescribeKeyCommand({ KeyId: 'alias/dest-key' })));
    expect(backup.name).toBe('ThrottlingException');
    expect(backup.$metadata?.httpStatusCode).toBe(400);
    expect(backup.$metadata?.attempts).toBe(1);
    expect(kms.name).toBe('ThrottlingException');
    const stats = fx.emulator.stats();
    expect(stats.injected.throttles).toBe(2);
    expect(stats.failedCalls).toBe(2);
  });

  it('sends the throttle with the x-amzn-ErrorType header and a JSON body', async () => {
    const fx = await start({ faults: { throttleRate: { ListBackupVaults: 1 } } });
    const answer = await rawRequest(fx.emulator.url, 'GET', '/backup-vaults/');
    expect(answer.status).toBe(400);
    expect(answer.errorType).toBe('ThrottlingException');
    expect(answer.body).toMatchObject({ Code: 'ThrottlingException', Message: 'Rate exceeded' });
  });

  it('throttles only the operations named in throttleRate', async () => {
    const fx = await start();
    fx.emulator.setFaults({ throttleRate: { ListBackupVaults: 1 } });
    const listed = await errorOf(fx.backup.send(new ListBackupVaultsCommand({})));
    expect(listed.name).toBe('ThrottlingException');
    const described = await fx.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'src' }));
    expect(described.BackupVaultName).toBe('src');
  });

  it('succeeds through the SDK default retry strategy after a throttled first attempt', async () => {
    // randomSeed 4 throttles the first draw at rate 0.5 and not the second (see the pattern test below).
    const fx = await start({ randomSeed: 4, faults: { throttleRate: { DescribeBackupVault: 0.5 } } });
    const retrying = new BackupClient({
      endpoint: fx.emulator.url,
      region: fx.emulator.region,
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
    });
    try {
      const described = await retrying.send(new DescribeBackupVaultCommand({ BackupVaultName: 'src' }));
      expect(described.BackupVaultName).toBe('src');
      expect(described.$metadata.attempts).toBe(2);
      expect(fx.emulator.stats().injected.throttles).toBe(1);
      expect(fx.emulator.stats().calls.DescribeBackupVault).toBe(2);
    } finally {
      retrying.destroy();
    }
  });

  it('throttles the same calls for the same randomSeed and other calls for another seed', async () => {
    const faults = { throttleRate: { '*': 0.5 } };
    const first = await throttlePattern(await start({ randomSeed: 7, faults }), 12);
    const again = await throttlePattern(await start({ randomSeed: 7, faults }), 12);
    const other = await throttlePattern(await start({ randomSeed: 3, faults }), 12);
    expect(first).toBe(again);
    expect(first).toContain('T');
    expect(first).toContain('.');
    expect(other).not.toBe(first);
    expect((await throttlePattern(await start({ randomSeed: 4, faults }), 2)).startsWith('T.')).toBe(true);
  });
});

describe('copy failures', () => {
  it('fails the planned number of copies of a recovery point, then lets it through', async () => {
    const fx = await start({ faults: { copyFailures: { [RP]: 2 } } });
    const first = await copyOnce(fx);
    const second = await copyOnce(fx);
    const third = await copyOnce(fx);
    expect([first?.State, second?.State, third?.State]).toEqual(['FAILED', 'FAILED', 'COMPLETED']);
    expect(first?.StatusMessage).toContain('transient');
    expect(first?.DestinationRecoveryPointArn).toBeUndefined();
    expect(third?.DestinationRecoveryPointArn).toEqual(expect.any(String));
    expect(fx.emulator.stats().injected.copyFailures).toBe(2);
  });

  it("fails every copy of a recovery point marked 'permanent'", async () => {
    const fx = await start();
    fx.emulator.setFaults({ copyFailures: { [RP]: 'permanent' } });
    const states = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      const job = await copyOnce(fx);
      states.push(job?.State);
      expect(job?.StatusMessage).toContain('permanent');
    }
    expect(states).toEqual(['FAILED', 'FAILED', 'FAILED', 'FAILED']);
    expect(fx.emulator.backup.vaults.get('dest')?.recoveryPoints.size).toBe(0);
  });

  it('fails copies at copyFailureRate and stops when the rate is set back to 0', async () => {
    const fx = await start({ faults: { copyFailureRate: 1 } });
    expect((await copyOnce(fx))?.State).toBe('FAILED');
    expect((await copyOnce(fx))?.State).toBe('FAILED');
    fx.emulator.setFaults({ copyFailureRate: 0 });
    expect((await copyOnce(fx))?.State).toBe('COMPLETED');
    expect(fx.emulator.stats().injected.copyFailures).toBe(2);
  });

  it('fails a copy whose destination key is disabled while it runs', async () => {
    const fx = await start();
    const started = await fx.backup.send(
      new StartCopyJobCommand({
        RecoveryPointArn: RP,
        SourceBackupVaultName: 'src',
        DestinationBackupVaultArn: DEST_ARN,
        IamRoleArn: BACKUP_ROLE,
      }),
    );
    await fx.kms.send(new DisableKeyCommand({ KeyId: 'alias/dest-key' }));
    fx.emulator.runUntilIdle();
    const { CopyJob: job } = await fx.backup.send(
      new DescribeCopyJobCommand({ CopyJobId: started.CopyJobId }),
    );
    expect(job?.State).toBe('FAILED');
    expect(job?.StatusMessage).toContain('Disabled');
  });
});

describe('missing vaults', () => {
  it('answers a missing vault with ResourceNotFoundException by default', async () => {
    const fx = await start();
    const error = await errorOf(fx.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'ghost' })));
    expect(error.name).toBe('ResourceNotFoundException');
    expect(error.$metadata?.httpStatusCode).toBe(400);
  });

  it('answers a missing vault with HTTP 403 AccessDeniedException when missingVaultAs says so', async () => {
    const fx = await start({ faults: { missingVaultAs: 'AccessDeniedException' } });
    const error = await errorOf(fx.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'ghost' })));
    expect(error.name).toBe('AccessDeniedException');
    expect(error.$metadata?.httpStatusCode).toBe(403);

    const answer = await rawRequest(fx.emulator.url, 'GET', '/backup-vaults/ghost/recovery-points/');
    expect(answer.status).toBe(403);
    expect(answer.errorType).toBe('AccessDeniedException');
    expect(answer.body.Message).toBe('Insufficient privileges to perform this action.');

    const copy = await errorOf(
      fx.backup.send(
        new StartCopyJobCommand({
          RecoveryPointArn: RP,
          SourceBackupVaultName: 'ghost',
          DestinationBackupVaultArn: DEST_ARN,
          IamRoleArn: BACKUP_ROLE,
        }),
      ),
    );
    expect(copy.name).toBe('AccessDeniedException');
    const existing = await fx.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'src' }));
    expect(existing.NumberOfRecoveryPoints).toBe(1);
  });
});
