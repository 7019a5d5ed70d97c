/**
 * One history budget per execution for every loop of MigrateVault (copy rounds, verification
 * pages, retirement rounds). Step Functions fails an execution at 25,000 history events and says
 * nothing to the execution about its count, so each loop step adds what it costs to a budget that
 * travels with the loop's state; when the next step could cross it, the loop carries on in a child
 * execution of the state machine, whose history starts empty.
 *
 * The budget is handed from loop to loop (copy -> verify -> copy -> ... -> retire) by the Pass
 * states between them; `total` only grows, so of two budgets the one with the larger total is the
 * newer. A budget of another execution (a child started with the carried state) starts over.
 */
import { z } from 'zod';

export const HistoryBudgetSchema = z.object({
  /** `$$.Execution.Name` of the execution the events were counted in. */
  execution: z.string(),
  /** Events this execution's loops have used. */
  events: z.number().int().nonnegative(),
  /** Events all executions of the migration's loops have used (names the child executions). */
  total: z.number().int().nonnegative(),
});

export type HistoryBudget = z.infer<typeof HistoryBudgetSchema>;

/**
 * History events of one step of each loop, as AWS records them: a Task state is 5 (entered,
 * scheduled, started, succeeded, exited), a Choice or a Wait 2.
 */
export const LOOP_STEP_EVENTS = {
  /** Task, Choice, Wait. */
  copyRound: 9,
  /** Task, Choice (pages follow each other without a Wait). */
  verificationPage: 7,
  /** Task, Choice, Wait. */
  retirementRound: 9,
} as const;

/** The most a single step of any loop costs: a budget with less left than this is spent. */
const LARGEST_STEP = Math.max(...Object.values(LOOP_STEP_EVENTS));

/** The newer of the budgets a step was given (absent ones ignored). */
export function latestBudget(
  ...budgets: ReadonlyArray<HistoryBudget | null | undefined>
): HistoryBudget | undefined {
  let latest: HistoryBudget | undefined;
  for (const budget of budgets) if (budget && (!latest || budget.total > latest.total)) latest = budget;
  return latest;
}

/** The budget after a step that cost `events`, in execution `execution`. */
export function spend(budget: HistoryBudget | undefined, execution: string, events: number): HistoryBudget {
  const sameExecution = budget !== undefined && budget.execution === execution;
  return {
    execution,
    events: (sameExecution ? budget.events : 0) + events,
    total: (budget?.total ?? 0) + events,
  };
}

/** Whether the next step of any loop could take this execution past `limit` events. */
export function isSpent(budget: HistoryBudget, limit: number): boolean {
  return budget.events + LARGEST_STEP > limit;
}
