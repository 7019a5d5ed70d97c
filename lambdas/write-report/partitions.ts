/**
 * The report's join in bounded memory. A row joins a source recovery point with its copy jobs and
 * its copy in the target vault, and all three name the same resource (a copy keeps its source's
 * ResourceArn, a copy job names it). So the listings are spilled to files by resource, and the
 * join reads one file at a time: memory holds one partition, about 1/PARTITIONS of the vault (and
 * never less than the recovery points of one resource), whatever the vault's size.
 */
import { createReadStream } from 'node:fs';
import { type FileHandle, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Classification } from '#shared/classify.ts';
import { pick } from '#shared/pick.ts';
import { LISTED_FIELDS } from '#shared/source-listing.ts';
import type { ClassifiedSource, ReportClassification, ReportCopyJob, TargetRecoveryPoint } from './report.ts';

/** Files the listings are spread over: 1,000,000 recovery points make about 16,000 per file. */
export const PARTITIONS = 64;

/** Characters buffered across all partitions before they are appended to their files. */
const FLUSH_AT = 4 * 1024 * 1024;

/** What one partition holds: every record of the resources that hash to it, in listing order. */
export interface Partition {
  sources: ClassifiedSource[];
  targetRecoveryPoints: TargetRecoveryPoint[];
  copyJobs: ReportCopyJob[];
}

type Kind = 's' | 't' | 'j';

/** The fields the rows read, and only those, are spilled. */
type SourceField = keyof ClassifiedSource['recoveryPoint'];
const SOURCE_FIELDS = LISTED_FIELDS.filter(
  (field): field is SourceField => field !== 'ParentRecoveryPointArn' && field !== 'StorageClass',
);

const TARGET_FIELDS = [
  'RecoveryPointArn',
  'ResourceArn',
  'Status',
  'IsEncrypted',
  'EncryptionKeyArn',
  'CreationDate',
  'Lifecycle',
  'CalculatedLifecycle',
] as const satisfies readonly (keyof TargetRecoveryPoint)[];

const COPY_JOB_FIELDS = [
  'CopyJobId',
  'State',
  'StatusMessage',
  'SourceRecoveryPointArn',
  'SourceBackupVaultArn',
  'DestinationRecoveryPointArn',
  'DestinationEncryptionKeyArn',
  'CreationDate',
  'ResourceArn',
  'ResourceType',
  'BackupSizeInBytes',
] as const satisfies readonly (keyof ReportCopyJob)[];

/** What the report says of a classification (not the lifecycle StartCopyJob would be given). */
function forReport(classification: Classification | ReportClassification): ReportClassification {
  return classification.copyable
    ? {
        copyable: true,
        recoveryPointArn: classification.recoveryPointArn,
        notes: classification.notes,
        predictedEncryption: {
          outcome: classification.predictedEncryption.outcome,
          confidence: classification.predictedEncryption.confidence,
        },
      }
    : {
        copyable: false,
        recoveryPointArn: classification.recoveryPointArn,
        reason: classification.reason,
        detail: classification.detail,
      };
}

/** The date fields of the records kept; JSON writes them as ISO strings. */
const DATE_FIELDS = new Set(['CreationDate', 'CompletionDate', 'DeleteAt', 'MoveToColdStorageAt']);

function revive(key: string, value: unknown): unknown {
  return DATE_FIELDS.has(key) && typeof value === 'string' ? new Date(value) : value;
}

/** FNV-1a: a cheap, stable spread of resource ARNs over the partitions. */
export function partitionOf(resourceArn: string | undefined, partitions = PARTITIONS): number {
  let hash = 0x811c9dc5;
  const text = resourceArn ?? '';
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}

/** A file of the report written in large appends, then streamed back to the sink. */
export class ScratchFile {
  private buffer: string[] = [];
  private size = 0;

  constructor(
    private readonly handle: FileHandle,
    readonly path: string,
  ) {}

  async write(text: string): Promise<void> {
    this.buffer.push(text);
    this.size += text.length;
    if (this.size >= FLUSH_AT) await this.flush();
  }

  async flush(): Promise<void> {
    const text = this.buffer.join('');
    this.buffer = [];
    this.size = 0;
    // writeFile writes it all from the current position (write() may stop short on a full disk).
    if (text !== '') await this.handle.writeFile(text);
  }

