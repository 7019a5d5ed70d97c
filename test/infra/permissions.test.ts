import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import {
  MIGRATOR_FUNCTION_NAMES,
  MIGRATOR_FUNCTIONS,
  type MigratorFunctionName,
} from '../../infra/functions.ts';
import { UNSCOPABLE_ACTIONS, wildcardReasons } from '../../infra/iam.ts';
import { readAslDefinition } from '../../infra/state-machines.ts';
import { PROJECT_ROOT } from '../../infra/vault-migrator.ts';
import {
  ACCOUNT,
  allowedActions,
  flat,
  list,
  logicalId,
  REGION,
  statementsOfRole,
  synthStack,
  type TemplateStatement,
} from './support.ts';

// GIVEN the stack as deployed by default (deletion not allowed), and one that allows deletion
const byDefault = synthStack({ migrator: { schedule: {} } });
const withDeletion = synthStack({ migrator: { allowSourceDeletion: true } });

/** What every Lambda role has besides its own calls: writing its logs and its traces. */
const LOGS_AND_TRACES = [
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'xray:PutTelemetryRecords',
  'xray:PutTraceSegments',
];

/** The AWS calls each handler makes (from the Lambdas' code), as IAM actions. */
const CALLS: Record<MigratorFunctionName, string[]> = {
  prepareMigration: ['backup:DescribeBackupVault', 'kms:DescribeKey'],
  planMigration: [
    'backup:GetBackupPlan',
    'backup:GetBackupVaultAccessPolicy',
    'backup:GetBackupVaultNotifications',
    'backup:ListBackupPlans',
    'backup:ListRecoveryPointsByBackupVault',
  ],
  createTargetVault: [
    // CreateBackupVault with a key: AWS Backup's "Backup vault creation and deletion" page.
    'backup-storage:MountCapsule',
    'backup:CreateBackupVault',
    'backup:DescribeBackupVault',
    'backup:GetBackupVaultAccessPolicy',
    'backup:GetBackupVaultNotifications',
    'backup:ListTags',
    'backup:PutBackupVaultAccessPolicy',
    'backup:PutBackupVaultLockConfiguration',
    'backup:PutBackupVaultNotifications',
    'backup:TagResource',
    'kms:CreateGrant',
    'kms:Decrypt',
    'kms:DescribeKey',
    'kms:GenerateDataKey',
    'kms:RetireGrant',
  ],
  repointBackupPlans: ['backup:GetBackupPlan', 'backup:ListBackupPlans', 'backup:UpdateBackupPlan'],
  copyRecoveryPoints: [
    'backup:CopyIntoBackupVault',
    'backup:DescribeCopyJob',
    'backup:DescribeRecoveryPoint',
    'backup:ListCopyJobs',
    'backup:ListRecoveryPointsByBackupVault',
    'backup:StartCopyJob',
    'iam:PassRole',
  ],
  verifyMigration: [
    'backup:DescribeRecoveryPoint',
    'backup:ListCopyJobs',
    'backup:ListRecoveryPointsByBackupVault',
  ],
  deleteSourceVault: [
    'backup:DescribeBackupVault',
    'backup:DescribeRecoveryPoint',
    'backup:ListBackupVaults',
    'backup:ListCopyJobs',
    'backup:ListRecoveryPointsByBackupVault',
  ],
  writeReport: [
    'backup:DescribeRecoveryPoint',
    'backup:ListCopyJobs',
    'backup:ListRecoveryPointsByBackupVault',
    'kms:Decrypt',
    'kms:GenerateDataKey',
    // lib-storage's Upload aborts a multipart upload that failed.
    's3:AbortMultipartUpload',
    's3:PutObject',
    'sns:Publish',
  ],
  findVaultsToMigrate: ['backup:ListBackupVaults', 'backup:ListTags', 'kms:DescribeKey'],
};

const DELETIONS = [
  'backup:DeleteBackupVault',
  'backup:DeleteRecoveryPoint',
  'backup:UpdateRecoveryPointLifecycle',
  'iam:CreateServiceLinkedRole',
];

