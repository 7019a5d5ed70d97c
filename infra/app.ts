import { App } from 'aws-cdk-lib';
import { VaultMigratorStack } from './stack.ts';

const app = new App();
const kmsKeyArn: unknown = app.node.tryGetContext('kmsKeyArn');
new VaultMigratorStack(app, app.node.tryGetContext('stackName') ?? 'BackupVaultMigrator', {
  kmsKeyArn: typeof kmsKeyArn === 'string' && kmsKeyArn !== '' ? kmsKeyArn : undefined,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
app.synth();
