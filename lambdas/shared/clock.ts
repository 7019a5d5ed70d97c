import { readClockOffsetMs } from './config.ts';

/**
 * The Lambdas' notion of "now". On AWS it is the system clock. The local runner plays AWS time
 * faster than real time against the emulator, and tells the handlers how far ahead simulated time
 * is through VAULT_MIGRATOR_CLOCK_OFFSET_MS, so that expiry and cold-storage decisions agree with
 * the emulator's.
 */
export function currentTime(): Date {
  return new Date(Date.now() + readClockOffsetMs());
}
