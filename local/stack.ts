/**
 * The Lambdas' environment in a local run: what the stack gives them on AWS (their settings, named
 * by `toEnvironment`, the names the handlers read), with the local world around them: the
 * endpoint their SDK clients talk to, credentials the emulator maps to their roles, a report
 * directory in place of the bucket, and retirement allowed (each execution still asks for it).
 * The test harness, the soak, the bench and the CLI's local mode all build it here.
 */
import { toEnvironment } from '#shared/config.ts';

export interface LocalEnvironmentOptions {
  /** Where the Backup and KMS calls go (the emulator's URL, or --endpoint). */
  endpoint: string;
  region: string;
  /** Default: the fake `local` keys an emulator accepts. */
  credentials?:
    | { accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined }
    | undefined;
  /** The migration key (the handlers' default key), when one is known. */
  keyArn?: string | undefined;
  /** The copy role, when the stack's policies do not name it. */
  copyRoleArn?: string | undefined;
  /** What the stack's policies set (the copy role and the allowed keys, as the template has them). */
  authorization?: Record<string, string> | undefined;
  reportDir: string;
  /** SDK retries' base backoff in ms: short in simulated time (as given, when a user set it). */
  retryBaseMs: number | string;
  /** The handlers' log level (POWERTOOLS_LOG_LEVEL), when it must be set. */
  logLevel?: string | undefined;
}

export function localEnvironment(options: LocalEnvironmentOptions): Record<string, string> {
  const credentials = options.credentials ?? { accessKeyId: 'local', secretAccessKey: 'local' };
  return {
    AWS_ENDPOINT_URL: options.endpoint,
    AWS_REGION: options.region,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    ...(credentials.sessionToken ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
    ...toEnvironment({
      retryBaseMs: options.retryBaseMs,
      defaultKmsKeyArn: options.keyArn,
      copyRoleArn: options.copyRoleArn,
    }),
    ...options.authorization,
    ...toEnvironment({ allowSourceDeletion: true, reportDir: options.reportDir }),
    ...(options.logLevel === undefined ? {} : { POWERTOOLS_LOG_LEVEL: options.logLevel }),
  };
}
