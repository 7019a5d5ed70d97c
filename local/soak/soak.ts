/**
 * The soak: seeded, randomized migrations on the emulator under faults, each followed by the
 * invariant checker. One run = one account and one MigrateVault migration (see scenario.ts), killed
 * at a random Wait and started afresh when its plan says so; the checker then reads the emulator's
 * state and the report files. `run.ts` is the command line around it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calculatedLifecycle } from '#emulator/backup-service.ts';
import { type Emulator, startEmulator } from '#emulator/index.ts';
import type { RecoveryPoint } from '#emulator/model.ts';
import { SeededRandom } from '#emulator/random.ts';
import { authorizeAsDeployed } from '../iam/stack-policies.ts';
import { type ExecutionResult, emulatorTime, LocalRunner, type SimulatedTime } from '../runner/index.ts';
import { localEnvironment } from '../stack.ts';
import {
  type AccountState,
  checkInvariants,
  type ReportFile,
  type SoakObservation,
  type TrackedRecoveryPoint,
  type Violation,
} from './invariants.ts';
import { planRun, SOAK_RESOURCE_TYPES, type SoakPlan } from './scenario.ts';

export const COPY_ROLE_ARN = 'arn:aws:iam::123456789012:role/vault-migrator-copy';
const DAY_MS = 86_400_000;
/** A recovery point expiring within this margin may expire mid-run: not promised a copy. */
const EXPIRY_MARGIN_MS = 30 * DAY_MS;

/** Faults one run injected, by kind. */
export interface InjectedFaults {
  throttles: number;
  copyFailures: number;
  limitExceeded: number;
  vaultDeleteConsistency: number;
  permanentCopyFailures: number;
  silentDeleteFailures: number;
  /** Busy or stuck deletions and deletion-denying vault policies (issue 16). */
  retirementRefusals: number;
  kills: number;
  arrivals: number;
}

export interface RunResult {
  seed: number;
  violations: Violation[];
  /** Source recovery points at the start. */
  recoveryPoints: number;
  injected: InjectedFaults;
  /** How the last execution ended: its report's outcome, or its error. */
  outcome: string;
  /** Executions run, nested continuations included. */
  executions: number;
  simulatedHours: number;
  wallMs: number;
  /** Kept when the run failed, for reading. */
  reportDir?: string;
}

export interface RunOptions {
  /** Keep the report files of a failed run (default true). */
  keepFailedReports?: boolean;
  /** Wall-clock limit of one run (default 2 minutes). */
  timeoutMs?: number;
  /**
   * Called once the migration has ended, before the checks: tests break a promise behind the
   * migrator's back here to show the checker sees it.
   */
  tamper?: (emulator: Emulator, plan: SoakPlan) => void;
}

/** How the soak's clock behaves: it lands backups and kills the first execution at planned Waits. */
class SoakClock {
  waits = 0;
  killed = false;
  arrived = 0;

  constructor(
    private readonly base: SimulatedTime,
    private readonly plan: SoakPlan,
    private readonly land: (count: number) => number,
  ) {}

  /** Simulated time for one execution; `killable`: the planned kill may hit it. */
  time(killable: boolean): SimulatedTime {
    return {
      now: () => this.base.now(),
      wait: async (seconds) => {
        await this.base.wait(seconds);
        this.waits++;
        for (const arrival of this.plan.arrivals) {
          if (arrival.atWait === this.waits) this.arrived += this.land(arrival.count);
        }
        if (killable && !this.killed && this.plan.killAtWait === this.waits) {
          this.killed = true;
          throw Object.assign(new Error('the execution was stopped (soak kill)'), {
            name: 'ExecutionAborted',
          });
        }
      },
    };
  }
}

/** Copyable by the rules AWS documents, judged without the migrator's classification. */
function expectedCopyable(emulator: Emulator, recoveryPoint: RecoveryPoint): boolean {
  const { backup } = emulator;
  const deleteAt = calculatedLifecycle(recoveryPoint)?.DeleteAt?.getTime();
  return (
    backup.statusOf(recoveryPoint) === 'COMPLETED' &&
    backup.storageClassOf(recoveryPoint) === 'WARM' &&
    !recoveryPoint.isContinuous &&
    recoveryPoint.parentRecoveryPointArn === undefined &&
    !backup.settings.copyUnsupportedTypes.has(recoveryPoint.resourceType) &&
    !(recoveryPoint.resourceType === 'DynamoDB' && recoveryPoint.arn.startsWith('arn:aws:dynamodb:')) &&
    (deleteAt === undefined || deleteAt > emulator.clock.nowMs() + EXPIRY_MARGIN_MS)
  );
}

