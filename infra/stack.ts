import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { MigrationKey } from './migration-key.ts';

export interface VaultMigratorStackProps extends StackProps {
  /**
   * An existing customer-managed key for the target vaults. When absent the stack creates one.
   * @default a new key with alias `alias/vault-migrator`
   */
  readonly kmsKeyArn?: string;
}

/**
 * The deployable stack. Today it holds the migration key; the state machines, Lambdas, report
 * bucket and schedule are added by later issues (see README, "Status").
 */
export class VaultMigratorStack extends Stack {
  constructor(scope: Construct, id: string, props: VaultMigratorStackProps = {}) {
    super(scope, id, props);
    const keyArn = props.kmsKeyArn ?? new MigrationKey(this, 'MigrationKey').key.keyArn;
    new CfnOutput(this, 'KmsKeyArn', {
      value: keyArn,
      description: 'Key that target vaults are encrypted with',
    });
  }
}
