import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stackPropsFromContext } from './context.ts';
import { VaultMigratorStack } from './stack.ts';

const app = new App();
const { stackName, props } = stackPropsFromContext(app.node);
new VaultMigratorStack(app, stackName, {
  ...props,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
// Every AwsSolutions finding fails the synth unless acknowledged, with its reason, where it arises.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
