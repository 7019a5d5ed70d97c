/**
 * From what a case counted to the figures of issue 7: per recovery point, makespan against its
 * lower bound, the AWS bill for orchestration, the AWS limits broken and the targets met or missed.
 */
import type { CaseMeasurement, Design } from './case.ts';

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** AWS's limits on one Standard execution. */
export const AWS_LIMITS = { historyEvents: 25_000, payloadBytes: 256 * 1024 } as const;

/** Issue 7's targets for our design. */
export const TARGETS = {
  /** Issue 17: in all, retirement included. */
  stateTransitionsPerRecoveryPoint: 0.3,
  /** Issue 17: to migrate (copy and verification, before the retire step). */
  apiCallsWithoutRetirementPerRecoveryPoint: 1.5,
  /** Issue 17: in all (retirement costs at least one DeleteRecoveryPoint per point). */
  apiCallsPerRecoveryPoint: 2.6,
  makespanRatio: 1.05,
  /** In any one execution, at every size. */
  historyEvents: 20_000,
  payloadBytes: 64 * 1024,
  /** Wall time to simulate 10,000 recovery points on the 2-core machine. */
  wallSecondsAt10k: 60,
  /** The report Lambda's peak memory, as a share of its configured memory (2x headroom). */
  reportLambdaMemoryShare: 0.5,
  /** The 1,000,000-point case on this 2-core, 24 GiB machine. */
  wallSecondsAt1M: 30 * 60,
  peakRssMbAt1M: 8 * 1024,
} as const;

/**
 * us-east-1 list prices, and how a Lambda's billed duration is estimated: the local time its
 * handler ran (its own work and the emulator's answers, in this process) plus an assumed AWS
 * Backup latency per API call it made, at 1,024 MB.
 */
export const PRICING = {
  stateTransitionUsd: 0.025 / 1000,
  lambdaGbSecondUsd: 0.0000166667,
  lambdaRequestUsd: 0.2 / 1_000_000,
  lambdaMemoryGb: 1,
  assumedApiLatencyMs: 30,
} as const;

export interface LimitBroken {
  limit: 'history events' | 'payload';
  value: number;
  max: number;
  /** Where AWS would have failed the execution. */
  failsAt: string;
}

export interface CaseFigures extends CaseMeasurement {
  /** Set when the figures were not simulated but scaled from a smaller simulated size. */
  extrapolated?: { fromRecoveryPoints: number; formula: string };
  perRecoveryPoint: {
    stateTransitions: number;
    lambdaInvocations: number;
    apiCalls: number;
    /** Before the retire step: copy and verification. */
    apiCallsWithoutRetirement: number;
    historyEvents: number;
  };
  /** Copy-phase makespan over its lower bound. */
  makespanRatio: number;
  lambdaEstimate: {
    localMsPerInvocation: number;
    apiCallsPerInvocation: number;
    billedMsPerInvocation: number;
    gbSeconds: number;
  };
  /** Estimated AWS orchestration cost per 10,000 recovery points, USD. */
  costPer10k: { stateTransitions: number; lambdaCompute: number; lambdaRequests: number; total: number };
  limitsBroken: LimitBroken[];
}

