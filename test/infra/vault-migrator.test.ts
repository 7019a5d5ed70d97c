import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { describe, expect, it } from 'vitest';
import { METRICS_NAMESPACE, MIGRATION_METRICS } from '#shared/metrics.ts';
import {
  bundlingOptions,
  MIGRATOR_FUNCTION_NAMES,
  MIGRATOR_FUNCTIONS,
  MIGRATOR_RUNTIME,
  type MigratorFunctionName,
} from '../../infra/functions.ts';
import { readAslDefinition } from '../../infra/state-machines.ts';
import { PROJECT_ROOT } from '../../infra/vault-migrator.ts';
import { ACCOUNT, flat, logicalId, synthStack } from './support.ts';

const byDefault = synthStack();
const configured = synthStack({
  migrator: {
    allowSourceDeletion: true,
    maxCopyAttempts: 5,
    maxSweeps: 4,
    logLevel: 'DEBUG',
    notificationEmail: 'backup-team@example.com',
    reportExpiration: Duration.days(400),
    schedule: {
      expression: 'cron(0 2 ? * SAT *)',
      timeZone: 'Europe/Paris',
      enabled: true,
      dryRun: false,
      includeAwsManagedKeys: true,
      deleteSourceVault: true,
      excludeVaultNames: ['legal-archive'],
    },
  },
});

function functionProperties(synth: typeof byDefault, name: MigratorFunctionName) {
  return synth.template.toJSON().Resources[logicalId(synth.stack.migrator.functions[name])].Properties;
}

