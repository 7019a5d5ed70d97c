import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Emulator, type EmulatorOptions, startEmulator } from '#emulator/index.ts';
import { emulatorTime, LocalRunner } from '../../local/runner/index.ts';

export const COPY_ROLE = 'arn:aws:iam::123456789012:role/vault-migrator-copy';

export interface Scenario {
  emulator: Emulator;
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
): Promise<Scenario> {
  const emulator = await startEmulator({ randomSeed: 5, ...options });
  const keyArn = emulator.kms.addKey({ alias: 'alias/vault-migrator' }).arn;
  const reportDir = mkdtempSync(join(tmpdir(), 'vault-migrator-'));
  const runner = new LocalRunner({
    time: emulatorTime(emulator),
    environment: {
      AWS_ENDPOINT_URL: emulator.url,
      AWS_REGION: emulator.region,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      VAULT_MIGRATOR_RETRY_BASE_MS: '2',
      MIGRATION_KMS_KEY_ARN: keyArn,
      COPY_ROLE_ARN: COPY_ROLE,
      ALLOW_SOURCE_DELETION: 'true',
      REPORT_DIR: reportDir,
      ...environment,
    },
  });
  return {
    emulator,
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
