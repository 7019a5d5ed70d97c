/**
 * The encryption verdict: what a security engineer asks first. Per vault and in all, how many
 * copies are now encrypted with the customer-managed target key, how many are not and why (their
 * resource type keeps the source's key, or the source was unencrypted), and what to do about them.
 * A target vault on the right key passes a scanner's vault check; the copies inside it are another
 * matter, and a run must never read as a plain success while most of them are off the key.
 */
import { resourceTypeInfo } from '#shared/resource-types.ts';
import type { MigrationSummary, VaultSummary } from './model.ts';

export interface TypeShortfall {
  resourceType: string;
  /** Copies of this type not on the target key. */
  notOnTargetKey: number;
  sourceKey: number;
  unencrypted: number;
  other: number;
  /** Whether AWS Backup fully manages the type (its copies should have taken the target key). */
  fullyManaged: boolean | null;
}

export interface VaultKeyVerdict {
  vault: string;
  /** Whether copy encryption is known (a failed vault without a report has none). */
  known: boolean;
  copies: number;
  onTargetKey: number;
  notOnTargetKey: number;
  sourceKey: number;
  unencrypted: number;
  other: number;
  /** Source recovery points that cannot be copied: they stay in the source vault, on its encryption. */
  leftInSource: number;
  predicted: boolean;
  /** Types with copies off the target key, most first (empty when the report does not break them down). */
  byType: TypeShortfall[];
}

export interface EncryptionVerdict {
  copies: number;
  onTargetKey: number;
  notOnTargetKey: number;
  /** Rounded down, so that 99.7% never reads as 100%. */
  percentOnTargetKey: number;
  /** Every known copy is on the target key (and no vault's encryption is unknown). */
  allOnTargetKey: boolean;
  predicted: boolean;
  /** Vaults whose copies' encryption is not known (failed before a report could say). */
  unknownVaults: string[];
  vaults: VaultKeyVerdict[];
  /** What to do about the copies that are not on the target key, sentence by sentence. */
  advice: string[];
}

function fullyManaged(resourceType: string): boolean | null {
  const info = resourceTypeInfo(resourceType);
  return info ? info.fullyManaged : null;
}

export function vaultKeyVerdict(vault: VaultSummary): VaultKeyVerdict {
  const encryption = vault.encryption;
  const known = encryption !== null;
  const sourceKey = encryption?.sourceKey ?? 0;
  const unencrypted = encryption?.unencrypted ?? 0;
  const other = encryption?.other ?? 0;
  const onTargetKey = encryption?.targetKey ?? 0;
  const byType = (vault.encryptionByType ?? [])
    .map((type) => ({
      resourceType: type.resourceType,
      notOnTargetKey: type.sourceKey + type.unencrypted + type.other,
      sourceKey: type.sourceKey,
      unencrypted: type.unencrypted,
      other: type.other,
      fullyManaged: fullyManaged(type.resourceType),
    }))
    .filter((type) => type.notOnTargetKey > 0)
    .sort((a, b) => b.notOnTargetKey - a.notOnTargetKey || a.resourceType.localeCompare(b.resourceType));
  return {
    vault: vault.vault,
    known,
    copies: onTargetKey + sourceKey + unencrypted + other,
    onTargetKey,
    notOnTargetKey: sourceKey + unencrypted + other,
    sourceKey,
    unencrypted,
    other,
    leftInSource: vault.outcome === 'ALREADY_COMPLIANT' ? 0 : (vault.skipped ?? 0),
    predicted: vault.encryptionPredicted,
    byType,
  };
}

