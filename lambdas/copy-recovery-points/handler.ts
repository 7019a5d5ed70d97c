/**
 * The copy pump: one round per invocation. It refreshes the copy jobs in flight with one listing,
 * retries failed copies a bounded number of times, and starts new copies up to the concurrency
 * limit, one at a time per resource, reading the source page by page. Everything it carries is
 * bounded (two open pages, the jobs in flight, counters), whatever the size of the vault.
 */
import {
  type CopyJob,
  DescribeCopyJobCommand,
  type Lifecycle,
  ListCopyJobsCommand,
  StartCopyJobCommand,
} from '@aws-sdk/client-backup';
import { z } from 'zod';
import { HistoryBudgetSchema, isSpent, LOOP_STEP_EVENTS, latestBudget, spend } from '#shared/budget.ts';
import { type Classification, classifyRecoveryPoint } from '#shared/classify.ts';
import { backupClient } from '#shared/clients.ts';
import { currentTime } from '#shared/clock.ts';
import { readConfig, required } from '#shared/config.ts';
import type {
  CopyEvent,
  CopyState,
  InFlightCopy,
  ListingCursor,
  Migration,
  OpenPage,
} from '#shared/contracts.ts';
import { copyJobOutcome, failedJobReason, isCompleteCopy } from '#shared/copy-outcome.ts';
import { describeRecoveryPoint } from '#shared/describe.ts';
import { describeError, isAwsError } from '#shared/errors.ts';
import { lambdaHandler } from '#shared/handler.ts';
import {
  copyKey,
  findCopiesInTarget,
  findCopyByJobs,
  type ListedRecoveryPoint,
  listCopyJobs,
  listSourceWindow,
  PAGE_SIZE,
  parentsInVault,
  probeSourceWindow,
} from '#shared/ledger.ts';
import { logger } from '#shared/logger.ts';
import { publishRound } from '#shared/metrics.ts';
import { MigrationSchema, parseEvent } from '#shared/schemas.ts';
import {
  addSample,
  copyToken,
  HandledSet,
  initialCopyState,
  nextWaitSeconds,
  updateMeanCopySeconds,
} from './pump.ts';

const CopyEventSchema = z.looseObject({
  migration: MigrationSchema,
  copy: z.looseObject({ sweep: z.number().int().min(-1) }).nullish(),
  sweep: z.number().int().min(0).optional(),
  executionName: z.string().optional(),
  budget: HistoryBudgetSchema.nullish(),
});

const count = z.number().int().min(0);

/**
 * The pump's carried state (`CopyState`), checked field by field before a round trusts it: jobs in
 * flight, retries and open pages decide what is copied next. Fields a state of an earlier version
 * may lack have defaults.
 */
const CarriedCopyStateSchema = z.looseObject({
  sweep: z.number().int().min(-1),
  pages: z.array(
    z.looseObject({ from: z.number(), to: z.number(), done: z.string(), checked: z.boolean().optional() }),
  ),
  cursor: z.looseObject({ next: z.number(), span: z.number().positive(), end: z.number() }).optional(),
  listingDone: z.boolean(),
  adopted: z.boolean(),
  checkJobsFirst: z.boolean().optional(),
  inFlight: z.array(
    z.looseObject({ j: z.string().min(1), rp: z.string().min(1), r: z.string(), a: count, t: z.string() }),
  ),
  retries: z.array(z.looseObject({ rp: z.string().min(1), r: z.string(), a: count, why: z.string() })),
  failureSample: z.array(z.looseObject({ rp: z.string(), why: z.string() })).default([]),
  counters: z.looseObject({
    listed: count.default(0),
    started: count.default(0),
    completed: count.default(0),
    failedAttempts: count.default(0),
    retried: count.default(0),
    permanentlyFailed: count.default(0),
    skipped: count.default(0),
    alreadyCopied: count.default(0),
    throttled: count.default(0),
    rounds: count.default(0),
  }),
  meanCopySeconds: z.number().positive(),
  waitSeconds: z.number().min(0).default(0),
  done: z.boolean(),
  budget: HistoryBudgetSchema.optional(),
  continueAsNew: z.boolean().default(false),
});

