/**
 * The part of a vault access policy the emulator enforces: an explicit Deny. AWS evaluates a
 * resource policy's Deny before any Allow, for every principal it names; AWS's own example policy
 * (and the Config rule `backup-recovery-point-manual-deletion-disabled`) denies
 * `backup:DeleteRecoveryPoint` to everyone. Conditions are not modelled: a statement with a
 * Condition is taken as not applying, so only unconditional denials refuse a call.
 */

interface Statement {
  Effect?: unknown;
  Principal?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Condition?: unknown;
}

function asList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** `backup:Delete*` matches `backup:DeleteRecoveryPoint`; IAM action names are case-insensitive. */
function actionMatches(pattern: string, action: string): boolean {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i').test(action);
}

function appliesToEveryone(principal: unknown): boolean {
  if (principal === '*') return true;
  if (typeof principal === 'object' && principal !== null) {
    return asList((principal as { AWS?: unknown }).AWS).includes('*');
  }
  return false;
}

/** Whether the policy (JSON text) denies `action` (e.g. `backup:DeleteRecoveryPoint`) to every caller. */
export function policyDenies(policy: string | undefined, action: string): boolean {
  if (policy === undefined) return false;
  let document: { Statement?: unknown };
  try {
    document = JSON.parse(policy) as { Statement?: unknown };
  } catch {
    return false;
  }
  const statements = (
    Array.isArray(document.Statement) ? document.Statement : [document.Statement]
  ) as Statement[];
  return statements.some((statement) => {
    if (typeof statement !== 'object' || statement === null) return false;
    if (statement.Effect !== 'Deny' || statement.Condition !== undefined) return false;
    if (!appliesToEveryone(statement.Principal)) return false;
    if (statement.NotAction !== undefined) {
      return !asList(statement.NotAction).some((pattern) => actionMatches(pattern, action));
    }
    return asList(statement.Action).some((pattern) => actionMatches(pattern, action));
  });
}
