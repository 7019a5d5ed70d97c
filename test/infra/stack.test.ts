import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { CONTEXT_OPTIONS, DEFAULT_STACK_NAME, stackPropsFromContext } from '../../infra/context.ts';
import { PROJECT_ROOT } from '../../infra/vault-migrator.ts';
import { ACCOUNT, flat, REGION, synthStack } from './support.ts';

const existingKeyArn = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
const byDefault = synthStack();
const withExistingKey = synthStack({ kmsKeyArn: existingKeyArn });

function contextOf(context: Record<string, unknown>) {
  return stackPropsFromContext(new App({ context }).node);
}

describe('VaultMigratorStack', () => {
  it('creates a rotating customer-managed key with the vault-migrator alias, kept on stack deletion', () => {
    const { template } = byDefault;
    template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true, Description: Match.stringLikeRegexp('AWS Backup vaults') },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/vault-migrator' });
  });

  it('lets AWS Backup use the key only through the Backup service of this account and Region', () => {
    byDefault.template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowAwsBackupThroughTheServiceOnly',
            Effect: 'Allow',
            Condition: {
              StringEquals: {
                'kms:ViaService': 'backup.eu-west-1.amazonaws.com',
                'kms:CallerAccount': '123456789012',
              },
            },
          }),
        ]),
      },
    });
  });

  it('uses an existing key instead of creating one when given its ARN', () => {
    const { template } = withExistingKey;
    template.resourceCountIs('AWS::KMS::Alias', 0);
    // The one key left encrypts the migrator's own logs, reports and notifications.
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', {
      Description: Match.stringLikeRegexp('logs, reports and notifications'),
    });
    expect(template.findOutputs('KmsKeyArn').KmsKeyArn?.Value).toBe(existingKeyArn);
  });

  it('makes the existing key the default key of migrations and lets the copy role use it', () => {
    const { template } = withExistingKey;
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ MIGRATION_KMS_KEY_ARN: existingKeyArn }) },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'UseTheMigrationKey', Resource: existingKeyArn }),
        ]),
      },
    });
  });

  it('outputs the state machine ARNs, the key, the report bucket and topic, and the operator policy', () => {
    const outputs = byDefault.template.findOutputs('*');
    expect(Object.keys(outputs).sort()).toEqual([
      'CopyRoleArn',
      'DashboardName',
      'KmsKeyArn',
      'MigrateAllVaultsStateMachineArn',
      'MigrateVaultStateMachineArn',
      'OperatorPolicyArn',
      'ReportBucketName',
      'ReportTopicArn',
    ]);
    expect(flat(outputs.MigrateVaultStateMachineArn?.Value)).toMatch(
      /^<VaultMigratorMigrateVaultStateMachine\w+>$/,
    );
    expect(flat(outputs.ReportBucketName?.Value)).toMatch(/^<VaultMigratorReportsBucket\w+>$/);
  });

  it('names MigrateVault after the stack, so that its ARN is known before it exists', () => {
    const { template } = synthStack({}, 'Prod-Migrator');
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'Prod-Migrator-MigrateVault',
      DefinitionSubstitutions: Match.objectLike({
        MigrateVaultStateMachineArn: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              `:states:${REGION}:${ACCOUNT}:stateMachine:Prod-Migrator-MigrateVault`,
            ],
          ],
        },
      }),
    });
  });
});

