import { DAY_MS, MINUTE_MS, type SimClock } from './clock.ts';
import {
  AwsError,
  accessDenied,
  alreadyExists,
  invalidParameter,
  invalidRequest,
  limitExceeded,
  NON_EMPTY_VAULT_CODE,
  notFound,
} from './errors.ts';
import type { Faults } from './faults.ts';
import type { CopyJobFilter, PageFilter, PlanFilter, RecoveryPointFilter, VaultFilter } from './filters.ts';
import { MinHeap } from './heap.ts';
import type { KmsService } from './kms-service.ts';
import {
  type BackupPlan,
  type BackupPlanDocument,
  type BackupRule,
  type CopyJob,
  type Lifecycle,
  NOT_COPYABLE,
  RESOURCE_TYPES,
  type RecoveryPoint,
  type StorageClass,
  type Vault,
  type VaultType,
} from './model.ts';
import {
  type CreationKey,
  compareKeys,
  creationIndexAfter,
  creationKey,
  creationPage,
  offsetPage,
  type Page,
  paginate,
  readStampedToken,
  seqPage,
  stampToken,
} from './pagination.ts';
import { BackupPlans } from './plans.ts';
import type { SeededRandom } from './random.ts';
import { checkVaultName, type Json } from './validate.ts';
import { policyDenies } from './vault-policy.ts';

export interface BackupSettings {
  region: string;
  accountId: string;
  /** Page size when the caller sends no MaxResults: small, so a caller that ignores NextToken fails. */
  defaultPageSize: number;
  /** Most items a list page holds whatever MaxResults asks (AWS may return fewer, with a NextToken). */
  maxPageSize: number;
  /** Concurrent copy jobs in the account (AWS: 100 outbound to a Region). */
  copyConcurrencyLimit: number;
  /** Past a limit (account or one-per-resource): queue in CREATED, or refuse with LimitExceededException. */
  limitBehaviour: 'queue' | 'reject';
  /** Simulated delay between CREATED and RUNNING once a slot is free. */
  copyStartDelayMs: number;
  /** Simulated RUNNING time of a copy job. */
  copyDurationMs: (job: { resourceType: string; backupSizeInBytes: number }) => number;
  /** Simulated time a recovery point stays DELETING. */
  deleteDelayMs: number;
  /** UNCONFIRMED in AWS-FACTS: whether same-Region copies of non-managed types keep the source key. */
  nonManagedCopyEncryption: 'source-key' | 'destination-key';
  copyUnsupportedTypes: ReadonlySet<string>;
  /**
   * Listing lag (issue 15): a copy appears in its vault's ListRecoveryPointsByBackupVault this many
   * ms after its job completes (DescribeRecoveryPoint and the copy job see it at once). Default 0.
   */
  listingLagMs: number;
  /**
   * Copy jobs older than this many days are no longer listed or described (AWS keeps job history
   * for a limited time: 30 days documented for backup jobs, UNCONFIRMED for copy jobs). Default:
   * kept forever.
   */
  copyJobHistoryDays?: number;
  /**
   * DeleteRecoveryPoint of a composite parent whose nested recovery points are still there:
   * 'refuse' as AWS-FACTS says AWS does (delete the children first), or 'cascade' (the parent
   * takes them along). Default 'cascade'.
   */
  compositeParentDelete?: 'cascade' | 'refuse';
  /**
   * Page tokens of ListRecoveryPointsByBackupVault expire this many simulated ms after they were
   * issued (InvalidParameterValueException); 0: never (issue 15: AWS promises no lifetime).
   */
  pageTokenTtlMs: number;
  /**
   * Order of ListRecoveryPointsByBackupVault. 'newest-first' pages with offset tokens, which shift
   * when recovery points are added or removed between pages (AWS documents neither order nor
   * token stability). Default 'oldest-first' with tokens naming the last item.
   */
  recoveryPointOrder: 'oldest-first' | 'newest-first';
}

/** The AWS Backup side of the emulator: state and the semantics of each operation. */
export class BackupService {
  readonly vaults = new Map<string, Vault>();
  readonly copyJobs = new Map<string, CopyJob>();
  /** Backup plans: their own book (plans.ts), sharing the vaults to check rules against. */
  private readonly planBook: BackupPlans;
  readonly plans: Map<string, BackupPlan>;
  private readonly jobsByDestination = new Map<string, CopyJob[]>();
  /** Destinations whose job list is no longer in creation order (composite children keep their parent's date). */
  private readonly unorderedDestinations = new Set<string>();
  private readonly idempotency = new Map<string, string>();
  private readonly running = new MinHeap<CopyJob>((a, b) => (a.finishAt ?? 0) - (b.finishAt ?? 0));
  private readonly activeByResource = new Map<string, string>();
  private queued: CopyJob[] = [];
  private readonly deleting = new Set<RecoveryPoint>();
  private activeCount = 0;
  private seq = 0;
  /**
   * Told of each recovery point a DeleteRecoveryPoint call is about to delete (a composite's
   * members too), at the simulated time of the call: the benchmark checks there that a copy of
   * it was already in the target. Observing only; it changes nothing.
   */
  onDeletionRequested: ((recoveryPoint: RecoveryPoint, vaultName: string) => void) | undefined;

  constructor(
    readonly settings: BackupSettings,
    private readonly clock: SimClock,
    private readonly kms: KmsService,
    private readonly faults: Faults,
    private readonly random: SeededRandom,
  ) {
    this.planBook = new BackupPlans(settings, clock, random, this.vaults, (arn) => this.vaultByArn(arn));
    this.plans = this.planBook.plans;
  }

  // ---------------------------------------------------------------- ARNs and lookups

  vaultArn(name: string): string {
    return `arn:aws:backup:${this.settings.region}:${this.settings.accountId}:backup-vault:${name}`;
  }

  /** Finds a vault by name, answering a missing one as the fault settings say AWS does. */
  getVault(name: string): Vault {
    const vault = this.vaults.get(name);
    if (!vault) {
      if (this.faults.missingVaultAs === 'AccessDeniedException') throw accessDenied();
      throw notFound(`Backup vault ${name} does not exist`);
    }
    return vault;
  }

  private vaultByArn(arn: string): Vault | undefined {
    const prefix = `arn:aws:backup:${this.settings.region}:${this.settings.accountId}:backup-vault:`;
    return arn.startsWith(prefix) ? this.vaults.get(arn.slice(prefix.length)) : undefined;
  }

  private getRecoveryPoint(vaultName: string, arn: string): RecoveryPoint {
    const recoveryPoint = this.getVault(vaultName).recoveryPoints.get(arn);
    if (!recoveryPoint) throw notFound(`Recovery point ${arn} not found in backup vault ${vaultName}`);
    return recoveryPoint;
  }