/**
 * The event with its carried state checked: the loop's seed (`{ sweep: -1 }`, no jobs) passes as
 * it is; a state that carries jobs must be whole.
 */
function parseCopyEvent(event: unknown): CopyEvent {
  const parsed = parseEvent(CopyEventSchema, event, 'copy-recovery-points') as CopyEvent;
  if (parsed.copy && 'inFlight' in parsed.copy) {
    const { copy } = parseEvent(
      z.looseObject({ copy: CarriedCopyStateSchema }),
      { copy: parsed.copy },
      'copy-recovery-points',
    );
    return { ...parsed, copy: copy as CopyState };
  }
  return parsed;
}

/**
 * Entries per window of the source: AWS's largest page. A resource's copies run one after
 * another, so the pump must see as many of each resource's recovery points as it can to start
 * the longest chains first; with 400-entry windows (the former size) a 1,000-point vault took four
 * windows, the last opened only when the first was finished, and its chains started 1.7 h late
 * (bench, 1,000 points: makespan 1.686 x the bound, now 1.335 x; API calls per point 1.44 -> 1.26).
 */
export const SOURCE_PAGE_SIZE = PAGE_SIZE;

/** The sweep's listing ends this long after its first round (a Lambda's clock may lag AWS's a little). */
const CLOCK_MARGIN_MS = 5 * 60_000;

/** Narrowings of one window per opening before it is read whole, page tokens and all. */
const MAX_PROBES_PER_WINDOW = 30;

/** At most this many pages of the source are open at once: the oldest unfinished one and two look-aheads, so that a few
 * recovery points waiting for their resource do not leave slots idle. */
const MAX_OPEN_PAGES = 3;

type StartResult = 'started' | 'pushed-back' | 'gone' | { permanent: string };

class Round {
  private readonly busyResources: Set<string>;
  private readonly tracked: Set<string>;
  pushedBack = false;

  constructor(
    private readonly migration: Migration,
    readonly state: CopyState,
    private readonly copyRoleArn: string,
    private readonly maxAttempts: number,
    private readonly now: Date,
  ) {
    this.busyResources = new Set(state.inFlight.map((copy) => copy.r));
    this.tracked = new Set([
      ...state.inFlight.map((copy) => copy.rp),
      ...state.retries.map((retry) => retry.rp),
    ]);
  }

  private get capacity(): number {
    return this.migration.maxConcurrentCopies - this.state.inFlight.length;
  }

  private follow(copy: InFlightCopy): void {
    this.state.inFlight.push(copy);
    this.busyResources.add(copy.r);
    this.tracked.add(copy.rp);
  }

  /** Picks up copies into the target that an earlier run of this migration left in flight. */
  async adoptEarlierJobs(): Promise<void> {
    if (this.state.adopted) return;
    for (const state of ['CREATED', 'RUNNING'] as const) {
      const jobs = await listCopyJobs({
        ByDestinationVaultArn: this.migration.targetVaultArn,
        ByState: state,
      });
      for (const job of jobs) {
        if (job.SourceBackupVaultArn !== this.migration.sourceVaultArn || !job.CopyJobId) continue;
        if (!job.SourceRecoveryPointArn || this.tracked.has(job.SourceRecoveryPointArn)) continue;
        this.follow({
          j: job.CopyJobId,
          rp: job.SourceRecoveryPointArn,
          r: job.ResourceArn ?? job.SourceRecoveryPointArn,
          a: 0,
          t: (job.CreationDate ?? this.now).toISOString(),
        });
      }
    }
    this.state.checkJobsFirst = this.state.sweep > 0 || (await this.targetHasCopyJobs());
    this.state.adopted = true;
  }

  /** Whether any copy job into the target exists yet (one call, one entry). */
  private async targetHasCopyJobs(): Promise<boolean> {
    const page = await backupClient().send(
      new ListCopyJobsCommand({ ByDestinationVaultArn: this.migration.targetVaultArn, MaxResults: 1 }),
    );
    return (page.CopyJobs ?? []).length > 0;
  }

