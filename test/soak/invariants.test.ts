import { describe, expect, it } from 'vitest';
import { checkInvariants, type InvariantName, type SoakObservation } from '../../local/soak/invariants.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 10);
const PREFIX = 'arn:aws:backup:us-east-1:123456789012:backup-vault:';
const TARGET_KEY = 'arn:aws:kms:us-east-1:123456789012:key/target';
const SOURCE_KEY = 'arn:aws:kms:us-east-1:123456789012:key/source';
const VOLUME = 'arn:aws:ec2:us-east-1:123456789012:volume/vol-1';
const BUCKET = 'arn:aws:s3:::bucket-1';

/**
 * GIVEN a migration that kept its source (a legal hold): rp-held is still in the source, rp-gone was
 * deleted, both have one completed copy with the source's expiry, the plan names the target, and
 * the report and the execution output say so.
 */
function goodObservation(): SoakObservation {
  const held = {
    arn: 'rp-held',
    resourceArn: VOLUME,
    creationMs: NOW - 10 * DAY,
    deleteAtMs: NOW + 100 * DAY,
  };
  const gone = { arn: 'rp-gone', resourceArn: BUCKET, creationMs: NOW - 5 * DAY, deleteAtMs: null };
  const counts = { recoveryPoints: 2, copyable: 2, copied: 2, skipped: 0 };
  return {
    sourceVaultName: 'legacy',
    targetVaultName: 'legacy-encrypted',
    kmsKeyArn: TARGET_KEY,
    deleteSourceVault: true,
    tracked: [
      { ...held, arrived: false, copyable: true, permanentFailure: false },
      { ...gone, arrived: false, copyable: true, permanentFailure: false },
    ],
    state: {
      nowMs: NOW,
      vaultArnPrefix: PREFIX,
      vaults: [
        {
          name: 'legacy',
          arn: `${PREFIX}legacy`,
          recoveryPoints: [{ ...held, status: 'COMPLETED', encryptionKeyArn: SOURCE_KEY }],
        },
        {
          name: 'legacy-encrypted',
          arn: `${PREFIX}legacy-encrypted`,
          recoveryPoints: [
            { ...held, arn: 'copy-held', status: 'COMPLETED', encryptionKeyArn: SOURCE_KEY },
            { ...gone, arn: 'copy-gone', status: 'COMPLETED', encryptionKeyArn: TARGET_KEY },
          ],
        },
        { name: 'dr', arn: `${PREFIX}dr`, recoveryPoints: [] },
      ],
      plans: [
        { id: 'p1', name: 'daily', ruleTargets: ['legacy-encrypted'], copyDestinations: [`${PREFIX}dr`] },
      ],
    },
    execution: {
      name: 'run-1',
      status: 'SUCCEEDED',
      output: { outcome: 'MIGRATED_SOURCE_KEPT', counts },
    },
    report: {
      outcome: 'MIGRATED_SOURCE_KEPT',
      sourceVault: { name: 'legacy', exists: true },
      targetVault: { name: 'legacy-encrypted', keyArn: TARGET_KEY, exists: true },
      counts: { ...counts, copyEncryption: { TARGET_KEY: 1 } },
      recoveryPoints: [
        {
          recoveryPointArn: 'rp-held',
          outcome: 'COPIED',
          sourceStatus: 'COMPLETED',
          copyRecoveryPointArn: 'copy-held',
          copyStatus: 'COMPLETED',
          copyKeyArn: SOURCE_KEY,
        },
        {
          recoveryPointArn: 'rp-gone',
          outcome: 'COPIED',
          sourceStatus: 'GONE',
          copyRecoveryPointArn: 'copy-gone',
          copyStatus: 'COMPLETED',
          copyKeyArn: TARGET_KEY,
        },
      ],
    },
  };
}