function track(emulator: Emulator, recoveryPoint: RecoveryPoint, arrived: boolean): TrackedRecoveryPoint {
  return {
    arn: recoveryPoint.arn,
    resourceArn: recoveryPoint.resourceArn,
    creationMs: recoveryPoint.creationDate.getTime(),
    deleteAtMs: calculatedLifecycle(recoveryPoint)?.DeleteAt?.getTime() ?? null,
    arrived,
    copyable: expectedCopyable(emulator, recoveryPoint),
    permanentFailure: false,
  };
}

/** The account at the end of the run, as the checker reads it. */
export function accountState(emulator: Emulator): AccountState {
  const snapshot = emulator.snapshot();
  return {
    nowMs: snapshot.now.getTime(),
    vaultArnPrefix: `arn:aws:backup:${emulator.region}:${emulator.accountId}:backup-vault:`,
    vaults: snapshot.vaults.map((vault) => ({
      name: vault.BackupVaultName,
      arn: vault.BackupVaultArn,
      recoveryPoints: vault.RecoveryPoints.map((rp) => ({
        arn: rp.RecoveryPointArn,
        resourceArn: rp.ResourceArn,
        creationMs: rp.CreationDate.getTime(),
        status: rp.Status,
        deleteAtMs: rp.CalculatedLifecycle?.DeleteAt?.getTime() ?? null,
        encryptionKeyArn: rp.EncryptionKeyArn ?? null,
      })),
    })),
    plans: snapshot.plans
      .filter((plan) => plan.DeletionDate === undefined)
      .map((plan) => ({
        id: plan.BackupPlanId,
        name: plan.BackupPlan.BackupPlanName,
        ruleTargets: plan.BackupPlan.Rules.map((rule) => rule.TargetBackupVaultName),
        copyDestinations: plan.BackupPlan.Rules.flatMap((rule) =>
          (rule.CopyActions ?? []).map((action) => action.DestinationBackupVaultArn),
        ),
      })),
  };
}