  /** One listing of the target's recent copy jobs tells how every job in flight is doing. */
  async refreshInFlight(): Promise<void> {
    if (this.state.inFlight.length === 0) return;
    const oldest = Math.min(...this.state.inFlight.map((copy) => Date.parse(copy.t)));
    const jobs = await listCopyJobs({
      ByDestinationVaultArn: this.migration.targetVaultArn,
      ByCreatedAfter: new Date(oldest - 1000),
    });
    const byId = new Map(jobs.map((job) => [job.CopyJobId, job]));
    const stillRunning: InFlightCopy[] = [];
    for (const copy of this.state.inFlight) {
      const job = byId.get(copy.j) ?? (await this.describeJob(copy.j));
      const outcome = job ? copyJobOutcome(job.State) : 'FAILED';
      if (outcome === 'IN_FLIGHT') {
        stillRunning.push(copy);
        continue;
      }
      this.busyResources.delete(copy.r);
      if (outcome === 'COMPLETED') {
        this.state.counters.completed++;
        const seconds =
          job?.CompletionDate && job.CreationDate
            ? (job.CompletionDate.getTime() - job.CreationDate.getTime()) / 1000
            : Number.NaN;
        this.state.meanCopySeconds = updateMeanCopySeconds(
          this.state.meanCopySeconds,
          seconds,
          this.state.counters.completed,
        );
        this.tracked.delete(copy.rp);
        continue;
      }
      const why = job ? failedJobReason(job.State, job.StatusMessage) : 'copy job no longer found';
      this.state.counters.failedAttempts++;
      if (copy.a + 1 < this.maxAttempts) {
        this.state.retries.push({ rp: copy.rp, r: copy.r, a: copy.a + 1, why });
      } else {
        this.permanentFailure(copy.rp, why);
      }
    }
    this.state.inFlight = stillRunning;
  }

  private async describeJob(jobId: string): Promise<CopyJob | undefined> {
    try {
      return (await backupClient().send(new DescribeCopyJobCommand({ CopyJobId: jobId }))).CopyJob;
    } catch (error) {
      if (isAwsError(error, 'ResourceNotFoundException')) return undefined;
      throw error;
    }
  }

  private permanentFailure(recoveryPointArn: string, why: string): void {
    this.state.counters.permanentlyFailed++;
    this.tracked.delete(recoveryPointArn);
    addSample(this.state.failureSample, { rp: recoveryPointArn, why });
    logger.warn('copy failed permanently', { recoveryPointArn, why });
  }

  private classify(recoveryPoint: ListedRecoveryPoint, parents: Set<string>): Classification {
    return classifyRecoveryPoint(recoveryPoint, {
      targetKeyArn: this.migration.kmsKeyArn,
      now: this.now,
      targetVaultLock: this.migration.targetVaultLock,
      isParentInVault: (arn) => parents.has(arn),
    });
  }

  private async start(
    recoveryPointArn: string,
    resourceArn: string,
    attempt: number,
    lifecycle: Lifecycle | undefined,
  ) {
    let result: StartResult;
    try {
      const started = await backupClient().send(
        new StartCopyJobCommand({
          RecoveryPointArn: recoveryPointArn,
          SourceBackupVaultName: this.migration.sourceVaultName,
          DestinationBackupVaultArn: this.migration.targetVaultArn,
          IamRoleArn: this.copyRoleArn,
          IdempotencyToken: copyToken({
            runId: this.migration.executionId,
            targetVaultArn: this.migration.targetVaultArn,
            recoveryPointArn,
            sweep: this.state.sweep,
            attempt,
          }),
          Lifecycle: lifecycle,
        }),
      );
      this.follow({
        j: started.CopyJobId ?? '',
        rp: recoveryPointArn,
        r: resourceArn,
        a: attempt,
        t: (started.CreationDate ?? this.now).toISOString(),
      });
      this.state.counters.started++;
      if (attempt > 0) this.state.counters.retried++;
      result = 'started';
    } catch (error) {
      if (isAwsError(error, 'LimitExceededException', 'ThrottlingException', 'ServiceUnavailableException')) {
        // Past a quota or the rate limit: stop starting for this round and wait longer.
        this.pushedBack = true;
        this.state.counters.throttled++;
        result = 'pushed-back';
      } else if (isAwsError(error, 'ResourceNotFoundException')) {
        result = 'gone';
      } else if (isAwsError(error, 'InvalidRequestException', 'InvalidParameterValueException')) {
        result = { permanent: `StartCopyJob refused: ${describeError(error)}` };
      } else {
        throw error;
      }
    }
    return result;
  }

