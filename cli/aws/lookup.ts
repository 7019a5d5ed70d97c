/**
 * An execution on AWS by ARN or by name. A name is looked up under both state machines of the
 * stack (or under --state-machine-arn), as Step Functions names executions per state machine.
 */
import { CliError } from '../errors.ts';
import type { ExecutionView } from '../report/collect.ts';
import type { AwsClients } from './clients.ts';
import { describeExecution, executionArnFor } from './execution.ts';
import { DEFAULT_STACK_NAME, type DeploymentOptions, OUTPUT_KEYS, stackOutputs } from './stack.ts';

export interface FoundExecution {
  view: ExecutionView;
  /** Where failed executions' reports are (they name none in an output). */
  reportBucket: string | undefined;
}

export async function findAwsExecution(
  clients: AwsClients,
  options: DeploymentOptions,
  execution: string,
): Promise<FoundExecution> {
  let outputs: Record<string, string> | undefined;
  const readOutputs = async () => {
    outputs ??= await stackOutputs(clients.cloudFormation(), options.stackName ?? DEFAULT_STACK_NAME);
    return outputs;
  };
  if (execution.startsWith('arn:')) {
    const view = await describeExecution(clients.sfn(), execution);
    let reportBucket = options.reportBucket;
    if (!reportBucket && !options.stateMachineArn) {
      // Only failed executions need the bucket: without the stack, their outputs are all there is.
      reportBucket = await readOutputs().then(
        (found) => found[OUTPUT_KEYS.reportBucket],
        () => undefined,
      );
    }
    return { view, reportBucket };
  }
  const stateMachines = options.stateMachineArn
    ? [options.stateMachineArn]
    : await readOutputs().then((found) =>
        [found[OUTPUT_KEYS.MigrateVault], found[OUTPUT_KEYS.MigrateAllVaults]].filter(
          (arn): arn is string => arn !== undefined,
        ),
      );
  for (const stateMachineArn of stateMachines) {
    try {
      const view = await describeExecution(clients.sfn(), executionArnFor(stateMachineArn, execution));
      return { view, reportBucket: options.reportBucket ?? outputs?.[OUTPUT_KEYS.reportBucket] };
    } catch (error) {
      if (!(error instanceof CliError && error.name === 'ExecutionNotFound')) throw error;
    }
  }
  throw new CliError(
    'ExecutionNotFound',
    `no execution named ${execution} (looked under ${stateMachines.join(' and ') || 'no state machine'}; ` +
      'for a local run, pass --local or --report-dir)',
  );
}
