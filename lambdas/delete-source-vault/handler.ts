/**
 * Retire the source (DESIGN step 7): delete the source recovery points whose copies are verified,
 * then the vault, reading every deletion back. One invocation handles a bounded batch; the state
 * machine calls it again after `waitSeconds` until `done`.
 */
import { z } from 'zod';
import { HistoryBudgetSchema, isSpent, LOOP_STEP_EVENTS, latestBudget, spend } from '#shared/budget.ts';
import { currentTime } from '#shared/clock.ts';
import { readConfig } from '#shared/config.ts';
import type { RetirementEvent } from '#shared/contracts.ts';
import { DeletionNotAllowed } from '#shared/errors.ts';
import { lambdaHandler } from '#shared/handler.ts';
import { VAULT_NAME_PATTERN } from '#shared/input.ts';
import { logger } from '#shared/logger.ts';
import { publishRound } from '#shared/metrics.ts';
import { MigrationSchema, parseEvent } from '#shared/schemas.ts';
import {
  deletionRefusal,
  initialProgress,
  RETIREMENT_LIMITS,
  type RetirementProgress,
  reasonToKeepEverything,
} from './decide.ts';
import { RetirementRound } from './round.ts';

export * from './decide.ts';

const count = z.number().int().min(0);

const RetirementEventSchema = z.looseObject({
  // The vault names go into request paths: hold them to AWS's own pattern.
  migration: MigrationSchema.extend({
    sourceVaultName: z.string().regex(VAULT_NAME_PATTERN),
    targetVaultName: z.string().regex(VAULT_NAME_PATTERN),
  }),
  verification: z.looseObject({
    done: z.boolean(),
    missing: count,
    verified: count.default(0),
    budget: HistoryBudgetSchema.optional(),
  }),
  planRepoint: z
    .looseObject({
      failures: z.array(
        z.looseObject({ backupPlanId: z.string(), backupPlanName: z.string().nullish(), reason: z.string() }),
      ),
    })
    .nullish(),
  retirement: z
    .object({
      cursor: z.string().nullable(),
      done: z.boolean(),
      deleted: count,
      retiredWithExpiry: count,
      kept: z.record(z.string(), count),
      keptSample: z.array(z.object({ rp: z.string(), why: z.string() })),
      awaitingConfirmation: count,
      vaultDeleted: z.boolean(),
      vaultDeleteAttempts: count,
      vaultKeptBecause: z.string().nullish(),
      waitSeconds: count,
      // Progress fields of RetirementProgress; absent from a state written to the bare contract.
      pass: z.number().int().min(1).default(1),
      listingDone: z.boolean().default(false),
      pending: z.array(z.string()).max(RETIREMENT_LIMITS.maxPending).default([]),
      pendingWithParent: z.array(z.string()).max(RETIREMENT_LIMITS.maxPending).default([]),
      pendingSince: z.string().nullable().default(null),
      pendingWindow: z
        .union([z.tuple([z.number(), z.number()]), z.literal('UNDATED')])
        .nullable()
        .default(null),
      deletionWaits: count.default(0),
      retryLater: count.default(0),
      parentsRefused: z.array(z.string()).max(RETIREMENT_LIMITS.maxParentsRefused).default([]),
      twinKeys: z.array(z.string()).max(RETIREMENT_LIMITS.maxTwinKeys).default([]),
      twinKeysOverflow: z.boolean().default(false),
      budget: HistoryBudgetSchema.optional(),
      continueAsNew: z.boolean().optional(),
    })
    .nullish(),
  executionName: z.string().optional(),
});

type ParsedRetirement = z.output<typeof RetirementEventSchema>['retirement'];

function resume(previous: ParsedRetirement): RetirementProgress {
  if (previous === null || previous === undefined) {
    return initialProgress();
  }
  const { vaultKeptBecause, ...rest } = previous;
  return {
    ...rest,
    kept: { ...rest.kept },
    keptSample: [...rest.keptSample],
    pending: [...rest.pending],
    pendingWithParent: [...rest.pendingWithParent],
    pendingWindow: Array.isArray(rest.pendingWindow)
      ? [rest.pendingWindow[0], rest.pendingWindow[1]]
      : rest.pendingWindow,
    parentsRefused: [...rest.parentsRefused],
    twinKeys: [...rest.twinKeys],
    ...(vaultKeptBecause ? { vaultKeptBecause } : {}),
  };
}

/**
 * One round of the retirement (event: `RetirementEvent`, output at `$.retirement`). `now` is the
 * time retention is judged at (the emulator's clock in local runs). Throws `InvalidInput` for a
 * malformed event and `DeletionNotAllowed` when the migration or the deployment does not allow
 * deleting, both before any AWS call.
 */
export async function deleteSourceVault(
  rawEvent: unknown,
  now: Date = currentTime(),
): Promise<RetirementProgress> {
  const event = parseEvent(RetirementEventSchema, rawEvent, 'delete-source-vault');
  const config = readConfig();
  const refusal = deletionRefusal(event.migration, config.allowSourceDeletion);
  if (refusal !== null) {
    throw new DeletionNotAllowed(refusal);
  }
  // A retirement that already finished is handed back as it is (nothing called, nothing spent).
  if (event.retirement?.done) return resume(event.retirement);
  const deletedBefore = event.retirement?.deleted ?? 0;
  const state = accountFor(await retirementRound(event, now), event, config.loopEventsPerExecution);
  publishRound(event.migration.sourceVaultName, { recoveryPointsRetired: state.deleted - deletedBefore });
  logger.info('Retirement round', {
    pass: state.pass,
    listingDone: state.listingDone,
    deleted: state.deleted,
    retiredWithExpiry: state.retiredWithExpiry,
    awaitingConfirmation: state.awaitingConfirmation,
    kept: state.kept,
    vaultDeleted: state.vaultDeleted,
    done: state.done,
    continueAsNew: state.continueAsNew,
  });
  return state;
}

/** The round's state with this round's history events spent from the execution's budget. */
function accountFor(
  state: RetirementProgress,
  event: z.output<typeof RetirementEventSchema>,
  loopEventsPerExecution: number,
): RetirementProgress {
  const budget = spend(
    latestBudget(event.retirement?.budget, event.verification.budget),
    event.executionName ?? event.migration.executionId,
    LOOP_STEP_EVENTS.retirementRound,
  );
  return { ...state, budget, continueAsNew: !state.done && isSpent(budget, loopEventsPerExecution) };
}

async function retirementRound(
  event: z.output<typeof RetirementEventSchema>,
  now: Date,
): Promise<RetirementProgress> {
  const state = resume(event.retirement);
  const keepEverything = reasonToKeepEverything(event.verification, event.planRepoint);
  if (keepEverything !== null) {
    return { ...state, done: true, waitSeconds: 0, vaultKeptBecause: `Source vault kept: ${keepEverything}` };
  }
  const round = new RetirementRound({ migration: event.migration }, state, now);
  await round.run();
  return state;
}

export const handler = lambdaHandler((event: RetirementEvent) => deleteSourceVault(event));
