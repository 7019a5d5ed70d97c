import { Duration } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { ACCOUNT, REGION, synthStack } from '../infra/support.ts';
import { type CfnTemplate, type CheckName, securityFindings } from './template-checks.ts';

const CONTEXT = { account: ACCOUNT, region: REGION };
const ROOT = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ACCOUNT}:root`]] };

/**
 * GIVEN a small template that gets everything right: a role with scoped statements, a key that AWS
 * Backup may use only through the service in this account, a bucket and a topic that refuse
 * requests without TLS.
 */
function goodTemplate(): CfnTemplate & { Resources: NonNullable<CfnTemplate['Resources']> } {
  return {
    Resources: {
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: {
            Statement: [
              { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
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
        },
      },
      RolePolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          Roles: [{ Ref: 'Role' }],
          PolicyDocument: {
            Statement: [
              { Effect: 'Allow', Action: 'backup:ListCopyJobs', Resource: '*' },
              {
                Effect: 'Allow',
                Action: ['backup:DeleteRecoveryPoint', 'backup:DeleteBackupVault'],
                Resource: `arn:aws:backup:${REGION}:${ACCOUNT}:backup-vault:*`,
              },
              // A Deny may be as wide as it likes.
              { Effect: 'Deny', Action: 'backup:*', Resource: '*' },
            ],
          },
        },
      },
      Key: {
        Type: 'AWS::KMS::Key',
        Properties: {
          KeyPolicy: {
            Statement: [
              { Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' },
              {
                Effect: 'Allow',
                Principal: { AWS: '*' },
                Action: ['kms:CreateGrant', 'kms:Decrypt', 'kms:GenerateDataKey'],
                Resource: '*',
                Condition: {
                  StringEquals: {
                    'kms:ViaService': `backup.${REGION}.amazonaws.com`,
                    'kms:CallerAccount': { Ref: 'AWS::AccountId' },
                  },
                },
              },
              {
                Effect: 'Allow',
                Principal: { Service: 'cloudwatch.amazonaws.com' },
                Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
                Resource: '*',
                Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
              },
              {
                Effect: 'Allow',
                Principal: { AWS: { 'Fn::GetAtt': ['Role', 'Arn'] } },
                Action: 'kms:Decrypt',
                Resource: '*',
              },
            ],
          },
        },
      },
      Bucket: { Type: 'AWS::S3::Bucket', Properties: {} },
      BucketPolicy: {
        Type: 'AWS::S3::BucketPolicy',
        Properties: {
          Bucket: { Ref: 'Bucket' },
          PolicyDocument: {
            Statement: [
              {
                Effect: 'Deny',
                Principal: { AWS: '*' },
                Action: 's3:*',
                Resource: [
                  { 'Fn::GetAtt': ['Bucket', 'Arn'] },
                  { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Bucket', 'Arn'] }, '/*']] },
                ],
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              },
            ],
          },
        },
      },
      Topic: { Type: 'AWS::SNS::Topic', Properties: {} },
      TopicPolicy: {
        Type: 'AWS::SNS::TopicPolicy',
        Properties: {
          Topics: [{ Ref: 'Topic' }],
          PolicyDocument: {
            Statement: [
              {
                Effect: 'Deny',
                Principal: '*',
                Action: 'sns:Publish',
                Resource: { Ref: 'Topic' },
                Condition: { Bool: { 'aws:SecureTransport': false } },
              },
            ],
          },
        },
      },
    },
  };
}

type Template = ReturnType<typeof goodTemplate>;

function properties(template: Template, id: string): Record<string, unknown> {
  const resource = template.Resources[id];
  if (!resource?.Properties) throw new Error(`no resource ${id}`);
  return resource.Properties;
}

function statements(document: unknown): Record<string, unknown>[] {
  return (document as { Statement: Record<string, unknown>[] }).Statement;
}

function policyStatements(template: Template): Record<string, unknown>[] {
  return statements(properties(template, 'RolePolicy').PolicyDocument);
}

function keyStatements(template: Template): Record<string, unknown>[] {
  return statements(properties(template, 'Key').KeyPolicy);
}

function checksFailing(template: CfnTemplate): CheckName[] {
  return [...new Set(securityFindings(template, CONTEXT).map((finding) => finding.check))].sort();
}

describe('security checks on a CloudFormation template', () => {
  it('find nothing wrong with a template that gets everything right', () => {
    expect(securityFindings(goodTemplate(), CONTEXT)).toEqual([]);
  });

  it.each<[string, (template: Template) => void, CheckName[]]>([
    [
      'a statement that allows every action everywhere',
      (t) => policyStatements(t).push({ Effect: 'Allow', Action: '*', Resource: '*' }),
      ['unscoped-destructive-action', 'wildcard-action'],
    ],
    [
      'a statement that allows all of AWS Backup on one vault',
      (t) =>
        policyStatements(t).push({
          Effect: 'Allow',
          Action: 'backup:*',
          Resource: `arn:aws:backup:${REGION}:${ACCOUNT}:backup-vault:x`,
        }),
      ['wildcard-action'],
    ],
    [
      'an inline role policy that allows all of KMS',
      (t) => {
        properties(t, 'Role').Policies = [
          {
            PolicyName: 'inline',
            PolicyDocument: {
              Statement: [{ Effect: 'Allow', Action: ['kms:*'], Resource: 'arn:aws:kms:x' }],
            },
          },
        ];
      },
      ['wildcard-action'],
    ],
    [
      'an Allow with NotAction',
      (t) =>
        policyStatements(t).push({
          Effect: 'Allow',
          NotAction: 'iam:*',
          Resource: `arn:aws:backup:${REGION}:${ACCOUNT}:backup-vault:x`,
        }),
      ['wildcard-action'],
    ],
    ...(
      [
        'DeleteBackupVault',
        'DeleteRecoveryPoint',
        'UpdateRecoveryPointLifecycle',
        'DeleteBackupPlan',
      ] as const
    ).map((action): [string, (template: Template) => void, CheckName[]] => [
      `backup:${action} on every resource`,
      (t) => policyStatements(t).push({ Effect: 'Allow', Action: [`backup:${action}`], Resource: '*' }),
      ['unscoped-destructive-action'],
    ]),
    [
      'a wildcard that covers a destructive action on every resource',
      (t) => policyStatements(t).push({ Effect: 'Allow', Action: 'backup:Delete*', Resource: '*' }),
      ['unscoped-destructive-action'],
    ],
    [
      'a destructive action on everything but one resource',
      (t) =>
        policyStatements(t).push({
          Effect: 'Allow',
          Action: 'backup:DeleteBackupVault',
          NotResource: 'arn:aws:backup:x',
        }),
      ['unscoped-destructive-action'],
    ],
    [
      'AdministratorAccess on a role',
      (t) =>
        (properties(t, 'Role').ManagedPolicyArns as unknown[]).push(
          'arn:aws:iam::aws:policy/AdministratorAccess',
        ),
      ['managed-policy'],
    ],
    [
      'a key usable by another account',
      (t) =>
        keyStatements(t).push({
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::999999999999:root' },
          Action: 'kms:Decrypt',
          Resource: '*',
        }),
      ['key-policy-principal'],
    ],
    [
      'a key usable by another account given by its id',
      (t) =>
        keyStatements(t).push({
          Effect: 'Allow',
          Principal: { AWS: '999999999999' },
          Action: 'kms:Encrypt',
          Resource: '*',
        }),
      ['key-policy-principal'],
    ],
    [
      'a key usable by anyone',
      (t) => keyStatements(t).push({ Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' }),
      ['key-policy-principal'],
    ],
    [
      'a key usable by anyone in the account, not only through AWS Backup',
      (t) => {
        const statement = keyStatements(t)[1] as { Condition: { StringEquals: Record<string, unknown> } };
        delete statement.Condition.StringEquals['kms:ViaService'];
      },
      ['key-policy-principal'],
    ],
    [
      'a key usable through AWS Backup by any account',
      (t) => {
        const statement = keyStatements(t)[1] as { Condition: { StringEquals: Record<string, unknown> } };
        delete statement.Condition.StringEquals['kms:CallerAccount'];
      },
      ['key-policy-principal'],
    ],
    [
      'a key usable by anyone through another service',
      (t) => {
        const statement = keyStatements(t)[1] as { Condition: { StringEquals: Record<string, unknown> } };
        statement.Condition.StringEquals['kms:ViaService'] = `s3.${REGION}.amazonaws.com`;
      },
      ['key-policy-principal'],
    ],
    [
      'an account condition that a request can leave out (IfExists)',
      (t) => {
        const statement = keyStatements(t)[1] as { Condition: Record<string, Record<string, unknown>> };
        statement.Condition = {
          StringEquals: { 'kms:ViaService': `backup.${REGION}.amazonaws.com` },
          StringEqualsIfExists: { 'kms:CallerAccount': ACCOUNT },
        };
      },
      ['key-policy-principal'],
    ],
    [
      'a key a service may use for any account',
      (t) =>
        keyStatements(t).push({
          Effect: 'Allow',
          Principal: { Service: 'backup.amazonaws.com' },
          Action: 'kms:Decrypt',
          Resource: '*',
        }),
      ['key-policy-principal'],
    ],
    [
      'every KMS action for a role rather than the account root',
      (t) =>
        keyStatements(t).push({
          Effect: 'Allow',
          Principal: { AWS: { 'Fn::GetAtt': ['Role', 'Arn'] } },
          Action: 'kms:*',
          Resource: '*',
        }),
      ['key-policy-principal'],
    ],
    [
      'a key policy Allow with NotPrincipal',
      (t) =>
        keyStatements(t).push({
          Effect: 'Allow',
          NotPrincipal: { AWS: ROOT },
          Action: 'kms:Decrypt',
          Resource: '*',
        }),
      ['key-policy-principal'],
    ],
    [
      'a bucket without a TLS-only policy',
      (t) => {
        delete t.Resources.BucketPolicy;
      },
      ['bucket-tls'],
    ],
    [
      'a TLS-only policy that covers the bucket but not its objects',
      (t) => {
        const statement = statements(properties(t, 'BucketPolicy').PolicyDocument)[0] as {
          Resource: unknown[];
        };
        statement.Resource = [statement.Resource[0]];
      },
      ['bucket-tls'],
    ],
    [
      'a bucket policy that checks TLS the wrong way round',
      (t) => {
        const statement = statements(properties(t, 'BucketPolicy').PolicyDocument)[0] as Record<
          string,
          unknown
        >;
        statement.Condition = { Bool: { 'aws:SecureTransport': 'true' } };
      },
      ['bucket-tls'],
    ],
    [
      'a second bucket with no policy',
      (t) => {
        t.Resources.OtherBucket = { Type: 'AWS::S3::Bucket', Properties: {} };
      },
      ['bucket-tls'],
    ],
    [
      'a topic without a TLS-only policy',
      (t) => {
        delete t.Resources.TopicPolicy;
      },
      ['topic-tls'],
    ],
    [
      'a topic policy that denies only one principal without TLS',
      (t) => {
        const statement = statements(properties(t, 'TopicPolicy').PolicyDocument)[0] as Record<
          string,
          unknown
        >;
        statement.Principal = { AWS: ROOT };
      },
      ['topic-tls'],
    ],
    [
      'a topic anyone may publish to',
      (t) =>
        statements(properties(t, 'TopicPolicy').PolicyDocument).push({
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: 'sns:Publish',
          Resource: { Ref: 'Topic' },
        }),
      ['open-resource-policy'],
    ],
  ])('fail on %s', (_what, breakIt, expected) => {
    // GIVEN the good template, WHEN one thing goes wrong, THEN exactly that check fails.
    const template = goodTemplate();
    breakIt(template);
    expect(checksFailing(template)).toEqual(expected);
  });
});

describe('the VaultMigrator stack, synthesized', () => {
  it.each([
    ['with its defaults', {}],
    [
      'allowing deletion, with a schedule, an e-mail subscription and report expiry',
      {
        migrator: {
          allowSourceDeletion: true,
          notificationEmail: 'backup-team@example.com',
          reportExpiration: Duration.days(730),
          schedule: { enabled: true, deleteSourceVault: true, dryRun: false },
        },
      },
    ],
    [
      'with an existing migration key',
      { kmsKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab` },
    ],
  ])('passes every security check %s', (_what, props) => {
    const { template } = synthStack(props as Parameters<typeof synthStack>[0]);
    const json = template.toJSON() as CfnTemplate;
    expect(securityFindings(json, CONTEXT)).toEqual([]);
    // The checks looked at something: keys, a bucket, a topic and the Lambdas' policies.
    const types = Object.values(json.Resources ?? {}).map((resource) => resource.Type);
    expect(types).toContain('AWS::KMS::Key');
    expect(types).toContain('AWS::S3::BucketPolicy');
    expect(types).toContain('AWS::SNS::TopicPolicy');
    expect(types.filter((type) => type === 'AWS::IAM::Policy').length).toBeGreaterThanOrEqual(9);
  });

  it('grants the destructive AWS Backup actions only when the stack allows deletion, and never on *', () => {
    const { template } = synthStack({ migrator: { allowSourceDeletion: true } });
    const destructive = Object.values((template.toJSON() as CfnTemplate).Resources ?? {})
      .filter((resource) => resource.Type === 'AWS::IAM::Policy')
      .flatMap(
        (resource) =>
          (resource.Properties?.PolicyDocument as { Statement?: Record<string, unknown>[] } | undefined)
            ?.Statement ?? [],
      )
      .filter((statement) =>
        [statement.Action].flat().some((action) => String(action).startsWith('backup:Delete')),
      );
    expect(destructive.length).toBeGreaterThan(0);
    for (const statement of destructive) expect([statement.Resource].flat()).not.toContain('*');
    const { template: withoutDeletion } = synthStack();
    expect(JSON.stringify(withoutDeletion.toJSON())).not.toContain('backup:Delete');
  });
});
