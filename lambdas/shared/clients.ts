import { AsyncLocalStorage } from 'node:async_hooks';
import { BackupClient } from '@aws-sdk/client-backup';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { ConfiguredRetryStrategy } from '@smithy/util-retry';
import { readRetrySettings } from './config.ts';

/**
 * SDK clients, built once per Lambda container (on first use, so that the local runner and tests
 * can set AWS_ENDPOINT_URL before). They honour AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_BACKUP /
 * AWS_ENDPOINT_URL_KMS. AWS Backup publishes no rate limits, so they retry throttling, limits and
 * 5xx harder than the SDK's default 3 attempts, with exponential backoff and full jitter.
 * VAULT_MIGRATOR_RETRY_BASE_MS shortens the backoff for local runs, where time is simulated.
 */
function retryStrategy(): ConfiguredRetryStrategy {
  const { sdkMaxAttempts, retryBaseMs } = readRetrySettings();
  return new ConfiguredRetryStrategy(
    sdkMaxAttempts,
    (attempt) => Math.random() * Math.min(20_000, retryBaseMs * 2 ** attempt),
  );
}

/**
 * Local runs only: the identity of the Lambda whose code is running. The local runner runs every
 * Lambda in one process, Map iterations side by side, so no process-wide setting can say who calls:
 * it binds each invocation to its function's access key id, and the clients of that invocation
 * sign with it (the emulator maps the key to the function's role). On AWS nothing binds it and the
 * clients use the Lambda's own credentials.
 */
const localCaller = new AsyncLocalStorage<string>();

/** Runs `work` with every SDK client it gets signing as `accessKeyId` (local runs). */
export function runAsLocalCaller<T>(accessKeyId: string, work: () => Promise<T>): Promise<T> {
  return localCaller.run(accessKeyId, work);
}

/**
 * On Lambda, an X-Ray subsegment for every AWS call of the deployed clients (Powertools Tracer; the
 * stack turns active tracing on and grants xray:PutTraceSegments). Loaded on Lambda only: local runs
 * and tests neither trace nor load the X-Ray SDK.
 */
const tracer = process.env.AWS_LAMBDA_FUNCTION_NAME
  ? new (await import('@aws-lambda-powertools/tracer')).Tracer({ serviceName: 'vault-migrator' })
  : undefined;

/** A deployed client, traced on Lambda. */
function traced<T>(client: T): T {
  return tracer ? tracer.captureAWSv3Client(client) : client;
}

interface Clients {
  backup?: BackupClient;
  kms?: KMSClient;
  s3?: S3Client;
  sns?: SNSClient;
}

let deployed: Clients = {};
const local = new Map<string, Clients>();

/** The clients of the current caller, and their credentials (the bound access key id, locally). */
function current(): { clients: Clients; credentials?: { accessKeyId: string; secretAccessKey: string } } {
  const accessKeyId = localCaller.getStore();
  if (accessKeyId === undefined) return { clients: deployed };
  let clients = local.get(accessKeyId);
  if (!clients) {
    clients = {};
    local.set(accessKeyId, clients);
  }
  return { clients, credentials: { accessKeyId, secretAccessKey: 'local' } };
}

export function backupClient(): BackupClient {
  const { clients, credentials } = current();
  clients.backup ??= credentials
    ? new BackupClient({ retryStrategy: retryStrategy(), credentials })
    : traced(new BackupClient({ retryStrategy: retryStrategy() }));
  return clients.backup;
}

export function kmsClient(): KMSClient {
  const { clients, credentials } = current();
  clients.kms ??= credentials
    ? new KMSClient({ retryStrategy: retryStrategy(), credentials })
    : traced(new KMSClient({ retryStrategy: retryStrategy() }));
  return clients.kms;
}

/** For the report bucket. */
export function s3Client(): S3Client {
  const { clients, credentials } = current();
  clients.s3 ??= credentials
    ? new S3Client({ retryStrategy: retryStrategy(), credentials })
    : traced(new S3Client({ retryStrategy: retryStrategy() }));
  return clients.s3;
}

/** For the report notification. */
export function snsClient(): SNSClient {
  const { clients, credentials } = current();
  clients.sns ??= credentials
    ? new SNSClient({ retryStrategy: retryStrategy(), credentials })
    : traced(new SNSClient({ retryStrategy: retryStrategy() }));
  return clients.sns;
}

/** Drops the clients so the next use builds them from the current environment (local runs, tests). */
export function resetClients(): void {
  for (const clients of [deployed, ...local.values()]) {
    for (const client of [clients.backup, clients.kms, clients.s3, clients.sns]) client?.destroy();
  }
  deployed = {};
  local.clear();
}
