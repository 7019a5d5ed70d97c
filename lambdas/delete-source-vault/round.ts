/**
 * The AWS side of one retirement round: reads back earlier deletions, handles pages of the source
 * listing, and finally deletes the vault. Every decision is taken by `decide.ts`.
 */
import {
  type BackupClient,
  DeleteBackupVaultCommand,
  DeleteRecoveryPointCommand,
  DescribeBackupVaultCommand,
  type DescribeBackupVaultCommandOutput,
  type ListCopyJobsCommandInput,
  ListRecoveryPointsByBackupVaultCommand,
  paginateListBackupVaults,
  type RecoveryPointByBackupVault,
  UpdateRecoveryPointLifecycleCommand,
} from '@aws-sdk/client-backup';
import type { ClassificationContext } from '#shared/classify.ts';
import { backupClient } from '#shared/clients.ts';
import type { Migration } from '#shared/contracts.ts';
import { describeRecoveryPoint } from '#shared/describe.ts';
import { describeError, isAwsError, isVaultNotFound } from '#shared/errors.ts';
import {
  type CopiesFound,
  copyKey,
  findCopiesInTarget,
  listCopyJobs,
  listSourceWindow,
  listWindowUpTo,
  PAGE_SIZE,
} from '#shared/ledger.ts';
import { mapLimit } from '#shared/map-limit.ts';
import { DAY_MS, expiresAt, retirementLifecycleFor } from '#shared/retention.ts';
import {
  type CopyReadBack,
  copyVerdict,
  deleteRefusalReason,
  deletionWaitSeconds,
  describeKept,
  describeKeptWithRefusal,
  indexCompletedCopies,
  type ListingVerdict,
  listingVerdict,
  RETIREMENT_LIMITS,
  RETIREMENT_WAITS,
  type RetirementProgress,
  recordKept,
} from './decide.ts';

/** A pending deletion as read back: its status, and its creation date when AWS gave it. */
interface PendingStatus {
  status: string;
  created: number | undefined;
}

/** What a round needs from the event. */
export interface RoundInput {
  migration: Pick<
    Migration,
    | 'sourceVaultName'
    | 'targetVaultName'
    | 'targetVaultArn'
    | 'kmsKeyArn'
    | 'retireAfterDays'
    | 'targetVaultLock'
  >;
}

/** The AWS side of one invocation; it mutates `state`, which is returned whole (or not at all). */
export class RetirementRound {
  private readonly client: BackupClient = backupClient();
  private readonly context: ClassificationContext;
  private readonly sourceVault: string;
  private readonly targetVault: string;
  private readonly parentPresent = new Map<string, boolean>();
  private wait: number | undefined;

  constructor(
    private readonly input: RoundInput,
    private readonly state: RetirementProgress,
    private readonly now: Date,
  ) {
    const { migration } = input;
    this.sourceVault = migration.sourceVaultName;
    this.targetVault = migration.targetVaultName;
    this.context = {
      targetKeyArn: migration.kmsKeyArn,
      now,
      targetVaultLock: migration.targetVaultLock,
      isParentInVault: () => false,
    };
  }

  private get retiring(): boolean {
    return typeof this.input.migration.retireAfterDays === 'number';
  }

  /** Deletions requested and not read back yet, composite children included. */
  private get unconfirmed(): number {
    return this.state.pending.length + this.state.pendingWithParent.length;
  }

  /** Whether another page's deletions fit in the state. */
  private get roomForPage(): boolean {
    return this.unconfirmed <= RETIREMENT_LIMITS.maxPending - RETIREMENT_LIMITS.pageSize;
  }

