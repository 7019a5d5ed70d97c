import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Emulator, type EmulatorOptions, startEmulator } from '#emulator/index.ts';
import {
  authorizeAsDeployed,
  type StackPolicies,
  type SynthOptions,
} from '../../local/iam/stack-policies.ts';
import { emulatorTime, LocalRunner } from '../../local/runner/index.ts';
import { localEnvironment } from '../../local/stack.ts';

export const COPY_ROLE = 'arn:aws:iam::123456789012:role/vault-migrator-copy';

export interface Scenario {
  emulator: Emulator;
  /** The stack's policies every call of the run is authorized by. */
  policies: StackPolicies;
  runner: LocalRunner;
  reportDir: string;
  keyArn: string;
  stop(): Promise<void>;
}

/**
 * An emulator and a runner wired as `--local` runs them: the handlers' SDK clients point at the
 * emulator, Wait states advance its clock, reports go to a temporary directory.
 */
export async function scenario(
  options: EmulatorOptions = {},
  environment: Record<string, string> = {},
  iam: SynthOptions = {},
  runnerOptions: { recordHistory?: boolean } = {},
): Promise<Scenario> {
  const emulator = await startEmulator({ randomSeed: 5, ...options });
  const keyArn = emulator.kms.addKey({ alias: 'alias/vault-migrator' }).arn;
  // IAM in the loop: every call is authorized by the policies the stack deploys.
  const policies = await authorizeAsDeployed(
    emulator,
    { accountId: emulator.accountId, region: emulator.region, migrationKeyArn: keyArn },
    iam,
  );
  const reportDir = mkdtempSync(join(tmpdir(), 'vault-migrator-'));
  const runner = new LocalRunner({
    ...runnerOptions,
    time: emulatorTime(emulator),
    environment: {
      ...localEnvironment({
        endpoint: emulator.url,
        region: emulator.region,
        keyArn,
        authorization: policies.environment,
        reportDir,
        retryBaseMs: 2,
      }),
      ...environment,
    },
  });
  return {
    emulator,
    policies,
    runner,
    reportDir,
    keyArn,
    async stop() {
      await emulator.stop();
      rmSync(reportDir, { recursive: true, force: true });
    },
  };
}

export { copiesPerSource } from '../support/copies.ts';