const READ_ONLY: MigratorFunctionName[] = [
  'prepareMigration',
  'planMigration',
  'verifyMigration',
  'findVaultsToMigrate',
];

function roleId(synth: typeof byDefault, name: MigratorFunctionName): string {
  return logicalId(synth.stack.migrator.functionRoles[name]);
}

/** Every role of the template with its statements. */
function allRoleStatements(synth: typeof byDefault): [string, TemplateStatement[]][] {
  return Object.keys(synth.template.findResources('AWS::IAM::Role')).map((id) => [
    id,
    statementsOfRole(synth.template, id),
  ]);
}

/** Every identity policy document of the template (inline, attached, managed). */
function identityStatements(synth: typeof byDefault): TemplateStatement[] {
  const managed = Object.values(synth.template.findResources('AWS::IAM::ManagedPolicy')).flatMap(
    (policy) => policy.Properties.PolicyDocument.Statement as TemplateStatement[],
  );
  return [...allRoleStatements(synth).flatMap(([, statements]) => statements), ...managed];
}

describe('Lambda permissions', () => {
  it.each(MIGRATOR_FUNCTION_NAMES)('gives %s exactly the calls its handler makes', (name) => {
    expect(allowedActions(byDefault.template, roleId(byDefault, name))).toEqual(
      [...CALLS[name], ...LOGS_AND_TRACES].sort(),
    );
  });

  it('lets the retire Lambda delete, expire and clean up only when the stack allows deletion', () => {
    expect(allowedActions(withDeletion.template, roleId(withDeletion, 'deleteSourceVault'))).toEqual(
      [...CALLS.deleteSourceVault, ...DELETIONS, ...LOGS_AND_TRACES].sort(),
    );
  });

  it('lets no role but the retire Lambda delete recovery points or vaults', () => {
    const retireRole = roleId(withDeletion, 'deleteSourceVault');
    for (const [id, statements] of allRoleStatements(withDeletion)) {
      const deletions = statements
        .filter((statement) => statement.Effect === 'Allow')
        .flatMap((statement) => list(statement.Action))
        .filter((action) => DELETIONS.includes(action));
      expect({ id, deletions }).toEqual({ id, deletions: id === retireRole ? deletions : [] });
    }
  });

  it('lets no role delete anything when deletion is not allowed, the default', () => {
    const deletions = identityStatements(byDefault)
      .flatMap((statement) => list(statement.Action))
      .filter((action) => /^backup:(Delete|UpdateRecoveryPointLifecycle)/.test(action));
    expect(deletions).toEqual([]);
  });

  it.each(READ_ONLY)('keeps %s read-only', (name) => {
    const mutating = allowedActions(byDefault.template, roleId(byDefault, name)).filter(
      (action) => /^(backup|kms):/.test(action) && !/^(backup|kms):(Describe|List|Get)/.test(action),
    );
    expect(mutating).toEqual([]);
  });

  it('scopes Backup and KMS resources to this account and Region', () => {
    const allowedPatterns = [
      new RegExp(`^arn:<AWS::Partition>:backup:${REGION}:${ACCOUNT}:(backup-vault|backup-plan):\\*$`),
      new RegExp(`^arn:<AWS::Partition>:kms:${REGION}:${ACCOUNT}:key/\\*$`),
      // Recovery points: the vendor and account vary by resource type (EBS snapshot ARNs have no account).
      new RegExp(`^arn:<AWS::Partition>:\\*:${REGION}:\\*:\\*$`),
      // One resource of this stack (the report key).
      /^<[A-Za-z0-9]+\.Arn>$/,
    ];
    for (const name of MIGRATOR_FUNCTION_NAMES) {
      for (const statement of statementsOfRole(byDefault.template, roleId(byDefault, name))) {
        const actions = list(statement.Action).filter((action) => /^(backup|kms):/.test(action));
        if (actions.length === 0) continue;
        for (const resource of list(statement.Resource).map(flat)) {
          if (resource === '*') continue;
          expect({
            actions,
            resource,
            scoped: allowedPatterns.some((pattern) => pattern.test(resource)),
          }).toEqual({
            actions,
            resource,
            scoped: true,
          });
        }
      }
    }
  });

  it('lets only the copy Lambda pass a role, the copy role, and only to AWS Backup', () => {
    const copyRole = `<${logicalId(byDefault.stack.migrator.copyRole)}.Arn>`;
    const passes = allRoleStatements(byDefault).flatMap(([id, statements]) =>
      statements
        .filter((statement) => list(statement.Action).includes('iam:PassRole'))
        .map((statement) => ({ id, statement })),
    );
    expect(
      passes.map(({ id, statement }) => ({
        id,
        resources: list(statement.Resource).map(flat),
        condition: statement.Condition,
      })),
    ).toEqual([
      {
        id: roleId(byDefault, 'copyRecoveryPoints'),
        resources: [copyRole],
        condition: { StringEquals: { 'iam:PassedToService': 'backup.amazonaws.com' } },
      },
    ]);
  });

  it('lets the report Lambda write objects to the report bucket and publish to the topic only', () => {
    const statements = statementsOfRole(byDefault.template, roleId(byDefault, 'writeReport'));
    const resourcesOf = (action: string) =>
      statements
        .filter((statement) => list(statement.Action).includes(action))
        .flatMap((s) => list(s.Resource).map(flat));
    expect(resourcesOf('s3:PutObject')).toEqual([
      `<${logicalId(byDefault.stack.migrator.reportBucket)}.Arn>/*`,
    ]);
    expect(resourcesOf('s3:AbortMultipartUpload')).toEqual(resourcesOf('s3:PutObject'));
    expect(resourcesOf('sns:Publish')).toEqual([`<${logicalId(byDefault.stack.migrator.reportTopic)}>`]);
  });

  it('trusts only the Lambda service with the Lambda roles', () => {
    for (const name of MIGRATOR_FUNCTION_NAMES) {
      const role = byDefault.template.toJSON().Resources[roleId(byDefault, name)];
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('no wildcard actions', () => {
  it('grants no wildcard action in any identity policy', () => {
    for (const synth of [byDefault, withDeletion]) {
      const wildcards = identityStatements(synth)
        .flatMap((statement) => list(statement.Action))
        .filter((action) => action.includes('*'));
      expect(wildcards).toEqual([]);
    }
  });

  it('grants * resources only for actions that support no resource-level permissions', () => {
    const unscopable = new Set<string>([
      ...UNSCOPABLE_ACTIONS,
      // Step Functions' log delivery and tracing (added by CDK for logging and X-Ray).
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
    ]);
    const onStar = identityStatements(withDeletion)
      .filter((statement) => statement.Effect === 'Allow' && list(statement.Resource).includes('*'))
      .flatMap((statement) => list(statement.Action));
    expect(onStar.filter((action) => !unscopable.has(action))).toEqual([]);
  });

  it('has no reason to give for an action IAM could scope, granted on *', () => {
    const migrator = byDefault.stack.migrator;
    const reasonFor = wildcardReasons({
      stack: byDefault.stack,
      allowSourceDeletion: false,
      copyRoleArn: migrator.copyRole.roleArn,
      reportBucketArn: migrator.reportBucket.bucketArn,
      reportTopicArn: migrator.reportTopic.topicArn,
      reportKeyArn: migrator.operationsKey.keyArn,
      targetKeyArns: [],
    });
    expect(reasonFor('*', ['backup:ListCopyJobs', 'xray:PutTraceSegments'])).toMatch(
      /support no resource-level/,
    );
    expect(reasonFor('*', ['backup:ListCopyJobs', 'backup:StartCopyJob'])).toBeUndefined();
  });

  it("allows no wildcard action in a resource policy but the keys' account-root administration", () => {
    const resourcePolicies = [
      ...Object.values(byDefault.template.findResources('AWS::KMS::Key')).map(
        (key) => key.Properties.KeyPolicy,
      ),
      ...Object.values(byDefault.template.findResources('AWS::S3::BucketPolicy')).map(
        (p) => p.Properties.PolicyDocument,
      ),
      ...Object.values(byDefault.template.findResources('AWS::SNS::TopicPolicy')).map(
        (p) => p.Properties.PolicyDocument,
      ),
    ];
    const wildcardAllows = resourcePolicies
      .flatMap((document) => document.Statement as TemplateStatement[])
      .filter(
        (statement) => statement.Effect === 'Allow' && list(statement.Action).some((a) => a.includes('*')),
      );
    // CDK's default key statement: the account can manage its key through IAM, so it never becomes unmanageable.
    expect(wildcardAllows).toEqual(
      wildcardAllows.map(() => ({
        Action: 'kms:*',
        Effect: 'Allow',
        Principal: {
          AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ACCOUNT}:root`]] },
        },
        Resource: '*',
      })),
    );
    expect(wildcardAllows).toHaveLength(2);
  });
});

describe('keys the migrator may use', () => {
  const extraKey = `arn:aws:kms:${REGION}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;
  const withExtraKey = synthStack({ migrator: { additionalKmsKeyArns: [extraKey] } });
  const keyResources = (synth: typeof byDefault, roleLogicalId: string, action: string) =>
    statementsOfRole(synth.template, roleLogicalId)
      .filter((statement) => list(statement.Action).includes(action))
      .flatMap((statement) => list(statement.Resource).map(flat));

  it('lets vault creation mount the storage capsule on * (it supports no resource) and use only the target keys', () => {
    const role = roleId(byDefault, 'createTargetVault');
    expect(keyResources(byDefault, role, 'backup-storage:MountCapsule')).toEqual(['*']);
    for (const action of ['kms:CreateGrant', 'kms:RetireGrant', 'kms:Decrypt', 'kms:GenerateDataKey']) {
      expect(keyResources(byDefault, role, action)).toEqual([
        expect.stringMatching(/^<MigrationKey.*\.Arn>$/),
      ]);
      expect(keyResources(withExtraKey, roleId(withExtraKey, 'createTargetVault'), action)).toEqual([
        expect.stringMatching(/^<MigrationKey.*\.Arn>$/),
        extraKey,
      ]);
    }
  });

  it('gives the copy role the use of every configured key, and tells Prepare which keys those are', () => {
    const copyRole = logicalId(withExtraKey.stack.migrator.copyRole);
    expect(keyResources(withExtraKey, copyRole, 'kms:GenerateDataKey')).toEqual([
      expect.stringMatching(/^<MigrationKey.*\.Arn>$/),
      extraKey,
    ]);
    const prepare =
      withExtraKey.template.toJSON().Resources[
        logicalId(withExtraKey.stack.migrator.functions.prepareMigration)
      ];
    expect(flat(prepare.Properties.Environment.Variables.ALLOWED_KMS_KEY_ARNS)).toMatch(
      new RegExp(`^<MigrationKey.*\\.Arn>,${extraKey}$`),
    );
  });

  it("refuses an additional key that is not a key ARN of the stack's account and Region", () => {
    expect(() => synthStack({ migrator: { additionalKmsKeyArns: ['alias/other'] } })).toThrow(
      /additionalKmsKeyArns/,
    );
  });
});

describe('copy role', () => {
  it('is assumed by AWS Backup, with its managed backup policy and the use of the migration key', () => {
    const { template, stack } = byDefault;
    const id = logicalId(stack.migrator.copyRole);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'backup.amazonaws.com' } },
        ],
      },
      ManagedPolicyArns: [
        {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup',
            ],
          ],
        },
      ],
    });
    const keyStatements = statementsOfRole(template, id);
    expect(keyStatements).toEqual([
      expect.objectContaining({
        Action: [
          'kms:CreateGrant',
          'kms:GenerateDataKey',
          'kms:GenerateDataKeyWithoutPlaintext',
          'kms:Decrypt',
          'kms:DescribeKey',
        ],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^MigrationKey/), 'Arn'] },
      }),
      // Reading the sources: their vault's key or their resource's own key, any key of the account.
      expect.objectContaining({
        Sid: 'ReadWithTheSourceKeys',
        Action: ['kms:Decrypt', 'kms:DescribeKey'],
      }),
      expect.objectContaining({
        Sid: 'GrantBackupUseOfTheSourceKeys',
        Action: 'kms:CreateGrant',
        Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }),
    ]);
  });
});