  async run(): Promise<void> {
    const state = this.state;
    const vault = await this.describeSourceVault();
    if ('denied' in vault) {
      // DescribeBackupVault answered 403 and ListBackupVaults still lists the vault: a refusal.
      this.finish({
        keptBecause: `Source vault ${this.sourceVault} is kept: reading it was denied (${vault.denied}).`,
      });
      return;
    }
    if ('gone' in vault) {
      if (state.vaultDeleteAttempts > 0) {
        // This retirement called DeleteBackupVault: the vault can only be gone once empty, and
        // whatever was pending went with it.
        state.deleted += this.unconfirmed;
        this.finish({ vaultDeleted: true });
      } else {
        // Gone before this retirement asked to delete it: not something this run may claim.
        this.finish({
          keptBecause:
            `Source vault ${this.sourceVault} was not found before this retirement called DeleteBackupVault: ` +
            `it is not reported as retired (${state.deleted} recovery points deleted by this retirement).`,
        });
      }
      return;
    }
    if (vault.Locked && (vault.NumberOfRecoveryPoints ?? 0) > 0) {
      recordKept(
        state,
        vault.BackupVaultArn ?? this.sourceVault,
        'VAULT_LOCK',
        'The source vault has a vault lock: none of its recovery points can be deleted.',
        vault.NumberOfRecoveryPoints ?? 0,
      );
      this.finish({
        keptBecause: `Source vault ${this.sourceVault} is locked (vault lock). ${describeKept(state.kept)}`,
      });
      return;
    }

    const deletedBefore = state.deleted;
    await this.confirmPending();
    // Deletions confirmed since the last round: they are progressing, not slow or stuck.
    const progressed = state.deleted > deletedBefore;
    let pages = 0;
    while (!state.listingDone && this.roomForPage && pages < RETIREMENT_LIMITS.maxPagesPerInvocation) {
      await this.handlePage();
      pages++;
    }
    if (state.listingDone && this.unconfirmed === 0) {
      await this.finishPass();
    }

    state.awaitingConfirmation = this.unconfirmed;
    if (state.done) {
      state.waitSeconds = 0;
    } else if (this.wait !== undefined) {
      state.waitSeconds = this.wait;
    } else if (!state.listingDone && this.roomForPage) {
      state.waitSeconds = RETIREMENT_WAITS.next;
    } else {
      // Waiting for deletions to be confirmed: while none is confirmed the wait doubles, so a
      // slow or stuck deletion costs a bounded number of rounds over the days it is given; a round
      // that confirms some starts the doubling over.
      if (progressed) state.deletionWaits = 0;
      state.waitSeconds = deletionWaitSeconds(state.deletionWaits);
      state.deletionWaits++;
    }
    if (this.unconfirmed === 0) {
      state.pendingSince = null;
      state.deletionWaits = 0;
    } else if (state.pendingSince === null || progressed) {
      // A deletion counts as stuck only after days without any being confirmed.
      state.pendingSince = this.now.toISOString();
    }
  }

  private finish(outcome: { vaultDeleted: true } | { keptBecause: string }): void {
    const state = this.state;
    state.done = true;
    state.pending = [];
    state.pendingWithParent = [];
    state.pendingWindow = null;
    state.awaitingConfirmation = 0;
    state.waitSeconds = 0;
    if ('vaultDeleted' in outcome) {
      state.vaultDeleted = true;
      delete state.vaultKeptBecause;
    } else {
      state.vaultKeptBecause = outcome.keptBecause;
    }
  }

  /**
   * The source vault, `gone`, or `denied`. A 403 AccessDeniedException is how AWS Backup has been
   * seen to answer a missing vault, but also what a real refusal looks like: it counts as gone only
   * when ListBackupVaults no longer lists the vault.
   */
  private async describeSourceVault(): Promise<
    DescribeBackupVaultCommandOutput | { gone: true } | { denied: string }
  > {
    try {
      return await this.client.send(new DescribeBackupVaultCommand({ BackupVaultName: this.sourceVault }));
    } catch (error) {
      if (isAwsError(error, 'ResourceNotFoundException')) return { gone: true };
      if (!isAwsError(error, 'AccessDeniedException')) throw error;
      return (await this.isVaultListed()) ? { denied: describeError(error) } : { gone: true };
    }
  }

  /** Whether ListBackupVaults lists the source vault (at most 300 vaults: a few pages). */
  private async isVaultListed(): Promise<boolean> {
    for await (const page of paginateListBackupVaults({ client: this.client, pageSize: 1000 }, {})) {
      if ((page.BackupVaultList ?? []).some((listed) => listed.BackupVaultName === this.sourceVault)) {
        return true;
      }
    }
    return false;
  }

  /** A source recovery point as DescribeRecoveryPoint has it (with StorageClass), or as listed if gone. */
  private async describeSource(
    recoveryPoint: RecoveryPointByBackupVault,
  ): Promise<RecoveryPointByBackupVault> {
    const described = await describeRecoveryPoint(
      this.client,
      this.sourceVault,
      recoveryPoint.RecoveryPointArn as string,
    );
    return described
      ? { ...recoveryPoint, ...described, RecoveryPointArn: recoveryPoint.RecoveryPointArn }
      : recoveryPoint;
  }

