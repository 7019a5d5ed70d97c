import { describe, expect, it } from 'vitest';
import {
  type Classification,
  type ClassificationContext,
  classifyRecoveryPoint,
  isFinishedStatus,
  SKIP_REASONS,
  type SkippedRecoveryPoint,
  summarize,
} from '#shared/classify.ts';
import {
  ARNS,
  DAY_MS,
  daysAfter,
  NOW,
  recoveryPoint,
  SOURCE_KEY_ARN,
  TARGET_KEY_ARN,
} from './recovery-points.ts';

const PARENT_ARN = ARNS.backup('parent-0000-1111');

function context(overrides: Partial<ClassificationContext> = {}): ClassificationContext {
  return {
    targetKeyArn: TARGET_KEY_ARN,
    now: NOW,
    isParentInVault: (arn) => arn === PARENT_ARN,
    ...overrides,
  };
}

function skipped(classification: Classification): SkippedRecoveryPoint {
  if (classification.copyable) {
    throw new Error(`expected a skip, got a copyable recovery point ${classification.recoveryPointArn}`);
  }
  return classification;
}

describe('classifyRecoveryPoint: copyable recovery points', () => {
  it('copies a completed warm EBS snapshot with its retention and predicted encryption', () => {
    // GIVEN an encrypted EBS snapshot created 10 days ago and kept 35 days
    const source = recoveryPoint('EBS', { IsEncrypted: true, EncryptionKeyArn: SOURCE_KEY_ARN });
    // WHEN it is classified
    const classification = classifyRecoveryPoint(source, context());
    // THEN it is copied with 35 days of retention, keeping its source key
    expect(classification).toEqual({
      recoveryPointArn: source.RecoveryPointArn,
      resourceType: 'EBS',
      bytes: 1_073_741_824,
      copyable: true,
      lifecycle: { DeleteAfterDays: 35 },
      expiresAt: daysAfter(source.CreationDate!, 35),
      predictedEncryption: { outcome: 'SOURCE_KEY', keyArn: SOURCE_KEY_ARN, confidence: 'unconfirmed' },
      notes: [],
    });
  });

  it('copies a recovery point whose status is AVAILABLE, which AWS documents as successfully created', () => {
    expect(classifyRecoveryPoint(recoveryPoint('S3', { Status: 'AVAILABLE' }), context()).copyable).toBe(
      true,
    );
  });

  it('copies a composite parent', () => {
    const parent = recoveryPoint('CloudFormation', { RecoveryPointArn: PARENT_ARN, IsParent: true });
    expect(classifyRecoveryPoint(parent, context()).copyable).toBe(true);
  });

  it('copies a nested recovery point whose parent is not in the vault', () => {
    const orphan = recoveryPoint('EBS', { ParentRecoveryPointArn: ARNS.backup('parent-elsewhere') });
    expect(classifyRecoveryPoint(orphan, context()).copyable).toBe(true);
  });

  it('copies a recovery point of unconfirmed copy support and notes the uncertainty', () => {
    const classification = classifyRecoveryPoint(recoveryPoint('Redshift'), context());
    expect(classification.copyable).toBe(true);
    expect(classification.copyable && classification.notes).toEqual([
      'Amazon Redshift: copy support unconfirmed.',
    ]);
  });

  it('copies a recovery point whose retention fits the target vault lock', () => {
    const classification = classifyRecoveryPoint(
      recoveryPoint('EBS'),
      context({ targetVaultLock: { minRetentionDays: 7, maxRetentionDays: 35 } }),
    );
    expect(classification.copyable).toBe(true);
  });

  it('copies a recovery point kept forever with no Lifecycle, so the copy is kept forever', () => {
    const source = recoveryPoint('EFS', { Lifecycle: undefined, CalculatedLifecycle: undefined });
    const classification = classifyRecoveryPoint(source, context());
    expect(classification).toMatchObject({ copyable: true, lifecycle: undefined, expiresAt: undefined });
  });

  it('counts a missing size as zero bytes', () => {
    expect(
      classifyRecoveryPoint(recoveryPoint('EBS', { BackupSizeInBytes: undefined }), context()).bytes,
    ).toBe(0);
  });
});