  /** Failed copies go first, each once its resource is free. */
  async startRetries(): Promise<void> {
    const waiting = this.state.retries;
    this.state.retries = [];
    for (const retry of waiting) {
      if (this.pushedBack || this.capacity <= 0 || this.busyResources.has(retry.r)) {
        this.state.retries.push(retry);
        continue;
      }
      const recoveryPoint: ListedRecoveryPoint | undefined = await describeRecoveryPoint(
        backupClient(),
        this.migration.sourceVaultName,
        retry.rp,
      );
      if (recoveryPoint === undefined) {
        this.tracked.delete(retry.rp);
        this.state.counters.skipped++;
        continue;
      }
      const parents = await parentsInVault(this.migration.sourceVaultName, [recoveryPoint]);
      const classification = this.classify(recoveryPoint, parents);
      if (!classification.copyable) {
        this.tracked.delete(retry.rp);
        this.state.counters.skipped++;
        continue;
      }
      const result = await this.start(retry.rp, retry.r, retry.a, classification.lifecycle);
      if (result === 'pushed-back') this.state.retries.push(retry);
      else if (typeof result === 'object') this.permanentFailure(retry.rp, result.permanent);
    }
  }

  /** The sweep's listing cursor: from the earliest creation time to a little after now. */
  private get cursor(): ListingCursor {
    this.state.cursor ??= {
      next: 0,
      span: this.now.getTime() + CLOCK_MARGIN_MS,
      end: this.now.getTime() + CLOCK_MARGIN_MS,
    };
    return this.state.cursor;
  }