  /** Status and creation date of a source recovery point now; undefined when it is gone. */
  private async sourceStatus(arn: string): Promise<PendingStatus | undefined> {
    const recoveryPoint = await describeRecoveryPoint(this.client, this.sourceVault, arn);
    return recoveryPoint === undefined
      ? undefined
      : { status: recoveryPoint.Status ?? '(none)', created: recoveryPoint.CreationDate?.getTime() };
  }

  /**
   * Statuses of the pending deletions from one listing of their creation window (absent: gone), or
   * undefined when the window holds too many other recovery points to list it cheaply.
   */
  private async pendingStatuses(): Promise<Map<string, PendingStatus> | undefined> {
    const window = this.state.pendingWindow;
    if (window === null || window === 'UNDATED') return undefined;
    // One page only: while deletions finish, a second page's token may skip what shifted.
    const listed = await listWindowUpTo(this.sourceVault, window[0], window[1] + 1, PAGE_SIZE, undefined, 1);
    if (listed === undefined) return undefined;
    return new Map(
      listed.map((rp) => [
        rp.RecoveryPointArn ?? '',
        { status: rp.Status ?? '(none)', created: rp.CreationDate?.getTime() },
      ]),
    );
  }

  /** Notes a deletion to read back, widening the window its read-back lists. */
  private notePending(recoveryPoint: RecoveryPointByBackupVault, withParent = false): void {
    const state = this.state;
    const arn = recoveryPoint.RecoveryPointArn as string;
    const created = recoveryPoint.CreationDate?.getTime();
    const window = state.pendingWindow;
    // A window speaks for every pending point only if it was opened with none pending and every
    // point since has a creation date: otherwise each is described.
    if (created === undefined || window === 'UNDATED' || (window === null && this.unconfirmed > 0)) {
      state.pendingWindow = 'UNDATED';
    } else {
      const [from, to] = window ?? [created, created];
      state.pendingWindow = [Math.min(from, created), Math.max(to, created)];
    }
    (withParent ? state.pendingWithParent : state.pending).push(arn);
  }

  /**
   * Reads back every deletion seen DELETING earlier: gone, still going, or it did not take. One
   * listing of the pending points' creation window answers for all of them; when that window is
   * too crowded, DescribeRecoveryPoint answers for each.
   */
  private async confirmPending(): Promise<void> {
    const state = this.state;
    const statuses = this.unconfirmed > 0 ? await this.pendingStatuses() : undefined;
    // A listing is not the last word on a point it shows in any state but DELETING (it may lag a
    // deletion): DescribeRecoveryPoint is, before a deletion is judged not to have taken.
    const dates = new Map<string, number | undefined>();
    const check = (arns: readonly string[]) =>
      mapLimit(arns, RETIREMENT_LIMITS.concurrency, async (arn) => {
        const listed = statuses === undefined ? undefined : statuses.get(arn);
        const settled = statuses !== undefined && (listed === undefined || listed.status === 'DELETING');
        const read = settled ? listed : await this.sourceStatus(arn);
        dates.set(arn, read?.created);
        return { arn, status: read?.status };
      });

    const stillDeleting: string[] = [];
    for (const { arn, status } of await check(state.pending)) {
      if (status === undefined) {
        state.deleted++;
      } else if (status === 'DELETING') {
        stillDeleting.push(arn);
      } else {
        recordKept(
          state,
          arn,
          'DELETE_DID_NOT_TAKE',
          `DeleteRecoveryPoint succeeded but the recovery point is ${status} (AWS does this without permission).`,
        );
      }
    }
    state.pending = stillDeleting;

    const childrenDeleting: string[] = [];
    for (const { arn, status } of await check(state.pendingWithParent)) {
      if (status === undefined) state.deleted++;
      else if (status === 'DELETING') childrenDeleting.push(arn);
      // Still there: its parent did not take it along; the next pass decides it on its own.
    }
    state.pendingWithParent = childrenDeleting;

    const since = state.pendingSince === null ? undefined : Date.parse(state.pendingSince);
    const stuck =
      since !== undefined && this.now.getTime() - since >= RETIREMENT_LIMITS.stuckDeletionSeconds * 1000;
    if (stuck && this.unconfirmed > 0) {
      const days = Math.floor((this.now.getTime() - (since as number)) / 86_400_000);
      for (const arn of [...state.pending, ...state.pendingWithParent]) {
        recordKept(state, arn, 'DELETION_STUCK', `Still DELETING ${days} days after it was deleted.`);
      }
      state.pending = [];
      state.pendingWithParent = [];
    }
    // The window narrows to what is still pending (one slow deletion must not keep it growing).
    const remaining = [...state.pending, ...state.pendingWithParent].map((arn) => dates.get(arn));
    if (remaining.length === 0) state.pendingWindow = null;
    else if (remaining.every((created) => created !== undefined)) {
      state.pendingWindow = [Math.min(...(remaining as number[])), Math.max(...(remaining as number[]))];
    } else state.pendingWindow = 'UNDATED';
  }