describe('classifyRecoveryPoint: skip reasons', () => {
  it.each(['PARTIAL', 'DELETING', 'EXPIRED', 'CREATING', 'STOPPED'] as const)(
    'skips a %s recovery point as NOT_COMPLETED',
    (status) => {
      const classification = skipped(
        classifyRecoveryPoint(recoveryPoint('EBS', { Status: status }), context()),
      );
      expect(classification.reason).toBe('NOT_COMPLETED');
      expect(classification.detail).toMatch(new RegExp(`^Status ${status}`));
    },
  );

  it('skips a recovery point without a status as NOT_COMPLETED', () => {
    const classification = skipped(
      classifyRecoveryPoint(recoveryPoint('EBS', { Status: undefined }), context()),
    );
    expect(classification).toMatchObject({ reason: 'NOT_COMPLETED', detail: 'Status (none).' });
  });

  it('explains an EXPIRED status as retention passed without deletion', () => {
    const classification = skipped(
      classifyRecoveryPoint(recoveryPoint('EBS', { Status: 'EXPIRED' }), context()),
    );
    expect(classification.detail).toBe(
      'Status EXPIRED: its retention has passed but AWS Backup could not delete it.',
    );
  });

  it('skips a recovery point reported in the COLD storage class', () => {
    const classification = skipped(
      classifyRecoveryPoint(recoveryPoint('EFS', { StorageClass: 'COLD' }), context()),
    );
    expect(classification.reason).toBe('COLD_STORAGE');
  });

  it('skips a recovery point reported in the DELETED storage class as COLD_STORAGE', () => {
    const classification = skipped(
      classifyRecoveryPoint(recoveryPoint('EBS', { StorageClass: 'DELETED' }), context()),
    );
    expect(classification.reason).toBe('COLD_STORAGE');
  });

  it('infers cold storage from a passed MoveToColdStorageAt when the listing gives no storage class', () => {
    const source = recoveryPoint('EFS', {
      CreationDate: daysAfter(NOW, -40),
      Lifecycle: { MoveToColdStorageAfterDays: 30, DeleteAfterDays: 365 },
      CalculatedLifecycle: { MoveToColdStorageAt: daysAfter(NOW, -10), DeleteAt: daysAfter(NOW, 325) },
    });
    const classification = skipped(classifyRecoveryPoint(source, context()));
    expect(classification.reason).toBe('COLD_STORAGE');
    expect(classification.detail).toContain(daysAfter(NOW, -10).toISOString());
  });

  it('does not infer cold storage for a type that cannot be cold, as AWS ignores the setting', () => {
    const source = recoveryPoint('RDS', {
      CreationDate: daysAfter(NOW, -40),
      Lifecycle: { MoveToColdStorageAfterDays: 30, DeleteAfterDays: 365 },
      CalculatedLifecycle: { MoveToColdStorageAt: daysAfter(NOW, -10), DeleteAt: daysAfter(NOW, 325) },
    });
    expect(classifyRecoveryPoint(source, context()).copyable).toBe(true);
  });

  it('trusts a WARM storage class over a passed MoveToColdStorageAt', () => {
    const source = recoveryPoint('EFS', {
      StorageClass: 'WARM',
      CalculatedLifecycle: { MoveToColdStorageAt: daysAfter(NOW, -1), DeleteAt: daysAfter(NOW, 200) },
    });
    expect(classifyRecoveryPoint(source, context()).copyable).toBe(true);
  });

  it('skips a continuous backup recovery point as CONTINUOUS_BACKUP', () => {
    const source = recoveryPoint('RDS', { RecoveryPointArn: ARNS.continuous(), Status: 'AVAILABLE' });
    expect(skipped(classifyRecoveryPoint(source, context())).reason).toBe('CONTINUOUS_BACKUP');
  });

  it('skips a stopped continuous backup as CONTINUOUS_BACKUP, not NOT_COMPLETED', () => {
    const source = recoveryPoint('S3', {
      RecoveryPointArn: ARNS.continuous('my-bucket-5ec207d0'),
      Status: 'STOPPED',
    });
    expect(skipped(classifyRecoveryPoint(source, context())).reason).toBe('CONTINUOUS_BACKUP');
  });

  it('skips a DynamoDB backup taken without advanced backup as COPY_NOT_SUPPORTED', () => {
    const source = recoveryPoint('DynamoDB', { RecoveryPointArn: ARNS.dynamodbNative() });
    const classification = skipped(classifyRecoveryPoint(source, context()));
    expect(classification.reason).toBe('COPY_NOT_SUPPORTED');
    expect(classification.detail).toMatch(/advanced DynamoDB backup/);
  });

  it('skips a nested recovery point whose parent is in the vault as COMPOSITE_CHILD', () => {
    const child = recoveryPoint('EBS', { ParentRecoveryPointArn: PARENT_ARN });
    const classification = skipped(classifyRecoveryPoint(child, context()));
    expect(classification).toMatchObject({
      reason: 'COMPOSITE_CHILD',
      detail: expect.stringContaining(PARENT_ARN),
    });
  });

  it('skips a recovery point whose DeleteAt has passed as ALREADY_EXPIRED', () => {
    const source = recoveryPoint('EBS', {
      CreationDate: daysAfter(NOW, -36),
      CalculatedLifecycle: { DeleteAt: new Date(NOW.getTime() - 1) },
    });
    expect(skipped(classifyRecoveryPoint(source, context())).reason).toBe('ALREADY_EXPIRED');
  });

  it('skips a recovery point expiring exactly now as ALREADY_EXPIRED', () => {
    const source = recoveryPoint('EBS', { CalculatedLifecycle: { DeleteAt: NOW } });
    expect(skipped(classifyRecoveryPoint(source, context())).reason).toBe('ALREADY_EXPIRED');
  });

  it('copies a recovery point expiring one millisecond from now', () => {
    const source = recoveryPoint('EBS', { CalculatedLifecycle: { DeleteAt: new Date(NOW.getTime() + 1) } });
    expect(classifyRecoveryPoint(source, context()).copyable).toBe(true);
  });

  it('skips a recovery point whose copy would be kept longer than the target vault lock allows', () => {
    const classification = skipped(
      classifyRecoveryPoint(recoveryPoint('EBS'), context({ targetVaultLock: { maxRetentionDays: 30 } })),
    );
    expect(classification).toEqual(
      expect.objectContaining({
        reason: 'RETENTION_OUTSIDE_VAULT_LOCK',
        detail: 'Retention of 35 days is above the target vault lock maximum of 30 days.',
      }),
    );
  });

  it('skips a recovery point whose copy would be kept shorter than the target vault lock requires', () => {
    const classification = skipped(
      classifyRecoveryPoint(recoveryPoint('EBS'), context({ targetVaultLock: { minRetentionDays: 90 } })),
    );
    expect(classification.reason).toBe('RETENTION_OUTSIDE_VAULT_LOCK');
  });

  it('covers every skip reason with at least one rule above', () => {
    const reasons = new Set<string>();
    const cases: [ReturnType<typeof recoveryPoint>, ClassificationContext][] = [
      [recoveryPoint('EBS', { Status: 'PARTIAL' }), context()],
      [recoveryPoint('EFS', { StorageClass: 'COLD' }), context()],
      [recoveryPoint('RDS', { RecoveryPointArn: ARNS.continuous() }), context()],
      [recoveryPoint('DynamoDB', { RecoveryPointArn: ARNS.dynamodbNative() }), context()],
      [recoveryPoint('EBS', { ParentRecoveryPointArn: PARENT_ARN }), context()],
      [recoveryPoint('EBS', { CalculatedLifecycle: { DeleteAt: daysAfter(NOW, -1) } }), context()],
      [recoveryPoint('EBS'), context({ targetVaultLock: { maxRetentionDays: 1 } })],
    ];
    for (const [source, ctx] of cases) {
      reasons.add(skipped(classifyRecoveryPoint(source, ctx)).reason);
    }
    expect([...reasons].sort()).toEqual([...SKIP_REASONS].sort());
  });
});