export function deriveFigures(measurement: CaseMeasurement): CaseFigures {
  const n = Math.max(1, measurement.recoveryPoints);
  const invocations = Math.max(1, measurement.lambdaInvocations);
  const localMs = measurement.lambdaLocal.busyMs / invocations;
  const apiPerInvocation = measurement.apiCalls / invocations;
  const billedMs = Math.ceil(localMs + apiPerInvocation * PRICING.assumedApiLatencyMs);
  const gbSeconds = (measurement.lambdaInvocations * billedMs * PRICING.lambdaMemoryGb) / 1000;
  const scale = 10_000 / n;
  const transitionsCost = measurement.stateTransitions * PRICING.stateTransitionUsd * scale;
  const computeCost = gbSeconds * PRICING.lambdaGbSecondUsd * scale;
  const requestsCost = measurement.lambdaInvocations * PRICING.lambdaRequestUsd * scale;
  const limitsBroken: LimitBroken[] = [];
  if (measurement.largestPayloadBytes > AWS_LIMITS.payloadBytes) {
    limitsBroken.push({
      limit: 'payload',
      value: measurement.largestPayloadBytes,
      max: AWS_LIMITS.payloadBytes,
      failsAt:
        measurement.design === 'baseline'
          ? 'States.DataLimitExceeded when the listing step returns, before the first copy'
          : 'States.DataLimitExceeded at the state whose output is too large',
    });
  }
  if (measurement.mostHistoryEvents > AWS_LIMITS.historyEvents) {
    // History grows about evenly over the run (a fixed number of events per poll or round).
    const share = AWS_LIMITS.historyEvents / measurement.mostHistoryEvents;
    limitsBroken.push({
      limit: 'history events',
      value: measurement.mostHistoryEvents,
      max: AWS_LIMITS.historyEvents,
      failsAt: `the execution fails when its history reaches 25,000 events, about ${round(share * 100, 1)}% into the run (~${Math.round(share * n).toLocaleString('en-US')} recovery points' worth)`,
    });
  }
  const lowerBound = measurement.makespan.lowerBoundHours;
  return {
    ...measurement,
    perRecoveryPoint: {
      stateTransitions: round(measurement.stateTransitions / n, 3),
      lambdaInvocations: round(measurement.lambdaInvocations / n, 3),
      apiCalls: round(measurement.apiCalls / n, 3),
      apiCallsWithoutRetirement: round(
        (measurement.apiCallsWithoutRetirement ?? measurement.apiCalls) / n,
        3,
      ),
      historyEvents: round(measurement.mostHistoryEvents / n, 3),
    },
    makespanRatio: lowerBound > 0 ? round(measurement.makespan.copyPhaseHours / lowerBound, 3) : 0,
    lambdaEstimate: {
      localMsPerInvocation: round(localMs, 1),
      apiCallsPerInvocation: round(apiPerInvocation, 2),
      billedMsPerInvocation: billedMs,
      gbSeconds: round(gbSeconds, 1),
    },
    costPer10k: {
      stateTransitions: round(transitionsCost, 2),
      lambdaCompute: round(computeCost, 2),
      lambdaRequests: round(requestsCost, 2),
      total: round(transitionsCost + computeCost + requestsCost, 2),
    },
    limitsBroken,
  };
}

/**
 * The baseline at a size too slow to simulate, scaled from the largest simulated size: counts,
 * history events and the listing payload grow with the number of recovery points (one iteration
 * and one ARN each), and so does the makespan (the Map runs 40 iterations at a time, so its
 * throughput does not grow with the vault). The lower bound is the one measured for our design at
 * that size when there is one (same workload), else scaled too.
 */
export function extrapolateBaseline(
  from: CaseFigures,
  recoveryPoints: number,
  lowerBound?: CaseMeasurement['makespan'],
): CaseFigures {
  const factor = recoveryPoints / from.recoveryPoints;
  const scaled = (value: number) => Math.round(value * factor);
  const scaledHours = (value: number) => round(value * factor, 3);
  const measurement: CaseMeasurement = {
    ...from,
    recoveryPoints,
    stateTransitions: scaled(from.stateTransitions),
    lambdaInvocations: scaled(from.lambdaInvocations),
    apiCalls: scaled(from.apiCalls),
    apiCallsWithoutRetirement: scaled(from.apiCallsWithoutRetirement ?? from.apiCalls),
    apiCallsByOperation: Object.fromEntries(
      Object.entries(from.apiCallsByOperation).map(([operation, count]) => [operation, scaled(count)]),
    ),
    largestPayloadBytes: scaled(from.largestPayloadBytes),
    mostHistoryEvents: scaled(from.mostHistoryEvents),
    copies: {
      jobs: scaled(from.copies.jobs),
      completed: scaled(from.copies.completed),
      missing: scaled(from.copies.missing),
      duplicated: scaled(from.copies.duplicated),
      retired: scaled(from.copies.retired ?? 0),
      retiredWithoutCopy: scaled(from.copies.retiredWithoutCopy ?? 0),
    },
    makespan: {
      copyPhaseHours: scaledHours(from.makespan.copyPhaseHours),
      allStartedHours: scaledHours(from.makespan.allStartedHours),
      executionHours: scaledHours(from.makespan.executionHours),
      totalCopyHours: lowerBound?.totalCopyHours ?? scaledHours(from.makespan.totalCopyHours),
      longestChainHours: lowerBound?.longestChainHours ?? from.makespan.longestChainHours,
      lowerBoundHours: lowerBound?.lowerBoundHours ?? scaledHours(from.makespan.lowerBoundHours),
      lowerBoundWithoutStartDelayHours:
        lowerBound?.lowerBoundWithoutStartDelayHours ??
        scaledHours(from.makespan.lowerBoundWithoutStartDelayHours),
    },
    lambdaLocal: { busyMs: scaled(from.lambdaLocal.busyMs) },
    wallSeconds: round(from.wallSeconds * factor, 1),
    peakRssMb: 0,
    reportLambda: undefined,
  };
  return {
    ...deriveFigures(measurement),
    extrapolated: {
      fromRecoveryPoints: from.recoveryPoints,
      formula: `counts, history events, listing payload, makespan and wall time x ${round(factor, 2)} (N / ${from.recoveryPoints}); lower bound ${lowerBound ? "from our design's run at this size" : 'scaled'}; memory not estimated`,
    },
  };
}

