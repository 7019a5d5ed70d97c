/**
 * Verification: every copyable source recovery point must have a finished copy in the target,
 * read back from AWS. It records each copy's real encryption and whether its expiry kept the
 * source's, and asks for another sweep of the copy loop when recovery points are still missing
 * (backups that landed during the migration, or copies that failed). Bounded pages per invocation;
 * the state machine loops until `done`.
 */
import { z } from 'zod';
import { HistoryBudgetSchema, isSpent, LOOP_STEP_EVENTS, latestBudget, spend } from '#shared/budget.ts';
import { classifyRecoveryPoint } from '#shared/classify.ts';
import { currentTime } from '#shared/clock.ts';
import { readConfig } from '#shared/config.ts';
import type { EncryptionTally, Migration, VerificationEvent, VerificationState } from '#shared/contracts.ts';
import { isCompleteCopy } from '#shared/copy-outcome.ts';
import { describeActualEncryption } from '#shared/encryption.ts';
import { lambdaHandler } from '#shared/handler.ts';
import {
  copyKey,
  findCopiesInTarget,
  findCopyByJobs,
  type ListedRecoveryPoint,
  listSourcePage,
  parentsInVault,
} from '#shared/ledger.ts';
import { logger } from '#shared/logger.ts';
import { copyRetention, retentionKept } from '#shared/retention.ts';
import { MigrationSchema, parseEvent } from '#shared/schemas.ts';

const VerificationEventSchema = z.looseObject({
  migration: MigrationSchema,
  verification: z
    .looseObject({ cursor: z.string().nullable(), done: z.boolean(), budget: HistoryBudgetSchema.optional() })
    .nullish(),
  copy: z.looseObject({ sweep: z.number().int().min(-1), budget: HistoryBudgetSchema.optional() }).nullish(),
  executionName: z.string().optional(),
});

const count = z.number().int().min(0);

/**
 * Verification's carried state (`VerificationState`), checked before a round adds to it: its
 * counts decide whether the source may be retired. The loop's seed (`{ cursor, done, sweep: -1 }`)
 * carries no counts and passes as it is.
 */
const CarriedVerificationSchema = z.looseObject({
  cursor: z.string().nullable(),
  done: z.boolean(),
  sourceRecoveryPoints: count,
  copyable: count,
  verified: count,
  missing: count,
  newSinceStart: count.default(0),
  skipped: z.record(z.string(), count),
  encryption: z.looseObject({
    TARGET_KEY: count,
    SOURCE_KEY: count,
    UNENCRYPTED: count,
    OTHER_KEY: count,
    UNKNOWN: count,
  }),
  retentionShortened: count.default(0),
  missingSample: z.array(z.looseObject({ rp: z.string(), why: z.string() })).default([]),
  duplicateCopies: count.default(0),
  needsAnotherSweep: z.boolean().default(false),
  sweep: z.number().int().min(-1),
  budget: HistoryBudgetSchema.optional(),
  continueAsNew: z.boolean().optional(),
});

/** Source pages verified per invocation: about 5,000 recovery points, well within a Lambda's time. */
export const PAGES_PER_INVOCATION = 5;
const SAMPLE_SIZE = 20;

export function emptyEncryptionTally(): EncryptionTally {
  return { TARGET_KEY: 0, SOURCE_KEY: 0, UNENCRYPTED: 0, OTHER_KEY: 0, UNKNOWN: 0 };
}

export function initialVerification(sweep: number): VerificationState {
  return {
    cursor: null,
    done: false,
    sourceRecoveryPoints: 0,
    copyable: 0,
    verified: 0,
    missing: 0,
    newSinceStart: 0,
    skipped: {},
    encryption: emptyEncryptionTally(),
    retentionShortened: 0,
    missingSample: [],
    duplicateCopies: 0,
    needsAnotherSweep: false,
    sweep,
  };
}

/** The verdict on one source recovery point given the finished copies found for it. */
export function judgeCopy(
  source: ListedRecoveryPoint,
  copies: readonly ListedRecoveryPoint[],
  migration: Pick<Migration, 'kmsKeyArn' | 'startedAt'>,
):
  | { verified: false; newSinceStart: boolean; why: string }
  | { verified: true; duplicate: boolean; encryption: keyof EncryptionTally; retentionShortened: boolean } {
  const finished = copies.filter(isCompleteCopy);
  if (finished.length === 0) {
    const created = source.CreationDate?.getTime() ?? 0;
    return {
      verified: false,
      newSinceStart: created > Date.parse(migration.startedAt),
      why: copies.length > 0 ? `copy is ${copies[0]?.Status ?? 'unfinished'}` : 'no copy in the target vault',
    };
  }
  const copy = finished[0] as ListedRecoveryPoint;
  const encryption = describeActualEncryption(copy, migration.kmsKeyArn, source.EncryptionKeyArn).outcome;
  // Earlier than its source, or kept forever while its source expires: retention not kept.
  const retentionShortened = !retentionKept(copyRetention(source, copy));
  return { verified: true, duplicate: finished.length > 1, encryption, retentionShortened };
}

