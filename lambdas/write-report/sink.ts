/**
 * Where reports go. The core writes through this interface so that the destination (a local
 * directory, the report bucket on AWS) does not change what is written.
 */
import { mkdir, open } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { MigratorConfig } from '#shared/config.ts';
import { ConfigurationError } from '#shared/errors.ts';

export interface ReportSink {
  /**
   * Stores one file of a report under `key` (`<executionId>/report.json`) and returns where it went.
   * The body comes in chunks: a report of a million recovery points is larger than a string may be.
   */
  put(key: string, body: Iterable<string>, contentType: string): Promise<string>;
}

/** Bytes gathered before each write. */
const WRITE_BUFFER = 1024 * 1024;

/** Local mode (REPORT_DIR): files under a directory, created as needed. */
export class DirectoryReportSink implements ReportSink {
  readonly directory: string;

  constructor(directory: string) {
    this.directory = resolve(directory);
  }

  async put(key: string, body: Iterable<string>): Promise<string> {
    const path = join(this.directory, key);
    if (!path.startsWith(`${this.directory}/`)) {
      throw new ConfigurationError(`Report key ${key} would be written outside ${this.directory}`);
    }
    await mkdir(dirname(path), { recursive: true });
    const file = await open(path, 'w');
    try {
      let buffer: string[] = [];
      let size = 0;
      for (const chunk of body) {
        buffer.push(chunk);
        size += chunk.length;
        if (size >= WRITE_BUFFER) {
          await file.write(buffer.join(''));
          buffer = [];
          size = 0;
        }
      }
      await file.write(buffer.join(''));
    } finally {
      await file.close();
    }
    return path;
  }
}

/**
 * On AWS (REPORT_BUCKET): one object per file. The chunks are gathered into one buffer (a Buffer
 * may be larger than a string) so that PutObject knows the length.
 */
export class S3ReportSink implements ReportSink {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
  ) {}

  async put(key: string, body: Iterable<string>, contentType: string): Promise<string> {
    const buffers: Buffer[] = [];
    for (const chunk of body) buffers.push(Buffer.from(chunk, 'utf8'));
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: Buffer.concat(buffers),
        // Encryption is the bucket's default (the stack sets its key), not chosen here.
        ContentType: `${contentType}; charset=utf-8`,
      }),
    );
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

/**
 * A file-system and S3 safe folder name for an execution: the name part of an execution ARN, with
 * anything but letters, digits, '.', '_' and '-' replaced, and never '.' or '..'.
 */
export function reportFolder(executionId: string): string {
  const name = executionId.slice(executionId.lastIndexOf(':') + 1);
  const safe = name
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 200);
  return safe === '' ? 'unnamed-execution' : safe;
}