  /** A recovery point ARN of the shape AWS uses for the resource type. */
  newRecoveryPointArn(
    resourceType: string,
    options: { managedByBackup?: boolean; continuous?: boolean } = {},
  ) {
    const { region, accountId } = this.settings;
    const kind = options.managedByBackup ? 'backup' : (RESOURCE_TYPES[resourceType]?.arnKind ?? 'backup');
    if (options.continuous) {
      return `arn:aws:backup:${region}:${accountId}:recovery-point:continuous:${resourceType.toLowerCase()}-${this.random.hex(8)}`;
    }
    switch (kind) {
      case 'ebs-snapshot':
        return `arn:aws:ec2:${region}::snapshot/snap-${this.random.hex(17)}`;
      case 'ami':
        return `arn:aws:ec2:${region}::image/ami-${this.random.hex(17)}`;
      case 'rds-snapshot':
        return `arn:aws:rds:${region}:${accountId}:snapshot:awsbackup:job-${this.random.uuid()}`;
      case 'rds-cluster-snapshot':
        return `arn:aws:rds:${region}:${accountId}:cluster-snapshot:awsbackup:job-${this.random.uuid()}`;
      case 'redshift':
        return `arn:aws:redshift:${region}:${accountId}:snapshot:cluster-${this.random.hex(6)}/awsbackup:job-${this.random.uuid()}`;
      case 'dynamodb':
        return `arn:aws:dynamodb:${region}:${accountId}:table/table-${this.random.hex(6)}/backup/${Date.now()}${this.random.hex(8)}`;
      case 'fsx':
        return `arn:aws:fsx:${region}:${accountId}:backup/backup-${this.random.hex(17)}`;
      default:
        return `arn:aws:backup:${region}:${accountId}:recovery-point:${this.random.uuid()}`;
    }
  }

  // ---------------------------------------------------------------- simulated time

  /**
   * Plays every event due by now, in time order: copy jobs starting and finishing (each freeing a
   * slot for a queued job at that moment), recovery point deletions, lifecycle expiry.
   */
  settle(): void {
    const now = this.clock.nowMs();
    for (;;) {
      const next = this.running.peek();
      if (!next || (next.finishAt ?? Number.POSITIVE_INFINITY) > now) break;
      this.running.pop();
      this.finishCopyJob(next, next.finishAt ?? now);
    }
    for (const job of this.running.values()) {
      if (job.state === 'CREATED' && (job.startAt ?? 0) <= now) job.state = 'RUNNING';
    }
    for (const recoveryPoint of this.deleting) {
      if ((recoveryPoint.deletionDoneAt?.getTime() ?? 0) <= now) {
        this.deleting.delete(recoveryPoint);
        this.removeRecoveryPoint(recoveryPoint);
      }
    }
  }

  /** Lets queued jobs take slots that freed up other than by a finished job (a raised copyConcurrencyLimit). */
  refreshSlots(): void {
    this.settle();
    this.promoteQueued(this.clock.nowMs());
  }

  private finishCopyJob(job: CopyJob, atMs: number): void {
    this.releaseSlot(job);
    const failure = this.copyFailure(job);
    job.completionDate = new Date(atMs);
    if (failure) {
      job.state = 'FAILED';
      job.statusMessage = failure;
    } else if (this.endsPartial(job)) {
      job.state = 'PARTIAL';
      job.statusMessage = 'Copy job partially completed: some nested recovery points were not copied';
      this.materializeCopy(job, atMs);
      const copy = job.destinationRecoveryPointArn
        ? this.vaultByArn(job.destinationVaultArn)?.recoveryPoints.get(job.destinationRecoveryPointArn)
        : undefined;
      if (copy) copy.status = 'PARTIAL';
    } else {
      job.state = 'COMPLETED';
      this.materializeCopy(job, atMs);
    }
    this.promoteQueued(atMs);
  }

  private copyFailure(job: CopyJob): string | undefined {
    const source = this.vaults.get(job.sourceVaultName)?.recoveryPoints.get(job.sourceRecoveryPointArn);
    if (!source || source.status === 'DELETING') return 'Source recovery point was deleted during the copy';
    const destination = this.vaultByArn(job.destinationVaultArn);
    if (!destination) return 'Destination backup vault no longer exists';
    if (job.authorizationFailure) return job.authorizationFailure;
    if (destination.encryptionKeyArn) {
      const key = this.kms.findKey(destination.encryptionKeyArn);
      if (key?.keyState !== 'Enabled') {
        return `The KMS key ${destination.encryptionKeyArn} of the destination vault is not usable (${key?.keyState ?? 'not found'})`;
      }
    }
    const lock = destination.lock;
    if (lock && (lock.minRetentionDays !== undefined || lock.maxRetentionDays !== undefined)) {
      const days = effectiveLifecycle(job.lifecycle, source.lifecycle)?.DeleteAfterDays;
      const forever = days === undefined || days === -1;
      if (lock.maxRetentionDays !== undefined && (forever || days > lock.maxRetentionDays)) {
        return `Copy retention exceeds the destination vault lock's maximum of ${lock.maxRetentionDays} days`;
      }
      if (lock.minRetentionDays !== undefined && !forever && days < lock.minRetentionDays) {
        return `Copy retention is below the destination vault lock's minimum of ${lock.minRetentionDays} days`;
      }
    }
    const planned = this.faults.copyFailures.get(job.sourceRecoveryPointArn);
    if (planned !== undefined && planned > 0) {
      this.faults.copyFailures.set(job.sourceRecoveryPointArn, planned - 1);
      this.faults.injected.copyFailures++;
      return planned === Number.POSITIVE_INFINITY
        ? 'Copy job failed: the source snapshot is corrupt (injected permanent failure)'
        : 'Copy job failed due to an internal error (injected transient failure)';
    }
    if (this.faults.random.chance(this.faults.copyFailureRate)) {
      this.faults.injected.copyFailures++;
      return 'Copy job failed due to an internal error (injected transient failure)';
    }
    return undefined;
  }

