/**
 * One soak run, decided entirely by its seed: the account (a vault of mixed recovery points, plans
 * that point at it, perhaps a legal hold), the migration input, the emulator's limits, the faults,
 * when backups arrive and when the run is killed. The same seed gives the same plan, so a failing
 * run replays with `--seed`.
 */
import type { EmulatorOptions, FaultSettings } from '#emulator/index.ts';
import { SeededRandom } from '#emulator/random.ts';
import type { PlanSeed, RecoveryPointSeed, SeedSpec } from '#emulator/seed.ts';
import { toEnvironment } from '#shared/config.ts';

/** Resource types a generated vault mixes, most of them copyable; SAP HANA is not (copy unsupported). */
export const SOAK_RESOURCE_TYPES: readonly string[] = [
  'EBS',
  'RDS',
  'EFS',
  'S3',
  'DynamoDB',
  'Aurora',
  'EC2',
  'FSx',
  'Redshift',
  'DocumentDB',
  'Neptune',
  'Timestream',
  'CloudFormation',
  'VirtualMachine',
  'Storage Gateway',
];
export const UNCOPYABLE_TYPE = 'SAP HANA on Amazon EC2';

/** Fault rates the issue asks for. */
export const THROTTLE_RATE = 0.1;
export const TRANSIENT_COPY_FAILURE_RATE = 0.05;
export const PERMANENT_COPY_FAILURE_SHARE = 0.01;

/** Backups that land in the source while the migration runs. */
export interface Arrival {
  /** After which Wait (1-based, counted over every execution of the run) they land. */
  atWait: number;
  count: number;
}

export interface SoakPlan {
  seed: number;
  sourceVaultName: string;
  targetVaultName: string;
  /** The MigrateVault input, given unchanged to the first start and to the fresh start after a kill. */
  input: Record<string, unknown>;
  emulator: Pick<
    EmulatorOptions,
    | 'randomSeed'
    | 'copyConcurrencyLimit'
    | 'limitBehaviour'
    | 'copyMedianMs'
    | 'copyStartDelayMs'
    | 'copyJobHistoryDays'
    | 'compositeParentDelete'
  >;
  /** The account, but for the migration key, which the run creates first (its ARN is random). */
  account: SeedSpec;
  /** Environment the Lambdas run with, on top of the local defaults. */
  environment: Record<string, string>;
  /** Rate faults, set before the first execution. */
  faults: FaultSettings;
  /** Share of the source's recovery points whose copy always fails. */
  permanentFailureShare: number;
  /** Source recovery points whose deletion returns 200 but leaves them EXPIRED. */
  silentDeleteFailures: number;
  /**
   * Retirement refusals (issue 16), drawn after everything else: source recovery points whose
   * DeleteRecoveryPoint answers InvalidResourceStateException a few times, or stays DELETING for
   * good; and AWS's example vault access policy denying recovery point deletion.
   */
  retirementRefusals?: { busy: number; stuck: number; denyDeletionPolicy: boolean };
  /** Wait (1-based) at which the first execution is killed; none: no kill. */
  killAtWait?: number;
  arrivals: Arrival[];
}

/** The source and target names: letters, digits, hyphens and underscores, as AWS allows. */
function vaultName(random: SeededRandom): string {
  const stem = random.pick(['legacy', 'Legacy_Prod', 'app-backups', 'vault_2019', 'db-daily', 'X9']);
  return `${stem}-${random.hex(random.int(2, 8))}`;
}

function typeMix(random: SeededRandom): Record<string, number> {
  const mix: Record<string, number> = {};
  const count = random.int(2, 6);
  while (Object.keys(mix).length < count) mix[random.pick(SOAK_RESOURCE_TYPES)] = random.int(1, 10);
  if (random.chance(0.15)) mix[UNCOPYABLE_TYPE] = 1;
  return mix;
}

/** The awkward recovery points real vaults hold, each present in some runs. */
function extraRecoveryPoints(random: SeededRandom): RecoveryPointSeed[] {
  const extras: RecoveryPointSeed[] = [];
  if (random.chance(0.3)) extras.push({ resourceType: 'RDS', continuous: true });
  if (random.chance(0.2)) extras.push({ resourceType: 'EBS', status: 'PARTIAL' });
  if (random.chance(0.2)) {
    // Already in cold storage: cannot be copied.
    extras.push({
      resourceType: 'EFS',
      createdDaysAgo: 60,
      lifecycle: { MoveToColdStorageAfterDays: 30, DeleteAfterDays: 400 },
    });
  }
  if (random.chance(0.25)) {
    // Bound for cold storage later: the copy must carry the transition.
    extras.push({
      resourceType: 'EFS',
      createdDaysAgo: 5,
      lifecycle: { MoveToColdStorageAfterDays: 100, DeleteAfterDays: 400 },
    });
  }
  if (random.chance(0.3)) extras.push({ resourceType: random.pick(['EFS', 'EBS', 'S3']), createdDaysAgo: 3 });
  if (random.chance(0.15)) extras.push({ resourceType: 'CloudFormation', compositeMembers: 2 });
  if (random.chance(0.15)) extras.push({ resourceType: 'DynamoDB', dynamoDbAdvanced: false });
  if (random.chance(0.3)) {
    extras.push({ resourceType: 'EFS', legalHold: true, lifecycle: { DeleteAfterDays: 365 } });
  }
  if (random.chance(0.2)) {
    // Twins: one resource, one creation instant (two copies of one backup landed in the vault).
    // A copy found by resource and date could be either's: each needs its own (invariant 1).
    const twin = { resourceType: 'EBS', resourceId: `twin-${random.hex(4)}`, createdDaysAgo: 4 };
    extras.push(twin, { ...twin });
  }
  return extras;
}

