import { type Emulator, type EmulatorOptions, startEmulator } from '#emulator/index.ts';
import { resetClients } from '#shared/clients.ts';
import type { Migration } from '#shared/contracts.ts';

/**
 * Starts an emulator and points the handlers' SDK clients at it through AWS_ENDPOINT_URL, exactly as
 * the local runner does. Call `stop()` in afterEach/afterAll.
 */
export async function emulatorForHandlers(options: EmulatorOptions = {}): Promise<Emulator> {
  const emulator = await startEmulator(options);
  process.env.AWS_ENDPOINT_URL = emulator.url;
  process.env.AWS_REGION = emulator.region;
  process.env.AWS_MAX_ATTEMPTS ??= '8';
  process.env.VAULT_MIGRATOR_RETRY_BASE_MS ??= '2';
  resetClients();
  return emulator;
}

export async function stopEmulator(emulator: Emulator | undefined): Promise<void> {
  resetClients();
  await emulator?.stop();
}

/** Sets the Lambda environment the stack would set; returns a function that restores it. */
export function withEnv(values: Record<string, string | undefined>): () => void {
  const saved = Object.fromEntries(Object.keys(values).map((key) => [key, process.env[key]]));
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  return () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

export const COPY_ROLE_ARN = 'arn:aws:iam::123456789012:role/vault-migrator-copy';

/** A Migration as Prepare would produce it, for steps tested on their own. */
export function migrationFor(
  emulator: Emulator,
  overrides: Partial<Migration> & { kmsKeyArn: string },
): Migration {
  const source = overrides.sourceVaultName ?? 'legacy';
  const target = overrides.targetVaultName ?? `${source}-encrypted`;
  return {
    executionId: 'test-execution',
    sourceVaultName: source,
    sourceVaultArn: emulator.backup.vaultArn(source),
    targetVaultName: target,
    targetVaultArn: emulator.backup.vaultArn(target),
    deleteSourceVault: false,
    dryRun: false,
    maxConcurrentCopies: 20,
    startedAt: emulator.clock.now().toISOString(),
    status: 'READY',
    ...overrides,
  };
}

/**
 * The InvalidInput message of each call, in order; fails the test when a call succeeds or fails
 * with another error.
 */
export async function invalidInputMessages(calls: ReadonlyArray<() => Promise<unknown>>): Promise<string[]> {
  const messages: string[] = [];
  for (const call of calls) {
    const error = await call().then(
      () => undefined,
      (caught: Error) => caught,
    );
    if (error?.name !== 'InvalidInput') {
      throw new Error(
        `expected InvalidInput, got ${error === undefined ? 'success' : `${error.name}: ${error.message}`}`,
      );
    }
    messages.push(error.message);
  }
  return messages;
}
