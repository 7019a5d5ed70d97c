import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { MigrationKey } from './migration-key.ts';
import { VaultMigrator, type VaultMigratorProps } from './vault-migrator.ts';

export interface VaultMigratorStackProps extends StackProps {
  /**
   * An existing customer-managed key for the target vaults. When absent the stack creates one.
   * @default a new key with alias `alias/vault-migrator`
   */
  readonly kmsKeyArn?: string;
  /**
   * Settings of the migrator (see {@link VaultMigratorProps}).
   * @default the VaultMigrator defaults: no deletion, no schedule
   */
  readonly migrator?: Omit<VaultMigratorProps, 'migrationKey'>;
}

/**
 * The deployable stack: the migration key (created, or the one given) and one VaultMigrator,
 * with the outputs an operator needs to start and follow migrations.
 */
export class VaultMigratorStack extends Stack {
  public readonly migrator: VaultMigrator;

  constructor(scope: Construct, id: string, props: VaultMigratorStackProps = {}) {
    super(scope, id, props);
    const migrationKey =
      props.kmsKeyArn === undefined
        ? new MigrationKey(this, 'MigrationKey').key
        : kms.Key.fromKeyArn(this, 'ExistingMigrationKey', props.kmsKeyArn);
    this.migrator = new VaultMigrator(this, 'VaultMigrator', { ...props.migrator, migrationKey });

    new CfnOutput(this, 'KmsKeyArn', {
      value: migrationKey.keyArn,
      description: 'Key that target vaults are encrypted with',
    });
    new CfnOutput(this, 'MigrateVaultStateMachineArn', {
      value: this.migrator.migrateVault.stateMachineArn,
      description:
        'Start one migration: aws stepfunctions start-execution --state-machine-arn <this> --input ...',
    });
    new CfnOutput(this, 'MigrateAllVaultsStateMachineArn', {
      value: this.migrator.migrateAllVaults.stateMachineArn,
      description: 'Migrates every flagged vault (the schedule starts this one)',
    });
    new CfnOutput(this, 'ReportBucketName', {
      value: this.migrator.reportBucket.bucketName,
      description: 'Where migration reports are written, under <execution name>/',
    });
    new CfnOutput(this, 'ReportTopicArn', {
      value: this.migrator.reportTopic.topicArn,
      description: 'Announces every report and alarm',
    });
    new CfnOutput(this, 'CopyRoleArn', {
      value: this.migrator.copyRole.roleArn,
      description: 'Role AWS Backup assumes for the copy jobs',
    });
    new CfnOutput(this, 'OperatorPolicyArn', {
      value: this.migrator.operatorPolicy.managedPolicyArn,
      description: 'Attach to the people or CI roles that run the vault-migrator CLI against this stack',
    });
    new CfnOutput(this, 'DashboardName', {
      value: this.migrator.observability.dashboard.dashboardName,
      description: 'CloudWatch dashboard of migrations and copy jobs',
    });
  }
}
