/**
 * The report is written as it is read (issue 17 item 2): the listings are spilled to files by
 * resource and joined one partition at a time, the rows go to the CSV and to report.json as they
 * are built, and S3 gets a multipart upload. These tests hold the partitioned join to the whole
 * join (one partition is the old, all-in-memory report), and the S3 sink to S3's multipart rules.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '#emulator/index.ts';
import {
  DirectoryReportSink,
  type Report,
  S3ReportSink,
  writeReport,
} from '../../lambdas/write-report/handler.ts';
import { PARTITIONS, partitionOf, ResourcePartitions } from '../../lambdas/write-report/partitions.ts';
import { reportJsonChunks, reportJsonRow, reportJsonStream } from '../../lambdas/write-report/report.ts';
import { UPLOAD_PART_BYTES } from '../../lambdas/write-report/sink.ts';
import { COPY_ROLE_ARN, emulatorForHandlers, migrationFor, stopEmulator, withEnv } from './helpers.ts';

describe('ResourcePartitions', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'partitions-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('spreads resources over the partitions, the same resource always to the same one', () => {
    const used = new Set<number>();
    for (let index = 0; index < 1000; index++) {
      const arn = `arn:aws:ec2:us-east-1::volume/vol-${index}`;
      expect(partitionOf(arn)).toBe(partitionOf(arn));
      used.add(partitionOf(arn));
    }
    expect(used.size).toBe(PARTITIONS);
    expect(partitionOf(undefined)).toBe(partitionOf(''));
  });

  it('gives back every record of a resource together, in the order added, with its dates, and removes its files', async () => {
    const partitions = await ResourcePartitions.open(directory, 4);
    const created = new Date('2026-01-02T03:04:05.678Z');
    const resources = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => `arn:aws:s3:::bucket-${id}`);
    for (const [index, resource] of resources.entries()) {
      for (let copy = 0; copy < 3; copy++) {
        await partitions.addSource({
          recoveryPoint: {
            RecoveryPointArn: `${resource}/rp-${copy}`,
            ResourceArn: resource,
            CreationDate: created,
            CalculatedLifecycle: { DeleteAt: new Date(created.getTime() + index) },
          },
          classification: {
            copyable: false,
            recoveryPointArn: `${resource}/rp-${copy}`,
            reason: 'NOT_COMPLETED',
            detail: 'partial',
          },
        });
      }
      await partitions.addCopyJob({
        CopyJobId: `job-${index}`,
        ResourceArn: resource,
        CreationDate: created,
      });
      await partitions.addTargetRecoveryPoint({ RecoveryPointArn: `copy-${index}`, ResourceArn: resource });
    }
    const seen: string[] = [];
    for await (const partition of partitions.partitions()) {
      const here = new Set(partition.sources.map((source) => source.recoveryPoint.ResourceArn));
      for (const job of partition.copyJobs) expect(here.has(job.ResourceArn)).toBe(true);
      for (const copy of partition.targetRecoveryPoints) expect(here.has(copy.ResourceArn)).toBe(true);
      for (const { recoveryPoint } of partition.sources) {
        expect(recoveryPoint.CreationDate).toEqual(created);
        expect(recoveryPoint.CalculatedLifecycle?.DeleteAt).toBeInstanceOf(Date);
        seen.push(recoveryPoint.RecoveryPointArn ?? '');
      }
      for (const resource of here) {
        const ofResource = seen.filter((arn) => arn.startsWith(`${resource}/`));
        expect(ofResource).toEqual([0, 1, 2].map((copy) => `${resource}/rp-${copy}`));
      }
    }
    expect(seen).toHaveLength(18);
    expect(partitions.largestPartition).toBeLessThan(6 * 5);
    await partitions.close();
    await expect(readFile(join(partitions.directory, '0.ndjson'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('keeps only the fields the rows read', async () => {
    const partitions = await ResourcePartitions.open(directory, 1);
    await partitions.addCopyJob({
      CopyJobId: 'job-1',
      ResourceArn: 'arn:aws:s3:::bucket',
      // A field of ListCopyJobs the report never reads.
      IamRoleArn: COPY_ROLE_ARN,
    } as never);
    for await (const partition of partitions.partitions()) {
      expect(partition.copyJobs).toEqual([{ CopyJobId: 'job-1', ResourceArn: 'arn:aws:s3:::bucket' }]);
    }
    await partitions.close();
  });

  it('counts copies and copy jobs that name no resource (the join cannot place them with their source)', async () => {
    const partitions = await ResourcePartitions.open(directory, 4);
    await partitions.addCopyJob({ CopyJobId: 'job-1' });
    await partitions.addTargetRecoveryPoint({ RecoveryPointArn: 'copy-1' });
    await partitions.addCopyJob({ CopyJobId: 'job-2', ResourceArn: 'arn:aws:s3:::bucket' });
    expect(partitions.unkeyed).toBe(2);
    await partitions.close();
  });

  it('refuses a partition count that is not a whole number of at least 1', async () => {
    await expect(ResourcePartitions.open(directory, 0)).rejects.toThrow(/at least 1, not 0/);
  });
});

describe('report.json streamed', () => {
  it('is the same document as the report written whole', async () => {
    const { recoveryPoints, ...head } = JSON.parse([...reportJsonChunks(sampleReport(3))].join('')) as Report;
    async function* rows() {
      for (const [index, row] of recoveryPoints.entries()) yield reportJsonRow(row, index === 0);
    }
    let streamed = '';
    for await (const chunk of reportJsonStream(head, rows(), recoveryPoints.length > 0)) streamed += chunk;
    expect(streamed).toBe([...reportJsonChunks({ ...head, recoveryPoints })].join(''));
    async function* none() {}
    let empty = '';
    for await (const chunk of reportJsonStream(head, none(), false)) empty += chunk;
    expect(JSON.parse(empty).recoveryPoints).toEqual([]);
  });
});

describe('writeReport joins partition by partition', () => {
  let emulator: Emulator;
  let directory: string;
  let restoreEnv: () => void;

  beforeEach(async () => {
    emulator = await emulatorForHandlers({
      listingLagMs: 3 * 60 * 60 * 1000,
      maxPageSize: 1000,
      defaultPageSize: 1000,
    });
    directory = await mkdtemp(join(tmpdir(), 'write-report-streaming-'));
    restoreEnv = withEnv({ REPORT_DIR: directory, REPORT_BUCKET: undefined, REPORT_TOPIC_ARN: undefined });
  });

  afterEach(async () => {
    restoreEnv();
    await stopEmulator(emulator);
    await rm(directory, { recursive: true, force: true });
  });

  it('writes the same rows, counts and CSV as the whole join, holding a fraction of the vault at a time', async () => {
    emulator.seed({
      keys: [{ alias: 'alias/migration' }],
      vaults: [
        {
          name: 'legacy',
          encryptionKey: 'none',
          generate: { count: 1200, perResource: 4, mix: { EBS: 2, S3: 1, RDS: 1 } },
        },
        { name: 'legacy-encrypted', encryptionKey: 'alias/migration' },
      ],
    });
    const keyArn = emulator.kms.findKey('alias/migration')!.arn;
    const sources = [...emulator.backup.vaults.get('legacy')!.recoveryPoints.values()];
    // Copy all but the last 100; the copies of the first 600 are listed (the listing lag has
    // passed), the rest only read back through their jobs; the first 200 sources are then retired,
    // so their rows come from copy jobs alone.
    for (const [index, recoveryPoint] of sources.slice(0, 1100).entries()) {
      emulator.backup.startCopyJob({
        RecoveryPointArn: recoveryPoint.arn,
        SourceBackupVaultName: 'legacy',
        DestinationBackupVaultArn: emulator.backup.vaultArn('legacy-encrypted'),
        IamRoleArn: COPY_ROLE_ARN,
      });
      if (index === 599) {
        emulator.runUntilIdle();
        emulator.clock.advance(4 * 60 * 60 * 1000);
      }
    }
    emulator.runUntilIdle();
    for (const recoveryPoint of sources.slice(0, 200)) {
      emulator.backup.deleteRecoveryPoint('legacy', recoveryPoint.arn);
    }
    emulator.clock.advance(10 * 60 * 1000);
    emulator.runUntilIdle();

    const event = { migration: migrationFor(emulator, { kmsKeyArn: keyArn }) };
    const written = async (partitions: number) => {
      const folder = join(directory, `p${partitions}`);
      const stats: { largestPartition: number; rows: number }[] = [];
      emulator.resetStats();
      const result = await writeReport(event, emulator.clock.now(), {
        sink: new DirectoryReportSink(folder),
        partitions,
        observe: (observed) => stats.push(observed),
      });
      const json = JSON.parse(
        await readFile(join(folder, 'legacy', 'test-execution', 'report.json'), 'utf8'),
      ) as Report;
      const csv = (await readFile(join(folder, 'legacy', 'test-execution', 'report.csv'), 'utf8')).split(
        '\r\n',
      );
      return { result, json, csv, stats: stats[0]!, calls: emulator.stats().calls };
    };
    const whole = await written(1);
    const parted = await written(16);

    expect(whole.json.recoveryPoints).toHaveLength(1200);
    expect(whole.json.counts.copied).toBe(1100);
    expect(whole.json.counts.sourceGone).toBe(200);
    expect(whole.json.counts.notCopied).toBe(100);
    const byArn = (rows: Report['recoveryPoints']) =>
      [...rows].sort((a, b) => a.recoveryPointArn.localeCompare(b.recoveryPointArn));
    expect(byArn(parted.json.recoveryPoints)).toEqual(byArn(whole.json.recoveryPoints));
    const { recoveryPoints: _whole, ...wholeHead } = whole.json;
    const { recoveryPoints: _parted, ...partedHead } = parted.json;
    expect(partedHead).toEqual(wholeHead);
    expect(parted.csv[0]).toBe(whole.csv[0]);
    expect([...parted.csv].sort()).toEqual([...whole.csv].sort());
    expect(parted.result.counts).toEqual(whole.result.counts);
    // The 500 copies not listed yet are read back, once each, however the join is cut.
    expect(whole.calls.DescribeRecoveryPoint).toBe(500);
    expect(parted.calls).toEqual(whole.calls);

    // Sources still in the vault, copies listed, copy jobs: the whole vault in one partition.
    expect(whole.stats.largestPartition).toBe(1000 + 600 + 1100);
    // 300 resources over 16 partitions: no partition near the whole.
    expect(parted.stats.largestPartition).toBeLessThan(whole.stats.largestPartition / 8);
  });
});

describe('S3ReportSink streams a multipart upload', () => {
  const s3 = mockClient(S3Client);
  afterEach(() => s3.reset());

  async function* megabytes(count: number) {
    for (let index = 0; index < count; index++) yield String(index % 10).repeat(1024 * 1024);
  }

  it('sends a large body in parts no larger than UPLOAD_PART_BYTES and completes the upload', async () => {
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
    s3.on(UploadPartCommand).callsFake((input: { PartNumber?: number }) => ({
      ETag: `"${input.PartNumber}"`,
    }));
    s3.on(CompleteMultipartUploadCommand).resolves({});
    const sink = new S3ReportSink(new S3Client({ region: 'us-east-1' }), 'reports');

    await expect(sink.put('exec/report.csv', megabytes(20), 'text/csv')).resolves.toBe(
      's3://reports/exec/report.csv',
    );

    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(s3.commandCalls(CreateMultipartUploadCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'reports',
      Key: 'exec/report.csv',
      ContentType: 'text/csv; charset=utf-8',
    });
    const parts = s3.commandCalls(UploadPartCommand).map((call) => call.args[0].input);
    expect(parts.map((part) => part.PartNumber)).toEqual([1, 2, 3]);
    const sizes = parts.map((part) => (part.Body as Uint8Array).byteLength);
    expect(sizes).toEqual([UPLOAD_PART_BYTES, UPLOAD_PART_BYTES, 20 * 1024 * 1024 - 2 * UPLOAD_PART_BYTES]);
    const completed = s3.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input;
    expect(completed?.MultipartUpload?.Parts?.map((part) => part.PartNumber)).toEqual([1, 2, 3]);
  });

  it('aborts the upload when a part fails, leaving no parts behind, and says why', async () => {
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-2' });
    s3.on(UploadPartCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    s3.on(AbortMultipartUploadCommand).resolves({});
    const sink = new S3ReportSink(new S3Client({ region: 'us-east-1' }), 'reports');

    await expect(sink.put('exec/report.json', megabytes(20), 'application/json')).rejects.toThrow(
      /Access Denied/,
    );
    expect(s3.commandCalls(AbortMultipartUploadCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'reports',
      Key: 'exec/report.json',
      UploadId: 'upload-2',
    });
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });
});

function sampleReport(rows: number): Report {
  return {
    reportVersion: 1,
    generatedAt: '2026-06-01T00:00:00.000Z',
    executionId: 'exec-1',
    outcome: 'MIGRATED',
    sourceVault: { name: 'legacy', arn: null, keyArn: null, exists: true },
    targetVault: { name: 'legacy-encrypted', arn: null, keyArn: null, exists: true },
    options: { deleteSourceVault: false, dryRun: false, retireAfterDays: null, maxConcurrentCopies: 20 },
    startedAt: null,
    counts: {} as Report['counts'],
    verification: null,
    planRepoint: null,
    retirement: null,
    plan: null,
    input: null,
    error: null,
    readErrors: [],
    recoveryPoints: Array.from({ length: rows }, (_, index) => ({
      recoveryPointArn: `rp-${index}`,
      outcome: 'COPIED' as const,
      resourceType: 'S3',
      resourceArn: 'arn:aws:s3:::bucket',
      creationDate: null,
      sizeBytes: index,
      sourceStatus: 'COMPLETED',
      sourceEncrypted: true,
      sourceKeyArn: null,
      sourceExpiresAt: null,
      classification: 'COPYABLE' as const,
      detail: 'a "quoted" detail, with a comma',
      predictedEncryption: null,
      predictionConfidence: null,
      copyJobId: null,
      copyJobState: null,
      copyJobs: 0,
      copyFailure: null,
      copyRecoveryPointArn: null,
      copyStatus: null,
      copyEncryption: null,
      copyKeyArn: null,
      copyExpiresAt: null,
      retention: null,
    })),
  };
}
