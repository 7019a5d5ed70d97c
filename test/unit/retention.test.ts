import { describe, expect, it } from 'vitest';
import {
  checkVaultLockBounds,
  copyLifecycleFor,
  expiresAt,
  keepsForever,
  retirementLifecycleFor,
  sourceExpiresAt,
  wholeDaysCeil,
} from '#shared/retention.ts';
import { DAY_MS, daysAfter, NOW, recoveryPoint } from './recovery-points.ts';

const CREATED = daysAfter(NOW, -10);

describe('copyLifecycleFor', () => {
  it('keeps whole days from creation to DeleteAt as DeleteAfterDays', () => {
    const source = recoveryPoint('EBS', {
      CreationDate: CREATED,
      Lifecycle: { DeleteAfterDays: 35 },
      CalculatedLifecycle: { DeleteAt: daysAfter(CREATED, 35) },
    });
    const { lifecycle, expiresAt: copyExpiry, notes } = copyLifecycleFor(source, NOW);
    expect(lifecycle).toEqual({ DeleteAfterDays: 35 });
    expect(copyExpiry).toEqual(daysAfter(CREATED, 35));
    expect(notes).toEqual([]);
  });

  it('rounds a partial day up so that the copy never expires before its source', () => {
    // GIVEN a source that expires 30 days and 1 millisecond after its creation
    const deleteAt = new Date(daysAfter(CREATED, 30).getTime() + 1);
    const source = recoveryPoint('EBS', {
      CreationDate: CREATED,
      CalculatedLifecycle: { DeleteAt: deleteAt },
    });
    // WHEN the copy's lifecycle is derived
    const { lifecycle, expiresAt: copyExpiry } = copyLifecycleFor(source, NOW);
    // THEN it keeps 31 days, expiring less than a day after the source
    expect(lifecycle?.DeleteAfterDays).toBe(31);
    expect(copyExpiry!.getTime()).toBeGreaterThanOrEqual(deleteAt.getTime());
    expect(copyExpiry!.getTime() - deleteAt.getTime()).toBeLessThan(DAY_MS);
  });

  it('rounds 29.5 days up to 30, not down to 29', () => {
    const source = recoveryPoint('EBS', {
      CreationDate: CREATED,
      Lifecycle: undefined,
      CalculatedLifecycle: { DeleteAt: new Date(CREATED.getTime() + 29.5 * DAY_MS) },
    });
    expect(copyLifecycleFor(source, NOW).lifecycle?.DeleteAfterDays).toBe(30);
  });

  it('prefers the calculated DeleteAt over the Lifecycle days when both are given', () => {
    const source = recoveryPoint('EBS', {
      CreationDate: CREATED,
      Lifecycle: { DeleteAfterDays: 35 },
      CalculatedLifecycle: { DeleteAt: daysAfter(CREATED, 40) },
    });
    expect(copyLifecycleFor(source, NOW).lifecycle?.DeleteAfterDays).toBe(40);
  });

  it('falls back to the Lifecycle days when AWS gives no calculated lifecycle', () => {
    const source = recoveryPoint('EBS', {
      CreationDate: CREATED,
      Lifecycle: { DeleteAfterDays: 365 },
      CalculatedLifecycle: undefined,
    });
    expect(copyLifecycleFor(source, NOW).lifecycle).toEqual({ DeleteAfterDays: 365 });
  });

  it('passes no Lifecycle for a source kept forever, so the copy is kept forever too', () => {
    const source = recoveryPoint('EBS', { Lifecycle: undefined, CalculatedLifecycle: undefined });
    const result = copyLifecycleFor(source, NOW);
    expect(result.lifecycle).toBeUndefined();
    expect(result.expiresAt).toBeUndefined();
  });

  it('treats DeleteAfterDays -1 on the source as kept forever', () => {
    const source = recoveryPoint('EBS', { Lifecycle: { DeleteAfterDays: -1 }, CalculatedLifecycle: {} });
    expect(copyLifecycleFor(source, NOW).lifecycle).toBeUndefined();
  });

  it('never gives an expiring source a copy kept forever', () => {
    const source = recoveryPoint('EBS', {
      Lifecycle: undefined,
      CalculatedLifecycle: { DeleteAt: daysAfter(CREATED, 7) },
    });
    const { lifecycle } = copyLifecycleFor(source, NOW);
    expect(keepsForever(lifecycle)).toBe(false);
    expect(lifecycle?.DeleteAfterDays).toBe(7);
  });

  it('carries a pending cold-storage transition that satisfies the 90-day rule', () => {
    // GIVEN a source moving to cold storage after 30 days and deleted after 120 (exactly 30 + 90)
    const source = recoveryPoint('EFS', {
      CreationDate: CREATED,
      Lifecycle: { MoveToColdStorageAfterDays: 30, DeleteAfterDays: 120 },
      CalculatedLifecycle: { MoveToColdStorageAt: daysAfter(CREATED, 30), DeleteAt: daysAfter(CREATED, 120) },
    });
    // THEN the copy gets the same two settings
    expect(copyLifecycleFor(source, NOW)).toEqual({
      lifecycle: { MoveToColdStorageAfterDays: 30, DeleteAfterDays: 120 },
      expiresAt: daysAfter(CREATED, 120),
      notes: [],
    });
  });

  it('drops cold storage, and says so, when the copy would expire less than 90 days after the transition', () => {
    // GIVEN a source whose DeleteAt is only 100 days after creation but which would go cold at day 30
    const source = recoveryPoint('EFS', {
      CreationDate: CREATED,
      Lifecycle: { MoveToColdStorageAfterDays: 30 },
      CalculatedLifecycle: { MoveToColdStorageAt: daysAfter(CREATED, 30), DeleteAt: daysAfter(CREATED, 100) },
    });
    // WHEN the copy's lifecycle is derived
    const { lifecycle, notes } = copyLifecycleFor(source, NOW);
    // THEN the copy keeps its expiry and loses the cold-storage transition
    expect(lifecycle).toEqual({ DeleteAfterDays: 100 });
    expect(notes).toEqual([
      'Cold storage after 30 days dropped: the copy expires after 100 days, less than the 90 days AWS requires in cold storage.',
    ]);
  });

  it('drops cold storage when the copy would expire one day short of the 90-day rule', () => {
    const source = recoveryPoint('EFS', {
      CreationDate: CREATED,
      Lifecycle: { MoveToColdStorageAfterDays: 30 },
      CalculatedLifecycle: { MoveToColdStorageAt: daysAfter(CREATED, 30), DeleteAt: daysAfter(CREATED, 119) },
    });
    expect(copyLifecycleFor(source, NOW).lifecycle).toEqual({ DeleteAfterDays: 119 });
  });

  it('does not carry a cold-storage transition that has already happened', () => {
    const source = recoveryPoint('EFS', {
      CreationDate: daysAfter(NOW, -60),
      Lifecycle: { MoveToColdStorageAfterDays: 30, DeleteAfterDays: 365 },
      CalculatedLifecycle: { MoveToColdStorageAt: daysAfter(NOW, -30), DeleteAt: daysAfter(NOW, 305) },
    });
    expect(copyLifecycleFor(source, NOW).lifecycle).toEqual({ DeleteAfterDays: 365 });
  });

  it('carries cold storage for a source kept forever, which has no deletion to conflict with', () => {
    const source = recoveryPoint('EFS', {
      CreationDate: CREATED,
      Lifecycle: { MoveToColdStorageAfterDays: 30 },
      CalculatedLifecycle: { MoveToColdStorageAt: daysAfter(CREATED, 30) },
    });
    const { lifecycle, expiresAt: copyExpiry } = copyLifecycleFor(source, NOW);
    expect(lifecycle).toEqual({ MoveToColdStorageAfterDays: 30 });
    expect(copyExpiry).toBeUndefined();
  });

  it('carries the archive opt-in when the source has it', () => {
    const source = recoveryPoint('S3', {
      CreationDate: CREATED,
      Lifecycle: { DeleteAfterDays: 35, OptInToArchiveForSupportedResources: true },
      CalculatedLifecycle: { DeleteAt: daysAfter(CREATED, 35) },
    });
    expect(copyLifecycleFor(source, NOW).lifecycle).toEqual({
      DeleteAfterDays: 35,
      OptInToArchiveForSupportedResources: true,
    });
  });

  it('never passes DeleteAfterEvent, which StartCopyJob does not accept', () => {
    const source = recoveryPoint('EBS', {
      Lifecycle: { DeleteAfterDays: 35, DeleteAfterEvent: 'DELETE_AFTER_COPY' },
    });
    expect(copyLifecycleFor(source, NOW).lifecycle).not.toHaveProperty('DeleteAfterEvent');
  });

  it('keeps at least one day for a source whose DeleteAt is not after its creation', () => {
    const source = recoveryPoint('EBS', {
      CreationDate: CREATED,
      CalculatedLifecycle: { DeleteAt: CREATED },
    });
    expect(copyLifecycleFor(source, NOW).lifecycle?.DeleteAfterDays).toBe(1);
  });

  it('lets the copy inherit the source expiry when the creation date is missing', () => {
    const deleteAt = daysAfter(NOW, 20);
    const source = recoveryPoint('EBS', {
      CreationDate: undefined,
      CalculatedLifecycle: { DeleteAt: deleteAt },
    });
    const result = copyLifecycleFor(source, NOW);
    expect(result.lifecycle).toBeUndefined();
    expect(result.expiresAt).toEqual(deleteAt);
    expect(result.notes[0]).toMatch(/inherits the source expiry/);
  });
});