  private materializeCopy(job: CopyJob, atMs: number, parentArn?: string): void {
    const source = this.vaults.get(job.sourceVaultName)?.recoveryPoints.get(job.sourceRecoveryPointArn);
    const destination = this.vaultByArn(job.destinationVaultArn);
    if (!source || !destination) return;
    const managed = source.arn.startsWith('arn:aws:backup:');
    // An unencrypted non-managed source stays unencrypted in either variant (AWS-FACTS: Aurora & co).
    const takesDestinationKey =
      managed || (this.settings.nonManagedCopyEncryption === 'destination-key' && source.isEncrypted);
    const keyArn = takesDestinationKey ? destination.encryptionKeyArn : source.encryptionKeyArn;
    const isEncrypted = takesDestinationKey ? destination.encryptionKeyArn !== undefined : source.isEncrypted;
    const copy: RecoveryPoint = {
      seq: 0,
      arn: this.newRecoveryPointArn(source.resourceType, { managedByBackup: managed }),
      vaultName: destination.name,
      resourceArn: source.resourceArn,
      resourceType: source.resourceType,
      resourceName: source.resourceName,
      creationDate: source.creationDate,
      completionDate: new Date(atMs),
      status: 'COMPLETED',
      isEncrypted,
      encryptionKeyArn: isEncrypted ? keyArn : undefined,
      backupSizeInBytes: source.backupSizeInBytes,
      lifecycle: effectiveLifecycle(job.lifecycle, source.lifecycle),
      iamRoleArn: job.iamRoleArn,
      sourceBackupVaultArn: job.sourceVaultArn,
      parentRecoveryPointArn: parentArn,
      isParent: source.isParent,
      compositeMemberIdentifier: source.compositeMemberIdentifier,
      isContinuous: false,
      legalHold: false,
    };
    this.insertRecoveryPoint(destination, copy);
    this.delayListing(copy, atMs);
    job.destinationRecoveryPointArn = copy.arn;
    job.destinationEncryptionKeyArn = copy.encryptionKeyArn;
    job.destinationLifecycle = copy.lifecycle;
    if (source.isParent) {
      // A composite copy carries its members, each with a child copy job of its own.
      for (const child of this.getVault(job.sourceVaultName).recoveryPoints.values()) {
        if (child.parentRecoveryPointArn !== source.arn) continue;
        const childJob: CopyJob = {
          ...job,
          id: this.random.uuid().toUpperCase(),
          sourceRecoveryPointArn: child.arn,
          resourceArn: child.resourceArn,
          resourceType: child.resourceType,
          backupSizeInBytes: child.backupSizeInBytes,
          parentJobId: job.id,
          isParent: false,
          idempotencyToken: undefined,
          hasSlot: false,
        };
        this.recordJob(childJob);
        this.materializeCopy(childJob, atMs, copy.arn);
      }
    }
  }

  // ---------------------------------------------------------------- page tokens (issue 15)

  /**
   * One page of a vault's listing in the order the settings say, its token stamped with the time
   * it was issued, and refused once older than `pageTokenTtlMs`.
   */
  private listingPage(
    vault: Vault,
    token: string | null | undefined,
    limit: number,
    matches: (rp: RecoveryPoint) => boolean,
    created: { after?: Date | undefined; before?: Date | undefined } = {},
  ): Page<RecoveryPoint> {
    const now = this.clock.nowMs();
    let inner: string | null = null;
    if (token) {
      const stamped = readStampedToken(token);
      if (this.settings.pageTokenTtlMs > 0 && now - stamped.issuedAt > this.settings.pageTokenTtlMs) {
        throw invalidParameter('The NextToken has expired; start the listing again');
      }
      inner = stamped.inner;
    }
    const ordered = this.orderedRecoveryPoints(vault);
    let page: Page<RecoveryPoint>;
    if (this.settings.recoveryPointOrder === 'newest-first') {
      page = offsetPage([...ordered].reverse(), inner, limit, matches);
    } else if (created.after || created.before) {
      // Filtered by creation date: seek in the creation-date index instead of scanning the vault.
      vault.byCreation ??= [...vault.recoveryPoints.values()].sort((a, b) =>
        compareKeys(creationKey(a), creationKey(b)),
      );
      page = creationPage(vault.byCreation, inner, limit, matches, created);
    } else {
      page = seqPage(ordered, inner, limit, matches);
    }
    return {
      items: page.items,
      nextToken: page.nextToken === undefined ? undefined : stampToken(page.nextToken, now),
    };
  }

  // ---------------------------------------------------------------- PARTIAL copies (issue 15)

  /** Whether this job ends PARTIAL (fault `partialCopies`): counts down per source recovery point. */
  private endsPartial(job: CopyJob): boolean {
    const planned = this.faults.partialCopies.get(job.sourceRecoveryPointArn) ?? 0;
    if (planned <= 0) return false;
    this.faults.partialCopies.set(job.sourceRecoveryPointArn, planned - 1);
    this.faults.injected.partialCopies++;
    return true;
  }

  // ---------------------------------------------------------------- listing lag (issue 15)

  private delayListing(copy: RecoveryPoint, completedAtMs: number): void {
    if (this.settings.listingLagMs > 0) copy.listedFromMs = completedAtMs + this.settings.listingLagMs;
  }

  /** Whether ListRecoveryPointsByBackupVault shows the recovery point yet. */
  private isListedYet(recoveryPoint: RecoveryPoint): boolean {
    return recoveryPoint.listedFromMs === undefined || recoveryPoint.listedFromMs <= this.clock.nowMs();
  }

  private releaseSlot(job: CopyJob): void {
    if (!job.hasSlot) return;
    job.hasSlot = false;
    this.activeCount--;
    if (this.activeByResource.get(job.resourceArn) === job.id) this.activeByResource.delete(job.resourceArn);
  }

  private canTakeSlot(resourceArn: string): boolean {
    return this.activeCount < this.settings.copyConcurrencyLimit && !this.activeByResource.has(resourceArn);
  }

  private takeSlot(job: CopyJob, atMs: number): void {
    job.hasSlot = true;
    this.activeCount++;
    this.activeByResource.set(job.resourceArn, job.id);
    job.startAt = atMs + this.settings.copyStartDelayMs;
    job.finishAt = job.startAt + job.durationMs;
    this.running.push(job);
  }

  private promoteQueued(atMs: number): void {
    if (this.queued.length === 0 || this.activeCount >= this.settings.copyConcurrencyLimit) return;
    const stillQueued: CopyJob[] = [];
    for (const job of this.queued) {
      if (this.canTakeSlot(job.resourceArn)) this.takeSlot(job, atMs);
      else stillQueued.push(job);
    }
    this.queued = stillQueued;
  }

  // ---------------------------------------------------------------- recovery point bookkeeping

