import { describe, expect, it } from 'vitest';
import { longestChainsFirst } from '../../lambdas/copy-recovery-points/handler.ts';

const point = (resource: string, id: string) => ({
  recoveryPoint: {
    ResourceArn: resource,
    RecoveryPointArn: `arn:aws:backup:us-east-1:123456789012:recovery-point:${id}`,
  },
});

describe('the order copies start in', () => {
  it('starts the resources with the most recovery points left to copy first, in listing order among equals', () => {
    const candidates = [
      point('vol-a', 'a1'),
      point('vol-b', 'b1'),
      point('vol-c', 'c1'),
      point('vol-b', 'b2'),
      point('vol-c', 'c2'),
      point('vol-b', 'b3'),
    ];
    expect(
      longestChainsFirst(candidates).map((c) => c.recoveryPoint.RecoveryPointArn.split(':').pop()),
    ).toEqual(['b1', 'b2', 'b3', 'c1', 'c2', 'a1']);
  });

  it('keeps a recovery point without a resource ARN as a chain of its own', () => {
    const lonely = { recoveryPoint: { RecoveryPointArn: 'arn:x' } };
    expect(longestChainsFirst([lonely, point('vol-a', 'a1'), point('vol-a', 'a2')])[2]).toBe(lonely);
  });
});
