import { describe, expect, it } from 'vitest';
import { MigrateVaultInputSchema } from '#shared/input.ts';
import { planRun } from '../../local/soak/scenario.ts';

const PLANS = Array.from({ length: 50 }, (_, index) => planRun(index + 1));

describe('soak run plans', () => {
  it('are the same for the same seed, so a failing run replays', () => {
    expect(planRun(17)).toEqual(planRun(17));
    expect(planRun(17)).not.toEqual(planRun(18));
  });

  it('give valid MigrateVault inputs whose target is the name the checker reads', () => {
    for (const plan of PLANS) {
      const input = MigrateVaultInputSchema.parse(plan.input);
      expect(input.targetVaultName).toBe(plan.targetVaultName);
    }
  });

  it('generate 20 to 150 recovery points and the faults the issue asks for', () => {
    for (const plan of PLANS) {
      const count = plan.account.vaults?.[0]?.generate?.count ?? 0;
      expect(count).toBeGreaterThanOrEqual(20);
      expect(count).toBeLessThanOrEqual(150);
      expect(plan.faults.throttleRate).toEqual({ '*': 0.1 });
      expect(plan.faults.copyFailureRate).toBe(0.05);
      expect(plan.permanentFailureShare).toBe(0.01);
    }
  });

  it('cover both limit behaviours, deletion asked and not, kills, arrivals and continuations over 50 seeds', () => {
    const behaviours = new Set(PLANS.map((plan) => plan.emulator.limitBehaviour));
    expect([...behaviours].sort()).toEqual(['queue', 'reject']);
    expect(PLANS.some((plan) => plan.input.deleteSourceVault === true)).toBe(true);
    expect(PLANS.some((plan) => plan.input.deleteSourceVault !== true)).toBe(true);
    expect(PLANS.filter((plan) => plan.killAtWait !== undefined).length).toBeGreaterThan(30);
    expect(PLANS.filter((plan) => plan.arrivals.length > 0).length).toBeGreaterThan(20);
    expect(PLANS.some((plan) => plan.environment.MAX_LOOP_EVENTS_PER_EXECUTION !== undefined)).toBe(true);
    expect(PLANS.some((plan) => (plan.faults.emptyVaultDeleteFailures ?? 0) > 0)).toBe(true);
    expect(PLANS.some((plan) => plan.account.vaults?.[0]?.recoveryPoints?.some((rp) => rp.legalHold))).toBe(
      true,
    );
  });
});