  insertRecoveryPoint(vault: Vault, recoveryPoint: RecoveryPoint): RecoveryPoint {
    recoveryPoint.seq = ++this.seq;
    recoveryPoint.vaultName = vault.name;
    const replaced = vault.recoveryPoints.has(recoveryPoint.arn);
    vault.recoveryPoints.set(recoveryPoint.arn, recoveryPoint);
    // The new sequence number is the highest yet: the listing order stays sorted by appending.
    if (replaced) vault.ordered = undefined;
    else vault.ordered?.push(recoveryPoint);
    if (replaced || !vault.byCreation) vault.byCreation = undefined;
    else
      vault.byCreation.splice(
        creationIndexAfter(vault.byCreation, creationKey(recoveryPoint)),
        0,
        recoveryPoint,
      );
    return recoveryPoint;
  }

  private removeRecoveryPoint(recoveryPoint: RecoveryPoint): void {
    const vault = this.vaults.get(recoveryPoint.vaultName);
    if (!vault) return;
    if (recoveryPoint.silentDeleteFailure) {
      recoveryPoint.status = 'EXPIRED';
      recoveryPoint.deletionDoneAt = undefined;
      return;
    }
    this.loseRecoveryPoint(vault.name, recoveryPoint.arn);
    if (vault.recoveryPoints.size === 0)
      vault.pendingEmptyDeleteFailures = this.faults.emptyVaultDeleteFailures;
  }

  /**
   * A recovery point disappears outside the migrator (someone deleted it, or it expired), at once
   * and without a call: the listings and their indexes stop showing it. Tests use this instead of
   * editing the vault's map, which would leave the creation-date index serving the point.
   */
  loseRecoveryPoint(vaultName: string, arn: string): void {
    const vault = this.getVault(vaultName);
    vault.recoveryPoints.delete(arn);
    vault.ordered = undefined;
    vault.byCreation = undefined;
  }

  /** Storage class as AWS would report it now: explicit, else from the lifecycle's cold-storage date. */
  storageClassOf(recoveryPoint: RecoveryPoint): StorageClass {
    if (recoveryPoint.storageClass) return recoveryPoint.storageClass;
    const cold = recoveryPoint.lifecycle?.MoveToColdStorageAfterDays;
    if (cold !== undefined && cold !== -1) {
      const coldAt = recoveryPoint.creationDate.getTime() + cold * DAY_MS;
      if (coldAt <= this.clock.nowMs()) return 'COLD';
    }
    return 'WARM';
  }

  /** Current status: a recovery point past its DeleteAt is EXPIRED until AWS sweeps it. */
  statusOf(recoveryPoint: RecoveryPoint) {
    const deleteAt = calculatedLifecycle(recoveryPoint)?.DeleteAt;
    if (recoveryPoint.status === 'COMPLETED' && deleteAt && deleteAt.getTime() <= this.clock.nowMs())
      return 'EXPIRED';
    return recoveryPoint.status;
  }

  private orderedRecoveryPoints(vault: Vault): RecoveryPoint[] {
    vault.ordered ??= [...vault.recoveryPoints.values()].sort((a, b) => a.seq - b.seq);
    return vault.ordered;
  }

  // ---------------------------------------------------------------- vaults

  createBackupVault(name: string, body: Json & { tags?: Record<string, string> }) {
    checkVaultName(name);
    const creatorRequestId = body.CreatorRequestId as string | undefined;
    const existing = this.vaults.get(name);
    if (existing) {
      if (creatorRequestId && existing.creatorRequestId === creatorRequestId)
        return this.vaultSummary(existing);
      throw alreadyExists(`Backup vault with the same name already exists`);
    }
    if (this.vaults.size >= 300) throw limitExceeded('Maximum number of backup vaults (300) reached');
    let keyArn = body.EncryptionKeyArn as string | undefined;
    if (keyArn) {
      const key = this.kms.findKey(keyArn);
      if (!key) throw invalidParameter(`Invalid KMS key ${keyArn}: the key does not exist`);
      if (key.keyState !== 'Enabled')
        throw invalidParameter(`Invalid KMS key ${keyArn}: the key is ${key.keyState}`);
      keyArn = key.arn;
    } else {
      keyArn = this.kms.awsManagedBackupKey().arn;
    }
    const vault = this.addVault({ name, encryptionKeyArn: keyArn, creatorRequestId, tags: body.tags ?? {} });
    return this.vaultSummary(vault);
  }

  /** Adds a vault directly (seeding), with or without a key. */
  addVault(spec: {
    name: string;
    encryptionKeyArn?: string;
    vaultType?: VaultType;
    creatorRequestId?: string;
    tags?: Record<string, string>;
    creationDate?: Date;
    /** Created by AWS itself (a name with `/`): not held to CreateBackupVault's name rule. */
    serviceOwned?: boolean;
  }): Vault {
    if (!spec.serviceOwned) checkVaultName(spec.name);
    if (this.vaults.has(spec.name)) throw alreadyExists(`Backup vault ${spec.name} already exists`);
    const vault: Vault = {
      name: spec.name,
      arn: this.vaultArn(spec.name),
      creationDate: spec.creationDate ?? this.clock.now(),
      encryptionKeyArn: spec.encryptionKeyArn,
      encryptionKeyType:
        spec.vaultType === 'LOGICALLY_AIR_GAPPED_BACKUP_VAULT' ? 'AWS_OWNED_KMS_KEY' : undefined,
      vaultType: spec.vaultType ?? 'BACKUP_VAULT',
      creatorRequestId: spec.creatorRequestId,
      tags: new Map(Object.entries(spec.tags ?? {})),
      recoveryPoints: new Map(),
      pendingEmptyDeleteFailures: 0,
    };
    this.vaults.set(vault.name, vault);
    return vault;
  }

  private vaultSummary(vault: Vault) {
    return { BackupVaultName: vault.name, BackupVaultArn: vault.arn, CreationDate: vault.creationDate };
  }

  private vaultDescription(vault: Vault) {
    const lock = vault.lock;
    return {
      BackupVaultName: vault.name,
      BackupVaultArn: vault.arn,
      VaultType: vault.vaultType,
      VaultState: 'AVAILABLE',
      EncryptionKeyArn: vault.encryptionKeyArn,
      EncryptionKeyType: vault.encryptionKeyType,
      CreationDate: vault.creationDate,
      CreatorRequestId: vault.creatorRequestId,
      NumberOfRecoveryPoints: vault.recoveryPoints.size,
      Locked: lock !== undefined,
      MinRetentionDays: lock?.minRetentionDays,
      MaxRetentionDays: lock?.maxRetentionDays,
      LockDate: lock?.lockDate,
    };
  }

  describeBackupVault(name: string) {
    return this.vaultDescription(this.getVault(name));
  }

  listBackupVaults(filter: VaultFilter, limit: number) {
    const { vaultType } = filter;
    const vaults = [...this.vaults.values()].filter((vault) => !vaultType || vault.vaultType === vaultType);
    const page = paginate(vaults, filter.nextToken, limit, (vault) => vault.name);
    return {
      BackupVaultList: page.items.map((vault) => this.vaultDescription(vault)),
      NextToken: page.nextToken,
    };
  }

