import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct, IConstruct } from 'constructs';
import type { FactoryFunctionProps, FunctionFactory } from '../../infra/functions.ts';
import { VaultMigratorStack, type VaultMigratorStackProps } from '../../infra/stack.ts';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';

/**
 * Builds each Lambda with inline code instead of bundling it: synth tests then take
 * milliseconds and never run esbuild (one test in synth.test.ts does, through `cdk synth`).
 * Everything but the code and handler is what the real factory gets.
 */
export class InlineFunctionFactory implements FunctionFactory {
  readonly entries: string[] = [];

  createFunction(scope: Construct, id: string, props: FactoryFunctionProps): lambda.Function {
    const { entry, ...functionProps } = props;
    this.entries.push(entry);
    return new lambda.Function(scope, id, {
      ...functionProps,
      code: lambda.Code.fromInline('export const handler = async () => ({});'),
      handler: 'index.handler',
    });
  }
}

export interface Synthesized {
  app: App;
  stack: VaultMigratorStack;
  template: Template;
  factory: InlineFunctionFactory;
}

/**
 * An app for synth tests. CDK's built-in CloudFormation schema validation is left to the one real
 * `cdk synth` (synth.test.ts): it costs about a second per synth.
 */
export function testApp(): App {
  return new App({ builtinCloudFormationValidation: false });
}

/** The stack as the app builds it (account and Region known), with inline Lambda code. */
export function synthStack(props: VaultMigratorStackProps = {}, stackName = 'Test'): Synthesized {
  const app = testApp();
  const factory = new InlineFunctionFactory();
  const stack = new VaultMigratorStack(app, stackName, {
    env: { account: ACCOUNT, region: REGION },
    ...props,
    migrator: { ...props.migrator, functionFactory: factory },
  });
  return { app, stack, template: Template.fromStack(stack), factory };
}

/** A policy statement as it appears in the template. */
export interface TemplateStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export function list<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** A template value as readable text: `Fn::Join` joined, `Ref`/`Fn::GetAtt` as `<Name>`/`<Id.Attr>`. */
export function flat(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object') {
    const intrinsic = value as Record<string, unknown>;
    if (Array.isArray(intrinsic['Fn::Join'])) {
      const [delimiter, items] = intrinsic['Fn::Join'] as [string, unknown[]];
      return items.map(flat).join(delimiter);
    }
    if (Array.isArray(intrinsic['Fn::GetAtt'])) return `<${(intrinsic['Fn::GetAtt'] as string[]).join('.')}>`;
    if (typeof intrinsic.Ref === 'string') return `<${intrinsic.Ref}>`;
  }
  return JSON.stringify(value);
}

/** Every statement the role is given: inline policies and AWS::IAM::Policy resources attached to it. */
export function statementsOfRole(template: Template, roleLogicalId: string): TemplateStatement[] {
  const resources = template.toJSON().Resources as Record<
    string,
    { Type: string; Properties: Record<string, unknown> }
  >;
  const role = resources[roleLogicalId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleLogicalId} is not a role`);
  const inline = list(
    role.Properties.Policies as { PolicyDocument: { Statement: TemplateStatement[] } }[],
  ).flatMap((policy) => policy.PolicyDocument.Statement);
  const attached = Object.values(resources)
    .filter(
      (resource) =>
        resource.Type === 'AWS::IAM::Policy' &&
        list(resource.Properties.Roles as unknown[]).some((ref) => flat(ref) === `<${roleLogicalId}>`),
    )
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: TemplateStatement[] }).Statement);
  return [...inline, ...attached];
}

/** `service:Action` names the role is allowed. */
export function allowedActions(template: Template, roleLogicalId: string): string[] {
  return [
    ...new Set(
      statementsOfRole(template, roleLogicalId)
        .filter((statement) => statement.Effect === 'Allow')
        .flatMap((statement) => list(statement.Action)),
    ),
  ].sort();
}

/** Logical ID of a construct's CloudFormation resource. */
export function logicalId(construct: IConstruct): string {
  const stack = Stack.of(construct);
  const element = (construct.node.defaultChild ?? construct) as unknown as CfnElement;
  return stack.resolve(stack.getLogicalId(element)) as string;
}