describe('state machine roles', () => {
  const machines = [
    {
      name: 'MigrateVault',
      file: 'migrate-vault.asl.json',
      machine: () => byDefault.stack.migrator.migrateVault,
    },
    {
      name: 'MigrateAllVaults',
      file: 'migrate-all-vaults.asl.json',
      machine: () => byDefault.stack.migrator.migrateAllVaults,
    },
  ];
  const migrateVaultArn = `arn:<AWS::Partition>:states:${REGION}:${ACCOUNT}:stateMachine:Test-MigrateVault`;

  it.each(machines)('lets $name invoke exactly the Lambdas its definition names', ({ file, machine }) => {
    const asl = readAslDefinition(`${PROJECT_ROOT}state-machines/${file}`);
    const expected = MIGRATOR_FUNCTION_NAMES.filter((name) =>
      asl.placeholders.has(MIGRATOR_FUNCTIONS[name].substitution),
    ).map((name) => `<${logicalId(byDefault.stack.migrator.functions[name])}.Arn>`);
    const roleLogicalId = logicalId(machine().role);
    const invoked = statementsOfRole(byDefault.template, roleLogicalId)
      .filter((statement) => list(statement.Action).includes('lambda:InvokeFunction'))
      .flatMap((statement) => list(statement.Resource).map(flat));
    expect(invoked.sort()).toEqual(expected.sort());
    expect(invoked.length).toBeGreaterThan(0);
  });

  it.each(machines)(
    'lets $name start and follow MigrateVault executions, as startExecution.sync needs',
    ({ machine }) => {
      const roleLogicalId = logicalId(machine().role);
      const statements = statementsOfRole(byDefault.template, roleLogicalId).map((statement) => ({
        actions: list(statement.Action),
        resources: list(statement.Resource).map(flat),
      }));
      expect(statements).toEqual(
        expect.arrayContaining([
          { actions: ['states:StartExecution'], resources: [migrateVaultArn] },
          {
            actions: ['states:DescribeExecution', 'states:StopExecution'],
            resources: [`arn:<AWS::Partition>:states:${REGION}:${ACCOUNT}:execution:Test-MigrateVault:*`],
          },
          {
            actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
            resources: [
              `arn:<AWS::Partition>:events:${REGION}:${ACCOUNT}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule`,
            ],
          },
        ]),
      );
    },
  );

  it('trusts Step Functions only on behalf of this account and state machine', () => {
    byDefault.template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'states.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': ACCOUNT },
              ArnLike: { 'aws:SourceArn': Match.anyValue() },
            },
          },
        ],
      },
    });
  });
});

describe('schedule role', () => {
  it('may only start MigrateAllVaults, and only EventBridge Scheduler of this account may assume it', () => {
    const schedule = byDefault.stack.migrator.schedule;
    expect(schedule).toBeDefined();
    const id = logicalId(schedule?.role as IConstruct);
    expect(
      statementsOfRole(byDefault.template, id).map((s) => ({
        actions: list(s.Action),
        resources: list(s.Resource).map(flat),
      })),
    ).toEqual([
      {
        actions: ['states:StartExecution'],
        resources: [`<${logicalId(byDefault.stack.migrator.migrateAllVaults)}>`],
      },
    ]);
    const role = byDefault.template.toJSON().Resources[id];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
      },
    ]);
  });
});
