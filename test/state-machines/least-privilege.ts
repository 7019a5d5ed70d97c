/**
 * The proof of least privilege (issue 13): every statement the stack deploys for a role the
 * emulator can see at work is needed (taking it out makes a migration fail with a named error and
 * lose nothing), and the full set is sufficient (the same migration succeeds with no denial).
 *
 * The cases are read from the synthesized template, not listed by hand: a statement added to
 * infra/iam.ts is taken out here on the next run, and one that no run needs fails this proof.
 */
import { expect } from 'vitest';
import type { AuthorizationPolicies, Emulator, EmulatorOptions, PolicyDocument } from '#emulator/index.ts';
import type { SeedSpec } from '#emulator/seed.ts';
import { type Scenario, scenario } from './harness.ts';

export interface TemplateStatement {
  /** The role's local name (`vault-migrator-CopyRecoveryPoints`, `vault-migrator-copy`). */
  role: string;
  roleArn: string;
  sid: string;
  actions: string[];
}

/**
 * Statements no local run can exercise, because the calls they allow go to services the emulator
 * does not play (the Lambda runtime's logs and traces; the report bucket, topic and their key:
 * local runs write reports to files). Each is named by what it allows, so a statement that is not
 * one of these must be proven needed.
 */
export const OUTSIDE_THE_EMULATOR: readonly {
  why: string;
  matches: (statement: TemplateStatement) => boolean;
}[] = [
  {
    why: 'CloudWatch Logs and X-Ray: the Lambda runtime writes them, not the handlers',
    matches: (statement) => statement.actions.every((action) => /^(logs|xray):/.test(action)),
  },
  {
    why: 'the report bucket, topic and their key: local runs write reports to files',
    matches: (statement) =>
      ['WriteReports', 'PublishReports', 'EncryptReports'].includes(statement.sid) &&
      statement.role.endsWith('-WriteReport'),
  },
];

/** Every statement of every role the emulator authorizes (Lambda roles and the copy role). */
export function roleStatements(
  policies: AuthorizationPolicies,
  roleArns: readonly string[],
): TemplateStatement[] {
  return roleArns.flatMap((roleArn) =>
    (policies.roles[roleArn]?.policies ?? []).flatMap((policy) =>
      ((policy.policy as PolicyDocument).Statement as { Sid?: string; Action: string | string[] }[]).map(
        (statement) => ({
          role: roleArn.slice(roleArn.lastIndexOf('/') + 1),
          roleArn,
          sid: statement.Sid ?? '',
          actions: [statement.Action].flat(),
        }),
      ),
    ),
  );
}

/** The policies with one statement of one role taken out. */
export function withoutStatement(
  policies: AuthorizationPolicies,
  roleArn: string,
  sid: string,
): AuthorizationPolicies {
  const copy = structuredClone(policies);
  let removed = 0;
  for (const policy of copy.roles[roleArn]?.policies ?? []) {
    const document = policy.policy as { Statement: { Sid?: string }[] };
    const before = document.Statement.length;
    document.Statement = document.Statement.filter((statement) => statement.Sid !== sid);
    removed += before - document.Statement.length;
  }
  if (removed === 0) throw new Error(`${roleArn} has no statement ${sid}`);
  return copy;
}

/**
 * An account that makes every statement work: a source vault without a key (the Prowler
 * finding), with tags, an access policy and notifications to carry over, a plan that names it,
 * and recovery points of fully managed and other types, some encrypted with a customer-managed
 * key of the account (the copy role reads them with it), one unencrypted.
 */
export const ACCOUNT: SeedSpec = {
  keys: [{ alias: 'alias/app-data' }],
  vaults: [
    {
      name: 'legacy',
      encryptionKey: 'none',
      tags: { team: 'platform' },
      accessPolicy: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'ReadForAudit',
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::123456789012:root' },
            Action: 'backup:DescribeBackupVault',
            Resource: '*',
          },
        ],
      },
      notifications: {
        snsTopicArn: 'arn:aws:sns:us-east-1:123456789012:backup-events',
        events: ['COPY_JOB_FAILED'],
      },
      recoveryPoints: [
        { resourceType: 'S3', createdDaysAgo: 3 },
        { resourceType: 'DynamoDB', createdDaysAgo: 2, dynamoDbAdvanced: true },
        { resourceType: 'EBS', createdDaysAgo: 4, encryptionKey: 'alias/app-data' },
        { resourceType: 'RDS', createdDaysAgo: 5, encryptionKey: 'alias/app-data' },
        { resourceType: 'EBS', createdDaysAgo: 6, encrypted: false },
      ],
    },
  ],
  plans: [{ name: 'daily', rules: [{ ruleName: 'daily', targetVault: 'legacy' }] }],
};

