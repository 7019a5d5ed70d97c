import type { Server } from 'node:http';
import { type AuthorizationPolicies, Authorizer } from './authorization.ts';
import { BackupService, type BackupSettings } from './backup-service.ts';
import { MINUTE_MS, SimClock } from './clock.ts';
import { AwsError } from './errors.ts';
import { applyFaults, createFaults, type FaultSettings, type Faults } from './faults.ts';
import { KmsService } from './kms-service.ts';
import { DEFAULT_COPY_UNSUPPORTED_TYPES } from './model.ts';
import { SeededRandom } from './random.ts';
import { Seeder, type SeedSpec } from './seed.ts';
import { type CallRecord, createEmulatorServer, listenOnLoopback } from './server.ts';
import type { Json } from './validate.ts';

export interface EmulatorOptions {
  /** Default 'us-east-1'. */
  region?: string;
  /** Default '123456789012'. */
  accountId?: string;
  /** Seed of every random choice (ids, durations, faults). Default 1. */
  randomSeed?: number;
  /** Simulated start time. Default 2026-06-01T00:00:00Z. */
  start?: Date;
  /** Default 0: an ephemeral free port. */
  port?: number;
  /** Default 10. */
  defaultPageSize?: number;
  /** Most items in any list page, whatever MaxResults asks. Default 1000 (AWS's largest MaxResults). */
  maxPageSize?: number;
  /** Default 100. */
  copyConcurrencyLimit?: number;
  /** Default 'queue'. */
  limitBehaviour?: BackupSettings['limitBehaviour'];
  /** Median simulated copy time. Default 10 minutes, log-normal with sigma 0.5. */
  copyMedianMs?: number;
  copySigma?: number;
  /** Replaces the log-normal copy durations. */
  copyDurationMs?: BackupSettings['copyDurationMs'];
  /** Default 1 minute. */
  copyStartDelayMs?: number;
  /** Default 2 minutes. */
  deleteDelayMs?: number;
  /** Default 'source-key' (the seed's table). */
  nonManagedCopyEncryption?: BackupSettings['nonManagedCopyEncryption'];
  copyUnsupportedTypes?: readonly string[];
  /** Listing lag of a completed copy in its vault's listing. Default 0. */
  listingLagMs?: number;
  /** Copy jobs older than this many days are no longer listed. Default: kept forever. */
  copyJobHistoryDays?: number;
  /** Default 'cascade'. */
  compositeParentDelete?: BackupSettings['compositeParentDelete'];
  /** Lifetime of ListRecoveryPointsByBackupVault page tokens in simulated ms. Default 0: forever. */
  pageTokenTtlMs?: number;
  /** Default 'oldest-first'. */
  recoveryPointOrder?: BackupSettings['recoveryPointOrder'];
  faults?: FaultSettings;
  seed?: SeedSpec;
}

export interface EmulatorStats {
  calls: Record<string, number>;
  totalCalls: number;
  mutatingCalls: number;
  failedCalls: number;
  injected: Faults['injected'];
}

/** The AWS Backup + KMS emulator: state, simulated clock, fault injection and its HTTP endpoint. */
export class Emulator {
  readonly clock: SimClock;
  readonly faults: Faults;
  readonly kms: KmsService;
  readonly backup: BackupService;
  readonly seeder: Seeder;
  /** IAM in the loop: off until policies are set (local/iam/ sets the stack's for every local run). */
  readonly authorization: Authorizer;
  readonly calls: CallRecord[] = [];
  readonly region: string;
  readonly accountId: string;
  private server?: Server;
  private endpoint?: string;
  /** Calls are kept only while someone listens or while recording is on; counts are always kept. */
  recordCalls = true;
  private readonly counts = new Map<string, number>();
  private mutating = 0;
  private failed = 0;