describe('expiresAt', () => {
  it('adds DeleteAfterDays to the creation date', () => {
    expect(expiresAt(new Date('2025-01-01T00:00:00Z'), { DeleteAfterDays: 31 })).toEqual(
      new Date('2025-02-01T00:00:00Z'),
    );
  });

  it('returns undefined (never) without DeleteAfterDays, for -1, and without a lifecycle', () => {
    expect(expiresAt(CREATED, { MoveToColdStorageAfterDays: 30 })).toBeUndefined();
    expect(expiresAt(CREATED, { DeleteAfterDays: -1 })).toBeUndefined();
    expect(expiresAt(CREATED, undefined)).toBeUndefined();
  });
});

describe('sourceExpiresAt', () => {
  it('reads the calculated DeleteAt first', () => {
    const deleteAt = daysAfter(NOW, 3);
    expect(sourceExpiresAt(recoveryPoint('EBS', { CalculatedLifecycle: { DeleteAt: deleteAt } }))).toEqual(
      deleteAt,
    );
  });

  it('computes it from creation and Lifecycle otherwise', () => {
    const source = recoveryPoint('EBS', {
      CalculatedLifecycle: undefined,
      Lifecycle: { DeleteAfterDays: 2 },
    });
    expect(sourceExpiresAt(source)).toEqual(daysAfter(CREATED, 2));
  });
});