describe('Lambdas', () => {
  it('runs on the newest Node.js runtime this aws-cdk-lib offers', () => {
    const nodeRuntimes = lambda.Runtime.ALL.filter((runtime) => /^nodejs\d+\.x$/.test(runtime.name)).map(
      (runtime) => Number(runtime.name.replace(/\D/g, '')),
    );
    expect(MIGRATOR_RUNTIME.name).toBe(`nodejs${Math.max(...nodeRuntimes)}.x`);
    expect(Number(MIGRATOR_RUNTIME.name.replace(/\D/g, ''))).toBeGreaterThanOrEqual(20);
  });

  it.each(MIGRATOR_FUNCTION_NAMES)(
    'builds %s from lambdas/<name>/handler.ts, which exports handler',
    (name) => {
      const entry = join(PROJECT_ROOT, 'lambdas', MIGRATOR_FUNCTIONS[name].directory, 'handler.ts');
      expect(byDefault.factory.entries).toContain(entry);
      expect(existsSync(entry)).toBe(true);
      expect(readFileSync(entry, 'utf8')).toMatch(/export const handler\b/);
    },
  );

  it.each(MIGRATOR_FUNCTION_NAMES)('runs %s on ARM64 with tracing, its timeout and memory', (name) => {
    const properties = functionProperties(byDefault, name);
    expect(properties).toMatchObject({
      Runtime: MIGRATOR_RUNTIME.name,
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Timeout: MIGRATOR_FUNCTIONS[name].timeout.toSeconds(),
      MemorySize: MIGRATOR_FUNCTIONS[name].memorySize,
    });
  });

  it.each(MIGRATOR_FUNCTION_NAMES)('logs %s to its own encrypted log group, kept a year', (name) => {
    const logGroupId = flat(functionProperties(byDefault, name).LoggingConfig.LogGroup);
    const logGroup = byDefault.template.toJSON().Resources[logGroupId.slice(1, -1)];
    expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup.Properties).toEqual({
      RetentionInDays: 365,
      KmsKeyId: { 'Fn::GetAtt': [logicalId(byDefault.stack.migrator.operationsKey), 'Arn'] },
    });
    expect(logGroup.DeletionPolicy).toBe('Retain');
  });

  it('never lets a Lambda outlive the Task state that calls it', () => {
    for (const file of ['migrate-vault.asl.json', 'migrate-all-vaults.asl.json']) {
      const tasks: { resource: string; timeout: unknown }[] = [];
      const visit = (value: unknown): void => {
        if (Array.isArray(value)) value.forEach(visit);
        else if (value !== null && typeof value === 'object') {
          const state = value as Record<string, unknown>;
          if (state.Type === 'Task' && typeof state.Resource === 'string') {
            tasks.push({ resource: state.Resource, timeout: state.TimeoutSeconds });
          }
          Object.values(state).forEach(visit);
        }
      };
      visit(readAslDefinition(join(PROJECT_ROOT, 'state-machines', file)).definition.States);
      for (const name of MIGRATOR_FUNCTION_NAMES) {
        for (const task of tasks.filter(
          (t) => t.resource === `\${${MIGRATOR_FUNCTIONS[name].substitution}}`,
        )) {
          expect({ name, task: task.timeout }).toEqual({ name, task: expect.any(Number) });
          expect(MIGRATOR_FUNCTIONS[name].timeout.toSeconds()).toBeLessThanOrEqual(task.timeout as number);
        }
      }
    }
  });

  it('bundles one ESM file per Lambda with source maps, the AWS SDK included, without Docker', () => {
    const options = bundlingOptions(PROJECT_ROOT);
    expect(options).toMatchObject({
      format: OutputFormat.ESM,
      sourceMap: true,
      sourceMapMode: SourceMapMode.DEFAULT,
      bundleAwsSDK: true,
      forceDockerBundling: false,
      mainFields: ['module', 'main'],
    });
    expect(options.externalModules).toBeUndefined();
    // CommonJS dependencies call require(), which an ES module lacks.
    expect(options.banner).toMatch(/createRequire.*import\.meta\.url/);
  });

  const SHARED = ['ALLOW_SOURCE_DELETION', 'MAX_COPY_ATTEMPTS', 'MAX_SWEEPS', 'MIGRATION_KMS_KEY_ARN'];
  const POWERTOOLS = ['NODE_OPTIONS', 'POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_SERVICE_NAME'];
  const OWN: Partial<Record<MigratorFunctionName, string[]>> = {
    prepareMigration: ['ALLOWED_KMS_KEY_ARNS'],
    copyRecoveryPoints: ['COPY_ROLE_ARN'],
    writeReport: ['REPORT_BUCKET', 'REPORT_TOPIC_ARN'],
  };

  it.each(MIGRATOR_FUNCTION_NAMES)(
    'tells %s the shared settings, and only the resources it may use',
    (name) => {
      const variables = functionProperties(byDefault, name).Environment.Variables;
      expect(Object.keys(variables).sort()).toEqual([...SHARED, ...POWERTOOLS, ...(OWN[name] ?? [])].sort());
    },
  );

  it('sets the environment from the construct settings', () => {
    const { stack } = configured;
    const migrator = stack.migrator;
    expect(functionProperties(configured, 'deleteSourceVault').Environment.Variables).toEqual({
      ALLOW_SOURCE_DELETION: 'true',
      MAX_COPY_ATTEMPTS: '5',
      MAX_SWEEPS: '4',
      MIGRATION_KMS_KEY_ARN: { 'Fn::GetAtt': [expect.stringMatching(/^MigrationKey/), 'Arn'] },
      POWERTOOLS_SERVICE_NAME: 'backup-vault-migrator',
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
      NODE_OPTIONS: '--enable-source-maps',
    });
    expect(functionProperties(configured, 'copyRecoveryPoints').Environment.Variables.COPY_ROLE_ARN).toEqual({
      'Fn::GetAtt': [logicalId(migrator.copyRole), 'Arn'],
    });
    expect(functionProperties(configured, 'writeReport').Environment.Variables).toMatchObject({
      REPORT_BUCKET: { Ref: logicalId(migrator.reportBucket) },
      REPORT_TOPIC_ARN: { Ref: logicalId(migrator.reportTopic) },
    });
    expect(functionProperties(byDefault, 'prepareMigration').Environment.Variables).toMatchObject({
      ALLOW_SOURCE_DELETION: 'false',
      MAX_COPY_ATTEMPTS: '3',
      MAX_SWEEPS: '3',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
  });

  it.each([
    [{ maxCopyAttempts: 0 }, /maxCopyAttempts must be a whole number from 1 to 10, got 0/],
    [{ maxSweeps: 21 }, /maxSweeps must be a whole number from 1 to 20, got 21/],
    [{ notificationEmail: 'not-an-address' }, /notificationEmail "not-an-address" is not an email address/],
  ])('refuses %j at synth time', (migratorProps, message) => {
    expect(() => synthStack({ migrator: migratorProps })).toThrow(message);
  });
});

describe('report bucket', () => {
  it('is private, KMS-encrypted, versioned, with a lifecycle, and kept on stack deletion', () => {
    byDefault.template.hasResource('AWS::S3::Bucket', {
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            {
              BucketKeyEnabled: true,
              ServerSideEncryptionByDefault: {
                SSEAlgorithm: 'aws:kms',
                KMSMasterKeyID: { 'Fn::GetAtt': [logicalId(byDefault.stack.migrator.operationsKey), 'Arn'] },
              },
            },
          ],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        VersioningConfiguration: { Status: 'Enabled' },
        LifecycleConfiguration: {
          Rules: [
            {
              Id: 'tidy-up',
              Status: 'Enabled',
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
              NoncurrentVersionExpiration: { NoncurrentDays: 90 },
            },
          ],
        },
      },
      DeletionPolicy: 'Retain',
    });
  });

  it('expires reports when told to', () => {
    configured.template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 400 })] },
    });
  });

  it('denies every request that does not use TLS 1.2 or later', () => {
    byDefault.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
          }),
        ]),
      },
    });
  });
});

describe('report topic', () => {
  it('is encrypted with the operations key', () => {
    byDefault.template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(byDefault.stack.migrator.operationsKey), 'Arn'] },
    });
  });

  it("denies publishing without TLS and lets only this account's alarms publish as a service", () => {
    byDefault.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Principal: '*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': ACCOUNT } }),
          }),
        ],
      },
    });
  });

  it('subscribes the notification email only when one is given', () => {
    byDefault.template.resourceCountIs('AWS::SNS::Subscription', 0);
    configured.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'backup-team@example.com',
      TopicArn: { Ref: logicalId(configured.stack.migrator.reportTopic) },
    });
  });
});

