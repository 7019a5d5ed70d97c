import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BackupClient,
  ListCopyJobsCommand,
  ListRecoveryPointsByBackupVaultCommand,
} from '@aws-sdk/client-backup';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '#emulator/clock.ts';
import type { Emulator } from '#emulator/index.ts';
import { classifyRecoveryPoint } from '#shared/classify.ts';
import { resetClients } from '#shared/clients.ts';
import type {
  Migration,
  PlanRepointResult,
  ReportEvent,
  RetirementState,
  VerificationState,
} from '#shared/contracts.ts';
import {
  buildRows,
  CAUSE_MAX,
  type ClassifiedSource,
  compareRetention,
  csvEscape,
  DirectoryReportSink,
  decideOutcome,
  encryptionNote,
  notificationFor,
  pickCopyJob,
  type Report,
  type ReportRow,
  readableCause,
  reportFolder,
  reportJsonChunks,
  reportResult,
  reportSinkFromConfig,
  S3ReportSink,
  SUBJECT_MAX,
  summarizeRows,
  summaryText,
  toCsv,
  writeReport,
} from '../../lambdas/write-report/handler.ts';
import { headProblem } from '../../lambdas/write-report/report-schema.ts';
import { COPY_ROLE_ARN, emulatorForHandlers, migrationFor, stopEmulator, withEnv } from './helpers.ts';

const NOW = new Date('2026-06-01T00:00:00Z');
const TARGET_KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const SOURCE_KEY = 'arn:aws:kms:us-east-1:123456789012:key/0f0f0f0f-1111-2222-3333-444455556666';
const SOURCE_VAULT_ARN = 'arn:aws:backup:us-east-1:123456789012:backup-vault:legacy';
const TARGET_VAULT_ARN = 'arn:aws:backup:us-east-1:123456789012:backup-vault:legacy-encrypted';
const ebs = (id: string) => `arn:aws:ec2:us-east-1::snapshot/snap-${id.padStart(17, '0')}`;
const backupRp = (id: string) => `arn:aws:backup:us-east-1:123456789012:recovery-point:${id}`;
const CREATED = new Date(NOW.getTime() - 10 * DAY_MS);
const daysAfterCreation = (days: number) => new Date(CREATED.getTime() + days * DAY_MS);

const MIGRATION: Migration = {
  executionId: 'exec-1',
  sourceVaultName: 'legacy',
  sourceVaultArn: SOURCE_VAULT_ARN,
  targetVaultName: 'legacy-encrypted',
  targetVaultArn: TARGET_VAULT_ARN,
  kmsKeyArn: TARGET_KEY,
  deleteSourceVault: false,
  dryRun: false,
  maxConcurrentCopies: 20,
  startedAt: NOW.toISOString(),
  status: 'READY',
};

function classified(
  arn: string,
  resourceType: string,
  extra: Partial<ClassifiedSource['recoveryPoint']> = {},
): ClassifiedSource {
  const recoveryPoint = {
    RecoveryPointArn: arn,
    ResourceType: resourceType,
    ResourceArn: `arn:aws:resource:${arn.slice(-6)}`,
    Status: 'COMPLETED' as const,
    CreationDate: CREATED,
    BackupSizeInBytes: 100,
    Lifecycle: { DeleteAfterDays: 35 },
    CalculatedLifecycle: { DeleteAt: daysAfterCreation(35) },
    ...extra,
  };
  return {
    recoveryPoint,
    classification: classifyRecoveryPoint(recoveryPoint, {
      targetKeyArn: TARGET_KEY,
      now: NOW,
      isParentInVault: () => false,
    }),
  };
}

function copyJob(source: string, state: string, extra: Record<string, unknown> = {}) {
  return {
    CopyJobId: `job-${source.slice(-6)}-${state}`,
    State: state as 'COMPLETED',
    SourceRecoveryPointArn: source,
    SourceBackupVaultArn: SOURCE_VAULT_ARN,
    CreationDate: NOW,
    ...extra,
  };
}

function targetCopy(arn: string, extra: Record<string, unknown> = {}) {
  return {
    RecoveryPointArn: arn,
    Status: 'COMPLETED' as const,
    CreationDate: CREATED,
    Lifecycle: { DeleteAfterDays: 35 },
    CalculatedLifecycle: { DeleteAt: daysAfterCreation(35) },
    ...extra,
  };
}

/** A small but varied picture: every outcome a row can have in a real migration. */
function sampleRows(
  migration: Pick<Migration, 'sourceVaultArn' | 'kmsKeyArn' | 'dryRun' | 'status'> = MIGRATION,
) {
  return buildRows({
    migration,
    sources: [
      classified(ebs('1'), 'EBS', { IsEncrypted: true, EncryptionKeyArn: SOURCE_KEY }),
      classified(backupRp('s3'), 'S3', { IsEncrypted: false }),
      classified(ebs('2'), 'EBS', { IsEncrypted: false }),
      classified(backupRp('continuous:db-1'), 'RDS', { Status: 'AVAILABLE' }),
      classified(ebs('3'), 'EBS'),
      classified(ebs('4'), 'EBS'),
    ],
    targetRecoveryPoints: [
      targetCopy(ebs('c1'), { IsEncrypted: true, EncryptionKeyArn: SOURCE_KEY }),
      targetCopy(backupRp('c-s3'), { IsEncrypted: true, EncryptionKeyArn: TARGET_KEY }),
      targetCopy(ebs('c2'), {
        IsEncrypted: false,
        Lifecycle: { DeleteAfterDays: 20 },
        CalculatedLifecycle: { DeleteAt: daysAfterCreation(20) },
      }),
      targetCopy(ebs('c-gone'), {
        IsEncrypted: true,
        EncryptionKeyArn: TARGET_KEY,
        Lifecycle: undefined,
        CalculatedLifecycle: undefined,
      }),
      targetCopy(backupRp('new-backup')),
    ],
    copyJobs: [
      copyJob(ebs('1'), 'COMPLETED', { DestinationRecoveryPointArn: ebs('c1') }),
      copyJob(backupRp('s3'), 'COMPLETED', { DestinationRecoveryPointArn: backupRp('c-s3') }),
      copyJob(ebs('2'), 'COMPLETED', { DestinationRecoveryPointArn: ebs('c2') }),
      copyJob(ebs('3'), 'FAILED', { StatusMessage: 'KMS key not usable' }),
      copyJob(ebs('gone'), 'COMPLETED', {
        DestinationRecoveryPointArn: ebs('c-gone'),
        ResourceType: 'EBS',
        ResourceArn: 'arn:aws:ec2:us-east-1:123456789012:volume/vol-gone',
      }),
      copyJob(ebs('from-other-vault'), 'COMPLETED', {
        SourceBackupVaultArn: 'arn:aws:backup:us-east-1:123456789012:backup-vault:other',
        DestinationRecoveryPointArn: backupRp('new-backup'),
      }),
    ],
  });
}