export interface Run {
  scenario: Scenario;
  result: Awaited<ReturnType<Scenario['runner']['startExecution']>>;
  /** The source recovery points before the run: ARN -> resource and creation date. */
  seeded: Map<string, { resourceArn: string; creationMs: number }>;
}

/**
 * The target key of every run: a key the stack lists in `additionalKmsKeyArns`, with AWS's
 * default key policy (it delegates to the account, so IAM policies alone decide its use). The
 * stack's own migration key also lets AWS Backup use it through its key policy, which would hide
 * the statements that grant a key's use.
 */
export const TARGET_KEY_ID = '0c0c0c0c-1111-2222-3333-444444444444';
export const TARGET_KEY = `arn:aws:kms:us-east-1:123456789012:key/${TARGET_KEY_ID}`;

/** What makes a statement's calls happen: the workflow, its input, and how the account behaves. */
export interface World {
  workflow: 'MigrateVault' | 'MigrateAllVaults';
  input?: Record<string, unknown>;
  emulator?: EmulatorOptions;
  /** Applied after the seed (faults that name recovery points). */
  arrange?: (emulator: Emulator) => void;
}

/** One migration of ACCOUNT with deletion into TARGET_KEY, under `policies` (default: as deployed). */
export async function migrate(
  world: World,
  policies?: (deployed: AuthorizationPolicies) => AuthorizationPolicies,
): Promise<Run> {
  const current = await scenario(world.emulator ?? {}, {}, { additionalKmsKeyArns: [TARGET_KEY] });
  const { emulator, runner } = current;
  emulator.kms.addKey({ keyId: TARGET_KEY_ID });
  emulator.seed(ACCOUNT);
  world.arrange?.(emulator);
  if (policies) await emulator.setAuthorization(policies(current.policies.authorization));
  const seeded = new Map(
    [...(emulator.backup.vaults.get('legacy')?.recoveryPoints.values() ?? [])].map((point) => [
      point.arn,
      { resourceArn: point.resourceArn, creationMs: point.creationDate.getTime() },
    ]),
  );
  const input = { deleteSourceVault: true, kmsKeyArn: TARGET_KEY, ...world.input };
  const result =
    world.workflow === 'MigrateVault'
      ? await runner.startExecution('MigrateVault', { sourceVaultName: 'legacy', ...input })
      : await runner.startExecution('MigrateAllVaults', input);
  return { scenario: current, result, seeded };
}

/** Nothing lost, nothing twice: every source point is still in the source or has exactly one copy. */
export function expectNothingLost(run: Run): void {
  const { emulator } = run.scenario;
  const source = emulator.backup.vaults.get('legacy');
  const target = emulator.backup.vaults.get('legacy-encrypted');
  const copies = new Map<string, number>();
  if (target) {
    // Copies are matched by resource and creation date (AWS keeps the source's creation date).
    const byKey = new Map<string, number>();
    for (const copy of target.recoveryPoints.values()) {
      const key = `${copy.resourceArn}|${copy.creationDate.getTime()}`;
      byKey.set(key, (byKey.get(key) ?? 0) + 1);
    }
    for (const [arn, point] of run.seeded) {
      copies.set(arn, byKey.get(`${point.resourceArn}|${point.creationMs}`) ?? 0);
    }
  }
  const lost = [...run.seeded.keys()].filter(
    (arn) => !source?.recoveryPoints.has(arn) && (copies.get(arn) ?? 0) === 0,
  );
  expect(lost, 'source recovery points deleted without a copy').toEqual([]);
  expect(
    [...copies].filter(([, count]) => count > 1),
    'source recovery points copied twice',
  ).toEqual([]);
}