  /**
   * Opens the next window of the source: as wide as the last ones suggest, narrowed (to the median
   * creation time of what came back) while it holds more than a page. Returns undefined when the
   * sweep's listing has reached its end.
   */
  private async openWindow(): Promise<{ page: OpenPage; recoveryPoints: ListedRecoveryPoint[] } | undefined> {
    const cursor = this.cursor;
    if (cursor.next >= cursor.end) return undefined;
    const pageSize = SOURCE_PAGE_SIZE;
    const from = cursor.next;
    let to = Math.min(cursor.end, from + Math.max(1, cursor.span));
    let recoveryPoints: ListedRecoveryPoint[] | undefined;
    for (let probes = 0; probes < MAX_PROBES_PER_WINDOW && to - from > 1; probes++) {
      const probe = await probeSourceWindow(this.migration.sourceVaultName, from, to, pageSize);
      if (!probe.more) {
        recoveryPoints = probe.recoveryPoints;
        break;
      }
      const times = probe.recoveryPoints
        .map((rp) => rp.CreationDate?.getTime() ?? from)
        .sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)];
      to = median !== undefined && median > from ? median : from + Math.max(1, Math.floor((to - from) / 2));
    }
    // A window that could not be narrowed (many recovery points created at one instant) is read whole.
    recoveryPoints ??= await listSourceWindow(this.migration.sourceVaultName, from, to, pageSize);
    const width = to - from;
    const fill = recoveryPoints.length / pageSize;
    cursor.span = fill <= 0 ? width * 4 : Math.round(width * Math.min(4, Math.max(0.5, 0.75 / fill)));
    cursor.next = to;
    return { page: { from, to, done: '' }, recoveryPoints };
  }

  /** Reads open pages of the source and starts copies from them until the limit is reached. */
  async startFromListing(): Promise<void> {
    const pages = this.state.pages;
    let index = 0;
    while (!this.pushedBack && this.capacity > 0 && !this.state.listingDone) {
      let page = pages[index];
      let recoveryPoints: ListedRecoveryPoint[];
      if (page === undefined) {
        if (pages.length >= MAX_OPEN_PAGES) break;
        const opened = await this.openWindow();
        if (opened === undefined) {
          if (pages.length === 0) this.state.listingDone = true;
          break;
        }
        pages.push(opened.page);
        page = opened.page;
        recoveryPoints = opened.recoveryPoints;
      } else {
        recoveryPoints = await listSourceWindow(
          this.migration.sourceVaultName,
          page.from,
          page.to,
          SOURCE_PAGE_SIZE,
        );
      }
      const handled = new HandledSet(page.done);
      const pending = recoveryPoints.filter((rp) => rp.RecoveryPointArn && !handled.has(rp.RecoveryPointArn));
      await this.handlePending(pending, handled, page.checked !== true);
      page.checked = true;
      page.done = handled.encode();
      const complete = recoveryPoints.every((rp) => !rp.RecoveryPointArn || handled.has(rp.RecoveryPointArn));
      if (complete && index === 0) {
        // Finished: the window is closed, the next open one (or a new one) comes first.
        pages.shift();
      } else {
        index++;
      }
    }
  }

  private markHandled(handled: HandledSet, arn: string): void {
    handled.add(arn);
    this.state.counters.listed++;
  }

  private async handlePending(
    pending: ListedRecoveryPoint[],
    handled: HandledSet,
    searchTarget: boolean,
  ): Promise<void> {
    if (pending.length === 0) return;
    const parents = await parentsInVault(this.migration.sourceVaultName, pending);
    const copyable: Array<{ recoveryPoint: ListedRecoveryPoint; lifecycle: Lifecycle | undefined }> = [];
    for (const recoveryPoint of pending) {
      const arn = recoveryPoint.RecoveryPointArn as string;
      const classification = this.classify(recoveryPoint, parents);
      if (classification.copyable) {
        copyable.push({ recoveryPoint, lifecycle: classification.lifecycle });
      } else {
        this.markHandled(handled, arn);
        this.state.counters.skipped++;
      }
    }
    if (copyable.length === 0) return;
    // Copies that already exist (an earlier run, a resumed or redriven execution) are not made again.
    const untracked = copyable.filter(
      ({ recoveryPoint }) => !this.tracked.has(recoveryPoint.RecoveryPointArn as string),
    );
    const existing = searchTarget
      ? await findCopiesInTarget(
          this.migration.targetVaultName,
          untracked.map(({ recoveryPoint }) => recoveryPoint),
        )
      : { byKey: new Map<string, ListedRecoveryPoint[]>(), complete: true, calls: 0 };
    // Two recovery points of one resource created at the same instant would share a copy key:
    // those are checked one by one through their copy jobs instead.
    const keyCounts = new Map<string, number>();
    for (const { recoveryPoint } of copyable) {
      keyCounts.set(copyKey(recoveryPoint), (keyCounts.get(copyKey(recoveryPoint)) ?? 0) + 1);
    }
    for (const { recoveryPoint, lifecycle } of longestChainsFirst(copyable)) {
      const arn = recoveryPoint.RecoveryPointArn as string;
      const resourceArn = recoveryPoint.ResourceArn ?? arn;
      const ambiguous = (keyCounts.get(copyKey(recoveryPoint)) ?? 0) > 1;
      if (this.tracked.has(arn)) {
        this.markHandled(handled, arn);
        continue;
      }
      if (!ambiguous && (existing.byKey.get(copyKey(recoveryPoint)) ?? []).some(isCompleteCopy)) {
        this.markHandled(handled, arn);
        this.state.counters.alreadyCopied++;
        continue;
      }
      if (this.pushedBack || this.capacity <= 0) break;
      if (this.busyResources.has(resourceArn)) continue;
      if (!existing.complete || ambiguous || this.state.checkJobsFirst === true) {
        const found = await findCopyByJobs(
          arn,
          this.migration.targetVaultArn,
          this.migration.targetVaultName,
        );
        if (found.copy) {
          this.markHandled(handled, arn);
          this.state.counters.alreadyCopied++;
          continue;
        }
        if (found.activeJob?.CopyJobId) {
          this.follow({
            j: found.activeJob.CopyJobId,
            rp: arn,
            r: resourceArn,
            a: 0,
            t: this.now.toISOString(),
          });
          this.markHandled(handled, arn);
          continue;
        }
      }
      const result = await this.start(arn, resourceArn, 0, lifecycle);
      if (result === 'pushed-back') break;
      this.markHandled(handled, arn);
      if (result === 'gone') this.state.counters.skipped++;
      else if (typeof result === 'object') this.permanentFailure(arn, result.permanent);
    }
  }

  finish(): CopyState {
    const state = this.state;
    state.done =
      state.listingDone &&
      state.pages.length === 0 &&
      state.inFlight.length === 0 &&
      state.retries.length === 0;
    state.waitSeconds = state.done
      ? 0
      : nextWaitSeconds({
          inFlight: state.inFlight.length,
          maxConcurrentCopies: this.migration.maxConcurrentCopies,
          meanCopySeconds: state.meanCopySeconds,
          pushedBack: this.pushedBack,
          previousWait: state.waitSeconds,
        });
    return state;
  }
}

