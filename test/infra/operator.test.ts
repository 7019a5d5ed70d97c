/**
 * Issue 13, item 7: the operator's permissions, from one table (infra/operator.ts), used by the
 * stack's OperatorPolicy and shown in the README; the CLI's AWS mode makes no call the table lacks.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';
import {
  OPERATOR_CALLS_WITHOUT_PERMISSION,
  OPERATOR_PERMISSIONS,
  operatorPolicyDocument,
  README_PLACEHOLDERS,
} from '../../infra/operator.ts';
import { PROJECT_ROOT } from '../../infra/vault-migrator.ts';
import { ACCOUNT, flat, list, REGION, synthStack, type TemplateStatement } from './support.ts';

/** Every `new XCommand(` of the CLI outside its local mode (cli/local, cli/demo talk to the emulator). */
function cliAwsCommands(): string[] {
  const found = new Set<string>();
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!['local', 'demo'].includes(entry.name)) visit(path);
      } else if (entry.name.endsWith('.ts')) {
        for (const match of readFileSync(path, 'utf8').matchAll(/new (\w+Command)\(/g))
          found.add(match[1] as string);
      }
    }
  };
  visit(join(PROJECT_ROOT, 'cli'));
  return [...found].sort();
}

const DELEGATING_KEY_POLICY = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'kms:*', Resource: '*' },
  ],
};

const README = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');

describe("the operator's permissions", () => {
  it('has a row for every AWS call of the CLI outside local mode, and no row without a call', () => {
    const calls = cliAwsCommands();
    expect(calls.length).toBeGreaterThan(3);
    const covered = new Set([
      ...OPERATOR_PERMISSIONS.map((permission) => permission.command),
      ...OPERATOR_CALLS_WITHOUT_PERMISSION,
    ]);
    expect(calls.filter((call) => !covered.has(call))).toEqual([]);
    expect([...covered].filter((command) => !calls.includes(command))).toEqual([]);
    for (const permission of OPERATOR_PERMISSIONS)
      expect(permission.source).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
  });

  it('is deployed as the OperatorPolicy managed policy, scoped to this stack, and output', () => {
    const { template } = synthStack({}, 'Prod-Migrator');
    const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).filter((policy) =>
      String(policy.Properties?.Description).includes('vault-migrator CLI'),
    );
    expect(policies).toHaveLength(1);
    const statements = policies[0]?.Properties.PolicyDocument.Statement as TemplateStatement[];
    expect(statements.map((statement) => [statement.Sid, list(statement.Action)])).toEqual(
      OPERATOR_PERMISSIONS.map((permission) => [permission.sid, [...permission.actions]]),
    );
    const resources = statements.flatMap((statement) =>
      list(statement.Resource).map((resource) => flat(resource).replace('<AWS::Partition>', 'aws')),
    );
    expect(resources).toEqual(
      expect.arrayContaining([
        `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/Prod-Migrator/*`,
        `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:Prod-Migrator-MigrateVault`,
        `arn:aws:states:${REGION}:${ACCOUNT}:execution:Prod-Migrator-MigrateAllVaults:*`,
      ]),
    );
    // The one action granted on every resource names no resource type; nothing else is.
    expect(
      statements
        .filter((statement) => list(statement.Resource).includes('*'))
        .map((statement) => statement.Action),
    ).toEqual(['backup:ListCopyJobs']);
    expect(Object.keys(template.findOutputs('OperatorPolicyArn'))).toEqual(['OperatorPolicyArn']);
  });

  it('is stated in the README as generated', () => {
    const block =
      /<!-- operator-policy:start -->\n```json\n([\s\S]*?)\n```\n<!-- operator-policy:end -->/.exec(README);
    const expected = operatorPolicyDocument(README_PLACEHOLDERS);
    expect(block, 'the README has the operator policy between its markers').not.toBeNull();
    expect(
      JSON.parse(block?.[1] ?? 'null'),
      `the README's operator policy should read:\n${JSON.stringify(expected, null, 2)}`,
    ).toEqual(expected);
  });

  it("allows each of the CLI's calls on this deployment and none on another stack's (evaluated by iam-simulate)", async () => {
    const filled = JSON.parse(
      JSON.stringify(operatorPolicyDocument(README_PLACEHOLDERS))
        .replaceAll('REGION', 'eu-west-1')
        .replaceAll('ACCOUNT', '123456789012')
        .replaceAll('REPORT_BUCKET', 'reports-bucket')
        .replaceAll('OPERATIONS_KEY_ID', '1111aaaa-2222-3333-4444-555566667777'),
    );
    const states = 'arn:aws:states:eu-west-1:123456789012';
    const verdict = async (action: string, resource: string, context: Record<string, string> = {}) => {
      const result = await runSimulation(
        {
          request: {
            principal: 'arn:aws:sts::123456789012:assumed-role/platform-engineer/alice',
            action,
            resource: { resource, accountId: '123456789012' },
            contextVariables: context,
          },
          identityPolicies: [{ name: 'operator', policy: filled }],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          // A KMS key's policy decides whether IAM policies count: the operations key has CDK's
          // default one, which delegates to the account.
          ...(action.startsWith('kms:') ? { resourcePolicy: DELEGATING_KEY_POLICY } : {}),
        },
        {},
      );
      return (result as { overallResult?: string }).overallResult ?? JSON.stringify(result);
    };
    const allowed: [string, string, Record<string, string>?][] = [
      [
        'cloudformation:DescribeStacks',
        'arn:aws:cloudformation:eu-west-1:123456789012:stack/BackupVaultMigrator/0a1b',
      ],
      ['states:StartExecution', `${states}:stateMachine:BackupVaultMigrator-MigrateVault`],
      ['states:StartExecution', `${states}:stateMachine:BackupVaultMigrator-MigrateAllVaults`],
      ['states:DescribeExecution', `${states}:execution:BackupVaultMigrator-MigrateVault:run-1`],
      ['states:DescribeExecution', `${states}:execution:BackupVaultMigrator-MigrateAllVaults:batch-1`],
      ['s3:GetObject', 'arn:aws:s3:::reports-bucket/run-1/report.json'],
      [
        'kms:Decrypt',
        'arn:aws:kms:eu-west-1:123456789012:key/1111aaaa-2222-3333-4444-555566667777',
        { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' },
      ],
    ];
    for (const [action, resource, context] of allowed) {
      expect(await verdict(action, resource, context), `${action} on ${resource}`).toBe('Allowed');
    }
    const denied: [string, string, Record<string, string>?][] = [
      ['states:StartExecution', `${states}:stateMachine:SomethingElse`],
      ['states:StopExecution', `${states}:execution:BackupVaultMigrator-MigrateVault:run-1`],
      ['s3:GetObject', 'arn:aws:s3:::another-bucket/secret.json'],
      [
        'kms:Decrypt',
        'arn:aws:kms:eu-west-1:123456789012:key/1111aaaa-2222-3333-4444-555566667777',
        { 'kms:ViaService': 'ec2.eu-west-1.amazonaws.com' },
      ],
    ];
    for (const [action, resource, context] of denied) {
      expect(await verdict(action, resource, context), `${action} on ${resource}`).toBe('ImplicitlyDenied');
    }
  });
});