  constructor(options: EmulatorOptions = {}) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
    const seed = options.randomSeed ?? 1;
    this.clock = new SimClock(options.start);
    this.faults = createFaults(seed);
    const random = new SeededRandom(seed);
    const durations = new SeededRandom(seed ^ 0xd00d);
    this.kms = new KmsService(this.region, this.accountId, this.clock, random);
    const median = options.copyMedianMs ?? 10 * MINUTE_MS;
    const sigma = options.copySigma ?? 0.5;
    this.backup = new BackupService(
      {
        region: this.region,
        accountId: this.accountId,
        defaultPageSize: options.defaultPageSize ?? 10,
        maxPageSize: options.maxPageSize ?? 1000,
        copyConcurrencyLimit: options.copyConcurrencyLimit ?? 100,
        limitBehaviour: options.limitBehaviour ?? 'queue',
        copyStartDelayMs: options.copyStartDelayMs ?? MINUTE_MS,
        copyDurationMs: options.copyDurationMs ?? (() => durations.logNormal(median, sigma)),
        deleteDelayMs: options.deleteDelayMs ?? 2 * MINUTE_MS,
        nonManagedCopyEncryption: options.nonManagedCopyEncryption ?? 'source-key',
        copyUnsupportedTypes: new Set(options.copyUnsupportedTypes ?? DEFAULT_COPY_UNSUPPORTED_TYPES),
        listingLagMs: options.listingLagMs ?? 0,
        ...(options.copyJobHistoryDays === undefined
          ? {}
          : { copyJobHistoryDays: options.copyJobHistoryDays }),
        ...(options.compositeParentDelete === undefined
          ? {}
          : { compositeParentDelete: options.compositeParentDelete }),
        pageTokenTtlMs: options.pageTokenTtlMs ?? 0,
        recoveryPointOrder: options.recoveryPointOrder ?? 'oldest-first',
      },
      this.clock,
      this.kms,
      this.faults,
      random,
    );
    this.authorization = new Authorizer(this.region, this.accountId, this.backup, this.kms);
    this.seeder = new Seeder(this.backup, this.kms, this.clock, random);
    this.clock.onAdvance(() => this.backup.settle());
    if (options.faults) applyFaults(this.faults, options.faults);
    if (options.seed) this.seed(options.seed);
  }

  get url(): string {
    if (!this.endpoint) throw new Error('the emulator is not listening: call start() first');
    return this.endpoint;
  }

  /** Listens on 127.0.0.1 (port 0: a free one) and returns the endpoint URL. */
  async start(port = 0): Promise<string> {
    if (this.endpoint) return this.endpoint;
    this.server = createEmulatorServer({
      backup: this.backup,
      kms: this.kms,
      faults: this.faults,
      settle: () => this.backup.settle(),
      onCall: (call) => this.record(call),
      admin: (method, path, body) => this.admin(method, path, body),
      authorize: (call) => this.authorization.authorize(call),
      afterCall: (operation, result) => this.afterCall(operation, result),
    });
    this.endpoint = await listenOnLoopback(this.server, port);
    return this.endpoint;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.endpoint = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      server.close((error) => (error ? reject(error) : resolve())),
    );
  }

  /** Authorizes every call of the callers `policies` names (undefined: authorization off). */
  async setAuthorization(policies: AuthorizationPolicies | undefined): Promise<void> {
    await this.authorization.setPolicies(policies);
  }

  /** The copy job runs as its role: a role that may not use a key the copy needs fails the job. */
  private async afterCall(operation: string, result: unknown): Promise<void> {
    if (operation !== 'StartCopyJob' || !this.authorization.enabled) return;
    const id = (result as { CopyJobId?: string } | undefined)?.CopyJobId;
    const job = id === undefined ? undefined : this.backup.copyJobs.get(id);
    if (!job || job.state === 'COMPLETED' || job.state === 'FAILED') return;
    const failure = await this.authorization.authorizeCopyJob(job);
    if (failure !== undefined) job.authorizationFailure = failure;
  }

  seed(spec: SeedSpec): Record<string, string> {
    return this.seeder.apply(spec);
  }

  setFaults(settings: FaultSettings): void {
    applyFaults(this.faults, settings);
  }

  advance(ms: number): Date {
    return this.clock.advance(ms);
  }

  /**
   * Advances simulated time, a step at a time, until no copy job is in flight (or `limitMs` passes).
   * Returns the simulated milliseconds that went by.
   */
  runUntilIdle(stepMs = MINUTE_MS, limitMs = 30 * 24 * 60 * MINUTE_MS): number {
    let elapsed = 0;
    this.backup.settle();
    while (this.backup.copyJobsInFlight() > 0 && elapsed < limitMs) {
      this.clock.advance(stepMs);
      elapsed += stepMs;
    }
    return elapsed;
  }

  stats(): EmulatorStats {
    return {
      calls: Object.fromEntries(this.counts),
      totalCalls: [...this.counts.values()].reduce((sum, count) => sum + count, 0),
      mutatingCalls: this.mutating,
      failedCalls: this.failed,
      injected: { ...this.faults.injected },
    };
  }

  resetStats(): void {
    this.counts.clear();
    this.calls.length = 0;
    this.mutating = 0;
    this.failed = 0;
  }

  /** Mutating calls that succeeded: what "bad input changes nothing" is checked against. */
  mutations(): CallRecord[] {
    return this.calls.filter((call) => call.mutating && call.status === 200);
  }

  /** A plain copy of the whole state, for invariant checks (also served at GET /_emulator/snapshot). */
  snapshot() {
    this.backup.settle();
    return {
      now: this.clock.now(),
      vaults: [...this.backup.vaults.values()].map((vault) => ({
        ...this.backup.describeBackupVault(vault.name),
        Tags: Object.fromEntries(vault.tags),
        AccessPolicy: vault.accessPolicy,
        Notifications: vault.notifications,
        RecoveryPoints: [...vault.recoveryPoints.values()].map((rp) => ({
          ...this.backup.recoveryPointView(rp, true),
          LegalHold: rp.legalHold || undefined,
        })),
      })),
      copyJobs: [...this.backup.copyJobs.values()].map((job) => this.backup.copyJobView(job)),
      plans: [...this.backup.plans.values()].map((plan) => ({
        ...this.backup.getBackupPlan(plan.id),
        Versions: plan.versions.map((version) => version.versionId),
      })),
      keys: [...this.kms.keys.values()].map((key) => this.kms.metadata(key)),
      aliases: Object.fromEntries([...this.kms.aliases].map(([name, alias]) => [name, alias.targetKeyId])),
    };
  }

  private record(call: CallRecord): void {
    this.counts.set(call.operation, (this.counts.get(call.operation) ?? 0) + 1);
    if (call.status !== 200) this.failed++;
    else if (call.mutating) this.mutating++;
    if (this.recordCalls) this.calls.push(call);
  }

  /** The control API: what a test or the CLI does to an emulator running in another process. */
  private admin(method: string, path: string, body: Json): unknown | Promise<unknown> {
    const key = `${method} ${path.replace(/\/$/, '')}`;
    switch (key) {
      case 'GET health':
        return { ok: true, region: this.region, accountId: this.accountId, now: this.clock.now() };
      case 'GET clock':
        return { now: this.clock.now(), speed: this.clock.getSpeed() };
      case 'POST clock/advance': {
        if (typeof body.to === 'string') {
          const to = new Date(body.to);
          if (Number.isNaN(to.getTime()))
            throw new AwsError('InvalidParameterValueException', `to is not a date: ${body.to}`);
          return { now: this.clock.advanceTo(to) };
        }
        const ms = Number(body.ms ?? 0);
        if (!Number.isFinite(ms) || ms < 0)
          throw new AwsError('InvalidParameterValueException', 'ms must be >= 0');
        return { now: this.advance(ms) };
      }
      case 'POST clock/speed':
        this.clock.setSpeed(Number(body.factor));
        return { now: this.clock.now(), speed: this.clock.getSpeed() };
      case 'POST run-until-idle':
        return { elapsedMs: this.runUntilIdle(Number(body.stepMs ?? MINUTE_MS)), now: this.clock.now() };
      case 'POST seed':
        return { planIds: this.seed(body as SeedSpec) };
      case 'POST faults':
        this.setFaults(body as FaultSettings);
        return { ok: true };
      case 'POST settings': {
        const settings = this.backup.settings;
        if (body.limitBehaviour === 'queue' || body.limitBehaviour === 'reject')
          settings.limitBehaviour = body.limitBehaviour;
        if (typeof body.copyConcurrencyLimit === 'number')
          settings.copyConcurrencyLimit = body.copyConcurrencyLimit;
        if (typeof body.defaultPageSize === 'number') settings.defaultPageSize = body.defaultPageSize;
        if (typeof body.maxPageSize === 'number') settings.maxPageSize = body.maxPageSize;
        if (typeof body.listingLagMs === 'number') settings.listingLagMs = body.listingLagMs;
        if (typeof body.copyJobHistoryDays === 'number')
          settings.copyJobHistoryDays = body.copyJobHistoryDays;
        if (body.copyJobHistoryDays === null) delete settings.copyJobHistoryDays;
        if (body.compositeParentDelete === 'cascade' || body.compositeParentDelete === 'refuse')
          settings.compositeParentDelete = body.compositeParentDelete;
        if (typeof body.pageTokenTtlMs === 'number') settings.pageTokenTtlMs = body.pageTokenTtlMs;
        if (
          body.nonManagedCopyEncryption === 'source-key' ||
          body.nonManagedCopyEncryption === 'destination-key'
        )
          settings.nonManagedCopyEncryption = body.nonManagedCopyEncryption;
        if (body.recoveryPointOrder === 'oldest-first' || body.recoveryPointOrder === 'newest-first')
          settings.recoveryPointOrder = body.recoveryPointOrder;
        this.backup.refreshSlots();
        return { ok: true };
      }
      case 'POST authorization':
        return this.setAuthorization(
          body.policies === undefined || body.policies === null
            ? undefined
            : (body.policies as unknown as AuthorizationPolicies),
        ).then(() => ({ ok: true, enabled: this.authorization.enabled }));
      case 'POST key-policy': {
        const key = this.kms.setKeyPolicy(String(body.keyId ?? ''), String(body.policy ?? ''));
        return { ok: true, keyArn: key.arn };
      }
      case 'GET authorization/denials':
        return { denials: this.authorization.denials };
      case 'GET stats':
        return this.stats();
      case 'POST stats/reset':
        this.resetStats();
        return { ok: true };
      case 'GET snapshot':
        return this.snapshot();
      default:
        throw new AwsError('UnknownOperationException', `No emulator control operation ${key}`, 404);
    }
  }
}

/** Creates, seeds and starts an emulator on a free loopback port. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const emulator = new Emulator(options);
  await emulator.start(options.port ?? 0);
  return emulator;
}

export type { AuthorizationPolicies, PolicyDocument } from './authorization.ts';
export type { FaultSettings } from './faults.ts';
export type { SeedSpec } from './seed.ts';
