import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '#emulator/index.ts';
import type { CopyState, Migration } from '#shared/contracts.ts';
import { copyRecoveryPoints } from '../../lambdas/copy-recovery-points/handler.ts';
import {
  arnHash,
  copyToken,
  HandledSet,
  nextWaitSeconds,
  updateMeanCopySeconds,
} from '../../lambdas/copy-recovery-points/pump.ts';
import { copiesPerSource } from '../support/copies.ts';
import {
  COPY_ROLE_ARN,
  emulatorForHandlers,
  invalidInputMessages,
  migrationFor,
  stopEmulator,
  withEnv,
} from './helpers.ts';

describe('pump arithmetic', () => {
  it('round-trips handled recovery points through their compact encoding', () => {
    const set = new HandledSet();
    set.add('arn:a');
    set.add('arn:b');
    const decoded = new HandledSet(set.encode());
    expect(decoded.has('arn:a')).toBe(true);
    expect(decoded.has('arn:b')).toBe(true);
    expect(decoded.has('arn:c')).toBe(false);
    expect(Buffer.from(set.encode(), 'base64')).toHaveLength(8);
  });

  it('hashes ARNs to 32-bit numbers deterministically', () => {
    expect(arnHash('arn:aws:ec2:us-east-1::snapshot/snap-1')).toBe(
      arnHash('arn:aws:ec2:us-east-1::snapshot/snap-1'),
    );
    expect(arnHash('x')).not.toBe(arnHash('y'));
    expect(arnHash('a long arn'.repeat(20))).toBeLessThan(2 ** 32);
  });

  it('derives the same idempotency token for the same copy and a new one per attempt, sweep or run', () => {
    const parts = {
      runId: 'run-1',
      targetVaultArn: 'arn:target',
      recoveryPointArn: 'arn:rp',
      sweep: 0,
      attempt: 0,
    };
    const token = copyToken(parts);
    expect(copyToken({ ...parts })).toBe(token);
    expect(copyToken({ ...parts, attempt: 1 })).not.toBe(token);
    expect(copyToken({ ...parts, sweep: 1 })).not.toBe(token);
    expect(copyToken({ ...parts, runId: 'run-2' })).not.toBe(token);
    expect(token).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('waits about a tenth of the limit worth of completions between rounds', () => {
    expect(
      nextWaitSeconds({
        inFlight: 100,
        maxConcurrentCopies: 100,
        meanCopySeconds: 600,
        pushedBack: false,
        previousWait: 0,
      }),
    ).toBe(60);
    expect(
      nextWaitSeconds({
        inFlight: 20,
        maxConcurrentCopies: 20,
        meanCopySeconds: 600,
        pushedBack: false,
        previousWait: 0,
      }),
    ).toBe(60);
  });

  it('caps the wait at half a copy when few copies remain', () => {
    expect(
      nextWaitSeconds({
        inFlight: 1,
        maxConcurrentCopies: 100,
        meanCopySeconds: 600,
        pushedBack: false,
        previousWait: 0,
      }),
    ).toBe(300);
  });

  it('backs off by doubling when AWS pushed back, up to ten minutes', () => {
    expect(
      nextWaitSeconds({
        inFlight: 5,
        maxConcurrentCopies: 20,
        meanCopySeconds: 600,
        pushedBack: true,
        previousWait: 60,
      }),
    ).toBe(120);
    expect(
      nextWaitSeconds({
        inFlight: 5,
        maxConcurrentCopies: 20,
        meanCopySeconds: 600,
        pushedBack: true,
        previousWait: 500,
      }),
    ).toBe(600);
  });

  it('moves the mean copy time towards what copies really take', () => {
    expect(updateMeanCopySeconds(600, 300, 1)).toBe(300);
    const next = updateMeanCopySeconds(300, 600, 2);
    expect(next).toBeGreaterThan(300);
    expect(next).toBeLessThan(600);
  });
});

/** Runs rounds as the state machine would, advancing simulated time by each suggested wait. */
async function pumpUntilDone(
  emulator: Emulator,
  migration: Migration,
  options: { maxRounds?: number; stopAfter?: number } = {},
) {
  let copy: CopyState | null = null;
  let largestState = 0;
  for (let round = 0; round < (options.maxRounds ?? 500); round++) {
    copy = await copyRecoveryPoints({ migration, copy }, emulator.clock.now());
    largestState = Math.max(largestState, JSON.stringify(copy).length);
    if (copy.done || (options.stopAfter !== undefined && round + 1 >= options.stopAfter)) break;
    emulator.advance(copy.waitSeconds * 1000);
  }
  return { copy: copy as CopyState, largestState };
}

describe('copy-recovery-points against the emulator', () => {
  let emulator: Emulator;
  let restoreEnv: () => void;
  let keyArn: string;

  beforeEach(async () => {
    restoreEnv = withEnv({ COPY_ROLE_ARN, MAX_COPY_ATTEMPTS: '3' });
    emulator = await emulatorForHandlers({ randomSeed: 7 });
    keyArn = emulator.kms.addKey({ alias: 'alias/target' }).arn;
    emulator.seed({
      vaults: [
        { name: 'legacy', encryptionKey: 'none', generate: { count: 120, perResource: 3 } },
        { name: 'legacy-encrypted', encryptionKey: 'alias/target' },
      ],
    });
  });

  afterEach(async () => {
    await stopEmulator(emulator);
    restoreEnv();
  });

  it('refuses a carried state it cannot trust with InvalidInput naming the field, before any AWS call', async () => {
    const migration = migrationFor(emulator, { kmsKeyArn: keyArn, maxConcurrentCopies: 10 });
    const first = await copyRecoveryPoints({ migration }, emulator.clock.now());
    emulator.resetStats();
    const broken = [
      { ...first, inFlight: [{ j: 'job-1', rp: 'arn:rp' }] },
      { ...first, retries: 'none' },
      { ...first, pages: [{ from: 'yesterday', to: 1, done: '' }] },
      { ...first, counters: { ...first.counters, started: -1 } },
    ];
    const messages = await invalidInputMessages(
      broken.map(
        (copy) => () => copyRecoveryPoints({ migration, copy: copy as CopyState }, emulator.clock.now()),
      ),
    );
    expect(messages[0]).toMatch(/copy\.inFlight\.0\.r/);
    expect(messages[1]).toMatch(/copy\.retries/);
    expect(messages[2]).toMatch(/copy\.pages\.0\.from/);
    expect(messages[3]).toMatch(/copy\.counters\.started/);
    expect(emulator.stats().totalCalls).toBe(0);
  });

  it('copies every recovery point exactly once, never two at a time for one resource', async () => {
    const migration = migrationFor(emulator, { kmsKeyArn: keyArn, maxConcurrentCopies: 10 });
    const { copy, largestState } = await pumpUntilDone(emulator, migration);
    expect(copy.done).toBe(true);
    expect(copy.counters).toMatchObject({ skipped: 0, alreadyCopied: 0, permanentlyFailed: 0 });
    expect(copy.counters.started).toBe(120);
    expect(copy.counters.completed).toBe(120);
    const counts = copiesPerSource(emulator, 'legacy', 'legacy-encrypted');
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    expect(largestState).toBeLessThan(16 * 1024);
    const jobs = [...emulator.backup.copyJobs.values()];
    for (const job of jobs) {
      const overlapping = jobs.filter(
        (other) =>
          other !== job &&
          other.resourceArn === job.resourceArn &&
          other.creationDate < (job.completionDate ?? job.creationDate) &&
          (other.completionDate ?? other.creationDate) > job.creationDate,
      );
      expect(overlapping).toEqual([]);
    }
  });

  it('never has more copies in flight than the concurrency asked for', async () => {
    const migration = migrationFor(emulator, { kmsKeyArn: keyArn, maxConcurrentCopies: 4 });
    let copy: CopyState | null = null;
    for (let round = 0; round < 400 && !copy?.done; round++) {
      copy = await copyRecoveryPoints({ migration, copy }, emulator.clock.now());
      expect(emulator.backup.copyJobsInFlight()).toBeLessThanOrEqual(4);
      emulator.advance(copy.waitSeconds * 1000);
    }
    expect(copy?.done).toBe(true);
  });

  it('resumes after a crash without copying anything twice', async () => {
    const migration = migrationFor(emulator, { kmsKeyArn: keyArn, maxConcurrentCopies: 10 });
    const first = await pumpUntilDone(emulator, migration, { stopAfter: 5 });
    expect(first.copy.done).toBe(false);
    expect(first.copy.counters.started).toBeGreaterThan(0);
    // A fresh execution starts from nothing: AWS is the ledger.
    const second = await pumpUntilDone(emulator, migration);
    expect(second.copy.done).toBe(true);
    const counts = copiesPerSource(emulator, 'legacy', 'legacy-encrypted');
    expect([...counts.values()].filter((count) => count !== 1)).toEqual([]);
    expect(second.copy.counters.alreadyCopied + second.copy.counters.completed).toBeGreaterThanOrEqual(120);
  });

  it('retries a failing copy and then succeeds', async () => {
    const victim = [...(emulator.backup.vaults.get('legacy')?.recoveryPoints.keys() ?? [])][3] as string;
    emulator.setFaults({ copyFailures: { [victim]: 2 } });
    const migration = migrationFor(emulator, { kmsKeyArn: keyArn, maxConcurrentCopies: 10 });
    const { copy } = await pumpUntilDone(emulator, migration);
    expect(copy.counters.failedAttempts).toBe(2);
    expect(copy.counters.retried).toBe(2);
    expect(copy.counters.permanentlyFailed).toBe(0);
    expect(copiesPerSource(emulator, 'legacy', 'legacy-encrypted').get(victim)).toBe(1);
  });

  it('gives up on a permanently failing copy after the attempts allowed and names it', async () => {
    const victim = [...(emulator.backup.vaults.get('legacy')?.recoveryPoints.keys() ?? [])][5] as string;
    emulator.setFaults({ copyFailures: { [victim]: 'permanent' } });
    const migration = migrationFor(emulator, { kmsKeyArn: keyArn, maxConcurrentCopies: 10 });
    const { copy } = await pumpUntilDone(emulator, migration);
    expect(copy.done).toBe(true);
    expect(copy.counters.permanentlyFailed).toBe(1);
    expect(copy.counters.failedAttempts).toBe(3);
    expect(copy.failureSample.map((failure) => failure.rp)).toEqual([victim]);
    expect(copiesPerSource(emulator, 'legacy', 'legacy-encrypted').get(victim)).toBe(0);
  });

  it('backs off instead of failing when AWS refuses copies past its limit', async () => {
    emulator.backup.settings.limitBehaviour = 'reject';
    emulator.backup.settings.copyConcurrencyLimit = 3;
    const migration = migrationFor(emulator, { kmsKeyArn: keyArn, maxConcurrentCopies: 10 });
    const { copy } = await pumpUntilDone(emulator, migration, { maxRounds: 2000 });
    expect(copy.done).toBe(true);
    expect(copy.counters.throttled).toBeGreaterThan(0);
    expect(
      [...copiesPerSource(emulator, 'legacy', 'legacy-encrypted').values()].every((count) => count === 1),
    ).toBe(true);
  });

  it('keeps going through throttling on every API', async () => {
    emulator.setFaults({ throttleRate: { '*': 0.15 } });
    const migration = migrationFor(emulator, { kmsKeyArn: keyArn, maxConcurrentCopies: 10 });
    const { copy } = await pumpUntilDone(emulator, migration);
    expect(copy.done).toBe(true);
    expect(emulator.stats().injected.throttles).toBeGreaterThan(0);
    expect(
      [...copiesPerSource(emulator, 'legacy', 'legacy-encrypted').values()].every((count) => count === 1),
    ).toBe(true);
  });

  it('gives each copy a lifecycle that keeps its source expiry', async () => {
    const migration = migrationFor(emulator, { kmsKeyArn: keyArn, maxConcurrentCopies: 10 });
    await pumpUntilDone(emulator, migration);
    const sources = [...(emulator.backup.vaults.get('legacy')?.recoveryPoints.values() ?? [])];
    const copies = [...(emulator.backup.vaults.get('legacy-encrypted')?.recoveryPoints.values() ?? [])];
    for (const copy of copies) {
      const source = sources.find(
        (candidate) =>
          candidate.resourceArn === copy.resourceArn &&
          candidate.creationDate.getTime() === copy.creationDate.getTime(),
      );
      expect(copy.lifecycle?.DeleteAfterDays).toBe(source?.lifecycle?.DeleteAfterDays);
    }
  });

  it('refuses an event without a migration and starts nothing', async () => {
    await expect(copyRecoveryPoints({ copy: null } as never)).rejects.toThrow(
      /Invalid copy-recovery-points event/,
    );
    expect(emulator.mutations()).toEqual([]);
  });
});

describe('copy-recovery-points over a vault larger than one page', () => {
  it('moves on to the next page once the only open page is finished, even with the slots idle', async () => {
    const restoreEnv = withEnv({ COPY_ROLE_ARN, MAX_COPY_ATTEMPTS: '1' });
    const emulator = await emulatorForHandlers({ randomSeed: 3 });
    try {
      const keyArn = emulator.kms.addKey({ alias: 'alias/target' }).arn;
      emulator.seed({
        vaults: [
          {
            name: 'legacy',
            encryptionKey: 'none',
            generate: { count: 120, perResource: 2, mix: { EFS: 1 } },
          },
          { name: 'legacy-encrypted', encryptionKey: 'alias/target' },
        ],
      });
      const victim = [...(emulator.backup.vaults.get('legacy')?.recoveryPoints.keys() ?? [])][7] as string;
      emulator.setFaults({ copyFailures: { [victim]: 'permanent' } });
      // maxConcurrentCopies 5 gives pages of 100: the vault spans two pages.
      const migration = migrationFor(emulator, { kmsKeyArn: keyArn, maxConcurrentCopies: 5 });
      for (const sweep of [0, 1]) {
        let copy: CopyState | null = null;
        for (let round = 0; round < 400 && !copy?.done; round++) {
          copy = await copyRecoveryPoints({ migration, copy, sweep }, emulator.clock.now());
          if (!copy.done) emulator.advance(copy.waitSeconds * 1000);
        }
        expect(copy?.done).toBe(true);
        expect(copy?.counters).toMatchObject({ permanentlyFailed: 1, alreadyCopied: sweep === 0 ? 0 : 119 });
      }
      const counts = copiesPerSource(emulator, 'legacy', 'legacy-encrypted');
      expect([...counts.values()].filter((count) => count === 1)).toHaveLength(119);
      expect([...counts.values()].filter((count) => count > 1)).toEqual([]);
    } finally {
      await stopEmulator(emulator);
      restoreEnv();
    }
  }, 60_000);
});
