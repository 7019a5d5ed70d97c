/**
 * Named errors the state machines route on.
 *
 * Lambda reports a thrown error's `name` as its `errorType`, and Step Functions matches
 * `Retry`/`Catch` `ErrorEquals` against that string, so every name here is part of the
 * workflow's contract: never rename one without changing the ASL that matches it.
 */

/** Every error name a state machine may see from the migrator's own code. */
export const NAMED_ERRORS = [
  'InvalidInput',
  'SourceVaultNotFound',
  'InvalidKmsKey',
  'TargetVaultConflict',
  'UnsupportedVaultType',
  'DeletionNotAllowed',
  'TargetVaultNotVerified',
  'PlanUpdateFailed',
  'MigrationIncomplete',
  'SourceVaultRetained',
  'ConfigurationError',
  'PermissionDenied',
] as const;

export type NamedError = (typeof NAMED_ERRORS)[number];

/** Base of every error the migrator throws on purpose. */
export abstract class MigrationError extends Error {
  abstract override readonly name: NamedError;
}

/** The execution input breaks a rule of the input schema (nothing was changed). */
export class InvalidInput extends MigrationError {
  override readonly name = 'InvalidInput';
}

/** The source vault does not exist (or AWS answers 403 for it, see {@link isVaultNotFound}). */
export class SourceVaultNotFound extends MigrationError {
  override readonly name = 'SourceVaultNotFound';
}

/** The KMS key is missing, disabled, pending deletion, asymmetric, AWS-managed or in another Region. */
export class InvalidKmsKey extends MigrationError {
  override readonly name = 'InvalidKmsKey';
}

/** The target vault already exists and is encrypted with another key. */
export class TargetVaultConflict extends MigrationError {
  override readonly name = 'TargetVaultConflict';
}

/** The source vault is of a type the migrator cannot copy out of (logically air-gapped, restore access). */
export class UnsupportedVaultType extends MigrationError {
  override readonly name = 'UnsupportedVaultType';
}

/** Deleting the source vault was asked for but the stack does not allow deletions. */
export class DeletionNotAllowed extends MigrationError {
  override readonly name = 'DeletionNotAllowed';
}

/** The target vault exists after creation but is not encrypted with the requested key. */
export class TargetVaultNotVerified extends MigrationError {
  override readonly name = 'TargetVaultNotVerified';
}

/** A backup plan could not be repointed from the source to the target vault. */
export class PlanUpdateFailed extends MigrationError {
  override readonly name = 'PlanUpdateFailed';
}

/** Verification found source recovery points without a completed copy in the target vault. */
export class MigrationIncomplete extends MigrationError {
  /** How many source recovery points have no verified copy. */
  readonly unverifiedRecoveryPoints: number;
  override readonly name = 'MigrationIncomplete';

  constructor(message: string, unverifiedRecoveryPoints: number, options?: ErrorOptions) {
    super(message, options);
    this.unverifiedRecoveryPoints = unverifiedRecoveryPoints;
  }
}

/**
 * The copies are verified but the source vault had to be kept although its deletion was asked
 * for (vault lock, legal hold, uncopyable recovery points...). This is an outcome more than a
 * fault: the report is written first, then a handler may throw this so that the execution ends
 * visibly not-green and an operator looks at the reasons.
 */
export class SourceVaultRetained extends MigrationError {
  /** Why the vault was kept, one line each, as the report states them. */
  readonly reasons: readonly string[];
  override readonly name = 'SourceVaultRetained';

  constructor(message: string, reasons: readonly string[], options?: ErrorOptions) {
    super(message, options);
    this.reasons = [...reasons];
  }
}

/** A Lambda environment variable is missing or invalid: a deployment fault, not an input fault. */
export class ConfigurationError extends MigrationError {
  override readonly name = 'ConfigurationError';
}

/**
 * AWS denied a call for want of a permission of this Lambda's role (HTTP 403 AccessDeniedException
 * "User: ... is not authorized to perform: ACTION on resource: ARN ..."): a deployment fault. The
 * message names the action to grant.
 */
export class PermissionDenied extends MigrationError {
  override readonly name = 'PermissionDenied';
  /** The IAM action AWS named as denied. */
  readonly action: string | undefined;
  readonly resource: string | undefined;

  constructor(message: string, action?: string, resource?: string, options?: ErrorOptions) {
    super(message, options);
    this.action = action;
    this.resource = resource;
  }
}

/** The action and resource of AWS's authorization denial message, if `err` is one. */
export function authorizationDenial(
  err: unknown,
): { action: string; resource: string; principal: string } | undefined {
  if (!isAwsError(err, 'AccessDeniedException')) return undefined;
  const match = /User: (\S+) is not authorized to perform: (\S+) on resource: (\S+)/.exec(err.message);
  if (!match) return undefined;
  return { principal: match[1] as string, action: match[2] as string, resource: match[3] as string };
}

/** `err` as a PermissionDenied naming the missing action, when it is AWS's authorization denial. */
export function asPermissionDenied(err: unknown): PermissionDenied | undefined {
  if (err instanceof PermissionDenied) return err;
  const denial = authorizationDenial(err);
  if (!denial) return undefined;
  const role = /assumed-role\/([^/]+)\//.exec(denial.principal)?.[1] ?? denial.principal;
  return new PermissionDenied(
    `AWS denied ${denial.action} on ${denial.resource} to ${role}: grant ${denial.action} on that resource ` +
      `to the role (infra/iam.ts) and redeploy (${(err as Error).message})`,
    denial.action,
    denial.resource,
    { cause: err },
  );
}

/** An AWS SDK v3 service exception as far as the migrator looks at it. */
export interface AwsErrorLike {
  name: string;
  message: string;
  $metadata?: { httpStatusCode?: number | undefined } | undefined;
}

/**
 * Whether `err` is an AWS SDK v3 error with one of the given names. SDK v3 sets `name` to the
 * modelled exception name (read from `x-amzn-ErrorType`, then the body), which is the only
 * stable way to tell errors apart: messages change, and `instanceof` fails across bundles.
 */
export function isAwsError(err: unknown, name: string, ...moreNames: string[]): err is AwsErrorLike {
  if (typeof err !== 'object' || err === null) {
    return false;
  }
  const errName = (err as { name?: unknown }).name;
  return typeof errName === 'string' && (errName === name || moreNames.includes(errName));
}

/**
 * Whether `err` means "this vault does not exist". AWS Backup has been seen to answer a missing
 * vault with `ResourceNotFoundException` and with HTTP 403 `AccessDeniedException`
 * ("Insufficient privileges to perform this action"), so both count as not found.
 */
export function isVaultNotFound(err: unknown): boolean {
  // A denial that names an action is a missing permission, not a missing vault.
  if (authorizationDenial(err)) return false;
  return isAwsError(err, 'ResourceNotFoundException', 'AccessDeniedException');
}

/** A one-line description of anything thrown, for reports and logs. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    return err.message ? `${err.name}: ${err.message}` : err.name;
  }
  return String(err);
}