  deleteBackupVault(name: string) {
    const vault = this.getVault(name);
    this.checkPolicy(vault, 'backup:DeleteBackupVault');
    const count = vault.recoveryPoints.size;
    if (count > 0) {
      throw invalidRequest(
        `Backup vault cannot be deleted (contains ${count} recovery points)`,
        NON_EMPTY_VAULT_CODE,
      );
    }
    if (vault.pendingEmptyDeleteFailures > 0) {
      vault.pendingEmptyDeleteFailures--;
      this.faults.injected.vaultDeleteConsistency++;
      throw invalidRequest(
        'Backup vault cannot be deleted (contains 1 recovery points)',
        NON_EMPTY_VAULT_CODE,
      );
    }
    this.vaults.delete(name);
    return {};
  }

  getAccessPolicy(name: string) {
    const vault = this.getVault(name);
    if (vault.accessPolicy === undefined) throw notFound(`Backup vault ${name} has no access policy`);
    return { BackupVaultName: vault.name, BackupVaultArn: vault.arn, Policy: vault.accessPolicy };
  }

  putAccessPolicy(name: string, policy: string | undefined) {
    const vault = this.getVault(name);
    if (policy !== undefined) {
      try {
        JSON.parse(policy);
      } catch {
        throw invalidParameter('Policy is not valid JSON');
      }
    }
    vault.accessPolicy = policy;
    return {};
  }

  deleteAccessPolicy(name: string) {
    this.getVault(name).accessPolicy = undefined;
    return {};
  }

  getNotifications(name: string) {
    const vault = this.getVault(name);
    if (!vault.notifications) throw notFound(`Backup vault ${name} has no notification configuration`);
    return {
      BackupVaultName: vault.name,
      BackupVaultArn: vault.arn,
      SNSTopicArn: vault.notifications.snsTopicArn,
      BackupVaultEvents: vault.notifications.events,
    };
  }

  putNotifications(name: string, snsTopicArn: string, events: string[]) {
    const vault = this.getVault(name);
    if (!/^arn:aws[a-z-]*:sns:/.test(snsTopicArn))
      throw invalidParameter(`Invalid SNS topic ARN ${snsTopicArn}`);
    vault.notifications = { snsTopicArn, events };
    return {};
  }

  deleteNotifications(name: string) {
    this.getVault(name).notifications = undefined;
    return {};
  }

  putLockConfiguration(name: string, min?: number, max?: number, changeableForDays?: number) {
    const vault = this.getVault(name);
    if (vault.lock?.lockDate && vault.lock.lockDate.getTime() <= this.clock.nowMs()) {
      throw invalidRequest('Vault lock is in compliance mode and can no longer be changed');
    }
    if (min !== undefined && (min < 1 || !Number.isInteger(min)))
      throw invalidParameter('MinRetentionDays must be >= 1');
    if (max !== undefined && (max < 1 || !Number.isInteger(max)))
      throw invalidParameter('MaxRetentionDays must be >= 1');
    if (min !== undefined && max !== undefined && max < min) {
      throw invalidParameter('MaxRetentionDays must not be less than MinRetentionDays');
    }
    if (changeableForDays !== undefined && changeableForDays < 3) {
      throw invalidParameter('ChangeableForDays must be at least 3');
    }
    vault.lock = {
      minRetentionDays: min,
      maxRetentionDays: max,
      lockDate:
        changeableForDays === undefined
          ? undefined
          : new Date(this.clock.nowMs() + changeableForDays * DAY_MS),
    };
    return {};
  }

  deleteLockConfiguration(name: string) {
    const vault = this.getVault(name);
    if (vault.lock?.lockDate && vault.lock.lockDate.getTime() <= this.clock.nowMs()) {
      throw invalidRequest('Vault lock is in compliance mode and can no longer be removed');
    }
    vault.lock = undefined;
    return {};
  }

  // ---------------------------------------------------------------- tags

  private taggable(arn: string): Map<string, string> {
    const vault = this.vaultByArn(arn);
    if (vault) return vault.tags;
    const plan = [...this.plans.values()].find((candidate) => candidate.arn === arn);
    if (plan) {
      const tags = this.planTags.get(plan.id) ?? new Map<string, string>();
      this.planTags.set(plan.id, tags);
      return tags;
    }
    if (/^arn:aws[a-z-]*:backup:/.test(arn)) throw notFound(`Resource ${arn} not found`);
    throw invalidParameter(`Invalid resource ARN ${arn}`);
  }

  private readonly planTags = new Map<string, Map<string, string>>();

  listTags(arn: string, filter: PageFilter, limit: number) {
    const entries = [...this.taggable(arn).entries()];
    const page = paginate(entries, filter.nextToken, limit, ([key]) => key);
    return { Tags: Object.fromEntries(page.items), NextToken: page.nextToken };
  }

  tagResource(arn: string, tags: Record<string, string>) {
    const target = this.taggable(arn);
    if (target.size + Object.keys(tags).length > 50)
      throw limitExceeded('A resource can have at most 50 tags');
    for (const [key, value] of Object.entries(tags)) target.set(key, value);
    return {};
  }

  untagResource(arn: string, keys: string[]) {
    const target = this.taggable(arn);
    for (const key of keys) target.delete(key);
    return {};
  }

  // ---------------------------------------------------------------- recovery points

  recoveryPointView(recoveryPoint: RecoveryPoint, detailed: boolean) {
    const vault = this.vaults.get(recoveryPoint.vaultName);
    return {
      RecoveryPointArn: recoveryPoint.arn,
      BackupVaultName: recoveryPoint.vaultName,
      BackupVaultArn: vault?.arn ?? this.vaultArn(recoveryPoint.vaultName),
      SourceBackupVaultArn: recoveryPoint.sourceBackupVaultArn,
      ResourceArn: recoveryPoint.resourceArn,
      ResourceType: recoveryPoint.resourceType,
      ResourceName: recoveryPoint.resourceName,
      CreatedBy: recoveryPoint.createdBy,
      IamRoleArn: recoveryPoint.iamRoleArn,
      Status: this.statusOf(recoveryPoint),
      StatusMessage: recoveryPoint.statusMessage,
      CreationDate: recoveryPoint.creationDate,
      CompletionDate: recoveryPoint.completionDate,
      BackupSizeInBytes: recoveryPoint.backupSizeInBytes,
      CalculatedLifecycle: calculatedLifecycle(recoveryPoint),
      Lifecycle: recoveryPoint.lifecycle,
      EncryptionKeyArn: recoveryPoint.encryptionKeyArn,
      IsEncrypted: recoveryPoint.isEncrypted,
      ParentRecoveryPointArn: recoveryPoint.parentRecoveryPointArn,
      CompositeMemberIdentifier: recoveryPoint.compositeMemberIdentifier,
      IsParent: recoveryPoint.isParent,
      VaultType: vault?.vaultType ?? 'BACKUP_VAULT',
      // ListRecoveryPointsByBackupVault does not return StorageClass; DescribeRecoveryPoint does.
      StorageClass: detailed ? this.storageClassOf(recoveryPoint) : undefined,
    };
  }