/** The report a run wrote: filed by source vault, then by execution (soak names need no escaping). */
function readReport(reportDir: string, vaultName: string, executionName: string): ReportFile | null {
  const path = join(reportDir, vaultName, executionName, 'report.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as ReportFile) : null;
}

/**
 * More AWS calls than this without simulated time moving: some step loops instead of waiting. A
 * soak vault (at most about 160 recovery points) needs a few hundred calls between two Waits.
 */
const MAX_CALLS_WITHOUT_WAIT = 3_000;

/**
 * Stops a run that cannot end: a step that calls AWS in a loop without ever reaching a Wait (the
 * simulated clock stands still), or a run past its wall-clock limit. Rejects `tripped` with what it saw.
 */
function watchdog(emulator: Emulator, timeoutMs: number) {
  let cancel = () => {};
  const tripped = new Promise<never>((_, reject) => {
    const started = Date.now();
    let clockAt = emulator.clock.nowMs();
    let baseline = emulator.stats().calls;
    const timer = setInterval(() => {
      const calls = emulator.stats().calls;
      if (emulator.clock.nowMs() !== clockAt) {
        clockAt = emulator.clock.nowMs();
        baseline = calls;
        // Only the calls since the last Wait are worth keeping for the diagnosis.
        emulator.calls.length = 0;
      }
      const since = Object.entries(calls)
        .map(([operation, count]) => [operation, count - (baseline[operation] ?? 0)] as const)
        .filter(([, count]) => count > 0)
        .sort((a, b) => b[1] - a[1]);
      const total = since.reduce((sum, [, count]) => sum + count, 0);
      if (total > MAX_CALLS_WITHOUT_WAIT) {
        const refused = new Map<string, number>();
        for (const call of emulator.calls.slice(-500)) {
          if (call.status === 200) continue;
          const key = `${call.operation} ${call.errorType ?? call.status}`;
          refused.set(key, (refused.get(key) ?? 0) + 1);
        }
        reject(
          new Error(
            `${total} AWS calls without simulated time moving (a step loops instead of waiting): ` +
              since
                .slice(0, 4)
                .map(([operation, count]) => `${operation} ${count}`)
                .join(', ') +
              (refused.size === 0
                ? ''
                : `; refused among the last 500: ${[...refused].map(([key, count]) => `${key} ${count}`).join(', ')}`),
          ),
        );
      } else if (Date.now() - started > timeoutMs) {
        reject(new Error(`the run did not finish within ${timeoutMs / 1000} s`));
      }
    }, 250);
    cancel = () => clearInterval(timer);
  });
  return { tripped, cancel: () => cancel() };
}

/** Waits for a promise to settle, at most `ms`. */
async function settle(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

/** One seeded run: account, faults, migration (killed and restarted as planned), invariants. */
export async function soakRun(seed: number, options: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  const plan = planRun(seed);
  const random = new SeededRandom(seed ^ 0xa771);
  const emulator = await startEmulator(plan.emulator);
  // Calls are recorded for the watchdog's diagnosis; it drops them at every Wait.
  emulator.recordCalls = true;
  const reportDir = mkdtempSync(join(tmpdir(), `vault-migrator-soak-${seed}-`));
  const startMs = emulator.clock.nowMs();
  const injected: InjectedFaults = {
    throttles: 0,
    copyFailures: 0,
    limitExceeded: 0,
    vaultDeleteConsistency: 0,
    permanentCopyFailures: 0,
    silentDeleteFailures: 0,
    retirementRefusals: 0,
    kills: 0,
    arrivals: 0,
  };
  const violations: Violation[] = [];
  let outcome = 'not run';
  let executions = 0;
  let initialCount = 0;
  let running: Promise<ExecutionResult> | undefined;
  let clock: SoakClock | undefined;
  try {
    const keyArn = emulator.kms.addKey({ alias: 'alias/vault-migrator' }).arn;
    // IAM in the loop: the soak runs under the stack's policies like every local run.
    const authorization = await authorizeAsDeployed(emulator, {
      accountId: emulator.accountId,
      region: emulator.region,
      migrationKeyArn: keyArn,
    });
    emulator.seed(plan.account);
    const sourceVault = emulator.backup.getVault(plan.sourceVaultName);
    const tracked = [...sourceVault.recoveryPoints.values()].map((rp) => track(emulator, rp, false));
    initialCount = tracked.length;

    // Faults that name recovery points: a share of the copyable ones fails for good, one perhaps
    // "deletes" without being deleted.
    const copyable = tracked.filter((rp) => rp.copyable);
    const permanent = copyable.filter(() => random.chance(plan.permanentFailureShare));
    for (const rp of permanent) rp.permanentFailure = true;
    const silent = plan.silentDeleteFailures > 0 && copyable.length > 0 ? [random.pick(copyable).arn] : [];
    emulator.setFaults({
      ...plan.faults,
      copyFailures: Object.fromEntries(permanent.map((rp) => [rp.arn, 'permanent' as const])),
      silentDeleteFailures: silent,
    });
    injected.permanentCopyFailures = permanent.length;
    injected.silentDeleteFailures = silent.length;
    // Retirement refusals come from their own randomness, so that the draws above replay as before.
    const refusals = plan.retirementRefusals;
    if (refusals && copyable.length > 0) {
      const pick = new SeededRandom(seed ^ 0x7e71);
      const busy = Array.from({ length: refusals.busy }, () => pick.pick(copyable).arn);
      const stuck = Array.from({ length: refusals.stuck }, () => pick.pick(copyable).arn);
      emulator.setFaults({
        busyRecoveryPoints: Object.fromEntries(busy.map((arn) => [arn, pick.int(1, 3)])),
        stuckDeletions: stuck,
      });
      if (refusals.denyDeletionPolicy) {
        sourceVault.accessPolicy = JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Deny', Principal: { AWS: '*' }, Action: 'backup:DeleteRecoveryPoint', Resource: '*' },
          ],
        });
      }
      injected.retirementRefusals = busy.length + stuck.length + (refusals.denyDeletionPolicy ? 1 : 0);
    }

    // Backups landing mid-run: new daily backups of resources the vault already has, or of new ones.
    const usedKeys = new Set(tracked.map((rp) => `${rp.resourceArn}|${rp.creationMs}`));
    const land = (count: number): number => {
      const vault = emulator.backup.vaults.get(plan.sourceVaultName);
      if (!vault) return 0;
      const existing = [...vault.recoveryPoints.values()].filter(
        (rp) => !rp.isContinuous && rp.parentRecoveryPointArn === undefined && !rp.isParent,
      );
      let landed = 0;
      for (let index = 0; index < count; index++) {
        const sibling = existing.length > 0 && random.chance(0.5) ? random.pick(existing) : undefined;
        const recoveryPoint = emulator.seeder.addRecoveryPoint(plan.sourceVaultName, {
          resourceType: sibling?.resourceType ?? random.pick(SOAK_RESOURCE_TYPES),
          ...(sibling?.resourceName ? { resourceId: sibling.resourceName } : {}),
          createdDaysAgo: 0,
          lifecycle: { DeleteAfterDays: random.pick([35, 90, 365]) },
        });
        const key = `${recoveryPoint.resourceArn}|${recoveryPoint.creationDate.getTime()}`;
        if (usedKeys.has(key)) {
          // Two backups of one resource at one instant do not happen on AWS.
          vault.recoveryPoints.delete(recoveryPoint.arn);
          vault.ordered = undefined;
          continue;
        }
        usedKeys.add(key);
        tracked.push(track(emulator, recoveryPoint, true));
        landed++;
      }
      return landed;
    };

    clock = new SoakClock(emulatorTime(emulator), plan, land);
    const soakClock = clock;
    const runner = new LocalRunner({
      time: emulatorTime(emulator),
      environment: {
        ...localEnvironment({
          endpoint: emulator.url,
          region: emulator.region,
          keyArn,
          copyRoleArn: COPY_ROLE_ARN,
          authorization: authorization.environment,
          reportDir,
          retryBaseMs: 2,
        }),
        ...plan.environment,
      },
    });

    const migrate = async (): Promise<ExecutionResult> => {
      // A killed runner's simulated time stays broken, as a stopped execution stays stopped: the
      // fresh start gets a runner of its own.
      const first = await runner
        .withTime(soakClock.time(true))
        .startExecution('MigrateVault', plan.input, `soak-${seed}-1`);
      executions += first.executions.length;
      if (!soakClock.killed) return first;
      const again = await runner
        .withTime(soakClock.time(false))
        .startExecution('MigrateVault', plan.input, `soak-${seed}-2`);
      executions += again.executions.length;
      return again;
    };
    running = migrate();
    const guard = watchdog(emulator, options.timeoutMs ?? 120_000);
    const result = await Promise.race([running, guard.tripped]).finally(guard.cancel);

    options.tamper?.(emulator, plan);
    const report = readReport(reportDir, plan.sourceVaultName, result.name);
    outcome = result.status === 'SUCCEEDED' ? (report?.outcome ?? 'SUCCEEDED') : `FAILED ${result.error}`;
    const observation: SoakObservation = {
      sourceVaultName: plan.sourceVaultName,
      targetVaultName: plan.targetVaultName,
      kmsKeyArn: keyArn,
      deleteSourceVault: plan.input.deleteSourceVault === true,
      tracked,
      state: accountState(emulator),
      execution: {
        name: result.name,
        status: result.status,
        ...(result.error === undefined ? {} : { error: result.error }),
        ...(result.output === undefined ? {} : { output: result.output }),
      },
      report,
    };
    violations.push(...checkInvariants(observation));
  } catch (error) {
    violations.push({
      invariant: 'run-completes',
      detail: `the run did not complete: ${(error as Error).message}`,
    });
    outcome = 'DID NOT COMPLETE';
  } finally {
    const stats = emulator.stats().injected;
    injected.throttles = stats.throttles;
    injected.copyFailures = stats.copyFailures;
    injected.limitExceeded = stats.limitExceeded;
    injected.vaultDeleteConsistency = stats.vaultDeleteConsistency;
    injected.kills = clock?.killed ? 1 : 0;
    injected.arrivals = clock?.arrived ?? 0;
    await emulator.stop();
    // An execution left running (a tripped watchdog) ends once the emulator is gone; it must end
    // before the next run, since the runner sets and restores process.env around each execution.
    if (running) await settle(running, 60_000);
  }
  const keep = violations.length > 0 && (options.keepFailedReports ?? true);
  if (!keep) rmSync(reportDir, { recursive: true, force: true });
  return {
    seed,
    violations,
    recoveryPoints: initialCount,
    injected,
    outcome,
    executions,
    simulatedHours: (emulator.clock.nowMs() - startMs) / 3_600_000,
    wallMs: Date.now() - started,
    ...(keep ? { reportDir } : {}),
  };
}