  /** Handles one page of the source listing whole: every deletion of the page is requested. */
  private async handlePage(): Promise<void> {
    const state = this.state;
    const page = await this.client.send(
      new ListRecoveryPointsByBackupVaultCommand({
        BackupVaultName: this.sourceVault,
        MaxResults: RETIREMENT_LIMITS.pageSize,
        ...(state.cursor === null ? {} : { NextToken: state.cursor }),
      }),
    );
    const recoveryPoints = (page.RecoveryPoints ?? []).filter((rp) => rp.RecoveryPointArn);
    const onPage = new Set(recoveryPoints.map((rp) => rp.RecoveryPointArn as string));

    const parents = [
      ...new Set(
        recoveryPoints.flatMap((rp) => (rp.ParentRecoveryPointArn ? [rp.ParentRecoveryPointArn] : [])),
      ),
    ];
    await mapLimit(parents, RETIREMENT_LIMITS.concurrency, (parent) => this.isParentInVault(parent, onPage));
    const verdicts: Array<{ recoveryPoint: RecoveryPointByBackupVault; verdict: ListingVerdict }> =
      recoveryPoints.map((recoveryPoint) => {
        const parent = recoveryPoint.ParentRecoveryPointArn;
        const parentInVault = parent ? onPage.has(parent) || this.parentPresent.get(parent) === true : false;
        const refused = parent ? state.parentsRefused.includes(parent) : false;
        return {
          recoveryPoint,
          verdict: listingVerdict(recoveryPoint, parentInVault, this.context, refused),
        };
      });

    const candidates: RecoveryPointByBackupVault[] = [];
    for (const { recoveryPoint, verdict } of verdicts) {
      const arn = recoveryPoint.RecoveryPointArn as string;
      if (verdict.kind === 'IN_PROGRESS') {
        if (!state.pending.includes(arn) && !state.pendingWithParent.includes(arn)) {
          this.notePending(recoveryPoint);
        }
      } else if (verdict.kind === 'KEEP') {
        recordKept(state, arn, verdict.reason, verdict.detail);
      } else if (verdict.kind === 'NEEDS_COPY') {
        candidates.push(recoveryPoint);
      }
    }

    const copies = await this.readBackCopies(candidates);
    const verified: RecoveryPointByBackupVault[] = [];
    const uncopied: RecoveryPointByBackupVault[] = [];
    for (const recoveryPoint of candidates) {
      const arn = recoveryPoint.RecoveryPointArn as string;
      const verdict = copyVerdict(recoveryPoint, copies.get(arn) ?? [], this.context);
      if (verdict.kind === 'VERIFIED') verified.push(recoveryPoint);
      else if (verdict.reason === 'NO_VERIFIED_COPY') uncopied.push(recoveryPoint);
      else recordKept(state, arn, verdict.reason, verdict.detail);
    }
    // The listing has no StorageClass: described, a recovery point without a copy may turn out to be
    // in cold storage, which is the real reason it was never copied.
    const described = await mapLimit(uncopied, RETIREMENT_LIMITS.concurrency, (recoveryPoint) =>
      this.describeSource(recoveryPoint),
    );
    for (const recoveryPoint of described) {
      const verdict = copyVerdict(
        recoveryPoint,
        copies.get(recoveryPoint.RecoveryPointArn as string) ?? [],
        this.context,
      );
      if (verdict.kind === 'KEEP')
        recordKept(state, recoveryPoint.RecoveryPointArn as string, verdict.reason, verdict.detail);
    }

    if (this.retiring) {
      await this.retire(verified);
    } else {
      const deletedParents = await this.delete(verified);
      for (const { recoveryPoint, verdict } of verdicts) {
        const parent = recoveryPoint.ParentRecoveryPointArn;
        if (verdict.kind === 'WITH_PARENT' && parent && deletedParents.has(parent)) {
          this.notePending(recoveryPoint, true);
        }
      }
    }

    state.cursor = page.NextToken ?? null;
    state.listingDone = page.NextToken === undefined || page.NextToken === '';
  }