  listRecoveryPoints(vaultName: string, filter: RecoveryPointFilter, limit: number) {
    const vault = this.getVault(vaultName);
    const {
      resourceArn,
      resourceType,
      backupPlanId: planId,
      parentRecoveryPointArn: parent,
      createdBefore,
      createdAfter,
    } = filter;
    const matches = (recoveryPoint: RecoveryPoint) =>
      this.isListedYet(recoveryPoint) &&
      (!resourceArn || recoveryPoint.resourceArn === resourceArn) &&
      (!resourceType || recoveryPoint.resourceType === resourceType) &&
      (!planId || recoveryPoint.createdBy?.BackupPlanId === planId) &&
      (!parent || recoveryPoint.parentRecoveryPointArn === parent) &&
      (!createdBefore || recoveryPoint.creationDate < createdBefore) &&
      (!createdAfter || recoveryPoint.creationDate > createdAfter);
    const page = this.listingPage(vault, filter.nextToken, limit, matches, {
      after: createdAfter,
      before: createdBefore,
    });
    return {
      RecoveryPoints: page.items.map((rp) => this.recoveryPointView(rp, false)),
      NextToken: page.nextToken,
    };
  }

  describeRecoveryPoint(vaultName: string, arn: string) {
    return this.recoveryPointView(this.getRecoveryPoint(vaultName, arn), true);
  }

  /** An explicit Deny in the vault access policy answers 403, before any other check (AWS evaluates policies first). */
  private checkPolicy(vault: Vault, action: string): void {
    if (policyDenies(vault.accessPolicy, action)) throw accessDenied();
  }

  /** InvalidResourceStateException while another action runs on the recovery point (the `busyRecoveryPoints` fault). */
  private checkNotBusy(arn: string): void {
    const busy = this.faults.busyRecoveryPoints.get(arn) ?? 0;
    if (busy <= 0) return;
    this.faults.busyRecoveryPoints.set(arn, busy - 1);
    throw new AwsError(
      'InvalidResourceStateException',
      `Recovery point ${arn} is being used by another action; try again later`,
    );
  }

  /**
   * `leaveExpired`: the caller's permissions do not suffice (no iam:CreateServiceLinkedRole): AWS
   * answers 200 and the recovery point ends EXPIRED, not deleted (DeleteRecoveryPoint API page).
   */
  deleteRecoveryPoint(vaultName: string, arn: string, options: { leaveExpired?: boolean } = {}) {
    const vault = this.getVault(vaultName);
    this.checkPolicy(vault, 'backup:DeleteRecoveryPoint');
    const recoveryPoint = this.getRecoveryPoint(vaultName, arn);
    if (recoveryPoint.legalHold) {
      throw invalidRequest(`Recovery point ${arn} is under a legal hold and cannot be deleted`);
    }
    if (vault.lock) {
      throw invalidRequest(
        `Recovery point ${arn} is protected by the vault lock of ${vaultName} and cannot be deleted`,
      );
    }
    if (recoveryPoint.status === 'DELETING') return {};
    this.checkNotBusy(arn);
    const activeCopy = [...this.running.values(), ...this.queued].some(
      (job) => job.sourceRecoveryPointArn === arn,
    );
    if (activeCopy) throw invalidRequest(`Recovery point ${arn} is being copied and cannot be deleted now`);
    if (recoveryPoint.isParent) {
      const children = [...vault.recoveryPoints.values()].filter(
        (child) => child.parentRecoveryPointArn === arn,
      );
      if (children.length > 0 && this.settings.compositeParentDelete === 'refuse') {
        throw invalidRequest(
          `Recovery point ${arn} is a composite recovery point with ${children.length} nested recovery points; delete the nested recovery points first`,
        );
      }
      for (const child of children) {
        this.onDeletionRequested?.(child, vaultName);
        this.markDeleting(child, options.leaveExpired === true);
      }
    }
    this.onDeletionRequested?.(recoveryPoint, vaultName);
    this.markDeleting(recoveryPoint, options.leaveExpired === true);
    return {};
  }

  /**
   * UpdateRecoveryPointLifecycle with AWS's rules (AWS-FACTS): not for continuous backups; denied
   * in a locked vault; MoveToColdStorageAfterDays at least the backup's age + 1 day, and fixed
   * once the recovery point is in cold storage; DeleteAfterDays at least cold + 90. Both values
   * are replaced: one left out is cleared (AWS may set an omitted one to null).
   */
  updateRecoveryPointLifecycle(vaultName: string, arn: string, lifecycle: Lifecycle | undefined) {
    const vault = this.getVault(vaultName);
    this.checkPolicy(vault, 'backup:UpdateRecoveryPointLifecycle');
    const recoveryPoint = this.getRecoveryPoint(vaultName, arn);
    if (recoveryPoint.isContinuous) {
      throw invalidRequest('UpdateRecoveryPointLifecycle is not supported for continuous backups');
    }
    if (vault.lock) {
      throw invalidRequest(
        `Recovery point ${arn} is protected by the vault lock of ${vaultName}: its lifecycle cannot be changed`,
      );
    }
    if (recoveryPoint.status === 'DELETING') {
      throw invalidRequest(`Recovery point ${arn} is being deleted`);
    }
    this.checkNotBusy(arn);
    const next: Lifecycle = { ...(lifecycle ?? {}) };
    const cold = next.MoveToColdStorageAfterDays;
    const previousCold = recoveryPoint.lifecycle?.MoveToColdStorageAfterDays;
    if (this.storageClassOf(recoveryPoint) === 'COLD' && cold !== previousCold) {
      throw invalidParameter(
        'MoveToColdStorageAfterDays cannot be changed once the recovery point has moved to cold storage',
      );
    }
    const ageDays = (this.clock.nowMs() - recoveryPoint.creationDate.getTime()) / DAY_MS;
    if (
      cold !== undefined &&
      cold !== -1 &&
      this.storageClassOf(recoveryPoint) !== 'COLD' &&
      cold < Math.ceil(ageDays) + 1
    ) {
      throw invalidParameter(
        `MoveToColdStorageAfterDays (${cold}) must be at least the backup's age plus one day (${Math.ceil(ageDays) + 1})`,
      );
    }
    const del = next.DeleteAfterDays;
    if (cold !== undefined && cold !== -1 && del !== undefined && del !== -1 && del < cold + 90) {
      throw invalidParameter(
        `DeleteAfterDays (${del}) must be at least 90 days after MoveToColdStorageAfterDays (${cold})`,
      );
    }
    recoveryPoint.lifecycle = Object.keys(next).length === 0 ? undefined : next;
    return {
      BackupVaultArn: vault.arn,
      RecoveryPointArn: arn,
      Lifecycle: recoveryPoint.lifecycle,
      CalculatedLifecycle: calculatedLifecycle(recoveryPoint),
    };
  }

