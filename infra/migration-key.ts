import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface MigrationKeyProps {
  /**
   * Alias given to the key.
   * @default 'alias/vault-migrator'
   */
  readonly aliasName?: string;
  /**
   * What happens to the key when the stack is deleted. Backups encrypted with it become
   * unreadable if it is ever deleted, so the default keeps it.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The customer-managed key that target vaults are encrypted with. AWS Backup may use it only
 * through the Backup service, in this account and Region.
 */
export class MigrationKey extends Construct {
  public readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: MigrationKeyProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    this.key = new kms.Key(this, 'Key', {
      description: 'Encrypts AWS Backup vaults created by backup-vault-migrator',
      enableKeyRotation: true,
      alias: props.aliasName ?? 'alias/vault-migrator',
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowAwsBackupThroughTheServiceOnly',
        principals: [new iam.AnyPrincipal()],
        actions: [
          'kms:CreateGrant',
          'kms:GenerateDataKey',
          'kms:GenerateDataKeyWithoutPlaintext',
          'kms:Decrypt',
          'kms:DescribeKey',
        ],
        resources: ['*'],
        conditions: {
          StringEquals: {
            'kms:ViaService': `backup.${stack.region}.amazonaws.com`,
            'kms:CallerAccount': stack.account,
          },
        },
      }),
    );
  }
}