export async function verifyMigration(
  event: VerificationEvent,
  now = currentTime(),
): Promise<VerificationState> {
  const parsed = parseEvent(VerificationEventSchema, event, 'verify-migration') as VerificationEvent;
  if (parsed.verification && 'verified' in parsed.verification) {
    parsed.verification = parseEvent(
      z.looseObject({ verification: CarriedVerificationSchema }),
      { verification: parsed.verification },
      'verify-migration',
    ).verification as VerificationState;
  }
  const { migration } = parsed;
  const config = readConfig();
  const sweep = parsed.copy?.sweep ?? 0;
  const previous = parsed.verification;
  const state: VerificationState =
    previous && !previous.done && previous.sweep === sweep
      ? structuredClone(previous)
      : initialVerification(sweep);
  // The copy loop hands its budget over; a verification that continues in a child keeps its own.
  state.budget = spend(
    latestBudget(previous?.budget, parsed.copy?.budget),
    parsed.executionName ?? migration.executionId,
    LOOP_STEP_EVENTS.verificationPage,
  );

  for (let pageCount = 0; pageCount < PAGES_PER_INVOCATION && !state.done; pageCount++) {
    const page = await listSourcePage(migration.sourceVaultName, state.cursor);
    const parents = await parentsInVault(migration.sourceVaultName, page.recoveryPoints);
    const copyable: ListedRecoveryPoint[] = [];
    for (const recoveryPoint of page.recoveryPoints) {
      state.sourceRecoveryPoints++;
      const classification = classifyRecoveryPoint(recoveryPoint, {
        targetKeyArn: migration.kmsKeyArn,
        now,
        targetVaultLock: migration.targetVaultLock,
        isParentInVault: (arn) => parents.has(arn),
      });
      if (classification.copyable) copyable.push(recoveryPoint);
      else state.skipped[classification.reason] = (state.skipped[classification.reason] ?? 0) + 1;
    }
    const found = await findCopiesInTarget(migration.targetVaultName, copyable, 10);
    const keyCounts = new Map<string, number>();
    for (const recoveryPoint of copyable)
      keyCounts.set(copyKey(recoveryPoint), (keyCounts.get(copyKey(recoveryPoint)) ?? 0) + 1);
    for (const recoveryPoint of copyable) {
      state.copyable++;
      const key = copyKey(recoveryPoint);
      let copies = found.byKey.get(key) ?? [];
      // A copy the listing does not show (yet: AWS lists a completed copy with a lag) is looked up
      // through its copy jobs and read back before it counts as missing.
      const listed = copies.some(isCompleteCopy);
      if (!found.complete || (keyCounts.get(key) ?? 0) > 1 || !listed) {
        const byJobs = await findCopyByJobs(
          recoveryPoint.RecoveryPointArn ?? '',
          migration.targetVaultArn,
          migration.targetVaultName,
        );
        if (byJobs.copy) copies = [byJobs.copy];
        else if (!found.complete || (keyCounts.get(key) ?? 0) > 1) copies = [];
      }
      const verdict = judgeCopy(recoveryPoint, copies, migration);
      if (!verdict.verified) {
        state.missing++;
        if (verdict.newSinceStart) state.newSinceStart++;
        if (state.missingSample.length < SAMPLE_SIZE) {
          state.missingSample.push({ rp: recoveryPoint.RecoveryPointArn ?? '', why: verdict.why });
        }
        continue;
      }
      state.verified++;
      state.encryption[verdict.encryption]++;
      if (verdict.duplicate) state.duplicateCopies++;
      if (verdict.retentionShortened) state.retentionShortened++;
    }
    state.cursor = page.nextToken;
    if (page.nextToken === null) state.done = true;
  }
  state.continueAsNew = !state.done && isSpent(state.budget, config.loopEventsPerExecution);
  if (state.done) {
    state.needsAnotherSweep = state.missing > 0 && sweep + 1 < config.maxSweeps;
    logger.info('verification finished', {
      verified: state.verified,
      missing: state.missing,
      sweep,
      needsAnotherSweep: state.needsAnotherSweep,
    });
  }
  return state;
}

export const handler = lambdaHandler(verifyMigration);