function list(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

export function encryptionVerdict(summary: Pick<MigrationSummary, 'vaults'>): EncryptionVerdict {
  const vaults = summary.vaults.filter((vault) => vault.outcome !== 'ALREADY_COMPLIANT').map(vaultKeyVerdict);
  const copies = vaults.reduce((sum, vault) => sum + vault.copies, 0);
  const onTargetKey = vaults.reduce((sum, vault) => sum + vault.onTargetKey, 0);
  const notOnTargetKey = copies - onTargetKey;
  const unknownVaults = vaults.filter((vault) => !vault.known).map((vault) => vault.vault);
  const predicted = vaults.some((vault) => vault.predicted);
  const leftInSource = vaults.reduce((sum, vault) => sum + vault.leftInSource, 0);

  const advice: string[] = [];
  const types = new Map<string, TypeShortfall>();
  for (const vault of vaults) {
    for (const type of vault.byType) {
      const known = types.get(type.resourceType);
      types.set(type.resourceType, {
        ...type,
        notOnTargetKey: (known?.notOnTargetKey ?? 0) + type.notOnTargetKey,
      });
    }
  }
  const keptByType = [...types.values()].filter((type) => type.fullyManaged !== true);
  const oddByType = [...types.values()].filter((type) => type.fullyManaged === true);
  if (notOnTargetKey > 0) {
    const named = keptByType.map((type) => type.resourceType);
    advice.push(
      `${named.length > 0 ? `Copies of ${list(named)}` : 'Copies of types AWS Backup does not fully manage (EBS, EC2, RDS, Aurora, DocumentDB, Neptune, FSx, Storage Gateway)'} ` +
        "keep their source recovery point's key, or stay unencrypted: a copy cannot change that.",
      'To have them on the customer-managed key, take a new backup of those resources into the new vault ' +
        '(the repointed backup plans do so at their next run, or start an on-demand backup). A backup of these ' +
        "types is encrypted with the resource's own key: encrypt the volume or database with the customer-managed key first where it is not.",
      'The old copies keep their encryption until they expire on their own retention; delete them sooner only where your retention policy allows.',
    );
  }
  if (oddByType.length > 0) {
    advice.push(
      `${list(oddByType.map((type) => type.resourceType))} ${oddByType.length === 1 ? 'is' : 'are'} fully managed by AWS Backup, ` +
        'yet some of their copies are not on the target key: check the target key and the report rows.',
    );
  }
  if (leftInSource > 0) {
    advice.push(
      `${leftInSource} recovery point${leftInSource === 1 ? '' : 's'} could not be copied and stay in the source vault on its encryption until they expire.`,
    );
  }
  if (unknownVaults.length > 0) {
    advice.push(
      `The encryption of ${list(unknownVaults)} is not known: ${unknownVaults.length === 1 ? 'its migration' : 'their migrations'} failed before a report could say.`,
    );
  }
  return {
    copies,
    onTargetKey,
    notOnTargetKey,
    percentOnTargetKey: copies === 0 ? 100 : Math.floor((100 * onTargetKey) / copies),
    allOnTargetKey: notOnTargetKey === 0 && unknownVaults.length === 0,
    predicted,
    unknownVaults,
    vaults,
    advice,
  };
}

/** "148 of 421 copies (35%) on the target key", or "(predicted)" in a dry run. */
export function verdictPhrase(verdict: EncryptionVerdict): string {
  return (
    `${verdict.onTargetKey.toLocaleString('en-US')} of ${verdict.copies.toLocaleString('en-US')} copies ` +
    `(${verdict.percentOnTargetKey}%) ${verdict.predicted ? 'would be on' : 'on'} the target key`
  );
}

/** "EBS 141 (110 source key, 31 unencrypted)" for one vault's types off the target key. */
export function shortfallText(vault: VaultKeyVerdict): string {
  if (vault.byType.length === 0) {
    const parts = [
      vault.sourceKey > 0 ? `${vault.sourceKey} source key` : '',
      vault.unencrypted > 0 ? `${vault.unencrypted} unencrypted` : '',
      vault.other > 0 ? `${vault.other} other or not reported` : '',
    ].filter((part) => part !== '');
    return parts.join(', ');
  }
  return vault.byType
    .map((type) => {
      const parts = [
        type.sourceKey > 0 ? `${type.sourceKey} source key` : '',
        type.unencrypted > 0 ? `${type.unencrypted} unencrypted` : '',
        type.other > 0 ? `${type.other} other` : '',
      ].filter((part) => part !== '');
      return `${type.resourceType} ${type.notOnTargetKey} (${parts.join(', ')})`;
    })
    .join('; ');
}
