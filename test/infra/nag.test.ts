import { Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { acknowledgeWildcardResources } from '../../infra/nag.ts';
import { synthStack, testApp } from './support.ts';

/** Each configuration is synthesized once, when a test first needs it. */
function once<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => {
    built ??= build();
    return built;
  };
}

const CONFIGURATIONS = {
  'the default stack': once(() => synthStack()),
  'a stack that allows deletion, mails and schedules': once(() =>
    synthStack({
      migrator: {
        allowSourceDeletion: true,
        notificationEmail: 'backup-team@example.com',
        schedule: { enabled: true, deleteSourceVault: true },
      },
    }),
  ),
  'a stack with an existing key': once(() =>
    synthStack({ kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555' }),
  ),
};

/** Every acknowledgement recorded in the tree: where, which finding, and why. */
function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it.each(Object.keys(CONFIGURATIONS))('finds nothing unacknowledged in %s', (configuration) => {
    const { stack } = CONFIGURATIONS[configuration as keyof typeof CONFIGURATIONS]();
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(
      report.violations.map((violation) => ({
        rule: violation.ruleName,
        where: violation.violatingResources.map((resource) => resource.constructPath),
      })),
    ).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('gives every acknowledgement a written reason', () => {
    const { stack } = CONFIGURATIONS['a stack that allows deletion, mails and schedules']();
    const acknowledged = acknowledgements(stack);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const { path, id, reason } of acknowledged) {
      expect({ path, id, reasoned: reason.length >= 60 && /\s/.test(reason) }).toEqual({
        path,
        id,
        reasoned: true,
      });
    }
  });

  it("acknowledges only server access logs, the copy role's managed policy and unavoidable wildcard resources", () => {
    const { stack } = CONFIGURATIONS['a stack that allows deletion, mails and schedules']();
    const rules = new Set(acknowledgements(stack).map(({ id }) => id.replace(/\[.*$/, '')));
    expect([...rules].sort()).toEqual(['AwsSolutions-IAM4', 'AwsSolutions-IAM5', 'AwsSolutions-S1']);
    const wildcardActions = acknowledgements(stack).filter(({ id }) =>
      id.startsWith('AwsSolutions-IAM5[Action::'),
    );
    expect(wildcardActions).toEqual([]);
  });

  it('leaves no CDK warning or error on the stack', () => {
    const { stack } = CONFIGURATIONS['a stack that allows deletion, mails and schedules']();
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
  });

  it('refuses a wildcard resource that has no recorded reason', () => {
    const stack = new Stack(testApp(), 'Unreasoned');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const statement = new iam.PolicyStatement({
      sid: 'Everything',
      actions: ['s3:GetObject'],
      resources: ['arn:aws:s3:::*'],
    });
    expect(() => acknowledgeWildcardResources(role, [statement], () => undefined)).toThrow(
      /No reason is recorded for the wildcard resource arn:aws:s3:::\* \(statement Everything\)/,
    );
  });
});
