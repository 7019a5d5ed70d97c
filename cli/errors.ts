/**
 * What the command says when something goes wrong, and with which exit status. Every error a user
 * can cause or meet gets one line (no stack trace); only a bug in the command itself shows its stack,
 * and only when VAULT_MIGRATOR_DEBUG is set.
 */
import { NAMED_ERRORS, type NamedError } from '#shared/errors.ts';

/** Exit statuses, as the README documents them. */
export const EXIT = {
  /** The migration (or every migration of the batch) succeeded and verified. */
  OK: 0,
  /** The execution failed, or a migration ended incomplete or failed: the named error says why. */
  MIGRATION_FAILED: 1,
  /** Bad arguments: the usage follows the message. */
  USAGE: 2,
  /** The command could not do its work: no stack, no endpoint, no credentials, nothing to report. */
  UNAVAILABLE: 3,
  /** Interrupted (Ctrl-C). */
  INTERRUPTED: 130,
} as const;

export type ExitStatus = (typeof EXIT)[keyof typeof EXIT];

/** An error meant for the user: its message is the whole story, printed on one line. */
export class CliError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly exitStatus: ExitStatus = EXIT.UNAVAILABLE,
  ) {
    super(message);
  }
}

/** Bad arguments: printed with the command's usage, exit status 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super('UsageError', message, EXIT.USAGE);
  }
}

/**
 * What each named error of the state machines means for the person at the terminal: the error's
 * own cause comes first, then this hint.
 */
export const NAMED_ERROR_HINTS: Readonly<Record<NamedError, string>> = Object.freeze({
  InvalidInput: 'the input was refused before anything changed',
  SourceVaultNotFound: 'check --vault and --region: there is no such vault in this account and Region',
  InvalidKmsKey:
    'check --kms-key: the target key must be an enabled, symmetric, customer-managed KMS key in the same Region',
  TargetVaultConflict:
    'the target vault already exists with another key; name another one with --target, or remove it',
  UnsupportedVaultType: 'logically air-gapped and restore-access vaults cannot be copied out of',
  DeletionNotAllowed:
    '--delete-source needs a deployment that allows deletion (stack context allowSourceDeletion=true)',
  TargetVaultNotVerified: 'the target vault is not encrypted with the requested key; nothing was copied',
  PlanUpdateFailed: 'a backup plan still names the source vault; the report lists it',
  MigrationIncomplete:
    'some recovery points have no verified copy; run the same migration again to resume (nothing is copied twice)',
  SourceVaultRetained: 'every copy is verified, but the source vault was kept; the report says why',
  ConfigurationError: 'the deployment is misconfigured (a Lambda environment variable)',
  PermissionDenied:
    "a Lambda's role lacks the IAM action named above; grant it in infra/iam.ts and redeploy (nothing after the denied call ran)",
});

/** Errors of Step Functions itself that an execution can end with. */
const STATES_ERROR_HINTS: Readonly<Record<string, string>> = Object.freeze({
  'States.Timeout': 'the execution ran out of time',
  'States.TaskFailed': 'a step failed',
  'States.Runtime': 'the state machine could not go on (a runtime error in the definition or its data)',
  'States.ExceedToleratedFailureThreshold': 'too many vaults failed',
  ExecutionAborted: 'the execution was stopped',
});

export function isNamedError(name: string): name is NamedError {
  return (NAMED_ERRORS as readonly string[]).includes(name);
}

/** The hint for an execution's error name, if one is known. */
export function hintFor(errorName: string): string | undefined {
  return isNamedError(errorName) ? NAMED_ERROR_HINTS[errorName] : STATES_ERROR_HINTS[errorName];
}

/**
 * A Lambda failure reaches the execution as `Cause` = the Lambda's JSON error (`errorMessage`), a
 * nested execution's as its DescribeExecution JSON (`Cause`): the readable part of either.
 */
export function readableCause(cause: string | undefined | null): string {
  if (!cause) return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown; Cause?: unknown };
    if (typeof parsed === 'object' && parsed !== null) {
      if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
      if (typeof parsed.Cause === 'string') return readableCause(parsed.Cause);
    }
  } catch {
    // Not JSON: already readable.
  }
  return cause;
}

/** Collapses whitespace so that a message stays on one line. */
export function oneLine(text: string, max = 600): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

/** `Name: cause (hint)` on one line, for a failed execution or vault. */
export function describeExecutionError(errorName: string, cause?: string | null): string {
  const readable = readableCause(cause);
  const hint = hintFor(errorName);
  const sentence = readable && !/[.!?]$/.test(readable) ? `${readable}.` : readable;
  const parts = [errorName, sentence ? `: ${sentence}` : '', hint ? ` Hint: ${hint}.` : ''];
  return oneLine(parts.join(''));
}

/** The SDK errors a user can meet, said plainly. */
export function fromAwsError(error: unknown, doing: string): CliError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, message, code } = error as { name?: unknown; message?: unknown; code?: unknown };
  const text = typeof message === 'string' ? message : '';
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(text)) {
    return new CliError(
      'MissingCredentials',
      `${doing}: no AWS credentials found (set AWS_PROFILE or AWS_ACCESS_KEY_ID, or run with --local)`,
    );
  }
  if (/Region is missing/i.test(text)) {
    return new CliError('MissingRegion', `${doing}: no AWS Region (pass --region or set AWS_REGION)`);
  }
  if (
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'ECONNRESET' ||
    /ECONNREFUSED|ENOTFOUND|getaddrinfo/.test(text)
  ) {
    return new CliError('EndpointUnreachable', `${doing}: cannot reach the endpoint (${oneLine(text, 200)})`);
  }
  if (
    name === 'AccessDeniedException' ||
    name === 'AccessDenied' ||
    name === 'UnrecognizedClientException' ||
    name === 'InvalidSignatureException' ||
    name === 'ExpiredTokenException'
  ) {
    return new CliError(String(name), `${doing}: ${oneLine(text || String(name), 300)}`);
  }
  return undefined;
}
