import { afterEach, describe, expect, it, vi } from 'vitest';

/** The clients module as a fresh Lambda container loads it, in the given environment. */
async function freshClients(env: Record<string, string>) {
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
  vi.resetModules();
  return import('#shared/clients.ts');
}

function middlewareNames(client: { middlewareStack: { identify(): string[] } }): string[] {
  return client.middlewareStack.identify();
}

describe('X-Ray tracing of the SDK clients', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('traces every deployed client on Lambda', async () => {
    const clients = await freshClients({
      AWS_LAMBDA_FUNCTION_NAME: 'vault-migrator-CopyRecoveryPoints',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      AWS_REGION: 'eu-west-1',
    });
    for (const client of [
      clients.backupClient(),
      clients.kmsClient(),
      clients.s3Client(),
      clients.snsClient(),
    ]) {
      expect(middlewareNames(client).some((name) => name.startsWith('XRaySDKInstrumentation'))).toBe(true);
    }
    clients.resetClients();
  });

  it('traces nothing off Lambda, nor the clients a local run signs as a function', async () => {
    const clients = await freshClients({ AWS_LAMBDA_FUNCTION_NAME: '', AWS_REGION: 'eu-west-1' });
    expect(middlewareNames(clients.backupClient()).some((name) => name.startsWith('XRay'))).toBe(false);
    const local = await clients.runAsLocalCaller('AKIDLOCAL', async () => clients.backupClient());
    expect(middlewareNames(local).some((name) => name.startsWith('XRay'))).toBe(false);
    clients.resetClients();
  });
});
