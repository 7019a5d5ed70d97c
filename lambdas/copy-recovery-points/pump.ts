/**
 * The pure parts of the copy pump: the compact record of handled recovery points, idempotency
 * tokens, and the length of the wait between rounds. No AWS client here.
 */
import { createHash } from 'node:crypto';
import type { CopyCounters, CopyState } from '#shared/contracts.ts';

/** 32-bit FNV-1a of a recovery point ARN: 4 bytes per handled entry of an open page. */
export function arnHash(arn: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < arn.length; index++) {
    hash ^= arn.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * The set of handled entries of one page, as sorted 32-bit hashes in base64. Hashes, not
 * positions, so that a page that shifts (a recovery point deleted or added) keeps its marks; a
 * collision could only make an entry look handled, and verification would then find it uncopied.
 */
export class HandledSet {
  private readonly hashes: Set<number>;

  constructor(encoded = '') {
    this.hashes = new Set();
    if (encoded === '') return;
    const bytes = Buffer.from(encoded, 'base64');
    for (let offset = 0; offset + 4 <= bytes.length; offset += 4) this.hashes.add(bytes.readUInt32BE(offset));
  }

  has(arn: string): boolean {
    return this.hashes.has(arnHash(arn));
  }

  add(arn: string): void {
    this.hashes.add(arnHash(arn));
  }

  get size(): number {
    return this.hashes.size;
  }

  encode(): string {
    const sorted = [...this.hashes].sort((a, b) => a - b);
    const bytes = Buffer.alloc(sorted.length * 4);
    sorted.forEach((hash, index) => {
      bytes.writeUInt32BE(hash, index * 4);
    });
    return bytes.toString('base64');
  }
}

/** What a copy's IdempotencyToken is derived from. */
export interface CopyTokenParts {
  /** The migration's run: the root execution's name, kept by retries, redrives and continuations. */
  runId: string;
  targetVaultArn: string;
  recoveryPointArn: string;
  sweep: number;
  attempt: number;
}

/**
 * StartCopyJob's IdempotencyToken: within one run, the same recovery point, target, sweep and
 * attempt always give the same token, so a retried, redriven or continued round never starts a
 * second copy (the SDK would otherwise fill in a random one). A new run gets new tokens: AWS
 * answers a reused token with the old job, so a run after a permanent failure would otherwise
 * get the old FAILED job back instead of a new attempt. What a new run must not copy again (a
 * recovery point with a completed copy) it learns from AWS, not from the tokens.
 */
export function copyToken(parts: CopyTokenParts): string {
  const digest = createHash('sha256')
    .update(
      `${parts.runId}|${parts.targetVaultArn}|${parts.recoveryPointArn}|${parts.sweep}|${parts.attempt}`,
    )
    .digest('hex');
  return `${digest.slice(0, 8)}-${digest.slice(8, 12)}-${digest.slice(12, 16)}-${digest.slice(16, 20)}-${digest.slice(20, 32)}`;
}

export const MIN_WAIT_SECONDS = 15;
export const MAX_WAIT_SECONDS = 600;
/** Assumed mean copy time before any copy has finished. */
export const INITIAL_MEAN_COPY_SECONDS = 600;

/**
 * Seconds until the next round: long enough that about a tenth of the concurrency limit (at least
 * one job) has finished, so rounds stay few, short enough that freed slots do not sit idle long.
 * Back-off doubles (to the maximum) when AWS pushed back with LimitExceeded or throttling.
 */
export function nextWaitSeconds(input: {
  inFlight: number;
  maxConcurrentCopies: number;
  meanCopySeconds: number;
  pushedBack: boolean;
  previousWait: number;
}): number {
  if (input.pushedBack) {
    return Math.min(MAX_WAIT_SECONDS, Math.max(60, input.previousWait * 2));
  }
  if (input.inFlight === 0) return MIN_WAIT_SECONDS;
  const secondsBetweenCompletions = input.meanCopySeconds / input.inFlight;
  const completionsPerRound = Math.max(1, Math.round(input.maxConcurrentCopies / 10));
  const ceiling = Math.max(MIN_WAIT_SECONDS, Math.min(MAX_WAIT_SECONDS, input.meanCopySeconds / 2));
  return Math.round(
    Math.min(ceiling, Math.max(MIN_WAIT_SECONDS, secondsBetweenCompletions * completionsPerRound)),
  );
}

/** Running mean of copy durations, weighted towards recent copies. */
export function updateMeanCopySeconds(
  previous: number,
  observedSeconds: number,
  finishedSoFar: number,
): number {
  if (!Number.isFinite(observedSeconds) || observedSeconds <= 0) return previous;
  if (finishedSoFar <= 1) return observedSeconds;
  const weight = Math.max(0.05, 1 / finishedSoFar);
  return previous + (observedSeconds - previous) * weight;
}

export function emptyCounters(): CopyCounters {
  return {
    listed: 0,
    started: 0,
    completed: 0,
    failedAttempts: 0,
    retried: 0,
    permanentlyFailed: 0,
    skipped: 0,
    alreadyCopied: 0,
    throttled: 0,
    rounds: 0,
  };
}

export function initialCopyState(sweep: number): CopyState {
  return {
    sweep,
    pages: [],
    listingDone: false,
    adopted: false,
    inFlight: [],
    retries: [],
    failureSample: [],
    counters: emptyCounters(),
    meanCopySeconds: INITIAL_MEAN_COPY_SECONDS,
    waitSeconds: 0,
    done: false,
    continueAsNew: false,
  };
}

export const FAILURE_SAMPLE_SIZE = 10;

export function addSample<T>(sample: T[], item: T, limit = FAILURE_SAMPLE_SIZE): void {
  if (sample.length < limit) sample.push(item);
}