describe('wholeDaysCeil', () => {
  it('counts exact days without rounding', () => {
    expect(wholeDaysCeil(CREATED, daysAfter(CREATED, 7))).toBe(7);
  });

  it('rounds any fraction up', () => {
    expect(wholeDaysCeil(CREATED, new Date(CREATED.getTime() + 1))).toBe(1);
  });
});

describe('checkVaultLockBounds', () => {
  it('accepts any retention when the vault has no bounds', () => {
    expect(checkVaultLockBounds({ DeleteAfterDays: 1 }, {})).toBeNull();
    expect(checkVaultLockBounds(undefined, {})).toBeNull();
  });

  it('accepts retention equal to the minimum and to the maximum', () => {
    expect(
      checkVaultLockBounds({ DeleteAfterDays: 7 }, { minRetentionDays: 7, maxRetentionDays: 365 }),
    ).toBeNull();
    expect(
      checkVaultLockBounds({ DeleteAfterDays: 365 }, { minRetentionDays: 7, maxRetentionDays: 365 }),
    ).toBeNull();
  });

  it('refuses retention below the minimum', () => {
    expect(checkVaultLockBounds({ DeleteAfterDays: 6 }, { minRetentionDays: 7 })).toBe(
      'Retention of 6 days is below the target vault lock minimum of 7 days.',
    );
  });

  it('refuses retention above the maximum', () => {
    expect(checkVaultLockBounds({ DeleteAfterDays: 366 }, { maxRetentionDays: 365 })).toBe(
      'Retention of 366 days is above the target vault lock maximum of 365 days.',
    );
  });

  it('refuses a copy kept forever in a vault with a maximum', () => {
    expect(checkVaultLockBounds(undefined, { maxRetentionDays: 365 })).toBe(
      'Kept forever, but the target vault lock allows at most 365 days of retention.',
    );
  });

  it('accepts a copy kept forever in a vault with only a minimum', () => {
    expect(checkVaultLockBounds({ MoveToColdStorageAfterDays: 30 }, { minRetentionDays: 7 })).toBeNull();
  });
});

