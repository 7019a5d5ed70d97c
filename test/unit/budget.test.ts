import { describe, expect, it } from 'vitest';
import { isSpent, LOOP_STEP_EVENTS, latestBudget, spend } from '#shared/budget.ts';

describe('the loops history budget', () => {
  it('counts each step of an execution and starts over in a child, while the total keeps growing', () => {
    let budget = spend(undefined, 'root', LOOP_STEP_EVENTS.copyRound);
    budget = spend(budget, 'root', LOOP_STEP_EVENTS.verificationPage);
    expect(budget).toEqual({ execution: 'root', events: 16, total: 16 });
    budget = spend(budget, 'child-1', LOOP_STEP_EVENTS.retirementRound);
    expect(budget).toEqual({ execution: 'child-1', events: 9, total: 25 });
  });

  it('is spent when the next step of any loop could cross the limit', () => {
    expect(isSpent({ execution: 'e', events: 91, total: 91 }, 100)).toBe(false);
    expect(isSpent({ execution: 'e', events: 92, total: 92 }, 100)).toBe(true);
  });

  it('takes the newer of two handed-over budgets by their totals, ignoring absent ones', () => {
    const older = { execution: 'e', events: 40, total: 40 };
    const newer = { execution: 'e', events: 47, total: 47 };
    expect(latestBudget(older, newer)).toBe(newer);
    expect(latestBudget(newer, older)).toBe(newer);
    expect(latestBudget(null, undefined, older)).toBe(older);
    expect(latestBudget(null, undefined)).toBeUndefined();
  });
});