export interface SoakOptions extends RunOptions {
  runs: number;
  /** Run i uses seed + i, so a failing run replays alone with `--runs 1 --seed <its seed>`. */
  seed: number;
  /** Called after each run (progress lines). */
  onRun?: (result: RunResult, index: number) => void;
}

export interface SoakSummary {
  results: RunResult[];
  passed: number;
  failed: number;
  injected: InjectedFaults;
  violations: number;
}

export async function runSoak(options: SoakOptions): Promise<SoakSummary> {
  const results: RunResult[] = [];
  for (let index = 0; index < options.runs; index++) {
    const result = await soakRun(options.seed + index, options);
    results.push(result);
    options.onRun?.(result, index);
  }
  const injected: InjectedFaults = {
    throttles: 0,
    copyFailures: 0,
    limitExceeded: 0,
    vaultDeleteConsistency: 0,
    permanentCopyFailures: 0,
    silentDeleteFailures: 0,
    retirementRefusals: 0,
    kills: 0,
    arrivals: 0,
  };
  for (const result of results) {
    for (const key of Object.keys(injected) as (keyof InjectedFaults)[])
      injected[key] += result.injected[key];
  }
  const failed = results.filter((result) => result.violations.length > 0).length;
  return {
    results,
    passed: results.length - failed,
    failed,
    injected,
    violations: results.reduce((sum, result) => sum + result.violations.length, 0),
  };
}