describe('retirementLifecycleFor', () => {
  it('sets a source kept forever to expire the given days from now', () => {
    const source = recoveryPoint('EBS', {
      CreationDate: CREATED,
      Lifecycle: undefined,
      CalculatedLifecycle: undefined,
    });
    expect(retirementLifecycleFor(source, NOW, 7)).toEqual({ DeleteAfterDays: 17 });
  });

  it('changes nothing when the source already expires before the retirement date', () => {
    const source = recoveryPoint('EBS', {
      CreationDate: CREATED,
      CalculatedLifecycle: { DeleteAt: daysAfter(NOW, 3) },
    });
    expect(retirementLifecycleFor(source, NOW, 7)).toBeNull();
  });

  it('shortens a long retention to the retirement date', () => {
    const source = recoveryPoint('EBS', {
      CreationDate: CREATED,
      Lifecycle: { DeleteAfterDays: 365 },
      CalculatedLifecycle: { DeleteAt: daysAfter(CREATED, 365) },
    });
    expect(retirementLifecycleFor(source, NOW, 30)).toEqual({ DeleteAfterDays: 40 });
  });

  it('drops a pending cold-storage transition that no longer fits the 90-day rule', () => {
    const source = recoveryPoint('EFS', {
      CreationDate: CREATED,
      Lifecycle: { MoveToColdStorageAfterDays: 30, DeleteAfterDays: 365 },
      CalculatedLifecycle: { MoveToColdStorageAt: daysAfter(CREATED, 30), DeleteAt: daysAfter(CREATED, 365) },
    });
    expect(retirementLifecycleFor(source, NOW, 7)).toEqual({ DeleteAfterDays: 17 });
  });

  it('keeps a recovery point already in cold storage for its 90-day minimum', () => {
    const created = daysAfter(NOW, -40);
    const source = recoveryPoint('EFS', {
      CreationDate: created,
      Lifecycle: { MoveToColdStorageAfterDays: 30, DeleteAfterDays: 365 },
      CalculatedLifecycle: { MoveToColdStorageAt: daysAfter(created, 30), DeleteAt: daysAfter(created, 365) },
    });
    expect(retirementLifecycleFor(source, NOW, 7)).toEqual({
      MoveToColdStorageAfterDays: 30,
      DeleteAfterDays: 120,
    });
  });

  it('returns null when it cannot count days from a creation date', () => {
    expect(retirementLifecycleFor(recoveryPoint('EBS', { CreationDate: undefined }), NOW, 7)).toBeNull();
  });
});
