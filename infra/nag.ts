import { Stack, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/**
 * A CloudFormation value as cdk-nag names it in a finding: `Fn::GetAtt` becomes `<Id.Attr>`, `Ref`
 * `<Name>`, `Fn::Join` is joined. Acknowledgements must repeat the finding exactly, and a resource
 * ARN reads differently when the stack's account and Region are known, so it is computed.
 */
export function nagName(scope: IConstruct, value: unknown): string {
  const visit = (node: unknown): string => {
    if (node === undefined) return '';
    if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
    if (node !== null && typeof node === 'object') {
      const intrinsic = node as Record<string, unknown>;
      if (Array.isArray(intrinsic['Fn::Join'])) {
        const [delimiter, items] = intrinsic['Fn::Join'] as [string, unknown[]];
        return items.map(visit).join(delimiter);
      }
      if (Array.isArray(intrinsic['Fn::GetAtt'])) {
        const [resource, attribute] = intrinsic['Fn::GetAtt'] as [unknown, unknown];
        return `<${visit(resource)}.${visit(attribute)}>`;
      }
      if ('Ref' in intrinsic) return `<${visit(intrinsic.Ref)}>`;
    }
    return JSON.stringify(node);
  };
  return visit(Stack.of(scope).resolve(value));
}

/**
 * Acknowledges the AwsSolutions-IAM5 finding of each wildcard resource in `statements`, on
 * `role`, with the reason `reasonFor` gives (it learns the actions granted on that resource).
 * Every wildcard must have a reason: a statement that gains one without a reason fails the synth
 * instead of being waved through.
 */
export function acknowledgeWildcardResources(
  role: iam.IRole | iam.IManagedPolicy,
  statements: readonly iam.PolicyStatement[],
  reasonFor: (resource: string, actions: readonly string[]) => string | undefined,
): void {
  const wildcards = new Map<string, { resource: string; actions: Set<string>; sid: string | undefined }>();
  for (const statement of statements) {
    for (const resource of statement.resources) {
      const name = nagName(role, resource);
      if (!name.includes('*')) continue;
      const wildcard = wildcards.get(name) ?? { resource, actions: new Set<string>(), sid: statement.sid };
      for (const action of statement.actions) wildcard.actions.add(action);
      wildcards.set(name, wildcard);
    }
  }
  for (const [name, { resource, actions, sid }] of wildcards) {
    const reason = reasonFor(resource, [...actions]);
    if (reason === undefined) {
      throw new Error(`No reason is recorded for the wildcard resource ${name} (statement ${sid})`);
    }
    Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${name}]`, reason });
  }
}
