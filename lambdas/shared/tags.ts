/**
 * Tags the migrator puts on the vaults it creates, and the one operators put on vaults it must
 * leave alone. MigrateAllVaults reads them to never migrate a vault this tool made, so they are
 * part of the product's contract: never rename one.
 */

/** On every target vault: the tool that created it (value: {@link CREATED_BY_VALUE}). */
export const CREATED_BY_TAG = 'vault-migrator:created-by';
export const CREATED_BY_VALUE = 'backup-vault-migrator';

/** On every target vault: the name of the vault it was migrated from. */
export const SOURCE_VAULT_TAG = 'vault-migrator:source-vault';

/** Set by operators (any value): MigrateAllVaults skips the vault. */
export const SKIP_TAG = 'vault-migrator:skip';

/** Most tags AWS Backup lets a vault carry. */
export const MAX_VAULT_TAGS = 50;
