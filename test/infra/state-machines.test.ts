import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { MIGRATOR_FUNCTION_NAMES, MIGRATOR_FUNCTIONS } from '../../infra/functions.ts';
import { MIGRATE_VAULT_ARN_SUBSTITUTION, MigratorStateMachine } from '../../infra/state-machines.ts';
import { PROJECT_ROOT } from '../../infra/vault-migrator.ts';
import { ACCOUNT, flat, logicalId, REGION, synthStack, testApp } from './support.ts';

const synthesized = synthStack();
const { stack, template } = synthesized;
const migrator = stack.migrator;

const MACHINES = [
  { name: 'MigrateVault', file: 'migrate-vault.asl.json', machine: migrator.migrateVault },
  { name: 'MigrateAllVaults', file: 'migrate-all-vaults.asl.json', machine: migrator.migrateAllVaults },
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What CloudFormation does with DefinitionSubstitutions: replace each `${Name}` in every string. */
function substitute(value: Json, substitutions: Record<string, string>): Json {
  if (typeof value === 'string') {
    return value.replace(
      /\$\{([A-Za-z0-9_]+)\}/g,
      (placeholder, name: string) => substitutions[name] ?? placeholder,
    );
  }
  if (Array.isArray(value)) return value.map((item) => substitute(item, substitutions));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, child]) => [key, substitute(child, substitutions)]),
    );
  }
  return value;
}

function readAsl(file: string): Json {
  return JSON.parse(readFileSync(join(PROJECT_ROOT, 'state-machines', file), 'utf8')) as Json;
}

function deployed(machine: (typeof MACHINES)[number]['machine']) {
  const resource = template.toJSON().Resources[logicalId(machine)];
  return {
    properties: resource.Properties,
    definition: JSON.parse(resource.Properties.DefinitionString) as Json,
    substitutions: Object.fromEntries(
      Object.entries(resource.Properties.DefinitionSubstitutions as Record<string, unknown>).map(
        ([name, value]) => [name, flat(value)],
      ),
    ),
  };
}

/** The value each substitution must carry: the ARN of the Lambda it names, or MigrateVault's own ARN. */
const EXPECTED_SUBSTITUTIONS: Record<string, string> = {
  ...Object.fromEntries(
    MIGRATOR_FUNCTION_NAMES.map((name) => [
      MIGRATOR_FUNCTIONS[name].substitution,
      `<${logicalId(migrator.functions[name])}.Arn>`,
    ]),
  ),
  [MIGRATE_VAULT_ARN_SUBSTITUTION]: `arn:<AWS::Partition>:states:${REGION}:${ACCOUNT}:stateMachine:Test-MigrateVault`,
};

describe('state machine definitions', () => {
  it.each(MACHINES)('deploys $name as its ASL file, with the substitutions applied', ({ file, machine }) => {
    // GIVEN the ASL file the local runner executes
    const asl = readAsl(file);
    // WHEN CloudFormation applies the template's substitutions to the template's definition
    const { definition, substitutions } = deployed(machine);
    // THEN it is the ASL file with each placeholder replaced by the ARN it must name
    expect(substitute(definition, substitutions)).toEqual(substitute(asl, EXPECTED_SUBSTITUTIONS));
  });

  it.each(MACHINES)('passes $name exactly the substitutions its definition uses', ({ file, machine }) => {
    const used = [...JSON.stringify(readAsl(file)).matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map(
      (match) => match[1],
    );
    expect(Object.keys(deployed(machine).substitutions).sort()).toEqual([...new Set(used)].sort());
  });

  it('gives MigrateVault its own ARN, so that it can continue in a child execution of itself', () => {
    expect(deployed(migrator.migrateVault).substitutions[MIGRATE_VAULT_ARN_SUBSTITUTION]).toBe(
      EXPECTED_SUBSTITUTIONS[MIGRATE_VAULT_ARN_SUBSTITUTION],
    );
    expect(deployed(migrator.migrateVault).properties.StateMachineName).toBe('Test-MigrateVault');
    expect(deployed(migrator.migrateAllVaults).properties.StateMachineName).toBe('Test-MigrateAllVaults');
  });

  it.each(MACHINES)('gives $name an execution timeout', ({ machine }) => {
    const { definition } = deployed(machine);
    expect((definition as Record<string, Json>).TimeoutSeconds).toEqual(expect.any(Number));
  });

  it.each(MACHINES)('deploys $name as a standard workflow, traced, logging every event', ({ machine }) => {
    const { properties } = deployed(machine);
    expect(properties.StateMachineType).toBe('STANDARD');
    expect(properties.TracingConfiguration).toEqual({ Enabled: true });
    expect(properties.LoggingConfiguration).toEqual({
      Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: expect.anything() } }],
      IncludeExecutionData: true,
      Level: 'ALL',
    });
  });

  it.each(MACHINES)(
    'logs $name to a log group encrypted with the operations key, with retention',
    ({ name, machine }) => {
      const logGroupId = flat(
        deployed(machine).properties.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn,
      );
      const logGroup = template.toJSON().Resources[logGroupId.slice(1, -'.Arn>'.length)];
      expect(logGroup.Properties).toEqual({
        LogGroupName: `/aws/vendedlogs/states/Test-${name}`,
        RetentionInDays: 365,
        KmsKeyId: { 'Fn::GetAtt': [logicalId(migrator.operationsKey), 'Arn'] },
      });
      expect(logGroup.DeletionPolicy).toBe('Retain');
    },
  );
});