  /** What was written, in chunks of about a megabyte. */
  async *read(): AsyncGenerator<string> {
    await this.flush();
    for await (const chunk of createReadStream(this.path, { encoding: 'utf8', highWaterMark: 1024 * 1024 })) {
      yield chunk as string;
    }
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

export class ResourcePartitions {
  private readonly buffers: string[][];
  private readonly scratchFiles: ScratchFile[] = [];
  private buffered = 0;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;
  /** Records added so far, by kind. */
  readonly added = { sources: 0, targetRecoveryPoints: 0, copyJobs: 0 };
  /**
   * Copies and copy jobs without a ResourceArn: the join meets a source and its copy only in the
   * partition of their common resource, so these may not meet theirs (AWS always names it).
   */
  unkeyed = 0;
  /** The most records one partition held when read back. */
  largestPartition = 0;

  private constructor(
    readonly directory: string,
    private readonly files: FileHandle[],
  ) {
    this.buffers = files.map(() => []);
  }

  /** How many partition files there are. */
  get count(): number {
    return this.files.length;
  }

  /** Creates the partition files in a fresh directory under `parent` (the Lambda's /tmp). */
  static async open(parent: string = tmpdir(), partitions = PARTITIONS): Promise<ResourcePartitions> {
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw new RangeError(`partitions must be a whole number of at least 1, not ${partitions}`);
    }
    const directory = await mkdtemp(join(parent, 'vault-migrator-report-'));
    const files: FileHandle[] = [];
    try {
      for (let index = 0; index < partitions; index++) {
        files.push(await open(join(directory, `${index}.ndjson`), 'w+'));
      }
    } catch (error) {
      await Promise.all(files.map((file) => file.close()));
      await rm(directory, { recursive: true, force: true });
      throw error;
    }
    return new ResourcePartitions(directory, files);
  }

  addSource(source: {
    recoveryPoint: ClassifiedSource['recoveryPoint'];
    classification: Classification | ReportClassification;
  }): Promise<void> {
    this.added.sources++;
    const record: ClassifiedSource = {
      recoveryPoint: pick(source.recoveryPoint, SOURCE_FIELDS),
      classification: forReport(source.classification),
    };
    return this.add('s', source.recoveryPoint.ResourceArn, record);
  }

  addTargetRecoveryPoint(recoveryPoint: TargetRecoveryPoint): Promise<void> {
    this.added.targetRecoveryPoints++;
    if (!recoveryPoint.ResourceArn) this.unkeyed++;
    return this.add('t', recoveryPoint.ResourceArn, pick(recoveryPoint, TARGET_FIELDS));
  }

  addCopyJob(job: ReportCopyJob): Promise<void> {
    this.added.copyJobs++;
    if (!job.ResourceArn) this.unkeyed++;
    return this.add('j', job.ResourceArn, pick(job, COPY_JOB_FIELDS));
  }

  private add(kind: Kind, resourceArn: string | undefined, record: unknown): Promise<void> {
    if (this.closed) throw new Error('The report partitions are already closed');
    const line = `${JSON.stringify([kind, record])}\n`;
    this.buffers[partitionOf(resourceArn, this.files.length)]?.push(line);
    this.buffered += line.length;
    return this.buffered >= FLUSH_AT ? this.flush() : this.writing;
  }

  /** Appends what is buffered to the files; writes never overlap, whoever calls. */
  flush(): Promise<void> {
    const pending = this.buffers.map((lines) => lines.splice(0).join(''));
    this.buffered = 0;
    this.writing = this.writing.then(async () => {
      for (const [index, text] of pending.entries()) {
        if (text !== '') await this.files[index]?.writeFile(text);
      }
    });
    return this.writing;
  }

  /**
   * Each partition in turn, parsed. A partition's file is emptied once read, so the disk holds
   * the listings once, not twice, while the report is written.
   */
  async *partitions(): AsyncGenerator<Partition> {
    await this.flush();
    for (const [index, file] of this.files.entries()) {
      const text = await readFile(join(this.directory, `${index}.ndjson`), 'utf8');
      await file.truncate(0);
      const partition: Partition = { sources: [], targetRecoveryPoints: [], copyJobs: [] };
      let records = 0;
      for (const line of text.split('\n')) {
        if (line === '') continue;
        const [kind, record] = JSON.parse(line, revive) as [Kind, never];
        if (kind === 's') partition.sources.push(record);
        else if (kind === 't') partition.targetRecoveryPoints.push(record);
        else partition.copyJobs.push(record);
        records++;
      }
      this.largestPartition = Math.max(this.largestPartition, records);
      yield partition;
    }
  }

  /** A scratch file beside the partitions, removed with them. */
  async scratch(name: string): Promise<ScratchFile> {
    const path = join(this.directory, `${name}.scratch`);
    const file = new ScratchFile(await open(path, 'w'), path);
    this.scratchFiles.push(file);
    return file;
  }

  /** Closes and removes the files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writing.catch(() => undefined);
    // The files go whatever a close says: a close error must not hide the report's own outcome.
    await Promise.allSettled([...this.files, ...this.scratchFiles].map((file) => file.close()));
    await rm(this.directory, { recursive: true, force: true });
  }
}
