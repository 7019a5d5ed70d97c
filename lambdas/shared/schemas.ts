/**
 * Schemas of the state that steps hand each other. The state machine builds these, so a mismatch
 * is a wiring fault; it is still checked before any call that changes something.
 */
import { z } from 'zod';
import { InvalidInput } from './errors.ts';

export const MigrationSchema = z.looseObject({
  executionId: z.string().min(1),
  sourceVaultName: z.string().min(2).max(50),
  sourceVaultArn: z.string().startsWith('arn:'),
  sourceKeyArn: z.string().optional(),
  targetVaultName: z.string().min(2).max(50),
  targetVaultArn: z.string().startsWith('arn:'),
  kmsKeyArn: z.string().startsWith('arn:'),
  deleteSourceVault: z.boolean(),
  retireAfterDays: z.number().int().positive().optional(),
  dryRun: z.boolean(),
  maxConcurrentCopies: z.number().int().min(1).max(100),
  startedAt: z.iso.datetime(),
  status: z.enum(['READY', 'ALREADY_COMPLIANT']),
  targetVaultLock: z
    .object({ minRetentionDays: z.number().optional(), maxRetentionDays: z.number().optional() })
    .optional(),
});

/** Parses a step's event with `schema`, failing with InvalidInput naming every problem. */
export function parseEvent<T>(schema: z.ZodType<T>, event: unknown, step: string): T {
  const result = schema.safeParse(event);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`,
  );
  throw new InvalidInput(`Invalid ${step} event: ${problems.join('; ')}`);
}