/** A `${Name}` DefinitionSubstitution placeholder. */
const placeholder = (name: string) => `\${${name}}`;

describe('definitions the construct refuses at synth time', () => {
  const lambdaArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;

  function build(definition: Record<string, unknown>, stateMachineName = 'Refused-MigrateVault') {
    const directory = mkdtempSync(join(tmpdir(), 'asl-'));
    const file = join(directory, 'machine.asl.json');
    writeFileSync(file, JSON.stringify(definition));
    const scope = new Stack(testApp(), 'Refusals', { env: { account: ACCOUNT, region: REGION } });
    return () =>
      new MigratorStateMachine(scope, 'Machine', {
        definitionFile: file,
        stateMachineName,
        functions: {
          PrepareMigrationFunctionArn: lambda.Function.fromFunctionArn(scope, 'Fn', lambdaArn('prepare')),
        },
        migrateVaultStateMachineName: 'Refused-MigrateVault',
        logRetention: logs.RetentionDays.ONE_WEEK,
        logEncryptionKey: new kms.Key(scope, 'Key'),
        logRemovalPolicy: RemovalPolicy.RETAIN,
        includeExecutionData: true,
      });
  }
  const task = (resource: string) => ({
    StartAt: 'Work',
    TimeoutSeconds: 60,
    States: { Work: { Type: 'Task', Resource: resource, End: true } },
  });

  it('accepts a definition it can deploy', () => {
    expect(build(task(placeholder('PrepareMigrationFunctionArn')))).not.toThrow();
  });

  it('refuses a substitution the stack does not provide', () => {
    expect(build(task(placeholder('CleanUpFunctionArn')))).toThrow(
      /DefinitionSubstitutions the stack does not provide: CleanUpFunctionArn/,
    );
  });

  it('refuses a service integration the role is not given', () => {
    expect(build(task('arn:aws:states:::lambda:invoke'))).toThrow(
      /calls arn:aws:states:::lambda:invoke, which the state machine role is not given/,
    );
  });

  it('refuses a definition without an execution timeout', () => {
    const { TimeoutSeconds: _, ...untimed } = task(placeholder('PrepareMigrationFunctionArn'));
    expect(build(untimed)).toThrow(/needs a top-level TimeoutSeconds/);
  });

  it('refuses JSONata, which the local runner does not execute', () => {
    expect(build({ ...task(placeholder('PrepareMigrationFunctionArn')), QueryLanguage: 'JSONata' })).toThrow(
      /must use JSONPath/,
    );
  });

  it('refuses a state machine name Step Functions would reject', () => {
    expect(build(task(placeholder('PrepareMigrationFunctionArn')), 'a name with spaces')).toThrow(
      /State machine name "a name with spaces" is invalid/,
    );
  });
});