  private markDeleting(recoveryPoint: RecoveryPoint, leaveExpired = false): void {
    // A fault fails every deletion of the point; a missing permission only this one.
    recoveryPoint.silentDeleteFailure =
      this.faults.silentDeleteFailures.has(recoveryPoint.arn) || leaveExpired;
    recoveryPoint.status = 'DELETING';
    recoveryPoint.deletionDoneAt = this.faults.stuckDeletions.has(recoveryPoint.arn)
      ? new Date(8.64e15)
      : new Date(this.clock.nowMs() + this.settings.deleteDelayMs);
    this.deleting.add(recoveryPoint);
  }

  // ---------------------------------------------------------------- copy jobs

  startCopyJob(body: {
    RecoveryPointArn: string;
    SourceBackupVaultName: string;
    DestinationBackupVaultArn: string;
    IamRoleArn: string;
    IdempotencyToken?: string;
    Lifecycle?: Lifecycle;
  }) {
    const sourceVault = this.getVault(body.SourceBackupVaultName);
    const recoveryPoint = this.getRecoveryPoint(body.SourceBackupVaultName, body.RecoveryPointArn);
    if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/.+/.test(body.IamRoleArn)) {
      throw invalidParameter(`Invalid IAM role ARN ${body.IamRoleArn}`);
    }
    if (!/^arn:aws[a-z-]*:backup:[a-z0-9-]+:\d{12}:backup-vault:.+$/.test(body.DestinationBackupVaultArn)) {
      throw invalidParameter(`Invalid destination backup vault ARN ${body.DestinationBackupVaultArn}`);
    }
    if (body.IdempotencyToken) {
      const existingId = this.idempotency.get(body.IdempotencyToken);
      const existing = existingId ? this.copyJobs.get(existingId) : undefined;
      if (existing) {
        if (
          existing.sourceRecoveryPointArn !== body.RecoveryPointArn ||
          existing.destinationVaultArn !== body.DestinationBackupVaultArn
        ) {
          throw invalidParameter('The idempotency token was already used with different parameters');
        }
        return { CopyJobId: existing.id, CreationDate: existing.creationDate, IsParent: existing.isParent };
      }
    }
    const destination = this.vaultByArn(body.DestinationBackupVaultArn);
    if (!destination)
      throw notFound(`Destination backup vault ${body.DestinationBackupVaultArn} does not exist`);
    if (destination.name === sourceVault.name) {
      throw invalidParameter('The destination backup vault must differ from the source backup vault');
    }
    if (recoveryPoint.isContinuous) {
      throw invalidRequest(
        'StartCopyJob does not support continuous backups; copy a snapshot recovery point',
      );
    }
    const status = this.statusOf(recoveryPoint);
    if (status !== 'COMPLETED')
      throw invalidRequest(`Recovery point is in state ${status}; only COMPLETED can be copied`);
    if (this.storageClassOf(recoveryPoint) !== 'WARM') {
      throw invalidRequest('Recovery points in cold storage or the archive tier cannot be copied');
    }
    const notCopyable = notCopyableAs(recoveryPoint);
    if (notCopyable) throw invalidRequest(`Copy is not supported for ${notCopyable} recovery points`);
    if (this.settings.copyUnsupportedTypes.has(recoveryPoint.resourceType)) {
      throw invalidRequest(`Copy is not supported for resource type ${recoveryPoint.resourceType}`);
    }
    const job: CopyJob = {
      id: this.random.uuid().toUpperCase(),
      accountId: this.settings.accountId,
      sourceVaultArn: sourceVault.arn,
      sourceVaultName: sourceVault.name,
      sourceRecoveryPointArn: recoveryPoint.arn,
      destinationVaultArn: destination.arn,
      resourceArn: recoveryPoint.resourceArn,
      resourceType: recoveryPoint.resourceType,
      resourceName: recoveryPoint.resourceName,
      state: 'CREATED',
      creationDate: this.clock.now(),
      backupSizeInBytes: recoveryPoint.backupSizeInBytes,
      iamRoleArn: body.IamRoleArn,
      lifecycle: body.Lifecycle,
      idempotencyToken: body.IdempotencyToken,
      isParent: recoveryPoint.isParent,
      hasSlot: false,
      durationMs: Math.max(MINUTE_MS, Math.round(this.settings.copyDurationMs(recoveryPoint))),
    };
    if (this.canTakeSlot(job.resourceArn)) {
      this.takeSlot(job, this.clock.nowMs());
    } else if (this.settings.limitBehaviour === 'reject') {
      this.faults.injected.limitExceeded++;
      throw limitExceeded(
        this.activeByResource.has(job.resourceArn)
          ? `A job is already in progress for resource ${job.resourceArn}`
          : `Concurrent copy job limit of ${this.settings.copyConcurrencyLimit} reached`,
      );
    } else {
      this.queued.push(job);
    }
    this.recordJob(job);
    return { CopyJobId: job.id, CreationDate: job.creationDate, IsParent: job.isParent };
  }

  private recordJob(job: CopyJob): void {
    this.copyJobs.set(job.id, job);
    if (job.idempotencyToken) this.idempotency.set(job.idempotencyToken, job.id);
    const list = this.jobsByDestination.get(job.destinationVaultArn) ?? [];
    const previous = list.at(-1);
    if (previous && previous.creationDate > job.creationDate)
      this.unorderedDestinations.add(job.destinationVaultArn);
    list.push(job);
    this.jobsByDestination.set(job.destinationVaultArn, list);
  }

  copyJobView(job: CopyJob) {
    const destination = this.vaultByArn(job.destinationVaultArn);
    const children = job.isParent ? [...this.copyJobs.values()].filter((c) => c.parentJobId === job.id) : [];
    return {
      AccountId: job.accountId,
      CopyJobId: job.id,
      SourceBackupVaultArn: job.sourceVaultArn,
      SourceRecoveryPointArn: job.sourceRecoveryPointArn,
      DestinationBackupVaultArn: job.destinationVaultArn,
      DestinationVaultType: destination?.vaultType,
      DestinationRecoveryPointArn: job.destinationRecoveryPointArn,
      DestinationEncryptionKeyArn: job.destinationEncryptionKeyArn,
      DestinationRecoveryPointLifecycle: job.destinationLifecycle,
      ResourceArn: job.resourceArn,
      ResourceType: job.resourceType,
      ResourceName: job.resourceName,
      CreationDate: job.creationDate,
      CompletionDate: job.completionDate,
      State: job.state,
      StatusMessage: job.statusMessage,
      BackupSizeInBytes: job.backupSizeInBytes,
      IamRoleArn: job.iamRoleArn,
      ParentJobId: job.parentJobId,
      IsParent: job.isParent,
      NumberOfChildJobs: job.isParent ? children.length : undefined,
    };
  }

  /** Whether a copy job is still in the history AWS lists (the `copyJobHistoryDays` setting). */
  private inHistory(job: CopyJob): boolean {
    const days = this.settings.copyJobHistoryDays;
    return days === undefined || job.creationDate.getTime() > this.clock.nowMs() - days * DAY_MS;
  }

  describeCopyJob(id: string) {
    const job = this.copyJobs.get(id);
    if (!job || !this.inHistory(job)) throw notFound(`Copy job ${id} not found`);
    return { CopyJob: this.copyJobView(job) };
  }

  listCopyJobs(filter: CopyJobFilter, limit: number) {
    const {
      destinationVaultArn: destination,
      state,
      resourceArn,
      resourceType,
      sourceRecoveryPointArn: sourceRecoveryPoint,
      parentJobId,
      accountId,
      createdBefore,
      createdAfter,
      completeBefore,
      completeAfter,
    } = filter;
    const pool = destination ? this.createdAfter(destination, createdAfter) : [...this.copyJobs.values()];
    const matches = (job: CopyJob) =>
      this.inHistory(job) &&
      (!state || job.state === state) &&
      (!resourceArn || job.resourceArn === resourceArn) &&
      (!resourceType || job.resourceType === resourceType) &&
      (!sourceRecoveryPoint || job.sourceRecoveryPointArn === sourceRecoveryPoint) &&
      (!parentJobId || job.parentJobId === parentJobId) &&
      (!accountId || job.accountId === accountId) &&
      (!createdBefore || job.creationDate < createdBefore) &&
      (!createdAfter || job.creationDate > createdAfter) &&
      (!completeBefore || (job.completionDate !== undefined && job.completionDate < completeBefore)) &&
      (!completeAfter || (job.completionDate !== undefined && job.completionDate > completeAfter));
    const page = paginate(pool.filter(matches), filter.nextToken, limit, (job) => job.id);
    return { CopyJobs: page.items.map((job) => this.copyJobView(job)), NextToken: page.nextToken };
  }

  /**
   * The destination's jobs, from the first one created after `after` when the list is in creation
   * order (the copy pump asks for its recent jobs every round: no scan of the whole history).
   */
  private createdAfter(destination: string, after: Date | undefined): CopyJob[] {
    const jobs = this.jobsByDestination.get(destination) ?? [];
    if (!after || this.unorderedDestinations.has(destination)) return jobs;
    let lo = 0;
    let hi = jobs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((jobs[mid]?.creationDate ?? after) <= after) lo = mid + 1;
      else hi = mid;
    }
    return jobs.slice(lo);
  }

  /** Jobs holding a slot or waiting for one: what the account-wide limit counts. */
  copyJobsInFlight(): number {
    return this.activeCount + this.queued.length;
  }

  // ---------------------------------------------------------------- backup plans (plans.ts)

  createBackupPlan(raw: Json | undefined, creatorRequestId?: string) {
    return this.planBook.create(raw, creatorRequestId);
  }

  listBackupPlans(filter: PlanFilter, limit: number) {
    return this.planBook.list(filter, limit);
  }

  getBackupPlan(id: string, versionId?: string | null) {
    return this.planBook.get(id, versionId);
  }

  updateBackupPlan(id: string, raw: Json | undefined) {
    return this.planBook.update(id, raw);
  }

  deleteBackupPlan(id: string) {
    return this.planBook.delete(id);
  }
}

