/**
 * Execution inputs of the two state machines, validated before the first AWS call (DESIGN
 * invariant 6: bad input changes nothing and fails with `InvalidInput`).
 */
import { z } from 'zod';
import { InvalidInput } from './errors.ts';

/** AWS Backup vault names (CreateBackupVault): 2 to 50 letters, digits, hyphens and underscores. */
export const VAULT_NAME_PATTERN = /^[a-zA-Z0-9\-_]{2,50}$/;
export const MAX_VAULT_NAME_LENGTH = 50;

/** Suffix of the default target vault name. */
export const DEFAULT_TARGET_SUFFIX = '-encrypted';

/** The most vaults an account may have in a Region (AWS Backup quota), so the most worth excluding. */
export const MAX_EXCLUDED_VAULTS = 300;

const KEY_ID = '(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})';
const ARN_PREFIX = String.raw`arn:aws[-a-z]*:kms:[a-z]{2}(?:-[a-z]+)+-\d{1,2}:\d{12}`;
const ALIAS_NAME = 'alias/[a-zA-Z0-9/_-]{1,250}';

/** The forms KMS DescribeKey accepts: key ARN, alias ARN, `alias/NAME`, key id (uuid or `mrk-...`). */
export const KMS_KEY_PATTERNS = {
  keyArn: new RegExp(`^${ARN_PREFIX}:key/${KEY_ID}$`),
  aliasArn: new RegExp(`^${ARN_PREFIX}:${ALIAS_NAME}$`),
  aliasName: new RegExp(`^${ALIAS_NAME}$`),
  keyId: new RegExp(`^${KEY_ID}$`),
} as const;

export function isKmsKeyReference(value: string): boolean {
  return Object.values(KMS_KEY_PATTERNS).some((pattern) => pattern.test(value));
}

/** `alias/aws/...` names AWS-managed keys: never the customer-managed key a migration is for. */
function isAwsManagedAlias(value: string): boolean {
  return /(?:^|:)alias\/aws\//.test(value);
}

const vaultName = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
  .regex(VAULT_NAME_PATTERN, {
    error: 'must be 2 to 50 characters of letters, digits, hyphens (-) and underscores (_)',
  });

const kmsKeyArn = z
  .string({ error: 'must be a string' })
  .refine(isKmsKeyReference, {
    error: 'must be a KMS key ARN, an alias ARN, alias/NAME, or a key id (uuid or mrk-...)',
  })
  .refine((value) => !isAwsManagedAlias(value), {
    error: 'names an AWS-managed key (alias/aws/...); the target vault needs a customer-managed key',
  });

const flag = z.boolean({ error: 'must be true or false' });

const maxConcurrentCopies = z
  .number({ error: 'must be a number' })
  .int({ error: 'must be a whole number' })
  .min(1, { error: 'must be at least 1' })
  .max(100, { error: 'must be at most 100 (concurrent copy jobs per account and Region)' });

/** The default target vault name for a source vault. */
export function defaultTargetVaultName(sourceVaultName: string): string {
  return `${sourceVaultName}${DEFAULT_TARGET_SUFFIX}`;
}