function plans(random: SeededRandom, source: string): PlanSeed[] {
  const result: PlanSeed[] = [
    {
      name: 'daily',
      rules: [{ ruleName: 'daily', targetVault: source, lifecycle: { DeleteAfterDays: 35 } }],
    },
  ];
  if (random.chance(0.5)) {
    result.push({
      name: 'weekly-copy',
      rules: [{ ruleName: 'weekly', targetVault: 'dr', copyTo: [source] }],
    });
  }
  if (random.chance(0.5)) {
    result.push({
      name: 'mixed',
      rules: [
        { ruleName: 'hourly', targetVault: source, lifecycle: { DeleteAfterDays: 7 } },
        { ruleName: 'monthly', targetVault: 'dr', copyTo: ['dr'] },
      ],
    });
  }
  if (random.chance(0.3)) {
    result.push({ name: 'unrelated', rules: [{ ruleName: 'other', targetVault: 'dr' }] });
  }
  return result;
}

/** Everything one run does, from its seed. */
export function planRun(seed: number): SoakPlan {
  const random = new SeededRandom(seed ^ 0x50a4);
  const sourceVaultName = vaultName(random);
  const targetVaultName = `${sourceVaultName}-encrypted`;
  const count = random.int(20, 150);
  const deleteSourceVault = random.chance(0.5);
  const copyConcurrencyLimit = random.int(2, 12);
  const maxConcurrentCopies = random.int(1, 40);

  const input: Record<string, unknown> = { sourceVaultName };
  if (random.chance(0.3)) input.targetVaultName = targetVaultName;
  // retireInsteadOfDelete is left out: the emulator does not serve UpdateRecoveryPointLifecycle yet.
  if (deleteSourceVault) input.deleteSourceVault = true;
  input.maxConcurrentCopies = maxConcurrentCopies;

  const environment: Record<string, string> = {};
  // Small history budgets make long runs continue in child executions, from any of the loops.
  if (random.chance(0.3))
    Object.assign(environment, toEnvironment({ loopEventsPerExecution: random.int(54, 270) }));

  const rounds = Math.ceil(count / Math.min(maxConcurrentCopies, copyConcurrencyLimit)) + 4;
  const arrivals: Arrival[] = [];
  if (random.chance(0.7)) {
    const events = random.int(1, 3);
    for (let index = 0; index < events; index++) {
      arrivals.push({ atWait: random.int(1, Math.max(2, rounds)), count: random.int(1, 3) });
    }
  }

  const plan: SoakPlan = {
    seed,
    sourceVaultName,
    targetVaultName,
    input,
    emulator: {
      randomSeed: seed,
      copyConcurrencyLimit,
      limitBehaviour: random.chance(0.5) ? 'queue' : 'reject',
      copyMedianMs: random.int(2, 30) * 60_000,
      copyStartDelayMs: random.int(0, 3) * 60_000,
    },
    account: {
      keys: [{ alias: 'alias/app-data' }],
      vaults: [
        {
          name: sourceVaultName,
          encryptionKey: random.pick(['none', 'none', 'aws-managed', 'alias/app-data']),
          ...(random.chance(0.5) ? { tags: { team: 'platform', source: 'soak' } } : {}),
          ...(random.chance(0.3)
            ? {
                notifications: {
                  snsTopicArn: 'arn:aws:sns:us-east-1:123456789012:backup-events',
                  events: ['COPY_JOB_FAILED'],
                },
              }
            : {}),
          generate: {
            count,
            mix: typeMix(random),
            perResource: random.int(1, 6),
            unencryptedShare: random.next() * 0.5,
            retentionDays: random.pick([35, 90, 365, 365, 730]),
          },
          recoveryPoints: extraRecoveryPoints(random),
        },
        { name: 'dr', encryptionKey: 'aws-managed', generate: { count: random.int(0, 5) } },
      ],
      plans: plans(random, sourceVaultName),
    },
    environment,
    faults: {
      throttleRate: { '*': THROTTLE_RATE },
      copyFailureRate: TRANSIENT_COPY_FAILURE_RATE,
      emptyVaultDeleteFailures: random.int(0, 3),
    },
    permanentFailureShare: PERMANENT_COPY_FAILURE_SHARE,
    silentDeleteFailures: deleteSourceVault && random.chance(0.15) ? 1 : 0,
    ...(random.chance(0.85) ? { killAtWait: random.int(1, Math.max(2, rounds)) } : {}),
    arrivals,
  };
  // Drawn last, so that the draws above (and the seeds that replay them) stay as they were.
  if (random.chance(0.3)) plan.emulator.copyJobHistoryDays = random.pick([1, 30]);
  if (random.chance(0.5)) plan.emulator.compositeParentDelete = 'refuse';
  if (deleteSourceVault && random.chance(0.4)) {
    plan.retirementRefusals = {
      busy: random.chance(0.5) ? 1 : 0,
      stuck: random.chance(0.3) ? 1 : 0,
      denyDeletionPolicy: random.chance(0.2),
    };
  }
  return plan;
}
