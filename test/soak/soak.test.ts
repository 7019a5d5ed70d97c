/**
 * The short soak `npm test` runs: a few seeded migrations under every fault, checked by the
 * invariant checker. The seeds are picked to be quick and to cover a retired source, a source kept
 * (legal hold), an incomplete migration (a copy that always fails), kills followed by a fresh
 * start, and backups landing mid-migration. `npm run soak` runs 50.
 */
import { describe, expect, it } from 'vitest';
import { formatSummary, runSoak, soakRun } from '../../local/soak/soak.ts';

describe('the soak', () => {
  it('keeps every promise over a few seeded runs under faults', async () => {
    const summary = await runSoak({ runs: 0, seed: 0 });
    expect(summary.results).toEqual([]);

    const results = [];
    for (const seed of [28, 31, 34]) results.push(await soakRun(seed));
    const violations = results.flatMap((result) =>
      result.violations.map(
        (violation) => `seed ${result.seed}: [${violation.invariant}] ${violation.detail}`,
      ),
    );
    expect(violations).toEqual([]);

    const injected = results.map((result) => result.injected);
    expect(injected.every((faults) => faults.throttles > 0)).toBe(true);
    expect(injected.reduce((sum, faults) => sum + faults.kills, 0)).toBeGreaterThan(0);
    expect(injected.reduce((sum, faults) => sum + faults.arrivals, 0)).toBeGreaterThan(0);
    expect(injected.reduce((sum, faults) => sum + faults.permanentCopyFailures, 0)).toBeGreaterThan(0);
  }, 60_000);

  it('sees a recovery point deleted behind the migrator, and names the seed that replays it', async () => {
    const result = await soakRun(27, {
      keepFailedReports: false,
      // A source recovery point and its copy disappear: as if the migrator had lost it.
      tamper: (emulator, plan) => {
        const target = emulator.backup.vaults.get(plan.targetVaultName);
        const copy = [...(target?.recoveryPoints.values() ?? [])][0];
        if (!copy || !target) throw new Error('the run made no copy');
        emulator.backup.loseRecoveryPoint(target.name, copy.arn);
        const source = emulator.backup.vaults.get(plan.sourceVaultName);
        for (const recoveryPoint of source?.recoveryPoints.values() ?? []) {
          if (
            recoveryPoint.resourceArn === copy.resourceArn &&
            recoveryPoint.creationDate.getTime() === copy.creationDate.getTime()
          ) {
            emulator.backup.loseRecoveryPoint(plan.sourceVaultName, recoveryPoint.arn);
          }
        }
      },
    });
    expect(result.violations.map((violation) => violation.invariant)).toContain('nothing-lost');
    const lines = formatSummary({
      results: [result],
      passed: 0,
      failed: 1,
      injected: result.injected,
      violations: result.violations.length,
    });
    expect(lines).toContain('seed 27 FAILED (replay: npm run soak -- --runs 1 --seed 27)');
    expect(lines.at(-1)).toBe('0 passed, 1 failed');
  }, 30_000);
});
