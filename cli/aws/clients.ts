/**
 * SDK clients for the AWS mode, built from the command's environment (so that tests can point them
 * at a fake endpoint with AWS_ENDPOINT_URL without touching the process's own environment).
 */
import { BackupClient } from '@aws-sdk/client-backup';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { CliIO } from '../io.ts';

export interface AwsClients {
  sfn(): SFNClient;
  backup(): BackupClient;
  cloudFormation(): CloudFormationClient;
  s3(): S3Client;
  sts(): STSClient;
  destroy(): void;
}

/** The caller identity's ARN, or null when STS does not answer (a report must not fail for it). */
export async function callerIdentity(clients: AwsClients): Promise<string | null> {
  try {
    const identity = await clients.sts().send(new GetCallerIdentityCommand({}));
    return identity.Arn ?? null;
  } catch {
    return null;
  }
}

function endpointFor(env: CliIO['env'], service: string): string | undefined {
  return env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL || undefined;
}

export function awsClients(io: CliIO, region: string | undefined): AwsClients {
  const env = io.env;
  const resolvedRegion = region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: env.AWS_ACCESS_KEY_ID,
            secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
            ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
          },
        }
      : {};
  const common = (service: string) => {
    const endpoint = endpointFor(env, service);
    return {
      ...(resolvedRegion ? { region: resolvedRegion } : {}),
      ...(endpoint ? { endpoint } : {}),
      ...credentials,
    };
  };
  let sfn: SFNClient | undefined;
  let backup: BackupClient | undefined;
  let cloudFormation: CloudFormationClient | undefined;
  let s3: S3Client | undefined;
  let sts: STSClient | undefined;
  return {
    sts: () => {
      sts ??= new STSClient({ ...common('STS'), maxAttempts: 1 });
      return sts;
    },
    sfn: () => {
      sfn ??= new SFNClient(common('SFN'));
      return sfn;
    },
    backup: () => {
      backup ??= new BackupClient(common('BACKUP'));
      return backup;
    },
    cloudFormation: () => {
      cloudFormation ??= new CloudFormationClient(common('CLOUDFORMATION'));
      return cloudFormation;
    },
    s3: () => {
      const options = common('S3');
      // A custom endpoint (a local S3, a test) rarely serves virtual-hosted bucket names.
      s3 ??= new S3Client({ ...options, ...('endpoint' in options ? { forcePathStyle: true } : {}) });
      return s3;
    },
    destroy: () => {
      sfn?.destroy();
      backup?.destroy();
      cloudFormation?.destroy();
      s3?.destroy();
      sts?.destroy();
    },
  };
}