/**
 * The order copies start in: the resources with the most recovery points still to copy first
 * (a resource's copies run one after another, so its chain is what the last copy waits for), in
 * listing order among equals. Without it the makespan is the tail of the chains that started last.
 */
export function longestChainsFirst<T extends { recoveryPoint: ListedRecoveryPoint }>(candidates: T[]): T[] {
  const chain = new Map<string, number>();
  const resourceOf = (candidate: T) =>
    candidate.recoveryPoint.ResourceArn ?? candidate.recoveryPoint.RecoveryPointArn ?? '';
  for (const candidate of candidates)
    chain.set(resourceOf(candidate), (chain.get(resourceOf(candidate)) ?? 0) + 1);
  return candidates
    .map((candidate, index) => ({ candidate, index, length: chain.get(resourceOf(candidate)) ?? 0 }))
    .sort((a, b) => b.length - a.length || a.index - b.index)
    .map(({ candidate }) => candidate);
}

/** State for this round: the carried one, or a fresh sweep (keeping the running totals). */
function roundState(event: CopyEvent): CopyState {
  // The state machine seeds the loop with a placeholder ({ sweep: -1 }): only a full state carries on.
  const previous = event.copy && Array.isArray(event.copy.inFlight) ? event.copy : undefined;
  const sweep = event.sweep ?? previous?.sweep ?? 0;
  if (previous && previous.sweep === sweep) return structuredClone(previous);
  const fresh = initialCopyState(sweep);
  if (previous) {
    fresh.counters = { ...previous.counters };
    fresh.failureSample = [...previous.failureSample];
    fresh.meanCopySeconds = previous.meanCopySeconds;
  }
  return fresh;
}

export async function copyRecoveryPoints(event: CopyEvent, now = currentTime()): Promise<CopyState> {
  const parsed = parseCopyEvent(event);
  const { migration } = parsed;
  const config = readConfig();
  const copyRoleArn = required(config.copyRoleArn, 'COPY_ROLE_ARN');
  const round = new Round(migration, roundState(parsed), copyRoleArn, config.maxCopyAttempts, now);
  const before = { ...round.state.counters };
  round.state.counters.rounds++;
  await round.adoptEarlierJobs();
  await round.refreshInFlight();
  await round.startRetries();
  await round.startFromListing();
  const state = round.finish();
  // The newer of the pump's own budget and the one verification handed over for a new sweep.
  state.budget = spend(
    latestBudget(parsed.copy?.budget, parsed.budget),
    parsed.executionName ?? migration.executionId,
    LOOP_STEP_EVENTS.copyRound,
  );
  state.continueAsNew = !state.done && isSpent(state.budget, config.loopEventsPerExecution);
  const after = state.counters;
  publishRound(migration.sourceVaultName, {
    copiesStarted: after.started - before.started,
    copiesCompleted: after.completed - before.completed,
    copyAttemptsFailed: after.failedAttempts - before.failedAttempts,
    copiesFailedForGood: after.permanentlyFailed - before.permanentlyFailed,
  });
  logger.info('copy round', {
    counters: state.counters,
    inFlight: state.inFlight.length,
    wait: state.waitSeconds,
  });
  return state;
}

export const handler = lambdaHandler(copyRecoveryPoints);