export const MigrateVaultInputSchema = z
  .strictObject(
    {
      /** The vault to migrate. */
      sourceVaultName: vaultName,
      /** The new vault; default `<sourceVaultName>-encrypted`. */
      targetVaultName: vaultName.optional(),
      /** The key for the new vault; default the stack's migration key. */
      kmsKeyArn: kmsKeyArn.optional(),
      /** Delete the source recovery points and vault once every copy is verified; default false. */
      deleteSourceVault: flag.default(false),
      /** Classify and report only, change nothing; default false. */
      dryRun: flag.default(false),
      /** Copy jobs in flight at once; default 20. */
      maxConcurrentCopies: maxConcurrentCopies.default(20),
      /**
       * With deleteSourceVault: instead of deleting verified source recovery points, set them to
       * expire `retireAfterDays` from now (the vault is kept until they are gone); default false.
       */
      retireInsteadOfDelete: flag.default(false),
      /** Days until retired source recovery points expire; default 30 when retiring. */
      retireAfterDays: z
        .number({ error: 'must be a number' })
        .int({ error: 'must be a whole number' })
        .min(1, { error: 'must be at least 1' })
        .max(36_500, { error: 'must be at most 36500 (100 years)' })
        .optional(),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? undefined : 'must be a JSON object') },
  )
  .superRefine((input, ctx) => {
    if (input.targetVaultName === undefined) {
      const defaultName = defaultTargetVaultName(input.sourceVaultName);
      if (defaultName.length > MAX_VAULT_NAME_LENGTH) {
        ctx.addIssue({
          code: 'custom',
          path: ['targetVaultName'],
          message:
            `required: the default target name "${defaultName}" would be ${defaultName.length} characters, ` +
            `over the ${MAX_VAULT_NAME_LENGTH} AWS allows; pass targetVaultName`,
        });
      }
    } else if (input.targetVaultName === input.sourceVaultName) {
      ctx.addIssue({
        code: 'custom',
        path: ['targetVaultName'],
        message: 'must differ from sourceVaultName',
      });
    }
    if (input.retireInsteadOfDelete && !input.deleteSourceVault) {
      ctx.addIssue({
        code: 'custom',
        path: ['retireInsteadOfDelete'],
        message: 'only applies when deleteSourceVault is true',
      });
    }
    if (input.retireAfterDays !== undefined && !input.retireInsteadOfDelete) {
      ctx.addIssue({
        code: 'custom',
        path: ['retireAfterDays'],
        message: 'only applies when retireInsteadOfDelete is true',
      });
    }
  })
  .transform((input) => ({
    ...input,
    targetVaultName: input.targetVaultName ?? defaultTargetVaultName(input.sourceVaultName),
    retireAfterDays: input.retireInsteadOfDelete ? (input.retireAfterDays ?? 30) : undefined,
  }));

/** MigrateVault input as given (console, CLI, `start-execution --input`). */
export type MigrateVaultInputRaw = z.input<typeof MigrateVaultInputSchema>;
/** MigrateVault input with defaults applied and the target name resolved. */
export type MigrateVaultInput = z.output<typeof MigrateVaultInputSchema>;

export const MigrateAllVaultsInputSchema = z.strictObject(
  {
    /** Also migrate vaults encrypted with AWS-managed keys, not only those without a key; default false. */
    includeAwsManagedKeys: flag.default(false),
    /** Vault names never to migrate; default none. */
    excludeVaultNames: z
      .array(vaultName, { error: 'must be a list of vault names' })
      .max(MAX_EXCLUDED_VAULTS, { error: `must name at most ${MAX_EXCLUDED_VAULTS} vaults` })
      .default([])
      .transform((names) => [...new Set(names)]),
    deleteSourceVault: flag.default(false),
    dryRun: flag.default(false),
    maxConcurrentCopies: maxConcurrentCopies.default(20),
    /** MigrateVault executions at once (inline Map limit 40); default 5. */
    maxConcurrentVaults: z
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .max(40, { error: 'must be at most 40 (inline Map concurrency)' })
      .default(5),
    kmsKeyArn: kmsKeyArn.optional(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? undefined : 'must be a JSON object') },
);

export type MigrateAllVaultsInputRaw = z.input<typeof MigrateAllVaultsInputSchema>;
export type MigrateAllVaultsInput = z.output<typeof MigrateAllVaultsInputSchema>;

function formatIssues(what: string, error: z.ZodError): string {
  const problems = error.issues.flatMap((issue) => {
    const path = issue.path.length === 0 ? '(input)' : issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      const prefix = issue.path.length === 0 ? '' : `${path}.`;
      return issue.keys.map((key) => `${prefix}${key}: is not a known field`);
    }
    return [`${path}: ${issue.message}`];
  });
  return `Invalid ${what} input: ${problems.join('; ')}`;
}

function parseWith<T>(what: string, schema: z.ZodType<T>, raw: unknown): T {
  const result = schema.safeParse(raw);
  if (!result.success) {
    throw new InvalidInput(formatIssues(what, result.error));
  }
  return result.data;
}

/** Validates a MigrateVault input and applies defaults; throws `InvalidInput` listing every problem. */
export function parseMigrateVaultInput(raw: unknown): MigrateVaultInput {
  return parseWith('MigrateVault', MigrateVaultInputSchema, raw);
}

/** Validates a MigrateAllVaults input and applies defaults; throws `InvalidInput` listing every problem. */
export function parseMigrateAllVaultsInput(raw: unknown): MigrateAllVaultsInput {
  return parseWith('MigrateAllVaults', MigrateAllVaultsInputSchema, raw);
}
