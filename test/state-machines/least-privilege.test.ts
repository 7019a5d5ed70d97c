/**
 * Issue 13, item 6: for each Lambda role and the copy role, every statement is needed (taken out,
 * a migration fails with a named error, or keeps the source and says why, and loses nothing), and
 * the full set suffices (the same migrations succeed with no denial).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NAMED_ERRORS } from '#shared/errors.ts';
import { stackPolicies, stackTemplate } from '../../local/iam/stack-policies.ts';
import {
  expectNothingLost,
  migrate,
  OUTSIDE_THE_EMULATOR,
  type Run,
  roleStatements,
  TARGET_KEY,
  type TemplateStatement,
  type World,
  withoutStatement,
} from './least-privilege.ts';

// The statements, from the template the stack synthesizes with the runs' target key listed.
const deployed = stackPolicies(await stackTemplate({ additionalKmsKeyArns: [TARGET_KEY] }), {
  accountId: '123456789012',
  region: 'us-east-1',
  migrationKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000',
});
const statements = roleStatements(deployed.authorization, [
  ...Object.values(deployed.functionRoles),
  deployed.copyRoleArn,
]);
const outside = statements.filter((statement) =>
  OUTSIDE_THE_EMULATOR.some((rule) => rule.matches(statement)),
);
const provable = statements.filter((statement) => !outside.includes(statement));

const MIGRATE: World = { workflow: 'MigrateVault' };
/** AWS lists a completed copy with a lag: verification and the report find copies through their jobs. */
const LISTING_LAG: World = { workflow: 'MigrateVault', emulator: { listingLagMs: 24 * 60 * 60 * 1000 } };

/** The world in which a statement's calls happen (a statement only a rare path needs gets that path). */
function worldFor(statement: TemplateStatement): World {
  const role = statement.role.replace(/^vault-migrator-/, '');
  switch (`${role} ${statement.sid}`) {
    case 'PlanMigration ListRecoveryPointsOfVaults':
    case 'PlanMigration DescribeRecoveryPoints':
    case 'PlanMigration ListBackupPlans':
    case 'PlanMigration ReadBackupPlans':
    case 'PlanMigration ReadVaultSettings':
      return { workflow: 'MigrateVault', input: { dryRun: true } };
    case 'CopyRecoveryPoints DescribeRecoveryPoints':
      // A copy that failed once is retried, and its source read again first.
      return {
        workflow: 'MigrateVault',
        arrange: (emulator) => {
          const [first] = emulator.backup.vaults.get('legacy')?.recoveryPoints.keys() ?? [];
          emulator.setFaults({ copyFailures: { [first as string]: 1 } });
        },
      };
    case 'VerifyMigration DescribeRecoveryPoints':
    case 'VerifyMigration ListCopyJobs':
    case 'WriteReport DescribeRecoveryPoints':
    // Retirement proves copies from window listings; a copy the target does not list yet is read
    // through its copy jobs.
    case 'DeleteSourceVault DescribeRecoveryPoints':
    case 'DeleteSourceVault ListCopyJobs':
      return LISTING_LAG;
    case 'DeleteSourceVault ListVaults':
      // A vault that is gone may answer 403: ListBackupVaults tells it from a refusal.
      return {
        workflow: 'MigrateVault',
        arrange: (emulator) => emulator.setFaults({ missingVaultAs: 'AccessDeniedException' }),
      };
    default:
      return role === 'FindVaultsToMigrate' ? { workflow: 'MigrateAllVaults' } : MIGRATE;
  }
}

/** Where a run that did not fail tells the operator why the source was kept or the report is partial. */
function toldInOutput(run: Run): string {
  const output = (run.result.output ?? {}) as {
    sourceVaultKeptBecause?: string;
    reportReadErrors?: string[];
  };
  return [output.sourceVaultKeptBecause ?? '', ...(output.reportReadErrors ?? [])].join('\n');
}

function reportJson(run: Run): string {
  return readFileSync(join(run.scenario.reportDir, 'legacy', run.result.name, 'report.json'), 'utf8');
}

describe('least privilege, proven from the synthesized template', () => {
  let run: Run | undefined;
  afterEach(async () => {
    await run?.scenario.stop();
    run = undefined;
  });

  it('knows every statement: the ones outside the emulator are only logs, traces and the report sinks', () => {
    expect(provable.length).toBeGreaterThan(30);
    expect(
      outside.map((statement) => [statement.role, statement.sid || statement.actions.join(',')]),
    ).toEqual(expect.arrayContaining([['vault-migrator-WriteReport', 'WriteReports']]));
    for (const statement of outside) {
      expect(
        statement.actions.every((action) => /^(logs|xray|s3|sns|kms):/.test(action)),
        statement.sid,
      ).toBe(true);
    }
    // Every Lambda role and the copy role has statements to prove.
    const roles = new Set(provable.map((statement) => statement.role));
    expect(roles.size).toBe(Object.keys(deployed.functionRoles).length + 1);
  });

  it.each([
    ['a migration with deletion', MIGRATE],
    ['a migration whose copies are listed late', LISTING_LAG],
    ['a dry run', { workflow: 'MigrateVault', input: { dryRun: true } } as World],
    ['a batch of every flagged vault', { workflow: 'MigrateAllVaults' } as World],
  ])('the full set suffices: %s succeeds with no denial', async (_name, world) => {
    run = await migrate(world);
    expect(run.result.status, JSON.stringify(run.result.cause ?? '')).toBe('SUCCEEDED');
    expect(run.scenario.emulator.authorization.denials).toEqual([]);
    expect(run.scenario.emulator.authorization.evaluations).toBeGreaterThan(0);
    expectNothingLost(run);
  });

  it.each(provable.map((statement) => [`${statement.role} ${statement.sid}`, statement] as const))(
    'without %s the run fails, named, or keeps the source and says why; nothing is lost',
    async (_name, statement) => {
      run = await migrate(worldFor(statement), (policies) =>
        withoutStatement(policies, statement.roleArn, statement.sid),
      );
      const { result, scenario } = run;
      // The statement was needed: a call it allowed was denied.
      const denied = scenario.emulator.authorization.denials.filter(
        (denial) =>
          denial.principal.includes(`/${statement.role}/`) && statement.actions.includes(denial.action),
      );
      expect(denied.length, 'a call the statement allows was made and denied').toBeGreaterThan(0);
      const action = denied[0]?.action as string;
      if (result.status === 'FAILED') {
        expect(NAMED_ERRORS, String(result.cause)).toContain(result.error);
        // The cause names the denied action, or the report does (a copy job's failure message).
        const cause = String(result.cause);
        expect(cause.includes(action) ? cause : reportJson(run)).toContain(action);
      } else {
        expect(result.status).toBe('SUCCEEDED');
        expect(toldInOutput(run)).toContain(action);
      }
      expectNothingLost(run);
    },
  );
});
