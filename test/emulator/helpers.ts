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

/** The role every test copy job runs as. */
export const BACKUP_ROLE = 'arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole';

/** The fields of an SDK v3 service exception the tests read. */
export interface SdkError {
  name: string;
  message: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

/** Awaits a call that must fail and returns its error (fails the test if it resolves). */
export async function errorOf(call: Promise<unknown>): Promise<SdkError> {
  try {
    await call;
  } catch (error) {
    return error as SdkError;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

export interface RawAnswer {
  status: number;
  errorType: string | null;
  contentType: string | null;
  body: Record<string, unknown>;
}

/** A raw HTTP request with a (fake) Authorization header, as the SDK would sign it. */
export async function rawRequest(
  url: string,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: 'AWS4-HMAC-SHA256 Credential=AKIDTEST/20260601/us-east-1/backup/aws4_request',
      'content-type': 'application/json',
      ...headers,
    },
    body,
    signal: AbortSignal.timeout(5_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    errorType: response.headers.get('x-amzn-errortype'),
    contentType: response.headers.get('content-type'),
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

/** Calls the emulator's control API (no signature needed). */
export async function admin<T = Record<string, unknown>>(
  url: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${url}/_emulator/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  return { status: response.status, body: (await response.json()) as T };
}
