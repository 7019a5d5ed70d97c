import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ArnFormat, type RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acknowledgeWildcardResources } from './nag.ts';

/** The substitution that carries the MigrateVault state machine's own ARN. */
export const MIGRATE_VAULT_ARN_SUBSTITUTION = 'MigrateVaultStateMachineArn';

/** Step Functions service integrations the definitions may use, and what each needs. */
const START_EXECUTION = /^arn:aws:states:::states:startExecution(\.sync(:2)?)?$/;

/** Step Functions limit on state machine names. */
const STATE_MACHINE_NAME = /^[0-9A-Za-z_-]{1,80}$/;

/** An ASL file as read, with what the construct needs to know about it. */
export interface AslDefinition {
  /** Where it was read from. */
  readonly file: string;
  /** The definition, parsed. */
  readonly definition: Record<string, unknown>;
  /** Names of the `${...}` DefinitionSubstitutions it uses. */
  readonly placeholders: ReadonlySet<string>;
  /** `Resource` of every Task state that is not a `${...}` placeholder. */
  readonly integrations: ReadonlySet<string>;
}

const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;

function collect(value: unknown, visit: (key: string, value: unknown) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) collect(item, visit);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      visit(key, child);
      collect(child, visit);
    }
  }
}

/** Reads an ASL file and lists the substitutions and service integrations it uses. */
export function readAslDefinition(file: string): AslDefinition {
  const definition: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (definition === null || typeof definition !== 'object' || Array.isArray(definition)) {
    throw new Error(`${file} does not hold a state machine definition (a JSON object)`);
  }
  const placeholders = new Set<string>();
  const integrations = new Set<string>();
  collect(definition, (key, value) => {
    if (typeof value !== 'string') return;
    for (const match of value.matchAll(PLACEHOLDER)) placeholders.add(match[1] as string);
    if (key === 'Resource' && !value.startsWith('${')) integrations.add(value);
  });
  return { file, definition: definition as Record<string, unknown>, placeholders, integrations };
}

export interface MigratorStateMachineProps {
  /** The ASL file, JSONPath, with `${...}` DefinitionSubstitutions. */
  readonly definitionFile: string;
  /** Name of the state machine. */
  readonly stateMachineName: string;
  /** The function each `${...FunctionArn}` substitution names. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** Name of the MigrateVault state machine, which definitions start executions of. */
  readonly migrateVaultStateMachineName: string;
  /** Retention of the execution log group. */
  readonly logRetention: logs.RetentionDays;
  /** Encrypts the execution log group. */
  readonly logEncryptionKey: kms.IKey;
  /** What happens to the execution log group when the stack is deleted. */
  readonly logRemovalPolicy: RemovalPolicy;
  /** Whether the execution log carries each state's input and output. */
  readonly includeExecutionData: boolean;
}