  /** Whether a composite child's parent is still in the source vault (then the parent takes it along). */
  private async isParentInVault(parentArn: string, onPage: ReadonlySet<string>): Promise<boolean> {
    if (onPage.has(parentArn)) return true;
    const known = this.parentPresent.get(parentArn);
    if (known !== undefined) return known;
    const present = (await describeRecoveryPoint(this.client, this.sourceVault, parentArn)) !== undefined;
    this.parentPresent.set(parentArn, present);
    return present;
  }

  /**
   * The copies of each candidate, as they are in the target vault now. A copy keeps its source's
   * resource and creation date, so one listing of the page's creation window in the target finds
   * the page's copies, and one in the source finds its twins (other points of the same resource and
   * instant, whose copy a match could be: invariant 1). What those cannot prove (twins, a crowded
   * window, a copy the target does not list yet) is read through its copy jobs, one source at a time.
   */
  private async readBackCopies(
    candidates: readonly RecoveryPointByBackupVault[],
  ): Promise<Map<string, CopyReadBack[]>> {
    const readBack = new Map<string, CopyReadBack[]>();
    if (candidates.length === 0) return readBack;
    let unresolved: readonly RecoveryPointByBackupVault[] = candidates;
    const found = await findCopiesInTarget(this.targetVault, candidates, RETIREMENT_LIMITS.windowPages);
    const twins = found.complete ? await this.twinKeys(candidates) : undefined;
    if (twins !== undefined) {
      for (const key of twins) this.rememberTwin(key);
      unresolved = candidates.filter((recoveryPoint) => {
        const key = copyKey(recoveryPoint);
        const copies = found.byKey.get(key);
        if (
          copies === undefined ||
          !this.provableByKey(key) ||
          !recoveryPoint.ResourceArn ||
          !recoveryPoint.CreationDate
        ) {
          return true;
        }
        readBack.set(recoveryPoint.RecoveryPointArn as string, copies);
        return false;
      });
    }
    if (unresolved.length === 0) return readBack;

    const index = new Map<string, string[]>();
    const perSource = await mapLimit(unresolved, RETIREMENT_LIMITS.concurrency, (recoveryPoint) =>
      this.completedCopyJobs({ BySourceRecoveryPointArn: recoveryPoint.RecoveryPointArn }),
    );
    for (const jobs of perSource) {
      for (const [source, destinations] of jobs) index.set(source, destinations);
    }
    const lookups = unresolved.flatMap((recoveryPoint) => {
      const source = recoveryPoint.RecoveryPointArn as string;
      return (index.get(source) ?? []).map((copyArn) => ({ source, copyArn }));
    });
    const copies = await mapLimit(lookups, RETIREMENT_LIMITS.concurrency, async ({ source, copyArn }) => {
      const copy = await describeRecoveryPoint(this.client, this.targetVault, copyArn);
      return { source, copy: copy && { ...copy, RecoveryPointArn: copy.RecoveryPointArn ?? copyArn } };
    });
    for (const { source, copy } of copies) {
      if (copy === undefined) continue;
      readBack.set(source, [...(readBack.get(source) ?? []), copy]);
    }
    // With the window and the twins read, the target was already searched for these: what is left
    // had no copy there, or a twin. Otherwise each is matched on its own, reusing a complete window.
    if (twins === undefined) {
      await this.readBackFromTarget(
        unresolved.filter((recoveryPoint) => !readBack.has(recoveryPoint.RecoveryPointArn as string)),
        readBack,
        found.complete ? found : undefined,
      );
    }
    return readBack;
  }

