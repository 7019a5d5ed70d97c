/**
 * The copy pump over a vault of several pages, on listings less kind than the emulator's default
 * (issue 15): page tokens that expire, and newest-first offset tokens that shift when recovery
 * points come and go between rounds. The pump must neither skip nor re-copy anything.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator, EmulatorOptions } from '#emulator/index.ts';
import type { CopyState, Migration } from '#shared/contracts.ts';
import { copyRecoveryPoints } from '../../lambdas/copy-recovery-points/handler.ts';
import { COPY_ROLE_ARN, emulatorForHandlers, migrationFor, stopEmulator, withEnv } from './helpers.ts';

let emulator: Emulator | undefined;
let restoreEnv: (() => void) | undefined;

afterEach(async () => {
  await stopEmulator(emulator);
  restoreEnv?.();
  emulator = undefined;
});

async function setup(options: EmulatorOptions, count = 250) {
  restoreEnv = withEnv({ COPY_ROLE_ARN, MAX_COPY_ATTEMPTS: '3' });
  emulator = await emulatorForHandlers({ randomSeed: 11, ...options });
  const keyArn = emulator.kms.addKey({ alias: 'alias/target' }).arn;
  emulator.seed({
    vaults: [
      { name: 'legacy', encryptionKey: 'none', generate: { count, perResource: 2, mix: { EBS: 1, EFS: 1 } } },
      { name: 'legacy-encrypted', encryptionKey: 'alias/target' },
    ],
  });
  // maxConcurrentCopies 5: pages of 100, so the vault spans three pages.
  return { emulator, migration: migrationFor(emulator, { kmsKeyArn: keyArn, maxConcurrentCopies: 5 }) };
}

/** Copy jobs per source recovery point (top-level jobs only). */
function jobsPerSource(target: Emulator): Map<string, number> {
  const counts = new Map<string, number>();
  for (const job of target.backup.copyJobs.values()) {
    if (job.parentJobId) continue;
    counts.set(job.sourceRecoveryPointArn, (counts.get(job.sourceRecoveryPointArn) ?? 0) + 1);
  }
  return counts;
}

async function oneSweep(
  target: Emulator,
  migration: Migration,
  betweenRounds: (round: number) => void = () => {},
): Promise<CopyState> {
  let copy: CopyState | null = null;
  for (let round = 0; round < 1000 && !copy?.done; round++) {
    copy = await copyRecoveryPoints({ migration, copy }, target.clock.now());
    if (copy.done) break;
    target.advance(copy.waitSeconds * 1000);
    betweenRounds(round);
  }
  return copy as CopyState;
}

describe('the pump lists from a cursor of its own', () => {
  it('goes on when page tokens expire between rounds', async () => {
    const { emulator: target, migration } = await setup({ pageTokenTtlMs: 5 * 60_000 });
    const sources = [...(target.backup.vaults.get('legacy')?.recoveryPoints.keys() ?? [])];
    const copy = await oneSweep(target, migration);
    expect(copy.done).toBe(true);
    const jobs = jobsPerSource(target);
    expect(sources.filter((arn) => jobs.get(arn) !== 1)).toEqual([]);
  });

  it('neither skips nor re-copies when a newest-first listing shifts under inserts and deletions', async () => {
    const { emulator: target, migration } = await setup({ recoveryPointOrder: 'newest-first' });
    const vault = target.backup.vaults.get('legacy');
    const present = new Set(vault?.recoveryPoints.keys() ?? []);
    const removed = new Set<string>();
    const copy = await oneSweep(target, migration, (round) => {
      // A backup lands, and AWS's lifecycle sweep removes an already copied recovery point.
      target.seeder.addRecoveryPoint('legacy', { resourceType: 'EFS', createdDaysAgo: 0 });
      const completed = new Set(
        [...target.backup.copyJobs.values()]
          .filter((job) => job.state === 'COMPLETED')
          .map((job) => job.sourceRecoveryPointArn),
      );
      const copied = [...present].find((arn) => !removed.has(arn) && completed.has(arn) && round % 2 === 0);
      if (copied) {
        removed.add(copied);
        target.backup.deleteRecoveryPoint('legacy', copied);
      }
    });
    expect(copy.done).toBe(true);
    expect(removed.size).toBeGreaterThan(5);
    const jobs = jobsPerSource(target);
    // Every recovery point there at the start was copied once in this sweep: none skipped, none twice.
    expect([...present].filter((arn) => jobs.get(arn) !== 1)).toEqual([]);
  });
});
