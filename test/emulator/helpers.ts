import { BackupClient } from '@aws-sdk/client-backup';
import { KMSClient } from '@aws-sdk/client-kms';
import { type Emulator, type EmulatorOptions, startEmulator } from '#emulator/index.ts';

export interface EmulatorFixture {
  emulator: Emulator;
  backup: BackupClient;
  kms: KMSClient;
}

/** Starts an emulator on a free loopback port with real SDK clients pointed at it. */
export async function emulatorWithClients(options: EmulatorOptions = {}): Promise<EmulatorFixture> {
  const emulator = await startEmulator(options);
  const config = {
    endpoint: emulator.url,
    region: emulator.region,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
    maxAttempts: 1,
  };
  return { emulator, backup: new BackupClient(config), kms: new KMSClient(config) };
}

export async function stopFixture(fixture: EmulatorFixture | undefined): Promise<void> {
  if (!fixture) return;
  fixture.backup.destroy();
  fixture.kms.destroy();
  await fixture.emulator.stop();
}
