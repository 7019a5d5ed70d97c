import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { VaultMigratorStack } from '../../infra/stack.ts';

function synth(props: ConstructorParameters<typeof VaultMigratorStack>[2] = {}) {
  const app = new App();
  const stack = new VaultMigratorStack(app, 'Test', {
    env: { account: '123456789012', region: 'eu-west-1' },
    ...props,
  });
  return Template.fromStack(stack);
}

describe('VaultMigratorStack', () => {
  it('creates a rotating customer-managed key with the vault-migrator alias, kept on stack deletion', () => {
    const template = synth();
    template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/vault-migrator' });
  });

  it('lets AWS Backup use the key only through the Backup service of this account and Region', () => {
    const template = synth();
    template.hasResourceProperties('AWS::KMS::Key', {
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
    const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
    const template = synth({ kmsKeyArn: keyArn });
    template.resourceCountIs('AWS::KMS::Key', 0);
    expect(template.findOutputs('KmsKeyArn').KmsKeyArn?.Value).toBe(keyArn);
  });
});
