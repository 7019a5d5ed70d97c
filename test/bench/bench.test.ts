import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseFigures } from '../../bench/figures.ts';
import { type BenchResult, formatTable, runBench } from '../../bench/run.ts';

const SIZE = 40;

describe('the benchmark on a tiny workload', () => {
  let directory: string;
  let written: BenchResult;
  let returned: BenchResult;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'vault-migrator-bench-test-'));
    const out = join(directory, 'latest.json');
    returned = await runBench({ sizes: [SIZE], inProcess: true, out, log: () => undefined });
    written = JSON.parse(readFileSync(out, 'utf8')) as BenchResult;
  }, 60_000);

  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  const find = (design: 'ours' | 'baseline'): CaseFigures => {
    const figures = written.cases.find((item) => item.design === design && item.recoveryPoints === SIZE);
    if (!figures) throw new Error(`no ${design} case in the result file`);
    return figures;
  };

  it('writes the figures it returns to the result file', () => {
    expect(written).toEqual(JSON.parse(JSON.stringify(returned)));
    expect(written.unfinished).toEqual([]);
  });

  it('runs our design and the baseline to the end, each copying every recovery point once', () => {
    for (const design of ['ours', 'baseline'] as const) {
      const figures = find(design);
      expect(figures.status).toBe('SUCCEEDED');
      expect(figures.extrapolated).toBeUndefined();
      expect(figures.copies).toMatchObject({ completed: SIZE, missing: 0, duplicated: 0 });
    }
    // Every case retires its source, each point only once its copy is in the target.
    expect(find('ours').outcome).toBe('MIGRATED_SOURCE_RETIRED');
    expect(find('ours').copies).toMatchObject({ retired: SIZE, retiredWithoutCopy: 0 });
    expect(find('ours').apiCallsByOperation.DeleteRecoveryPoint).toBe(SIZE);
    expect(find('ours').perRecoveryPoint.apiCallsWithoutRetirement).toBeLessThan(
      find('ours').perRecoveryPoint.apiCalls,
    );
  });

  it("measures the report Lambda's peak memory in a process of its own", () => {
    const report = find('ours').reportLambda;
    expect(report?.configuredMb).toBe(1024);
    expect(report?.peakRssMb).toBeGreaterThan(report?.loadedRssMb ?? Number.POSITIVE_INFINITY);
    expect(report?.loadedRssMb).toBeGreaterThan(0);
    expect(find('baseline').reportLambda).toBeUndefined();
  });

  it('records every figure of issue 7 for each case', () => {
    for (const design of ['ours', 'baseline'] as const) {
      const figures = find(design);
      for (const value of [
        figures.perRecoveryPoint.stateTransitions,
        figures.perRecoveryPoint.lambdaInvocations,
        figures.perRecoveryPoint.apiCalls,
        figures.largestPayloadBytes,
        figures.mostHistoryEvents,
        figures.makespan.copyPhaseHours,
        figures.makespan.lowerBoundHours,
        figures.makespanRatio,
        figures.costPer10k.total,
        figures.wallSeconds,
        figures.peakRssMb,
      ]) {
        expect(value).toBeGreaterThan(0);
      }
      expect(figures.makespan.lowerBoundHours).toBeLessThanOrEqual(figures.makespan.copyPhaseHours);
      expect(figures.apiCallsByOperation.StartCopyJob).toBe(SIZE);
    }
  });

  it('counts the baseline polling each copy job, and our design polling far less', () => {
    const baseline = find('baseline');
    const ours = find('ours');
    expect(baseline.apiCallsByOperation.DescribeCopyJob).toBeGreaterThanOrEqual(SIZE);
    expect(baseline.perRecoveryPoint.stateTransitions).toBeGreaterThan(
      ours.perRecoveryPoint.stateTransitions,
    );
  });

  it('judges our design against each target that applies at this size', () => {
    expect(written.verdicts.map((verdict) => verdict.target).sort()).toEqual([
      'AWS API calls per recovery point, in all',
      'AWS API calls per recovery point, to migrate',
      'largest state payload',
      'makespan / lower bound',
      'missing or duplicated copies',
      'most history events in one execution',
      'report Lambda peak memory / configured',
      'source points retired without a copy',
      'state transitions per recovery point',
    ]);
    const lost = written.verdicts.find(
      (verdict) => verdict.target === 'source points retired without a copy',
    );
    expect(lost).toMatchObject({ value: 0, limit: 0, met: true });
    for (const verdict of written.verdicts) expect(typeof verdict.met).toBe('boolean');
  });

  it('names the machine and the workload it ran', () => {
    expect(written.machine.cpus).toBeGreaterThan(0);
    expect(written.machine.node).toMatch(/^v\d+/);
    expect(written.workload).toMatchObject({ sizes: [SIZE], perResource: 5, copyConcurrencyLimit: 100 });
  });

  it('prints a table with both designs side by side', () => {
    const table = formatTable(written);
    expect(table).toContain('40 recovery points');
    expect(table).toMatch(/state transitions \/ RP\s+[\d.]+\s+[\d.]+\s+[\d.,]+x/);
    expect(table).toContain('targets (ours)');
  });
});