function byArn(rows: readonly ReportRow[], arn: string): ReportRow {
  const row = rows.find((candidate) => candidate.recoveryPointArn === arn);
  if (!row) throw new Error(`no row for ${arn}`);
  return row;
}

describe('buildRows without copy jobs (AWS no longer lists them)', () => {
  const resourceArn = 'arn:aws:ec2:us-east-1:123456789012:volume/vol-shared';

  it('finds a copy by its source resource and creation date', () => {
    const [row] = buildRows({
      migration: MIGRATION,
      sources: [classified(ebs('1'), 'EBS', { ResourceArn: resourceArn })],
      targetRecoveryPoints: [targetCopy(ebs('c1'), { ResourceArn: resourceArn })],
      copyJobs: [],
    });
    expect(row?.outcome).toBe('COPIED');
    expect(row?.copyRecoveryPointArn).toBe(ebs('c1'));
  });

  it('credits no copy by resource and creation date when two sources share them', () => {
    const rows = buildRows({
      migration: MIGRATION,
      sources: [
        classified(ebs('1'), 'EBS', { ResourceArn: resourceArn }),
        classified(ebs('2'), 'EBS', { ResourceArn: resourceArn }),
      ],
      targetRecoveryPoints: [targetCopy(ebs('c1'), { ResourceArn: resourceArn })],
      copyJobs: [copyJob(ebs('1'), 'COMPLETED', { DestinationRecoveryPointArn: ebs('c1') })],
    });
    expect(rows.map((row) => row.outcome)).toEqual(['COPIED', 'NOT_COPIED']);
  });

  it('keeps a failed job on the row when only an unfinished copy matches', () => {
    const [row] = buildRows({
      migration: MIGRATION,
      sources: [classified(ebs('1'), 'EBS', { ResourceArn: resourceArn })],
      targetRecoveryPoints: [targetCopy(ebs('c1'), { ResourceArn: resourceArn, Status: 'PARTIAL' })],
      copyJobs: [copyJob(ebs('1'), 'PARTIAL', { StatusMessage: 'nested members missing' })],
    });
    expect(row?.outcome).toBe('COPY_FAILED');
    expect(row?.copyFailure).toBe('nested members missing');
  });
});

