/**
 * The per-function identities of local runs: the local runner signs each Lambda's calls with the
 * access key id of that Lambda's role, and the loader tells the emulator which role each key names.
 */

/** `PrepareMigrationFunctionArn` -> `PrepareMigration`. */
export function functionBaseName(functionKey: string): string {
  return functionKey.replace(/FunctionArn$/, '');
}

/** The Lambda's name locally, also its role session name (Lambda uses the function name). */
export function localFunctionName(functionKey: string): string {
  return `vault-migrator-${functionBaseName(functionKey)}`;
}

/** The access key id a Lambda's calls are signed with locally (upper-case letters, like AWS's). */
export function accessKeyIdFor(functionKey: string): string {
  return `ASIALOCAL${functionBaseName(functionKey).toUpperCase()}`;
}

/** The local name of a Lambda's role. */
export function localRoleName(functionKey: string): string {
  return localFunctionName(functionKey);
}

/** The local name of the role AWS Backup assumes for copy jobs (as the tests have always named it). */
export const LOCAL_COPY_ROLE_NAME = 'vault-migrator-copy';
