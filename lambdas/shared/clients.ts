import { BackupClient } from '@aws-sdk/client-backup';
import { KMSClient } from '@aws-sdk/client-kms';
import { ConfiguredRetryStrategy } from '@smithy/util-retry';

/**
 * SDK clients, built once per Lambda container (on first use, so that the local runner and tests
 * can set AWS_ENDPOINT_URL before). They honour AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_BACKUP /
 * AWS_ENDPOINT_URL_KMS. AWS Backup publishes no rate limits, so they retry throttling, limits and
 * 5xx harder than the SDK's default 3 attempts, with exponential backoff and full jitter.
 * VAULT_MIGRATOR_RETRY_BASE_MS shortens the backoff for local runs, where time is simulated.
 */
function retryStrategy(): ConfiguredRetryStrategy {
  const maxAttempts = Number(process.env.AWS_MAX_ATTEMPTS ?? 8);
  const baseMs = Number(process.env.VAULT_MIGRATOR_RETRY_BASE_MS ?? 100);
  return new ConfiguredRetryStrategy(
    maxAttempts,
    (attempt) => Math.random() * Math.min(20_000, baseMs * 2 ** attempt),
  );
}

let backup: BackupClient | undefined;
let kms: KMSClient | undefined;

export function backupClient(): BackupClient {
  backup ??= new BackupClient({ retryStrategy: retryStrategy() });
  return backup;
}

export function kmsClient(): KMSClient {
  kms ??= new KMSClient({ retryStrategy: retryStrategy() });
  return kms;
}

/** Drops the clients so the next use builds them from the current environment (local runs, tests). */
export function resetClients(): void {
  backup?.destroy();
  kms?.destroy();
  backup = undefined;
  kms = undefined;
}