describe('context', () => {
  it('defaults to a safe stack: no deletion, a disabled dry-run schedule, one year of logs', () => {
    const { stackName, props } = contextOf({});
    expect(stackName).toBe(DEFAULT_STACK_NAME);
    expect(props).toEqual({
      kmsKeyArn: undefined,
      migrator: {
        allowSourceDeletion: false,
        maxCopyAttempts: undefined,
        maxSweeps: undefined,
        notificationEmail: undefined,
        logRetention: undefined,
        logLevel: undefined,
        reportExpiration: undefined,
        schedule: {
          expression: undefined,
          timeZone: undefined,
          enabled: false,
          dryRun: true,
          includeAwsManagedKeys: false,
          deleteSourceVault: false,
          excludeVaultNames: undefined,
        },
      },
    });
  });

  it('reads every option from -c strings', () => {
    const { stackName, props } = contextOf({
      stackName: 'Migrator',
      kmsKeyArn: existingKeyArn,
      allowSourceDeletion: 'true',
      maxCopyAttempts: '5',
      maxSweeps: '2',
      notificationEmail: 'backup-team@example.com',
      logRetentionDays: '90',
      logLevel: 'debug',
      reportRetentionDays: '400',
      scheduleExpression: 'cron(0 2 ? * SAT *)',
      scheduleTimeZone: 'Europe/Paris',
      scheduleEnabled: 'true',
      scheduleDryRun: 'false',
      scheduleIncludeAwsManagedKeys: 'true',
      scheduleDeleteSourceVault: 'true',
      scheduleExcludeVaultNames: 'legal-hold, keep-me',
    });
    expect(stackName).toBe('Migrator');
    expect(props.kmsKeyArn).toBe(existingKeyArn);
    const migrator = props.migrator ?? {};
    expect({ ...migrator, reportExpiration: migrator.reportExpiration?.toDays() }).toEqual({
      allowSourceDeletion: true,
      maxCopyAttempts: 5,
      maxSweeps: 2,
      notificationEmail: 'backup-team@example.com',
      logRetention: logs.RetentionDays.THREE_MONTHS,
      logLevel: 'DEBUG',
      reportExpiration: 400,
      schedule: {
        expression: 'cron(0 2 ? * SAT *)',
        timeZone: 'Europe/Paris',
        enabled: true,
        dryRun: false,
        includeAwsManagedKeys: true,
        deleteSourceVault: true,
        excludeVaultNames: ['legal-hold', 'keep-me'],
      },
    });
  });

  it('reads typed values from cdk.json', () => {
    const { props } = contextOf({
      allowSourceDeletion: true,
      maxCopyAttempts: 4,
      scheduleExcludeVaultNames: ['a1', 'b2'],
    });
    expect(props.migrator?.allowSourceDeletion).toBe(true);
    expect(props.migrator?.maxCopyAttempts).toBe(4);
    expect(props.migrator?.schedule?.excludeVaultNames).toEqual(['a1', 'b2']);
  });

  it.each([
    [{ allowSourceDeletion: 'yes' }, /allowSourceDeletion must be true or false/],
    [{ maxCopyAttempts: '0' }, /maxCopyAttempts must be a whole number from 1 to 10/],
    [{ maxSweeps: 'three' }, /maxSweeps must be a whole number from 1 to 20/],
    [{ logRetentionDays: '42' }, /logRetentionDays must be a retention CloudWatch Logs offers/],
    [{ logLevel: 'LOUD' }, /logLevel must be one of DEBUG, INFO, WARN, ERROR/],
    [{ scheduleExcludeVaultNames: 7 }, /scheduleExcludeVaultNames must be a comma-separated list/],
  ])('rejects %j with the option named', (context, message) => {
    expect(() => contextOf(context)).toThrow(message);
  });

  it('refuses a schedule that deletes source vaults when the stack does not allow deletion', () => {
    const { props } = contextOf({ scheduleDeleteSourceVault: 'true' });
    expect(() => synthStack(props)).toThrow(
      /schedule asks to delete source vaults .* does not allow deletion/,
    );
  });

  it('documents every context option in the README Deploy section', () => {
    const readme = readFileSync(`${PROJECT_ROOT}README.md`, 'utf8');
    const deploy = readme.slice(readme.indexOf('## Deploy'));
    expect(readme).toContain('## Deploy');
    for (const option of Object.keys(CONTEXT_OPTIONS)) {
      expect({
        option,
        documented: deploy.includes(`-c ${option}=`) || deploy.includes(`\`${option}\``),
      }).toEqual({
        option,
        documented: true,
      });
    }
  });
});