describe('operations key', () => {
  it("rotates, is kept, and serves CloudWatch Logs only for this account's log groups and alarms only for this account", () => {
    byDefault.template.hasResource('AWS::KMS::Key', {
      Properties: {
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Sid: 'AllowCloudWatchLogsForThisAccountsLogGroups',
              Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
              Condition: {
                ArnLike: {
                  'kms:EncryptionContext:aws:logs:arn': {
                    'Fn::Join': [
                      '',
                      ['arn:', { Ref: 'AWS::Partition' }, `:logs:eu-west-1:${ACCOUNT}:log-group:*`],
                    ],
                  },
                },
              },
            }),
            Match.objectLike({
              Sid: 'AllowCloudWatchAlarmsToPublishToTheTopic',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
              Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
            }),
          ]),
        },
      },
      DeletionPolicy: 'Retain',
    });
  });
});

describe('schedule', () => {
  it('is not deployed unless configured', () => {
    byDefault.template.resourceCountIs('AWS::Scheduler::Schedule', 0);
  });

  it('starts MigrateAllVaults as configured, with its own role', () => {
    const migrator = configured.stack.migrator;
    configured.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 2 ? * SAT *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: { Ref: logicalId(migrator.migrateAllVaults) },
        RoleArn: { 'Fn::GetAtt': [logicalId(migrator.schedule?.role as never), 'Arn'] },
        Input: JSON.stringify({
          dryRun: false,
          includeAwsManagedKeys: true,
          deleteSourceVault: true,
          excludeVaultNames: ['legal-archive'],
        }),
        RetryPolicy: { MaximumRetryAttempts: 3 },
      },
    });
  });

  it('is deployed disabled and as a dry run by default', () => {
    const { template } = synthStack({ migrator: { schedule: {} } });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 3 ? * SUN *)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'DISABLED',
      Target: Match.objectLike({
        Input: JSON.stringify({ dryRun: true, includeAwsManagedKeys: false, deleteSourceVault: false }),
      }),
    });
  });

  it('refuses an expression EventBridge Scheduler would reject', () => {
    expect(() => synthStack({ migrator: { schedule: { expression: '0 3 * * 0' } } })).toThrow(
      /is not an EventBridge Scheduler expression/,
    );
  });
});

describe('alarms and dashboard', () => {
  it.each([
    ['MigrateVault', 'ExecutionsFailed'],
    ['MigrateVault', 'ExecutionsTimedOut'],
    ['MigrateAllVaults', 'ExecutionsFailed'],
    ['MigrateAllVaults', 'ExecutionsTimedOut'],
  ])('alarms on %s %s and notifies the topic', (machine, metric) => {
    const migrator = byDefault.stack.migrator;
    const stateMachine = machine === 'MigrateVault' ? migrator.migrateVault : migrator.migrateAllVaults;
    byDefault.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/States',
      MetricName: metric,
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: logicalId(stateMachine) } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: logicalId(migrator.reportTopic) }],
    });
  });

  it('shows migrations in flight and copy jobs started, completed and failed', () => {
    const dashboard = Object.values(byDefault.template.findResources('AWS::CloudWatch::Dashboard'))[0];
    const body = flat(dashboard?.Properties.DashboardBody);
    expect(dashboard?.Properties.DashboardName).toBe('Test-Migrations');
    for (const text of [
      'Migrations in flight',
      'RUNNING_SUM(FILL(started, 0)',
      'NumberOfCopyJobsCreated',
      'NumberOfCopyJobsCompleted',
      'NumberOfCopyJobsFailed',
      'AWS/States',
      'ExecutionsStarted',
    ]) {
      expect(body).toContain(text);
    }
  });

  it("graphs the handlers' own metrics per source vault: copies started, completed, failed, points retired", () => {
    const dashboard = Object.values(byDefault.template.findResources('AWS::CloudWatch::Dashboard'))[0];
    const body = flat(dashboard?.Properties.DashboardBody);
    for (const metric of Object.values(MIGRATION_METRICS)) {
      expect(body).toContain(
        `SEARCH('{${METRICS_NAMESPACE},SourceVault,service} MetricName=\\"${metric}\\"', 'Sum', 300)`,
      );
    }
  });
});

describe('template', () => {
  it('matches the reviewed snapshot (definitions and asset hashes left out)', () => {
    // The definitions are compared with the ASL files in state-machines.test.ts; leaving them out
    // keeps this snapshot about the infrastructure, unchanged by edits to the state machines.
    const template = JSON.parse(
      JSON.stringify(configured.template.toJSON()).replace(/[0-9a-f]{64}/g, '<asset hash>'),
    ) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    for (const resource of Object.values(template.Resources)) {
      if (resource.Type === 'AWS::StepFunctions::StateMachine') {
        resource.Properties.DefinitionString = `<state-machines/ definition of ${String(resource.Properties.StateMachineName)}>`;
      }
    }
    expect(template).toMatchSnapshot();
  });
});