describe('classifyRecoveryPoint: rule order', () => {
  it('reports a continuous backup as CONTINUOUS_BACKUP even when it is also expired', () => {
    const source = recoveryPoint('RDS', {
      RecoveryPointArn: ARNS.continuous(),
      CalculatedLifecycle: { DeleteAt: daysAfter(NOW, -1) },
    });
    expect(skipped(classifyRecoveryPoint(source, context())).reason).toBe('CONTINUOUS_BACKUP');
  });

  it('reports an unfinished recovery point as NOT_COMPLETED before looking at its storage class', () => {
    const source = recoveryPoint('EFS', { Status: 'DELETING', StorageClass: 'COLD' });
    expect(skipped(classifyRecoveryPoint(source, context())).reason).toBe('NOT_COMPLETED');
  });

  it('reports an expired cold recovery point as ALREADY_EXPIRED', () => {
    const source = recoveryPoint('EFS', {
      StorageClass: 'COLD',
      CalculatedLifecycle: { DeleteAt: daysAfter(NOW, -1) },
    });
    expect(skipped(classifyRecoveryPoint(source, context())).reason).toBe('ALREADY_EXPIRED');
  });
});

describe('isFinishedStatus', () => {
  it('accepts COMPLETED and AVAILABLE only', () => {
    expect(['COMPLETED', 'AVAILABLE', 'PARTIAL', 'CREATING', undefined].map(isFinishedStatus)).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
  });
});

