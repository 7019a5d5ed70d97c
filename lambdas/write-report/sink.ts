/**
 * Where reports go. The core writes through this interface so that the destination (a local
 * directory now, the report bucket on AWS) does not change what is written.
 */
import { mkdir, open } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
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
 * The sink the deployment configured. REPORT_DIR wins; REPORT_BUCKET needs an S3 sink, which waits
 * for `@aws-sdk/client-s3` to be added to the project.
 */
export function reportSinkFromConfig(config: Pick<MigratorConfig, 'reportDir' | 'reportBucket'>): ReportSink {
  if (config.reportDir !== undefined) {
    return new DirectoryReportSink(config.reportDir);
  }
  if (config.reportBucket !== undefined) {
    throw new ConfigurationError(
      `REPORT_BUCKET is set (${config.reportBucket}) but the S3 report sink is not available yet ` +
        '(it needs @aws-sdk/client-s3); set REPORT_DIR',
    );
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