/** One line per run. */
export function formatRun(result: RunResult, index: number): string {
  const faults = [
    result.injected.kills > 0 ? 'killed+restarted' : '',
    result.injected.arrivals > 0 ? `${result.injected.arrivals} arrived` : '',
    result.injected.permanentCopyFailures > 0 ? `${result.injected.permanentCopyFailures} permanent` : '',
  ]
    .filter((part) => part !== '')
    .join(', ');
  return (
    `run ${index + 1} seed ${result.seed}: ${result.violations.length === 0 ? 'ok' : `FAILED (${result.violations.length} violations)`} ` +
    `${result.recoveryPoints} recovery points, ${result.outcome}${faults ? `, ${faults}` : ''} ` +
    `(${result.executions} executions, ${result.simulatedHours.toFixed(1)} h simulated, ${(result.wallMs / 1000).toFixed(1)} s)`
  );
}

/** The figures, the failures with their seeds, and `N passed, M failed` alone on the last line. */
export function formatSummary(summary: SoakSummary, command = 'npm run soak --'): string[] {
  const { injected } = summary;
  const lines = [
    '',
    `runs: ${summary.results.length}`,
    `recovery points migrated: ${summary.results.reduce((sum, result) => sum + result.recoveryPoints, 0)} (+${injected.arrivals} landed mid-run)`,
    'faults injected:',
    `  throttling (ThrottlingException):        ${injected.throttles}`,
    `  transient copy failures:                 ${injected.copyFailures} (permanent ones included)`,
    `  recovery points failing permanently:     ${injected.permanentCopyFailures}`,
    `  copy limit refusals (LimitExceeded):     ${injected.limitExceeded}`,
    `  vault deletion eventual consistency:     ${injected.vaultDeleteConsistency}`,
    `  deletions that silently did nothing:     ${injected.silentDeleteFailures}`,
    `  retirement refusals (busy/stuck/Deny):   ${injected.retirementRefusals}`,
    `  kills followed by a fresh start:         ${injected.kills}`,
    `  backups arriving mid-migration:          ${injected.arrivals}`,
    `invariant violations: ${summary.violations}`,
  ];
  for (const result of summary.results.filter((run) => run.violations.length > 0)) {
    lines.push('', `seed ${result.seed} FAILED (replay: ${command} --runs 1 --seed ${result.seed})`);
    for (const violation of result.violations.slice(0, 20))
      lines.push(`  [${violation.invariant}] ${violation.detail}`);
    if (result.violations.length > 20) lines.push(`  ... and ${result.violations.length - 20} more`);
    if (result.reportDir) lines.push(`  reports: ${result.reportDir}`);
  }
  lines.push(`${summary.passed} passed, ${summary.failed} failed`);
  return lines;
}