describe('summarize', () => {
  const GIB = 1_073_741_824;

  it('totals counts and bytes by skip reason and by predicted encryption', () => {
    // GIVEN two S3 copies (target key), one encrypted RDS copy (source key), one unencrypted EBS copy,
    // one cold EFS point and one partial EBS point
    const classifications = [
      recoveryPoint('S3', { BackupSizeInBytes: 1 * GIB }),
      recoveryPoint('S3', { BackupSizeInBytes: 2 * GIB }),
      recoveryPoint('RDS', {
        BackupSizeInBytes: 4 * GIB,
        IsEncrypted: true,
        EncryptionKeyArn: SOURCE_KEY_ARN,
      }),
      recoveryPoint('EBS', { BackupSizeInBytes: 8 * GIB }),
      recoveryPoint('EFS', { BackupSizeInBytes: 16 * GIB, StorageClass: 'COLD' }),
      recoveryPoint('EBS', { BackupSizeInBytes: 32 * GIB, Status: 'PARTIAL' }),
    ].map((source) => classifyRecoveryPoint(source, context()));
    // WHEN they are summarized
    const summary = summarize(classifications);
    // THEN the totals add up per reason and per encryption outcome
    expect(summary.total).toEqual({ count: 6, bytes: 63 * GIB });
    expect(summary.copyable).toEqual({ count: 4, bytes: 15 * GIB });
    expect(summary.skipped).toEqual({ count: 2, bytes: 48 * GIB });
    expect(summary.byPredictedEncryption).toEqual({
      TARGET_KEY: { count: 2, bytes: 3 * GIB },
      SOURCE_KEY: { count: 1, bytes: 4 * GIB },
      UNENCRYPTED: { count: 1, bytes: 8 * GIB },
    });
    expect(summary.bySkipReason.COLD_STORAGE).toEqual({ count: 1, bytes: 16 * GIB });
    expect(summary.bySkipReason.NOT_COMPLETED).toEqual({ count: 1, bytes: 32 * GIB });
    expect(summary.bySkipReason.ALREADY_EXPIRED).toEqual({ count: 0, bytes: 0 });
  });

  it('gives zero for every reason and outcome when there is nothing to summarize', () => {
    const summary = summarize([]);
    expect(summary.total).toEqual({ count: 0, bytes: 0 });
    expect(Object.keys(summary.bySkipReason).sort()).toEqual([...SKIP_REASONS].sort());
    expect(Object.values(summary.byPredictedEncryption)).toEqual([
      { count: 0, bytes: 0 },
      { count: 0, bytes: 0 },
      { count: 0, bytes: 0 },
    ]);
  });

  it('accepts any iterable, such as a generator over pages of a listing', () => {
    function* pages(): Generator<Classification> {
      for (let index = 0; index < 3; index += 1) {
        yield classifyRecoveryPoint(recoveryPoint('EBS', { BackupSizeInBytes: DAY_MS }), context());
      }
    }
    expect(summarize(pages()).copyable).toEqual({ count: 3, bytes: 3 * DAY_MS });
  });
});