describe('csvEscape and toCsv', () => {
  it('leaves plain text, numbers and booleans as they are and empties null', () => {
    expect(csvEscape('arn:aws:ec2:us-east-1::snapshot/snap-1')).toBe(
      'arn:aws:ec2:us-east-1::snapshot/snap-1',
    );
    expect(csvEscape(42)).toBe('42');
    expect(csvEscape(-1)).toBe('-1');
    expect(csvEscape(false)).toBe('false');
    expect(csvEscape(null)).toBe('');
  });

  it('quotes commas, quotes and line breaks, doubling quotes', () => {
    expect(csvEscape('a,b')).toBe('"a,b"');
    expect(csvEscape('say "hi"')).toBe('"say ""hi"""');
    expect(csvEscape('two\nlines')).toBe('"two\nlines"');
  });

  it('defuses text a spreadsheet would run as a formula', () => {
    expect(csvEscape('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvEscape('+1')).toBe("'+1");
    expect(csvEscape('-cmd')).toBe("'-cmd");
    expect(csvEscape('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvEscape('\tcmd')).toBe("'\tcmd");
    // The full-width signs some spreadsheets read as their ASCII twins (Apple Numbers).
    expect(csvEscape('\uFF1D1+1')).toBe("'\uFF1D1+1");
    expect(csvEscape('\uFF0B1')).toBe("'\uFF0B1");
    expect(csvEscape('\uFF20SUM(A1)')).toBe("'\uFF20SUM(A1)");
  });

  it('writes a header and one CRLF line per row', () => {
    const rows = sampleRows();
    const csv = toCsv(rows);
    const lines = csv.split('\r\n');
    expect(lines[0]?.startsWith('recoveryPointArn,outcome,resourceType,')).toBe(true);
    expect(lines).toHaveLength(rows.length + 2);
    expect(lines.at(-1)).toBe('');
    expect(lines[1]).toContain(`${ebs('1')},COPIED,EBS,`);
  });
});

describe('compareRetention and pickCopyJob', () => {
  it('calls a copy expiring within a day after its source kept, earlier shortened, later lengthened', () => {
    expect(
      compareRetention(daysAfterCreation(35), new Date(daysAfterCreation(35).getTime() + 3_600_000)),
    ).toBe('KEPT');
    expect(compareRetention(daysAfterCreation(35), daysAfterCreation(20))).toBe('SHORTENED');
    expect(compareRetention(daysAfterCreation(35), daysAfterCreation(40))).toBe('LENGTHENED');
  });

  it('flags a copy kept forever while its source expires, and a dated copy of a source kept forever', () => {
    expect(compareRetention(daysAfterCreation(35), undefined)).toBe('NEVER_EXPIRES');
    expect(compareRetention(undefined, daysAfterCreation(35))).toBe('SHORTENED');
    expect(compareRetention(undefined, undefined)).toBe('KEPT');
    expect(compareRetention('UNKNOWN', daysAfterCreation(35))).toBe('UNKNOWN');
  });

  it('prefers a completed copy that exists over later attempts, and a running job over a failed one', () => {
    const completed = {
      ...copyJob('s', 'COMPLETED', { DestinationRecoveryPointArn: 'c' }),
      CreationDate: daysAfterCreation(1),
    };
    const laterFailure = { ...copyJob('s', 'FAILED'), CreationDate: daysAfterCreation(2) };
    const running = { ...copyJob('s', 'RUNNING'), CreationDate: daysAfterCreation(3) };
    expect(pickCopyJob([laterFailure, completed], () => true)).toBe(completed);
    expect(pickCopyJob([laterFailure, completed], () => false)).toBe(completed);
    expect(pickCopyJob([laterFailure, running], () => true)).toBe(running);
    expect(pickCopyJob([laterFailure], () => true)).toBe(laterFailure);
    expect(pickCopyJob([], () => true)).toBeUndefined();
  });
});

describe('buildRows', () => {
  const rows = sampleRows();

  it('records what AWS reports for each copy: source key, target key, unencrypted', () => {
    expect(byArn(rows, ebs('1'))).toMatchObject({
      outcome: 'COPIED',
      classification: 'COPYABLE',
      predictedEncryption: 'SOURCE_KEY',
      copyEncryption: 'SOURCE_KEY',
      copyKeyArn: SOURCE_KEY,
      copyStatus: 'COMPLETED',
      retention: 'KEPT',
      sourceExpiresAt: daysAfterCreation(35).toISOString(),
      copyExpiresAt: daysAfterCreation(35).toISOString(),
    });
    expect(byArn(rows, backupRp('s3'))).toMatchObject({
      copyEncryption: 'TARGET_KEY',
      predictedEncryption: 'TARGET_KEY',
    });
    expect(byArn(rows, ebs('2'))).toMatchObject({
      copyEncryption: 'UNENCRYPTED',
      copyKeyArn: null,
      retention: 'SHORTENED',
    });
  });

  it('says why a recovery point was skipped, failed or never copied', () => {
    expect(byArn(rows, backupRp('continuous:db-1'))).toMatchObject({
      outcome: 'SKIPPED',
      classification: 'CONTINUOUS_BACKUP',
      copyJobId: null,
      copyJobs: 0,
    });
    expect(byArn(rows, ebs('3'))).toMatchObject({
      outcome: 'COPY_FAILED',
      copyJobState: 'FAILED',
      copyFailure: 'KMS key not usable',
    });
    expect(byArn(rows, ebs('4'))).toMatchObject({ outcome: 'NOT_COPIED', copyJobState: null });
  });

  it('adds a row for a source no longer in the vault, known from its copy job, and ignores other vaults', () => {
    expect(byArn(rows, ebs('gone'))).toMatchObject({
      outcome: 'COPIED',
      sourceStatus: 'GONE',
      classification: 'COPYABLE',
      resourceType: 'EBS',
      creationDate: CREATED.toISOString(),
      copyExpiresAt: 'NEVER',
      retention: 'UNKNOWN',
    });
    expect(rows.map((row) => row.recoveryPointArn)).not.toContain(ebs('from-other-vault'));
    expect(rows).toHaveLength(7);
  });

  it("takes a retired EBS source's key to be its copy's, as AWS keeps the source key for EBS", () => {
    const [row] = buildRows({
      migration: MIGRATION,
      sources: [],
      targetRecoveryPoints: [targetCopy(ebs('c9'), { IsEncrypted: true, EncryptionKeyArn: SOURCE_KEY })],
      copyJobs: [
        copyJob(ebs('9'), 'COMPLETED', { DestinationRecoveryPointArn: ebs('c9'), ResourceType: 'EBS' }),
      ],
    });
    expect(row).toMatchObject({ sourceStatus: 'GONE', copyEncryption: 'SOURCE_KEY', copyKeyArn: SOURCE_KEY });
    expect(row?.detail).toMatch(/AWS keeps the source key for this type/);
  });

  it('finds a copy by resource and creation date once copy-job history has ended', () => {
    const source = classified(ebs('7'), 'EBS');
    const [row] = buildRows({
      migration: MIGRATION,
      sources: [source],
      targetRecoveryPoints: [
        targetCopy(ebs('c7'), { ResourceArn: source.recoveryPoint.ResourceArn, IsEncrypted: false }),
      ],
      copyJobs: [],
    });
    expect(row).toMatchObject({ outcome: 'COPIED', copyRecoveryPointArn: ebs('c7'), copyJobs: 0 });
  });

  it('predicts instead of judging in a dry run', () => {
    const dryRows = buildRows({
      migration: { ...MIGRATION, dryRun: true },
      sources: [
        classified(ebs('1'), 'EBS'),
        classified(backupRp('continuous:x'), 'RDS', { Status: 'AVAILABLE' }),
      ],
      targetRecoveryPoints: [],
      copyJobs: [],
    });
    expect(dryRows.map((row) => row.outcome)).toEqual(['WOULD_COPY', 'WOULD_SKIP']);
  });
});

describe('summarizeRows and decideOutcome', () => {
  it('counts rows by outcome, encryption and retention, and target recovery points of other origin', () => {
    const counts = summarizeRows(sampleRows(), 5);
    expect(counts).toMatchObject({
      recoveryPoints: 7,
      inSourceVault: 6,
      sourceGone: 1,
      copyable: 6,
      skipped: 1,
      skippedByReason: { CONTINUOUS_BACKUP: 1 },
      copied: 4,
      notCopied: 1,
      copyFailed: 1,
      copyInProgress: 0,
      copyEncryption: { TARGET_KEY: 2, SOURCE_KEY: 1, UNENCRYPTED: 1, OTHER_KEY: 0, UNKNOWN: 0 },
      retention: { KEPT: 2, SHORTENED: 1, NEVER_EXPIRES: 0, LENGTHENED: 0, UNKNOWN: 1 },
      targetOther: 1,
    });
  });

  const migration = { status: 'READY' as const, dryRun: false, deleteSourceVault: false };
  const verified = { done: true, missing: 0 };

  it.each([
    ['an error', { migration, verification: verified, error: { Error: 'PlanUpdateFailed' } }, 'FAILED'],
    ['no migration and no error', {}, 'FAILED'],
    [
      'an already compliant vault',
      { migration: { ...migration, status: 'ALREADY_COMPLIANT' as const } },
      'ALREADY_COMPLIANT',
    ],
    ['a dry run', { migration: { ...migration, dryRun: true } }, 'DRY_RUN'],
    ['missing copies', { migration, verification: { done: true, missing: 2 } }, 'INCOMPLETE'],
    ['no verification', { migration }, 'INCOMPLETE'],
    ['all copies verified', { migration, verification: verified }, 'MIGRATED'],
    [
      'a retired source',
      {
        migration: { ...migration, deleteSourceVault: true },
        verification: verified,
        retirement: { vaultDeleted: true },
      },
      'MIGRATED_SOURCE_RETIRED',
    ],
    [
      'a source kept although deletion was asked',
      {
        migration: { ...migration, deleteSourceVault: true },
        verification: verified,
        retirement: { vaultDeleted: false },
      },
      'MIGRATED_SOURCE_KEPT',
    ],
  ] as const)('decides the outcome of %s', (_name, state, outcome) => {
    expect(decideOutcome(state)).toBe(outcome);
  });
});

function reportWith(overrides: Partial<Report> = {}): Report {
  const rows = sampleRows();
  return {
    reportVersion: 1,
    generatedAt: NOW.toISOString(),
    executionId: 'exec-1',
    outcome: 'MIGRATED_SOURCE_KEPT',
    sourceVault: { name: 'legacy', arn: SOURCE_VAULT_ARN, keyArn: null, exists: true },
    targetVault: { name: 'legacy-encrypted', arn: TARGET_VAULT_ARN, keyArn: TARGET_KEY, exists: true },
    options: { deleteSourceVault: true, dryRun: false, retireAfterDays: null, maxConcurrentCopies: 20 },
    startedAt: NOW.toISOString(),
    counts: summarizeRows(rows, 5),
    verification: { done: true, missing: 0, verified: 4, sweep: 1, retentionShortened: 0 },
    planRepoint: {
      plansExamined: 3,
      plansUpdated: 2,
      rulesRepointed: 2,
      copyActionsRepointed: 1,
      failures: [{ backupPlanId: 'p-3', backupPlanName: 'weekly', reason: 'LimitExceededException' }],
    },
    retirement: {
      done: true,
      deleted: 3,
      retiredWithExpiry: 0,
      kept: { CONTINUOUS_BACKUP: 1 },
      keptSample: [],
      vaultDeleted: false,
      vaultKeptBecause:
        'Source vault legacy is kept: 1 recovery point kept: 1 continuous backups (cannot be copied).',
    },
    plan: null,
    input: null,
    error: null,
    readErrors: [],
    recoveryPoints: rows,
    ...overrides,
  };
}

describe('summaryText, headline and the execution output', () => {
  it('states the outcome, the vaults, the counts, the plans and why the source was kept', () => {
    const text = summaryText(reportWith());
    expect(text).toContain(
      'Outcome:                          MIGRATED_SOURCE_KEPT: every copyable recovery point',
    );
    expect(text).toContain('Source vault:                     legacy (no encryption key)');
    expect(text).toContain(`Target vault:                     legacy-encrypted, key ${TARGET_KEY}`);
    expect(text).toContain('Copied and verified:              4');
    expect(text).toMatch(/ {2}source recovery point's key: +1\n/);
    expect(text).toMatch(/ {2}expire earlier \(shortened\): +1\n/);
    expect(text).toContain(
      'Backup plans: 3 examined, 2 updated (rules now naming the target vault: 2, copy actions: 1).',
    );
    expect(text).toContain('  NOT repointed: weekly: LimitExceededException');
    expect(text).toContain(
      'Source vault: kept (3 recovery points deleted): Source vault legacy is kept: 1 recovery point kept',
    );
  });

  it('says honestly that copies of EBS, RDS and the like keep their source key or stay unencrypted', () => {
    const text = summaryText(reportWith());
    expect(text).toContain('keep the key of their source');
    expect(text).toContain('copies of unencrypted ones stay unencrypted');
    expect(text).toContain('Here 2 of 4 copies are not encrypted with the target key');
    expect(
      encryptionNote(TARGET_KEY, { copied: 0, copyEncryption: reportWith().counts.copyEncryption }),
    ).not.toContain('Here');
  });

  it('reports a failure before Prepare with the input vault and the error, and no recovery point section', () => {
    const report = reportWith({
      outcome: 'FAILED',
      sourceVault: { name: 'legacy', arn: null, keyArn: null, exists: null },
      targetVault: { name: null, arn: null, keyArn: null, exists: null },
      counts: summarizeRows([]),
      planRepoint: null,
      retirement: null,
      options: { deleteSourceVault: null, dryRun: null, retireAfterDays: null, maxConcurrentCopies: null },
      error: { Error: 'SourceVaultNotFound', Cause: 'Backup vault legacy does not exist' },
      recoveryPoints: [],
    });
    const text = summaryText(report);
    expect(text).toContain(
      'Error:                            SourceVaultNotFound: Backup vault legacy does not exist',
    );
    expect(text).not.toContain('Recovery points');
    expect(text).toContain('Backup plans: not repointed.');
    expect(text).toContain('Source vault: kept (deleteSourceVault was not asked).');
  });

  it("reads a Lambda error's message out of the Cause a Catch passes, and keeps other causes", () => {
    const lambdaCause = JSON.stringify({
      errorType: 'DeletionNotAllowed',
      errorMessage: 'This deployment does not allow deleting source vaults',
      trace: ['at deleteSourceVault (handler.ts:1:1)'],
    });
    expect(readableCause(lambdaCause)).toBe('This deployment does not allow deleting source vaults');
    expect(readableCause('States.Timeout after 900 s')).toBe('States.Timeout after 900 s');
    expect(readableCause('{"other":1}')).toBe('{"other":1}');
  });

  it('keeps the execution output under 4 KiB, cutting a long error cause', () => {
    const report = reportWith({
      outcome: 'FAILED',
      error: { Error: 'MigrationIncomplete', Cause: 'x'.repeat(100_000) },
    });
    const result = reportResult(report, {
      json: `/reports/${'e'.repeat(80)}/report.json`,
      csv: `/reports/${'e'.repeat(80)}/report.csv`,
      text: `/reports/${'e'.repeat(80)}/summary.txt`,
    });
    expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThan(4096);
    expect(result.error?.Cause).toHaveLength(CAUSE_MAX);
    expect(result.summary).toBe(
      'legacy: failed with MigrationIncomplete; 4 of 6 copyable recovery points have a verified copy.',
    );
    expect(result.counts).toMatchObject({
      copied: 4,
      notCopied: 2,
      copiesWithSourceKey: 1,
      retentionShortened: 1,
    });
  });

  it('writes report.json in pieces that parse back to the whole report', () => {
    const report = reportWith();
    expect(JSON.parse([...reportJsonChunks(report)].join(''))).toEqual(JSON.parse(JSON.stringify(report)));
    const empty = reportWith({ recoveryPoints: [] });
    expect(JSON.parse([...reportJsonChunks(empty)].join('')).recoveryPoints).toEqual([]);
  });
});

describe('report sinks', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'report-sink-'));
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('makes a safe folder name of an execution ARN or an odd name', () => {
    expect(reportFolder('arn:aws:states:us-east-1:123456789012:execution:MigrateVault:run-42')).toBe(
      'run-42',
    );
    expect(reportFolder('..')).toBe('_');
    expect(reportFolder('a/b\\c d')).toBe('a_b_c_d');
    expect(reportFolder('')).toBe('unnamed-execution');
    expect(reportFolder('run-42', 'Legacy_Prod.2019')).toBe('Legacy_Prod.2019/run-42');
    expect(reportFolder('run-42', '..')).toBe('_/run-42');
    expect(reportFolder('run-42', null)).toBe('run-42');
  });

  it('writes chunks to a file under its directory and refuses keys that leave it', async () => {
    const sink = new DirectoryReportSink(directory);
    const path = await sink.put('exec-1/report.csv', ['a,b\r\n', '1,2\r\n']);
    expect(path).toBe(join(directory, 'exec-1', 'report.csv'));
    expect(await readFile(path, 'utf8')).toBe('a,b\r\n1,2\r\n');
    await expect(sink.put('../escape.txt', ['x'])).rejects.toMatchObject({ name: 'ConfigurationError' });
  });

  it('picks the directory when REPORT_DIR is set and names what is missing otherwise', () => {
    expect(reportSinkFromConfig({ reportDir: directory, reportBucket: 'b' })).toBeInstanceOf(
      DirectoryReportSink,
    );
    expect(() => reportSinkFromConfig({ reportDir: undefined, reportBucket: 'reports' })).toThrow(
      /REPORT_BUCKET is set \(reports\) but no S3 client was given to the report sink/,
    );
    const s3 = new S3Client({ region: 'us-east-1' });
    const bucketSink = reportSinkFromConfig(
      { reportDir: undefined, reportBucket: 'reports' },
      { s3: () => s3 },
    );
    expect(bucketSink).toBeInstanceOf(S3ReportSink);
    expect((bucketSink as S3ReportSink).bucket).toBe('reports');
    expect(() => reportSinkFromConfig({ reportDir: undefined, reportBucket: undefined })).toThrow(
      /Neither REPORT_DIR nor REPORT_BUCKET/,
    );
  });
});

describe('notificationFor', () => {
  const result = reportResult(reportWith(), {
    json: 's3://r/e/report.json',
    csv: 's3://r/e/report.csv',
    text: 's3://r/e/summary.txt',
  });

  it('sends the summary with where the report is, and the outcome as a filterable attribute', () => {
    const message = notificationFor('arn:aws:sns:us-east-1:123456789012:reports', result, 'SUMMARY\n');
    expect(message).toEqual({
      TopicArn: 'arn:aws:sns:us-east-1:123456789012:reports',
      Subject: 'Backup vault migration MIGRATED_SOURCE_KEPT: legacy',
      Message: 'SUMMARY\n\nReport: s3://r/e/report.json\nCSV: s3://r/e/report.csv\n',
      MessageAttributes: {
        outcome: { DataType: 'String', StringValue: 'MIGRATED_SOURCE_KEPT' },
        sourceVaultName: { DataType: 'String', StringValue: 'legacy' },
      },
    });
  });

  it('keeps the subject within what SNS accepts', () => {
    const long = { ...result, sourceVaultName: `${'v'.repeat(120)}\nx` };
    const subject = notificationFor('arn:aws:sns:us-east-1:123456789012:t', long, '').Subject ?? '';
    expect(subject).toHaveLength(SUBJECT_MAX);
    expect(subject).not.toMatch(/\n/);
  });
});

// ------------------------------------------------------------------ against the emulator

describe('writeReport against the emulator', () => {
  let emulator: Emulator;
  let directory: string;
  let restoreEnv: () => void;
  let keyArn: string;

  beforeEach(async () => {
    emulator = await emulatorForHandlers();
    directory = await mkdtemp(join(tmpdir(), 'write-report-'));
    restoreEnv = withEnv({ REPORT_DIR: directory, REPORT_BUCKET: undefined, REPORT_TOPIC_ARN: undefined });
  });

  afterEach(async () => {
    restoreEnv();
    await stopEmulator(emulator);
    await rm(directory, { recursive: true, force: true });
  });

  function seed(generate?: number): void {
    emulator.seed({
      keys: [{ alias: 'alias/migration' }, { alias: 'alias/volumes' }],
      vaults: [
        {
          name: 'legacy',
          encryptionKey: 'none',
          recoveryPoints: generate
            ? []
            : [
                {
                  resourceType: 'EBS',
                  resourceId: 'encrypted-volume',
                  encrypted: true,
                  encryptionKey: 'alias/volumes',
                  lifecycle: { DeleteAfterDays: 35 },
                },
                {
                  resourceType: 'EBS',
                  resourceId: 'plain-volume',
                  encrypted: false,
                  lifecycle: { DeleteAfterDays: 35 },
                },
                { resourceType: 'S3', resourceId: 'bucket', lifecycle: { DeleteAfterDays: 35 } },
                { resourceType: 'RDS', resourceId: 'db', continuous: true },
                { resourceType: 'RDS', resourceId: 'failing-db', lifecycle: { DeleteAfterDays: 35 } },
              ],
          ...(generate ? { generate: { count: generate, mix: { EBS: 2, S3: 1, RDS: 1 } } } : {}),
        },
        { name: 'legacy-encrypted', encryptionKey: 'alias/migration' },
      ],
    });
    keyArn = emulator.kms.findKey('alias/migration')!.arn;
  }

  function copyAll(): void {
    for (const recoveryPoint of [...emulator.backup.vaults.get('legacy')!.recoveryPoints.values()]) {
      if (recoveryPoint.isContinuous) continue;
      emulator.backup.startCopyJob({
        RecoveryPointArn: recoveryPoint.arn,
        SourceBackupVaultName: 'legacy',
        DestinationBackupVaultArn: emulator.backup.vaultArn('legacy-encrypted'),
        IamRoleArn: COPY_ROLE_ARN,
      });
    }
    emulator.runUntilIdle();
  }

  function verification(missing = 0): VerificationState {
    return {
      cursor: null,
      done: true,
      sourceRecoveryPoints: 5,
      copyable: 4,
      verified: 4 - missing,
      missing,
      newSinceStart: 0,
      skipped: { CONTINUOUS_BACKUP: 1 },
      encryption: { TARGET_KEY: 1, SOURCE_KEY: 1, UNENCRYPTED: 1, OTHER_KEY: 0, UNKNOWN: 0 },
      retentionShortened: 0,
      missingSample: [],
      duplicateCopies: 0,
      needsAnotherSweep: false,
      sweep: 1,
    };
  }

  const planRepoint: PlanRepointResult = {
    plansExamined: 1,
    plansUpdated: 1,
    rulesRepointed: 1,
    copyActionsRepointed: 0,
    failures: [],
    updates: [],
  };

  async function readReport(result: { reportLocation: { json: string; csv: string; text: string } }) {
    const json = JSON.parse(await readFile(result.reportLocation.json, 'utf8')) as Report;
    // Every report written passes the schema the CLI reads reports through.
    expect(headProblem(json)).toBeUndefined();
    return {
      json,
      csv: await readFile(result.reportLocation.csv, 'utf8'),
      text: await readFile(result.reportLocation.text, 'utf8'),
    };
  }

  it('reports every recovery point of a finished migration with what AWS says of its copy, reading only', async () => {
    seed();
    const failing = [...emulator.backup.vaults.get('legacy')!.recoveryPoints.values()].find(
      (rp) => rp.resourceName === 'failing-db',
    )!.arn;
    emulator.setFaults({ copyFailures: { [failing]: 'permanent' } });
    copyAll();
    emulator.resetStats();
    const event: ReportEvent = {
      migration: migrationFor(emulator, { kmsKeyArn: keyArn }),
      planRepoint,
      verification: verification(1),
    };

    const result = await writeReport(event, emulator.clock.now());

    expect(emulator.mutations()).toEqual([]);
    expect(result.outcome).toBe('INCOMPLETE');
    // Filed by vault, then by execution: reports/<vault>/<execution>/.
    expect(result.reportLocation.json).toBe(join(directory, 'legacy', 'test-execution', 'report.json'));
    expect(result.counts).toMatchObject({
      recoveryPoints: 5,
      copyable: 4,
      copied: 3,
      skipped: 1,
      notCopied: 1,
      copiesWithTargetKey: 1,
      copiesWithSourceKey: 1,
      copiesUnencrypted: 1,
      retentionShortened: 0,
    });
    expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThan(4096);

    const { json, csv, text } = await readReport(result);
    expect(json.recoveryPoints).toHaveLength(5);
    const byResource = Object.fromEntries(
      json.recoveryPoints.map((row) => [row.resourceArn?.split(/[/:]/).at(-1), row]),
    );
    expect(byResource['vol-encrypted-volume']).toMatchObject({
      outcome: 'COPIED',
      copyEncryption: 'SOURCE_KEY',
      copyKeyArn: emulator.kms.findKey('alias/volumes')!.arn,
      retention: 'KEPT',
    });
    expect(byResource['vol-plain-volume']).toMatchObject({
      outcome: 'COPIED',
      copyEncryption: 'UNENCRYPTED',
    });
    expect(byResource.bucket).toMatchObject({
      outcome: 'COPIED',
      copyEncryption: 'TARGET_KEY',
      copyKeyArn: keyArn,
    });
    expect(byResource.db).toMatchObject({ outcome: 'SKIPPED', classification: 'CONTINUOUS_BACKUP' });
    expect(byResource['failing-db']).toMatchObject({
      outcome: 'COPY_FAILED',
      copyFailure: 'Copy job failed: the source snapshot is corrupt (injected permanent failure)',
    });
    expect(csv.split('\r\n')).toHaveLength(7);
    expect(text).toContain('Outcome:                          INCOMPLETE');
    expect(text).toContain('keep the key of their source');
    expect(text).toContain('Here 2 of 3 copies are not encrypted with the target key');
  });

  it('reports a retired source from the copy jobs once the source vault is gone', async () => {
    seed();
    copyAll();
    emulator.backup.vaults.delete('legacy');
    const retirement: RetirementState = {
      cursor: null,
      done: true,
      deleted: 4,
      retiredWithExpiry: 0,
      kept: {},
      keptSample: [],
      awaitingConfirmation: 0,
      vaultDeleted: true,
      vaultDeleteAttempts: 1,
      waitSeconds: 0,
    };
    const event: ReportEvent = {
      migration: migrationFor(emulator, { kmsKeyArn: keyArn, deleteSourceVault: true }),
      planRepoint,
      verification: verification(),
      retirement,
    };

    const result = await writeReport(event, emulator.clock.now());

    expect(result.outcome).toBe('MIGRATED_SOURCE_RETIRED');
    const { json, text } = await readReport(result);
    expect(json.sourceVault.exists).toBe(false);
    expect(json.recoveryPoints.every((row) => row.sourceStatus === 'GONE')).toBe(true);
    expect(json.counts).toMatchObject({ sourceGone: 4, copied: 4, retention: { UNKNOWN: 4 } });
    expect(result.counts).toMatchObject({
      sourceRecoveryPointsDeleted: 4,
      copyable: 4,
      copiesWithTargetKey: 1,
      // The encrypted EBS volume's key, and the AWS-managed key the RDS snapshot was taken with.
      copiesWithSourceKey: 2,
      copiesUnencrypted: 1,
    });
    expect(result.summary).toMatch(/: 4 of 4 copyable recovery points copied and verified/);
    expect(text).toContain('Source vault: retired: 4 recovery points deleted, then the vault.');
    expect(text).toContain('no longer exists');
    expect(text).toContain('(Verification compared them while the sources existed: 0 copies expired earlier');
  });

  it('reports a failure in Prepare from the input and the error alone, without calling AWS', async () => {
    emulator.resetStats();
    const event = {
      executionId: 'exec-failed',
      input: { sourceVaultName: 'missing-vault' },
      // As a Catch passes a Lambda failure: the Lambda's error object as JSON.
      error: {
        Error: 'SourceVaultNotFound',
        Cause: JSON.stringify({
          errorType: 'SourceVaultNotFound',
          errorMessage: 'Backup vault missing-vault does not exist',
          trace: [],
        }),
      },
    };

    const result = await writeReport(event, emulator.clock.now());

    expect(emulator.stats().totalCalls).toBe(0);
    expect(result).toMatchObject({
      outcome: 'FAILED',
      sourceVaultName: 'missing-vault',
      error: { Error: 'SourceVaultNotFound', Cause: 'Backup vault missing-vault does not exist' },
      summary:
        'missing-vault: failed with SourceVaultNotFound; 0 of 0 copyable recovery points have a verified copy.',
    });
    const { json, csv, text } = await readReport(result);
    expect(json.input).toEqual({ sourceVaultName: 'missing-vault' });
    expect(json.recoveryPoints).toEqual([]);
    expect(csv.split('\r\n')).toHaveLength(2);
    expect(text).toContain('SourceVaultNotFound: Backup vault missing-vault does not exist');
  });

  it('names a report of a Prepare failure without an execution id after the vault and the time', async () => {
    const result = await writeReport(
      { input: { sourceVaultName: 'legacy' }, error: { Error: 'InvalidInput' } },
      NOW,
    );
    expect(result.reportLocation.text).toBe(
      join(directory, 'legacy', 'report-legacy-2026-06-01T00-00-00-000Z', 'summary.txt'),
    );
  });

  it('reports a dry run with predictions, the target not existing yet', async () => {
    seed();
    emulator.backup.vaults.delete('legacy-encrypted');
    emulator.resetStats();
    const event: ReportEvent = {
      migration: migrationFor(emulator, { kmsKeyArn: keyArn, dryRun: true }),
      plan: { recoveryPoints: 5, references: { backupPlanRuleCount: 2 } },
    };

    const result = await writeReport(event, emulator.clock.now());

    expect(result.outcome).toBe('DRY_RUN');
    expect(emulator.stats().calls.ListCopyJobs).toBeUndefined();
    const { json, text } = await readReport(result);
    expect(json.targetVault.exists).toBe(false);
    expect(json.recoveryPoints.map((row) => row.outcome).sort()).toEqual([
      'WOULD_COPY',
      'WOULD_COPY',
      'WOULD_COPY',
      'WOULD_COPY',
      'WOULD_SKIP',
    ]);
    expect(json.counts.predictedEncryption).toEqual({ TARGET_KEY: 1, SOURCE_KEY: 2, UNENCRYPTED: 1 });
    expect(text).toMatch(/Copies predicted with source key: +2\n/);
    expect(text).not.toContain('Copied and verified');
    expect(text).toContain(
      'Backup plans: unchanged (dry run); 2 plan rules or copy actions name the source vault',
    );
    expect(result.summary).toBe(
      'legacy: dry run, 4 of 5 recovery points would be copied to legacy-encrypted, 1 skipped.',
    );
  });

  it('reads every page of large vaults and copy jobs under 20% throttling', async () => {
    seed(1100);
    copyAll();
    emulator.setFaults({ throttleRate: { '*': 0.2 } });
    emulator.resetStats();
    const event: ReportEvent = {
      migration: migrationFor(emulator, { kmsKeyArn: keyArn }),
      planRepoint,
      verification: verification(),
    };

    const result = await writeReport(event, emulator.clock.now());

    expect(result.outcome).toBe('MIGRATED');
    expect(result.counts).toMatchObject({ recoveryPoints: 1100, copied: 1100, notCopied: 0 });
    const calls = emulator.stats().calls;
    expect(calls.ListRecoveryPointsByBackupVault).toBeGreaterThanOrEqual(4);
    expect(calls.ListCopyJobs).toBeGreaterThanOrEqual(2);
    expect(emulator.stats().injected.throttles).toBeGreaterThan(0);
  }, 20_000);

  it('stores the report in the bucket and notifies the topic when their clients are wired', async () => {
    seed();
    copyAll();
    const s3 = mockClient(S3Client);
    const sns = mockClient(SNSClient);
    s3.on(PutObjectCommand).resolves({});
    sns
      .on(PublishCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AuthorizationErrorException' }));
    const restore = withEnv({
      REPORT_DIR: undefined,
      REPORT_BUCKET: 'migration-reports',
      REPORT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:reports',
    });
    try {
      const result = await writeReport(
        {
          migration: migrationFor(emulator, { kmsKeyArn: keyArn }),
          verification: verification(),
          planRepoint,
        },
        emulator.clock.now(),
        {
          clients: {
            s3: () => new S3Client({ region: 'us-east-1' }),
            sns: () => new SNSClient({ region: 'us-east-1' }),
          },
        },
      );

      expect(result.reportLocation).toEqual({
        json: 's3://migration-reports/legacy/test-execution/report.json',
        csv: 's3://migration-reports/legacy/test-execution/report.csv',
        text: 's3://migration-reports/legacy/test-execution/summary.txt',
      });
      const puts = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
      expect(puts.map((put) => [put.Key, put.ContentType])).toEqual([
        ['legacy/test-execution/report.json', 'application/json; charset=utf-8'],
        ['legacy/test-execution/report.csv', 'text/csv; charset=utf-8'],
        ['legacy/test-execution/summary.txt', 'text/plain; charset=utf-8'],
      ]);
      const json = JSON.parse(String(puts[0]?.Body)) as Report;
      expect(json.recoveryPoints).toHaveLength(5);
      // The failed notification is logged, not thrown: the report is stored and the outcome stands.
      expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
      expect(result.outcome).toBe('MIGRATED');
    } finally {
      restore();
      s3.restore();
      sns.restore();
    }
  });

  it('refuses with ConfigurationError before any AWS call when no report destination is set', async () => {
    seed();
    emulator.resetStats();
    const restore = withEnv({ REPORT_DIR: undefined, REPORT_BUCKET: undefined });
    try {
      await expect(
        writeReport({ migration: migrationFor(emulator, { kmsKeyArn: keyArn }) }, emulator.clock.now()),
      ).rejects.toMatchObject({ name: 'ConfigurationError' });
    } finally {
      restore();
    }
    expect(emulator.stats().totalCalls).toBe(0);
  });

  it('rejects a malformed migration with InvalidInput, naming the field', async () => {
    seed();
    const migration = { ...migrationFor(emulator, { kmsKeyArn: keyArn }), startedAt: 'yesterday' };
    await expect(writeReport({ migration }, emulator.clock.now())).rejects.toMatchObject({
      name: 'InvalidInput',
      message: expect.stringMatching(/migration\.startedAt/),
    });
  });
});

// ------------------------------------------------------------------ error paths with aws-sdk-client-mock

describe('writeReport with a mocked AWS Backup', () => {
  let backup: AwsClientStub<BackupClient>;
  let directory: string;
  let restoreEnv: () => void;

  beforeAll(() => {
    backup = mockClient(BackupClient);
  });

  afterAll(() => {
    backup.restore();
  });

  beforeEach(async () => {
    backup.reset();
    resetClients();
    directory = await mkdtemp(join(tmpdir(), 'write-report-mock-'));
    restoreEnv = withEnv({ REPORT_DIR: directory });
  });

  afterEach(async () => {
    restoreEnv();
    resetClients();
    await rm(directory, { recursive: true, force: true });
  });

  it('still writes the report when a read fails, naming the read that failed', async () => {
    backup.on(ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [] });
    backup
      .on(ListCopyJobsCommand)
      .rejects(
        Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException', $metadata: {} }),
      );

    const result = await writeReport(
      { migration: MIGRATION, verification: { done: true, missing: 0, verified: 0 }, planRepoint: null },
      NOW,
    );

    expect(result.outcome).toBe('MIGRATED');
    const json = JSON.parse(await readFile(result.reportLocation.json, 'utf8')) as Report;
    expect(json.readErrors).toEqual([
      'copy jobs into legacy-encrypted: AccessDeniedException: User is not authorized',
    ]);
    expect(await readFile(result.reportLocation.text, 'utf8')).toContain(
      'Could not read:                   copy jobs into legacy-encrypted: AccessDeniedException',
    );
  });

  it('treats a source vault answered with AccessDeniedException as gone', async () => {
    backup
      .on(ListRecoveryPointsByBackupVaultCommand, { BackupVaultName: 'legacy' })
      .rejects(
        Object.assign(new Error('Insufficient privileges'), { name: 'AccessDeniedException', $metadata: {} }),
      );
    backup.on(ListRecoveryPointsByBackupVaultCommand, { BackupVaultName: 'legacy-encrypted' }).resolves({});
    backup.on(ListCopyJobsCommand).resolves({});

    const result = await writeReport({ migration: MIGRATION }, NOW);

    const json = JSON.parse(await readFile(result.reportLocation.json, 'utf8')) as Report;
    expect(json.sourceVault.exists).toBe(false);
    expect(json.readErrors).toEqual([]);
  });
});