  /**
   * The copy keys (resource and creation date) that more than one source point has, from one
   * listing of the candidates' creation window in the source; undefined when that window is too
   * crowded to list cheaply.
   */
  private async twinKeys(
    candidates: readonly RecoveryPointByBackupVault[],
  ): Promise<Set<string> | undefined> {
    const times = candidates.flatMap((rp) => (rp.CreationDate ? [rp.CreationDate.getTime()] : []));
    if (times.length === 0) return new Set();
    // One page only: while deletions finish, a second page's token may skip a twin that shifted.
    const listed = await listWindowUpTo(
      this.sourceVault,
      Math.min(...times),
      Math.max(...times) + 1,
      PAGE_SIZE,
      undefined,
      1,
    );
    if (listed === undefined) return undefined;
    const arnsByKey = new Map<string, Set<string>>();
    for (const recoveryPoint of [...listed, ...candidates]) {
      if (!recoveryPoint.ResourceArn || !recoveryPoint.CreationDate) continue;
      const key = copyKey(recoveryPoint);
      const arns = arnsByKey.get(key) ?? new Set<string>();
      arns.add(recoveryPoint.RecoveryPointArn ?? '');
      arnsByKey.set(key, arns);
    }
    return new Set([...arnsByKey].flatMap(([key, arns]) => (arns.size > 1 ? [key] : [])));
  }

  /**
   * Copy-job history ends (AWS-FACTS: about 30 days), the target vault's recovery points do not:
   * a candidate no copy job names is matched to a copy in the target by what a copy keeps of its
   * source, its resource and creation date; `copyVerdict` then checks its status and expiry.
   */
  private async readBackFromTarget(
    candidates: readonly RecoveryPointByBackupVault[],
    into: Map<string, CopyReadBack[]>,
    listed?: CopiesFound,
  ): Promise<void> {
    if (candidates.length === 0) return;
    let found = listed ?? (await findCopiesInTarget(this.targetVault, candidates, 3));
    const groups = found.complete ? [candidates] : candidates.map((candidate) => [candidate]);
    for (const group of groups) {
      if (!found.complete) found = await findCopiesInTarget(this.targetVault, group, 10);
      const matched = group.filter(
        (recoveryPoint) =>
          found.byKey.has(copyKey(recoveryPoint)) && this.provableByKey(copyKey(recoveryPoint)),
      );
      // Invariant 1: a copy matched by resource and creation date is this point's only when no
      // other source point has both; otherwise it could be the other's, and neither is proven.
      const alone = await mapLimit(matched, RETIREMENT_LIMITS.concurrency, (recoveryPoint) =>
        this.aloneWithItsKey(recoveryPoint),
      );
      matched.forEach((recoveryPoint, index) => {
        const copies = found.byKey.get(copyKey(recoveryPoint));
        if (!alone[index]) this.rememberTwin(copyKey(recoveryPoint));
        else if (copies) into.set(recoveryPoint.RecoveryPointArn as string, copies);
      });
    }
  }

  /** Notes a copy key two source points share, for the rest of this retirement. */
  private rememberTwin(key: string): void {
    const state = this.state;
    if (state.twinKeys.includes(key)) return;
    if (state.twinKeys.length >= RETIREMENT_LIMITS.maxTwinKeys) state.twinKeysOverflow = true;
    else state.twinKeys.push(key);
  }

  /** Whether a copy found by its key may prove this key's source (no twin seen for it). */
  private provableByKey(key: string): boolean {
    return !this.state.twinKeysOverflow && !this.state.twinKeys.includes(key);
  }

  /** Whether the source vault holds no other recovery point of this one's resource and creation date. */
  private async aloneWithItsKey(recoveryPoint: RecoveryPointByBackupVault): Promise<boolean> {
    const created = recoveryPoint.CreationDate?.getTime();
    if (!recoveryPoint.ResourceArn || created === undefined) return false;
    const sameInstant = await listSourceWindow(
      this.sourceVault,
      created,
      created + 1,
      RETIREMENT_LIMITS.pageSize,
      recoveryPoint.ResourceArn,
    );
    return sameInstant.every(
      (other) =>
        other.RecoveryPointArn === recoveryPoint.RecoveryPointArn ||
        other.ResourceArn !== recoveryPoint.ResourceArn,
    );
  }

