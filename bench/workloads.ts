/**
 * The benchmark's workloads (issue 7): vaults of 1,000, 10,000 and 100,000 recovery points, five
 * per resource, the emulator's default type mix (EBS 40 / RDS 20 / EFS 15 / S3 10 / DynamoDB 10 /
 * Aurora 5), log-normal copy durations with a median of 10 simulated minutes, an account limit of
 * 100 concurrent copies and one per resource. One fixed random seed, so runs are comparable.
 */
import type { EmulatorOptions, SeedSpec } from '#emulator/index.ts';
import { DEFAULT_TYPE_MIX } from '#emulator/seed.ts';

export const DEFAULT_SIZES: readonly number[] = [1_000, 10_000, 100_000];

export const WORKLOAD = {
  randomSeed: 7_000,
  perResource: 5,
  typeMix: DEFAULT_TYPE_MIX,
  copyConcurrencyLimit: 100,
  copyMedianMs: 10 * 60_000,
  /** Log-normal sigma: mean 11.3 min, 95th percentile 22.8 min, 99th 32 min. */
  copySigma: 0.5,
  /** The emulator's CREATED -> RUNNING delay once a job has its slot (the slot is held meanwhile). */
  copyStartDelayMs: 60_000,
  /** What our design is asked for: the whole account limit. */
  maxConcurrentCopies: 100,
  /** The baseline's inline Map (fixed in naive.asl.json). */
  baselineMapConcurrency: 40,
} as const;

export const SOURCE_VAULT = 'bench-source';
export const TARGET_VAULT = `${SOURCE_VAULT}-encrypted`;
export const KEY_ALIAS = 'alias/vault-migrator';

export function emulatorOptions(): EmulatorOptions {
  return {
    randomSeed: WORKLOAD.randomSeed,
    copyConcurrencyLimit: WORKLOAD.copyConcurrencyLimit,
    limitBehaviour: 'queue',
    copyMedianMs: WORKLOAD.copyMedianMs,
    copySigma: WORKLOAD.copySigma,
    copyStartDelayMs: WORKLOAD.copyStartDelayMs,
  };
}

/** A vault with no key (the Prowler finding) holding `recoveryPoints` generated recovery points. */
export function seedFor(recoveryPoints: number): SeedSpec {
  return {
    vaults: [
      {
        name: SOURCE_VAULT,
        encryptionKey: 'none',
        generate: { count: recoveryPoints, perResource: WORKLOAD.perResource, mix: { ...WORKLOAD.typeMix } },
      },
    ],
  };
}
