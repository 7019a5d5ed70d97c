import type { Emulator } from '#emulator/index.ts';

/** Source recovery point ARN -> number of copies in the target (matched by resource and creation time). */
export function copiesPerSource(emulator: Emulator, source: string, target: string): Map<string, number> {
  const copies = [...(emulator.backup.vaults.get(target)?.recoveryPoints.values() ?? [])];
  const byKey = new Map<string, number>();
  for (const copy of copies) {
    const key = `${copy.resourceArn}|${copy.creationDate.getTime()}`;
    byKey.set(key, (byKey.get(key) ?? 0) + 1);
  }
  const counts = new Map<string, number>();
  for (const recoveryPoint of emulator.backup.vaults.get(source)?.recoveryPoints.values() ?? []) {
    counts.set(
      recoveryPoint.arn,
      byKey.get(`${recoveryPoint.resourceArn}|${recoveryPoint.creationDate.getTime()}`) ?? 0,
    );
  }
  return counts;
}