/** `arn:partition:service:...` -> service, and the first word of the resource part. */
function arnParts(arn: string): { service?: string; resource?: string } {
  const parts = arn.split(':');
  return { service: parts[2], resource: parts.slice(5).join(':').split(/[:/]/)[0] };
}

/**
 * The name of the not-copyable variant (DynamoDB without advanced backup, Redshift Serverless, RDS
 * Multi-AZ DB clusters: no cross-Region/cross-account copy support, so no copy at all) a recovery
 * point is, if any.
 */
export function notCopyableAs(recoveryPoint: RecoveryPoint): string | undefined {
  const point = arnParts(recoveryPoint.arn);
  const resource = arnParts(recoveryPoint.resourceArn);
  return NOT_COPYABLE.find(
    (variant) =>
      (variant.resourceType === undefined || variant.resourceType === recoveryPoint.resourceType) &&
      (variant.recoveryPointArnService === undefined || variant.recoveryPointArnService === point.service) &&
      (variant.resourceArnService === undefined || variant.resourceArnService === resource.service) &&
      (variant.resourceArnResource === undefined || variant.resourceArnResource === resource.resource),
  )?.name;
}

/** Lifecycle a copy ends up with: the one asked for, or the source's when none (or DeleteAfterDays -1). */
function effectiveLifecycle(
  requested: Lifecycle | undefined,
  source: Lifecycle | undefined,
): Lifecycle | undefined {
  if (!requested || requested.DeleteAfterDays === -1) return source ? { ...source } : undefined;
  return { ...requested };
}

export function calculatedLifecycle(recoveryPoint: RecoveryPoint) {
  const lifecycle = recoveryPoint.lifecycle;
  if (!lifecycle) return undefined;
  const created = recoveryPoint.creationDate.getTime();
  const cold = lifecycle.MoveToColdStorageAfterDays;
  const del = lifecycle.DeleteAfterDays;
  const result: { MoveToColdStorageAt?: Date; DeleteAt?: Date } = {};
  if (cold !== undefined && cold !== -1) result.MoveToColdStorageAt = new Date(created + cold * DAY_MS);
  if (del !== undefined && del !== -1) result.DeleteAt = new Date(created + del * DAY_MS);
  return result.DeleteAt || result.MoveToColdStorageAt ? result : undefined;
}
