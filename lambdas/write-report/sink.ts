/**
 * Where reports go. The core writes through this interface so that the destination (a local
 * directory, the report bucket on AWS) does not change what is written.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { MigratorConfig } from '#shared/config.ts';
import { ConfigurationError } from '#shared/errors.ts';

/**
 * A file's body, in chunks: a report of a million recovery points is larger than a string may be,
 * and is read from scratch files as it is stored, never held whole.
 */
export type ReportBody = Iterable<string> | AsyncIterable<string>;

export interface ReportSink {
  /** Stores one file of a report under `key` (`<vault>/<executionId>/report.json`) and returns where it went. */
  put(key: string, body: ReportBody, contentType: string): Promise<string>;
}

/** The body as bytes, for streams that count them (S3's parts). */
async function* utf8(body: ReportBody): AsyncGenerator<Buffer> {
  for await (const chunk of body) if (chunk !== '') yield Buffer.from(chunk, 'utf8');
}

/** Local mode (REPORT_DIR): files under a directory, created as needed. */
export class DirectoryReportSink implements ReportSink {
  readonly directory: string;

  constructor(directory: string) {
    this.directory = resolve(directory);
  }

  async put(key: string, body: ReportBody): Promise<string> {
    const path = join(this.directory, key);
    if (!path.startsWith(`${this.directory}/`)) {
      throw new ConfigurationError(`Report key ${key} would be written outside ${this.directory}`);
    }
    await mkdir(dirname(path), { recursive: true });
    await pipeline(Readable.from(utf8(body)), createWriteStream(path));
    return path;
  }
}

/** Size of each part of a multipart upload (S3's smallest is 5 MiB). */
export const UPLOAD_PART_BYTES = 8 * 1024 * 1024;

/** Parts in flight at once: memory holds at most this many parts. */
export const UPLOAD_QUEUE = 2;

/**
 * On AWS (REPORT_BUCKET): one object per file, streamed as a multipart upload (lib-storage's
 * Upload; a body smaller than one part goes as one PutObject). Memory holds a few parts, not the
 * file; a failed upload is aborted, so no parts are left behind (s3:AbortMultipartUpload).
 */
export class S3ReportSink implements ReportSink {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
  ) {}

  async put(key: string, body: ReportBody, contentType: string): Promise<string> {
    const upload = new Upload({
      client: this.client,
      partSize: UPLOAD_PART_BYTES,
      queueSize: UPLOAD_QUEUE,
      leavePartsOnError: false,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: Readable.from(utf8(body)),
        // Encryption is the bucket's default (the stack sets its key), not chosen here.
        ContentType: `${contentType}; charset=utf-8`,
      },
    });
    await upload.done();
    return `s3://${this.bucket}/${key}`;
  }
}

/** SDK clients the sinks need, built by the caller (the shared client module, or a test). */
export interface ReportClients {
  s3?: () => S3Client;
}

/**
 * The sink the deployment configured: REPORT_DIR (local mode) wins, else REPORT_BUCKET.
 * @throws ConfigurationError when neither is set, or no S3 client was given for the bucket.
 */
export function reportSinkFromConfig(
  config: Pick<MigratorConfig, 'reportDir' | 'reportBucket'>,
  clients: ReportClients = {},
): ReportSink {
  if (config.reportDir !== undefined) {
    return new DirectoryReportSink(config.reportDir);
  }
  if (config.reportBucket !== undefined) {
    if (clients.s3 === undefined) {
      throw new ConfigurationError(
        `REPORT_BUCKET is set (${config.reportBucket}) but no S3 client was given to the report sink`,
      );
    }
    return new S3ReportSink(clients.s3(), config.reportBucket);
  }
  throw new ConfigurationError('Neither REPORT_DIR nor REPORT_BUCKET is set: the report has nowhere to go');
}

/** A file-system and S3 safe path segment: letters, digits, '.', '_' and '-', never '.' or '..'. */
function safeSegment(text: string): string {
  return text
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 200);
}

/**
 * Where an execution's report is filed: `<source vault>/<execution name>` (an operator looks for a
 * vault, and a batch names its children by hash), or the execution name alone when no vault is
 * known (a failure before the input named one). The name is the last part of an execution ARN.
 */
export function reportFolder(executionId: string, sourceVaultName?: string | null): string {
  const name = safeSegment(executionId.slice(executionId.lastIndexOf(':') + 1)) || 'unnamed-execution';
  const vault = sourceVaultName ? safeSegment(sourceVaultName) : '';
  return vault === '' ? name : `${vault}/${name}`;
}