/** The ARN a state machine of this name will have in the stack's account and Region. */
export function stateMachineArn(scope: Construct, stateMachineName: string): string {
  return Stack.of(scope).formatArn({
    service: 'states',
    resource: 'stateMachine',
    resourceName: stateMachineName,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/**
 * A state machine deployed from an ASL file exactly as the local runner executes it: the file's
 * JSON with DefinitionSubstitutions for the Lambda ARNs and the MigrateVault ARN. Its role may
 * invoke the Lambdas the definition names and start (and follow) MigrateVault executions when the
 * definition does; anything else the definition would need is refused at synth time. It logs
 * every event to its own encrypted log group and traces with X-Ray. The execution timeout is the
 * definition's own `TimeoutSeconds`, which must be there.
 */
export class MigratorStateMachine extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;
  public readonly asl: AslDefinition;

  constructor(scope: Construct, id: string, props: MigratorStateMachineProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const asl = readAslDefinition(props.definitionFile);
    this.asl = asl;
    const what = basename(props.definitionFile);
    for (const name of [props.stateMachineName, props.migrateVaultStateMachineName]) {
      if (!Token.isUnresolved(name) && !STATE_MACHINE_NAME.test(name)) {
        throw new Error(
          `State machine name "${name}" is invalid: use 1 to 80 letters, digits, '-' or '_' ` +
            '(a shorter stack name or namePrefix)',
        );
      }
    }
    validateDefinition(asl, what, Object.keys(props.functions));

    const migrateVaultArn = stateMachineArn(this, props.migrateVaultStateMachineName);
    const substitutions: Record<string, string> = {};
    const invoked: lambda.IFunction[] = [];
    for (const placeholder of [...asl.placeholders].sort()) {
      if (placeholder === MIGRATE_VAULT_ARN_SUBSTITUTION) {
        substitutions[placeholder] = migrateVaultArn;
      } else {
        const fn = props.functions[placeholder] as lambda.IFunction;
        substitutions[placeholder] = fn.functionArn;
        invoked.push(fn);
      }
    }

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': stateMachineArn(this, props.stateMachineName) },
      }),
      description: `Runs the ${props.stateMachineName} state machine of backup-vault-migrator`,
    });
    const granted: iam.PolicyStatement[] = [];
    const grant = (statement: iam.PolicyStatement) => {
      this.role.addToPrincipalPolicy(statement);
      granted.push(statement);
    };
    if (invoked.length > 0) {
      grant(
        new iam.PolicyStatement({
          sid: 'InvokeTheMigratorLambdas',
          actions: ['lambda:InvokeFunction'],
          // Tasks name the unqualified function ARN, so no version or alias needs to be allowed.
          resources: invoked.map((fn) => fn.functionArn),
        }),
      );
    }
    const startsExecutions = [...asl.integrations].some((resource) => START_EXECUTION.test(resource));
    if (startsExecutions) {
      grant(
        new iam.PolicyStatement({
          sid: 'StartMigrateVaultExecutions',
          actions: ['states:StartExecution'],
          resources: [migrateVaultArn],
        }),
      );
    }
    const migrateVaultExecutions = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${props.migrateVaultStateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    if ([...asl.integrations].some((resource) => /\.sync(:2)?$/.test(resource))) {
      // What `startExecution.sync` needs to follow the child: read or stop its executions, and
      // the managed EventBridge rule through which Step Functions learns that they ended.
      grant(
        new iam.PolicyStatement({
          sid: 'FollowMigrateVaultExecutions',
          actions: ['states:DescribeExecution', 'states:StopExecution'],
          resources: [migrateVaultExecutions],
        }),
      );
      grant(
        new iam.PolicyStatement({
          sid: 'UseTheManagedExecutionRule',
          actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
          resources: [
            stack.formatArn({
              service: 'events',
              resource: 'rule',
              resourceName: 'StepFunctionsGetEventsForStepFunctionsExecutionRule',
            }),
          ],
        }),
      );
    }

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      // Vended-log prefix: Step Functions then needs no log resource policy per log group.
      logGroupName: `/aws/vendedlogs/states/${props.stateMachineName}`,
      retention: props.logRetention,
      encryptionKey: props.logEncryptionKey,
      removalPolicy: props.logRemovalPolicy,
    });

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(JSON.stringify(asl.definition)),
      definitionSubstitutions: substitutions,
      role: this.role,
      tracingEnabled: true,
      logs: {
        destination: this.logGroup,
        level: sfn.LogLevel.ALL,
        includeExecutionData: props.includeExecutionData,
      },
    });

    const wildcardReasons = new Map([
      [
        '*',
        'Only actions that support no resource-level permissions are granted on *: the CloudWatch Logs ' +
          'delivery actions Step Functions needs to log to its log group, and the X-Ray tracing actions.',
      ],
      [
        migrateVaultExecutions,
        'Execution names are chosen at run time; scoped to the executions of the MigrateVault state ' +
          'machine, which this one starts and follows.',
      ],
    ]);
    acknowledgeWildcardResources(
      this.role,
      // Logging and tracing add their actions on `*` to the role.
      [...granted, new iam.PolicyStatement({ actions: ['logs:CreateLogDelivery'], resources: ['*'] })],
      (resource) => wildcardReasons.get(resource),
    );
  }
}

/** Refuses, with the reason, a definition the construct could not deploy as written. */
function validateDefinition(asl: AslDefinition, what: string, functionSubstitutions: string[]): void {
  const known = new Set([...functionSubstitutions, MIGRATE_VAULT_ARN_SUBSTITUTION]);
  const unknown = [...asl.placeholders].filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new Error(
      `${what} uses DefinitionSubstitutions the stack does not provide: ${unknown.join(', ')} ` +
        `(known: ${[...known].sort().join(', ')})`,
    );
  }
  const unsupported = [...asl.integrations].filter((resource) => !START_EXECUTION.test(resource));
  if (unsupported.length > 0) {
    throw new Error(
      `${what} calls ${unsupported.join(', ')}, which the state machine role is not given: Tasks ` +
        `call the Lambdas by \`\${...FunctionArn}\` or start MigrateVault executions`,
    );
  }
  if ([...asl.integrations].length > 0 && !asl.placeholders.has(MIGRATE_VAULT_ARN_SUBSTITUTION)) {
    throw new Error(`${what} starts executions without naming \${${MIGRATE_VAULT_ARN_SUBSTITUTION}}`);
  }
  const timeout = asl.definition.TimeoutSeconds;
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1 || timeout > 31_536_000) {
    throw new Error(
      `${what} needs a top-level TimeoutSeconds (whole seconds, at most one year): it is the ` +
        'execution timeout',
    );
  }
  const queryLanguage = asl.definition.QueryLanguage;
  if (queryLanguage !== undefined && queryLanguage !== 'JSONPath') {
    throw new Error(
      `${what} must use JSONPath, which the local runner executes (found ${String(queryLanguage)})`,
    );
  }
}
