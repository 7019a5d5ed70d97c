import { BackupClient } from '@aws-sdk/client-backup';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
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
let s3: S3Client | undefined;
let sns: SNSClient | undefined;

export function backupClient(): BackupClient {
  backup ??= new BackupClient({ retryStrategy: retryStrategy() });
  return backup;
}

export function kmsClient(): KMSClient {
  kms ??= new KMSClient({ retryStrategy: retryStrategy() });
  return kms;
}

/** For the report bucket. */
export function s3Client(): S3Client {
  s3 ??= new S3Client({ retryStrategy: retryStrategy() });
  return s3;
}

/** For the report notification. */
export function snsClient(): SNSClient {
  sns ??= new SNSClient({ retryStrategy: retryStrategy() });
  return sns;
}

/** Drops the clients so the next use builds them from the current environment (local runs, tests). */
export function resetClients(): void {
  for (const client of [backup, kms, s3, sns]) client?.destroy();
  backup = undefined;
  kms = undefined;
  s3 = undefined;
  sns = undefined;
}
