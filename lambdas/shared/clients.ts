import { BackupClient } from '@aws-sdk/client-backup';
import { KMSClient } from '@aws-sdk/client-kms';

/**
 * SDK clients, built once per Lambda container (on first use, so that the local runner and tests
 * can set AWS_ENDPOINT_URL before). They honour AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_BACKUP /
 * AWS_ENDPOINT_URL_KMS, and retry throttling and 5xx with the SDK's standard strategy; AWS Backup
 * publishes no rate limits, so they try harder than the default 3 attempts.
 */
const MAX_ATTEMPTS = Number(process.env.AWS_MAX_ATTEMPTS ?? 8);

let backup: BackupClient | undefined;
let kms: KMSClient | undefined;

export function backupClient(): BackupClient {
  backup ??= new BackupClient({ maxAttempts: MAX_ATTEMPTS, retryMode: 'standard' });
  return backup;
}

export function kmsClient(): KMSClient {
  kms ??= new KMSClient({ maxAttempts: MAX_ATTEMPTS, retryMode: 'standard' });
  return kms;
}

/** Drops the clients so the next use builds them from the current environment (local runs, tests). */
export function resetClients(): void {
  backup?.destroy();
  kms?.destroy();
  backup = undefined;
  kms = undefined;
}