  /** COMPLETED copy jobs into the target (all pages), indexed by source recovery point. */
  private async completedCopyJobs(
    filter: Pick<ListCopyJobsCommandInput, 'BySourceRecoveryPointArn'>,
  ): Promise<Map<string, string[]>> {
    const targetVaultArn = this.input.migration.targetVaultArn;
    const jobs = await listCopyJobs({
      ...filter,
      ByDestinationVaultArn: targetVaultArn,
      ByState: 'COMPLETED',
    });
    return indexCompletedCopies(jobs, targetVaultArn);
  }

  /** Deletes verified recovery points; returns those whose DeleteRecoveryPoint returned 200. */
  private async delete(verified: readonly RecoveryPointByBackupVault[]): Promise<Set<string>> {
    const state = this.state;
    const requested = new Set<string>();
    await mapLimit(verified, RETIREMENT_LIMITS.concurrency, async (recoveryPoint) => {
      const arn = recoveryPoint.RecoveryPointArn as string;
      try {
        await this.client.send(
          new DeleteRecoveryPointCommand({ BackupVaultName: this.sourceVault, RecoveryPointArn: arn }),
        );
        // Deletion is asynchronous: it counts once read back gone.
        this.notePending(recoveryPoint);
        requested.add(arn);
      } catch (error) {
        if (isAwsError(error, 'ResourceNotFoundException')) {
          state.deleted++;
        } else if (isAwsError(error, 'AccessDeniedException')) {
          recordKept(state, arn, 'DELETE_DENIED', describeError(error));
        } else if (isAwsError(error, 'InvalidResourceStateException')) {
          this.retryOrKeep(arn, 'RESOURCE_BUSY', describeError(error));
        } else if (isAwsError(error, 'InvalidRequestException')) {
          const reason = deleteRefusalReason(error.message);
          if (reason === 'COMPOSITE_HAS_CHILDREN') {
            if (!state.parentsRefused.includes(arn)) {
              if (state.parentsRefused.length >= RETIREMENT_LIMITS.maxParentsRefused) {
                recordKept(state, arn, reason, describeError(error));
                return;
              }
              state.parentsRefused.push(arn);
            }
            this.retryOrKeep(arn, reason, describeError(error));
          } else {
            recordKept(state, arn, reason, describeError(error));
          }
        } else {
          throw error;
        }
      }
    });
    return requested;
  }

  /** A refusal that may pass (another action on the recovery point, children not yet gone): the next pass tries again; the last pass keeps it. */
  private retryOrKeep(arn: string, reason: 'RESOURCE_BUSY' | 'COMPOSITE_HAS_CHILDREN', detail: string): void {
    if (this.state.pass < RETIREMENT_LIMITS.maxPasses) {
      this.state.retryLater++;
    } else {
      recordKept(this.state, arn, reason, detail);
    }
  }

  /**
   * Sets each verified recovery point to expire `retireAfterDays` from now instead of deleting it
   * (UpdateRecoveryPointLifecycle), never lengthening its retention, and reads the new expiry back
   * from the answer.
   */
  private async retire(verified: readonly RecoveryPointByBackupVault[]): Promise<void> {
    const state = this.state;
    const afterDays = this.input.migration.retireAfterDays as number;
    await mapLimit(verified, RETIREMENT_LIMITS.concurrency, async (recoveryPoint) => {
      const arn = recoveryPoint.RecoveryPointArn as string;
      if (recoveryPoint.CreationDate === undefined) {
        recordKept(
          state,
          arn,
          'LIFECYCLE_UPDATE_REFUSED',
          'AWS reported no creation date: its expiry cannot be set.',
        );
        return;
      }
      const lifecycle = retirementLifecycleFor(recoveryPoint, this.now, afterDays);
      if (lifecycle === null) {
        // It already expires by then.
        state.retiredWithExpiry++;
        return;
      }
      try {
        const updated = await this.client.send(
          new UpdateRecoveryPointLifecycleCommand({
            BackupVaultName: this.sourceVault,
            RecoveryPointArn: arn,
            Lifecycle: lifecycle,
          }),
        );
        const expected = expiresAt(recoveryPoint.CreationDate, lifecycle);
        const reported = updated.CalculatedLifecycle?.DeleteAt;
        if (
          expected !== undefined &&
          reported !== undefined &&
          reported.getTime() > expected.getTime() + DAY_MS
        ) {
          recordKept(
            state,
            arn,
            'LIFECYCLE_UPDATE_REFUSED',
            `Asked to expire at ${expected.toISOString()}, AWS Backup reports ${reported.toISOString()}.`,
          );
          return;
        }
        state.retiredWithExpiry++;
      } catch (error) {
        if (isAwsError(error, 'ResourceNotFoundException')) {
          state.deleted++;
        } else if (
          isAwsError(
            error,
            'InvalidParameterValueException',
            'InvalidRequestException',
            'AccessDeniedException',
            'InvalidResourceStateException',
          )
        ) {
          recordKept(state, arn, 'LIFECYCLE_UPDATE_REFUSED', describeError(error));
        } else {
          throw error;
        }
      }
    });
  }