export interface TargetVerdict {
  target: string;
  recoveryPoints: number;
  value: number;
  limit: number;
  unit: string;
  met: boolean;
  /** value / limit (the value itself when the limit is 0) */
  ofLimit: number;
}

/** Our design's figures against issue 7's targets, size by size where the target applies. */
export function verdicts(ours: readonly CaseFigures[]): TargetVerdict[] {
  const found: TargetVerdict[] = [];
  const add = (target: string, figures: CaseFigures, value: number, limit: number, unit: string) => {
    found.push({
      target,
      recoveryPoints: figures.recoveryPoints,
      value,
      limit,
      unit,
      met: figures.status === 'SUCCEEDED' && value <= limit,
      // A limit of 0 (nothing lost): the share is the count itself, 0 when met.
      ofLimit: limit > 0 ? round(value / limit, 3) : value,
    });
  };
  for (const figures of ours) {
    if (figures.extrapolated) continue;
    const perRp = figures.perRecoveryPoint;
    add(
      'state transitions per recovery point',
      figures,
      perRp.stateTransitions,
      TARGETS.stateTransitionsPerRecoveryPoint,
      '',
    );
    add(
      'AWS API calls per recovery point, to migrate',
      figures,
      perRp.apiCallsWithoutRetirement,
      TARGETS.apiCallsWithoutRetirementPerRecoveryPoint,
      '',
    );
    add(
      'AWS API calls per recovery point, in all',
      figures,
      perRp.apiCalls,
      TARGETS.apiCallsPerRecoveryPoint,
      '',
    );
    add('makespan / lower bound', figures, figures.makespanRatio, TARGETS.makespanRatio, 'x');
    add(
      'most history events in one execution',
      figures,
      figures.mostHistoryEvents,
      TARGETS.historyEvents,
      'events',
    );
    add('largest state payload', figures, figures.largestPayloadBytes, TARGETS.payloadBytes, 'bytes');
    add('source points retired without a copy', figures, figures.copies.retiredWithoutCopy, 0, '');
    add('missing or duplicated copies', figures, figures.copies.missing + figures.copies.duplicated, 0, '');
    if (figures.reportLambda) {
      add(
        'report Lambda peak memory / configured',
        figures,
        round(figures.reportLambda.peakRssMb / figures.reportLambda.configuredMb, 3),
        TARGETS.reportLambdaMemoryShare,
        '',
      );
    }
    if (figures.recoveryPoints === 10_000) {
      add('wall time to simulate', figures, figures.wallSeconds, TARGETS.wallSecondsAt10k, 's');
    }
    if (figures.recoveryPoints === 1_000_000) {
      add('wall time to simulate', figures, figures.wallSeconds, TARGETS.wallSecondsAt1M, 's');
      add('peak RSS of the bench', figures, figures.peakRssMb, TARGETS.peakRssMbAt1M, 'MB');
    }
  }
  return found;
}

export function byDesign(cases: readonly CaseFigures[], design: Design): CaseFigures[] {
  return cases.filter((figures) => figures.design === design);
}