function vault(observation: SoakObservation, name: string) {
  const found = observation.state.vaults.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no vault ${name}`);
  return found;
}

function invariantsBroken(observation: SoakObservation): InvariantName[] {
  return [...new Set(checkInvariants(observation).map((violation) => violation.invariant))].sort();
}

describe('the soak invariant checker', () => {
  it('finds nothing wrong with a migration that kept every promise', () => {
    expect(checkInvariants(goodObservation())).toEqual([]);
  });

  /** GIVEN two source points of one resource and instant (twins), both retired. */
  function twins(copies: number): SoakObservation {
    const o = goodObservation();
    const twin = { resourceArn: VOLUME, creationMs: NOW - 3 * DAY, deleteAtMs: null };
    o.tracked.push(
      { ...twin, arn: 'rp-twin-a', arrived: false, copyable: true, permanentFailure: false },
      { ...twin, arn: 'rp-twin-b', arrived: false, copyable: true, permanentFailure: false },
    );
    const target = vault(o, 'legacy-encrypted');
    for (let index = 0; index < copies; index++) {
      target.recoveryPoints.push({
        ...twin,
        arn: `copy-twin-${index}`,
        status: 'COMPLETED',
        encryptionKeyArn: null,
      });
    }
    return o;
  }

  it('counts copies per source point of a key: twins each need their own copy, and two copies are not one too many', () => {
    expect(invariantsBroken(twins(2))).toEqual([]);
    expect(invariantsBroken(twins(1))).toContain('nothing-lost');
    expect(invariantsBroken(twins(3))).toContain('no-double-copy');
  });

  it('catches a report that names one copy for two twins', () => {
    const o = twins(2);
    for (const arn of ['rp-twin-a', 'rp-twin-b']) {
      o.report?.recoveryPoints.push({
        recoveryPointArn: arn,
        outcome: 'COPIED',
        sourceStatus: 'GONE',
        copyRecoveryPointArn: 'copy-twin-0',
        copyStatus: 'COMPLETED',
        copyKeyArn: null,
      });
    }
    expect(
      checkInvariants(o)
        .filter((violation) => violation.invariant === 'report-agrees')
        .map((violation) => violation.detail),
    ).toContainEqual(expect.stringMatching(/names one copy for both, copy-twin-0/));
  });

  it.each<[string, (observation: SoakObservation) => void, InvariantName[]]>([
    [
      'a source recovery point deleted without a copy',
      (o) => {
        vault(o, 'legacy-encrypted').recoveryPoints.pop();
        o.report?.recoveryPoints.pop();
        if (o.report)
          o.report.counts = {
            ...o.report.counts,
            recoveryPoints: 1,
            copied: 1,
            copyEncryption: { TARGET_KEY: 0 },
          };
        o.execution.output = {
          outcome: 'MIGRATED_SOURCE_KEPT',
          counts: { recoveryPoints: 1, copyable: 2, copied: 1, skipped: 0 },
        };
      },
      ['nothing-lost', 'outcome-expected'],
    ],
    [
      'a recovery point deleted although deletion was not asked',
      (o) => {
        o.deleteSourceVault = false;
      },
      ['nothing-deleted-unasked'],
    ],
    [
      'two copies of one recovery point',
      (o) => {
        const target = vault(o, 'legacy-encrypted');
        const first = target.recoveryPoints[0];
        if (first) target.recoveryPoints.push({ ...first, arn: 'copy-held-again' });
      },
      ['no-double-copy'],
    ],
    [
      'a recovery point in the target that copies nothing of the source',
      (o) => {
        vault(o, 'legacy-encrypted').recoveryPoints.push({
          arn: 'stray',
          resourceArn: VOLUME,
          creationMs: NOW - DAY,
          status: 'COMPLETED',
          deleteAtMs: null,
          encryptionKeyArn: null,
        });
      },
      ['no-stray-copy'],
    ],
    [
      'a copy that expires a day before its source',
      (o) => {
        const copy = vault(o, 'legacy-encrypted').recoveryPoints[0];
        if (copy) copy.deleteAtMs = NOW + 99 * DAY;
      },
      ['retention-preserved'],
    ],
    [
      'a copy kept forever while its source expires',
      (o) => {
        const copy = vault(o, 'legacy-encrypted').recoveryPoints[0];
        if (copy) copy.deleteAtMs = null;
      },
      ['retention-preserved'],
    ],
    [
      'a copy that expires while its source is kept forever',
      (o) => {
        const copy = vault(o, 'legacy-encrypted').recoveryPoints[1];
        if (copy) copy.deleteAtMs = NOW + 365 * DAY;
      },
      ['retention-preserved'],
    ],
    [
      'a plan that backs up into a vault that no longer exists',
      (o) => {
        o.state.plans[0]?.ruleTargets.push('legacy-old');
      },
      ['plans-point-at-vaults'],
    ],
    [
      'a plan that copies into a vault that no longer exists',
      (o) => {
        o.state.plans[0]?.copyDestinations.push(`${PREFIX}gone`);
      },
      ['plans-point-at-vaults'],
    ],
    [
      'a source vault deleted while a recovery point had no copy',
      (o) => {
        o.state.vaults = o.state.vaults.filter((candidate) => candidate.name !== 'legacy');
        const target = vault(o, 'legacy-encrypted');
        target.recoveryPoints = target.recoveryPoints.filter((copy) => copy.arn !== 'copy-held');
        o.execution = { name: 'run-1', status: 'SUCCEEDED' };
        o.report = null;
      },
      ['nothing-lost', 'outcome-expected', 'report-agrees', 'source-deleted-only-when-verified'],
    ],
    [
      'a report that calls a recovery point copied when the target has no copy',
      (o) => {
        const target = vault(o, 'legacy-encrypted');
        const copy = target.recoveryPoints[0];
        if (copy) copy.status = 'DELETING';
      },
      ['outcome-expected', 'report-agrees'],
    ],
    [
      'an execution output whose counts differ from report.json',
      (o) => {
        o.execution.output = {
          outcome: 'MIGRATED_SOURCE_KEPT',
          counts: { recoveryPoints: 2, copyable: 2, copied: 1, skipped: 0 },
        };
      },
      ['report-agrees'],
    ],
    [
      'a report that says the source vault is gone while it exists',
      (o) => {
        if (o.report) o.report.sourceVault.exists = false;
      },
      ['report-agrees'],
    ],
    [
      'a report that names the wrong key for a copy',
      (o) => {
        const row = o.report?.recoveryPoints[0];
        if (row) row.copyKeyArn = TARGET_KEY;
      },
      ['report-agrees'],
    ],
    [
      'an execution that wrote no report',
      (o) => {
        o.report = null;
      },
      ['report-agrees'],
    ],
    [
      'an execution that failed with an unnamed engine error',
      (o) => {
        o.execution = { name: 'run-1', status: 'FAILED', error: 'States.Runtime' };
      },
      ['outcome-expected'],
    ],
    [
      'an incomplete migration with no failure to explain it',
      (o) => {
        o.execution = { name: 'run-1', status: 'FAILED', error: 'MigrationIncomplete' };
        if (o.report) o.report.outcome = 'INCOMPLETE';
      },
      ['outcome-expected'],
    ],
  ])('reports %s', (_what, breakIt, expected) => {
    // GIVEN a good migration, WHEN one promise is broken, THEN the checker names it.
    const observation = goodObservation();
    breakIt(observation);
    expect(invariantsBroken(observation)).toEqual(expected);
  });

  it('accepts a source recovery point that expired by its own lifecycle without a copy', () => {
    const observation = goodObservation();
    const gone = observation.tracked[1];
    if (gone) gone.deleteAtMs = NOW - DAY;
    vault(observation, 'legacy-encrypted').recoveryPoints.pop();
    observation.report = null;
    expect(
      checkInvariants(observation).filter((violation) => violation.invariant === 'nothing-lost'),
    ).toEqual([]);
  });

  it('accepts an incomplete migration when a copy was set to fail for good', () => {
    const observation = goodObservation();
    const held = observation.tracked[0];
    if (held) held.permanentFailure = true;
    observation.execution = { name: 'run-1', status: 'FAILED', error: 'MigrationIncomplete' };
    if (observation.report) observation.report.outcome = 'INCOMPLETE';
    expect(checkInvariants(observation)).toEqual([]);
  });

  it('does not promise a copy of a backup that landed after the last verification', () => {
    const observation = goodObservation();
    observation.tracked.push({
      arn: 'rp-late',
      resourceArn: VOLUME,
      creationMs: NOW,
      deleteAtMs: NOW + 35 * DAY,
      arrived: true,
      copyable: true,
      permanentFailure: false,
    });
    vault(observation, 'legacy').recoveryPoints.push({
      arn: 'rp-late',
      resourceArn: VOLUME,
      creationMs: NOW,
      status: 'COMPLETED',
      deleteAtMs: NOW + 35 * DAY,
      encryptionKeyArn: null,
    });
    observation.report?.recoveryPoints.push({
      recoveryPointArn: 'rp-late',
      outcome: 'NOT_COPIED',
      sourceStatus: 'COMPLETED',
      copyRecoveryPointArn: null,
      copyStatus: null,
      copyKeyArn: null,
    });
    if (observation.report) observation.report.counts.recoveryPoints = 3;
    observation.execution.output = {
      outcome: 'MIGRATED_SOURCE_KEPT',
      counts: { recoveryPoints: 3, copyable: 2, copied: 2, skipped: 0 },
    };
    expect(checkInvariants(observation)).toEqual([]);
  });
});