  /** The listing is read to its end and every deletion confirmed: keep the vault, look again, or delete it. */
  private async finishPass(): Promise<void> {
    const state = this.state;
    const keptText = describeKept(state.kept);
    if (this.retiring) {
      const days = this.input.migration.retireAfterDays as number;
      this.finish({
        keptBecause:
          `Verified source recovery points were set to expire within ${days} days instead of being deleted; ` +
          `vault ${this.sourceVault} is kept until AWS Backup has removed them.${keptText ? ` ${keptText}` : ''}`,
      });
      return;
    }
    if (keptText !== null) {
      if (state.retryLater > 0) {
        recordKept(
          state,
          this.sourceVault,
          'RESOURCE_BUSY',
          'Left for a later pass (InvalidResourceStateException or nested recovery points), which did not run because the vault is kept anyway.',
          state.retryLater,
        );
      }
      this.finish({
        keptBecause: `Source vault ${this.sourceVault} is kept: ${describeKeptWithRefusal(state)}`,
      });
      return;
    }
    const remaining = await this.client.send(
      new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: this.sourceVault, MaxResults: 1 }),
    );
    if ((remaining.RecoveryPoints ?? []).length === 0 && !remaining.NextToken) {
      await this.deleteVault();
      return;
    }
    if (state.pass < RETIREMENT_LIMITS.maxPasses) {
      // Backups that landed late, composite children left by their parent, or entries a listing
      // shifted by deletions skipped: another pass decides each of them.
      state.pass++;
      state.cursor = null;
      state.listingDone = false;
      // Recovery points busy with another action get time before they are tried again.
      this.wait = state.retryLater > 0 ? RETIREMENT_WAITS.deletions : RETIREMENT_WAITS.next;
      state.retryLater = 0;
      return;
    }
    this.finish({
      keptBecause: `Source vault ${this.sourceVault} is kept: it still holds recovery points after ${state.pass} passes.`,
    });
  }

  /** DeleteBackupVault, retried on the eventual-consistency ERROR_9101, then read back. */
  private async deleteVault(): Promise<void> {
    const state = this.state;
    state.vaultDeleteAttempts++;
    const exhausted = state.vaultDeleteAttempts >= RETIREMENT_LIMITS.maxVaultDeleteAttempts;
    try {
      await this.client.send(new DeleteBackupVaultCommand({ BackupVaultName: this.sourceVault }));
    } catch (error) {
      if (isAwsError(error, 'AccessDeniedException') && (await this.isVaultListed())) {
        this.finish({
          keptBecause: `Source vault ${this.sourceVault} is kept: DeleteBackupVault was denied (${describeError(error)}).`,
        });
        return;
      }
      if (!isVaultNotFound(error)) {
        if (!isAwsError(error, 'InvalidRequestException')) throw error;
        const code = (error as { Code?: unknown }).Code;
        if (code === 'ERROR_9101' && !exhausted) {
          this.wait = RETIREMENT_WAITS.vaultRetry;
          return;
        }
        this.finish({
          keptBecause:
            `Source vault ${this.sourceVault} is kept: DeleteBackupVault failed ` +
            `(attempt ${state.vaultDeleteAttempts}): ${describeError(error)}`,
        });
        return;
      }
    }
    const readBack = await this.describeSourceVault();
    if ('gone' in readBack) {
      this.finish({ vaultDeleted: true });
    } else if (exhausted) {
      this.finish({
        keptBecause: `Source vault ${this.sourceVault} still exists after ${state.vaultDeleteAttempts} DeleteBackupVault calls.`,
      });
    } else {
      this.wait = RETIREMENT_WAITS.vaultRetry;
    }
  }
}
