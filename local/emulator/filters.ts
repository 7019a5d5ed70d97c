/**
 * The filters of the list operations, as the server reads them from the query string (the names
 * SDK v3 sends) and the Backup service applies them: typed, with bad values refused once, here.
 */
import { invalidParameter } from './errors.ts';
import { queryDate } from './validate.ts';

/** Every list: where the previous page ended. */
export interface PageFilter {
  nextToken?: string | undefined;
}

export interface VaultFilter extends PageFilter {
  vaultType?: string | undefined;
}

export interface PlanFilter extends PageFilter {
  includeDeleted: boolean;
}

export interface RecoveryPointFilter extends PageFilter {
  resourceArn?: string | undefined;
  resourceType?: string | undefined;
  backupPlanId?: string | undefined;
  parentRecoveryPointArn?: string | undefined;
  createdBefore?: Date | undefined;
  createdAfter?: Date | undefined;
}

export const COPY_JOB_STATES = ['CREATED', 'RUNNING', 'COMPLETED', 'FAILED', 'PARTIAL'] as const;
export type CopyJobState = (typeof COPY_JOB_STATES)[number];

export interface CopyJobFilter extends PageFilter {
  destinationVaultArn?: string | undefined;
  state?: CopyJobState | undefined;
  resourceArn?: string | undefined;
  resourceType?: string | undefined;
  sourceRecoveryPointArn?: string | undefined;
  parentJobId?: string | undefined;
  accountId?: string | undefined;
  createdBefore?: Date | undefined;
  createdAfter?: Date | undefined;
  completeBefore?: Date | undefined;
  completeAfter?: Date | undefined;
}

function text(query: URLSearchParams, field: string): string | undefined {
  return query.get(field) ?? undefined;
}

/** A timestamp as SDK v3 sends it in a query (epoch seconds), or an ISO date. */
const date = queryDate;

export function pageFilter(query: URLSearchParams): PageFilter {
  return { nextToken: text(query, 'nextToken') };
}

export function vaultFilter(query: URLSearchParams): VaultFilter {
  return { ...pageFilter(query), vaultType: text(query, 'vaultType') };
}

export function planFilter(query: URLSearchParams): PlanFilter {
  return { ...pageFilter(query), includeDeleted: query.get('includeDeleted') === 'true' };
}

export function recoveryPointFilter(query: URLSearchParams): RecoveryPointFilter {
  return {
    ...pageFilter(query),
    resourceArn: text(query, 'resourceArn'),
    resourceType: text(query, 'resourceType'),
    backupPlanId: text(query, 'backupPlanId'),
    parentRecoveryPointArn: text(query, 'parentRecoveryPointArn'),
    createdBefore: date(query, 'createdBefore'),
    createdAfter: date(query, 'createdAfter'),
  };
}

export function copyJobFilter(query: URLSearchParams): CopyJobFilter {
  const state = text(query, 'state');
  if (state !== undefined && !(COPY_JOB_STATES as readonly string[]).includes(state)) {
    throw invalidParameter(`Invalid copy job state ${state}`);
  }
  return {
    ...pageFilter(query),
    destinationVaultArn: text(query, 'destinationVaultArn'),
    state: state as CopyJobState | undefined,
    resourceArn: text(query, 'resourceArn'),
    resourceType: text(query, 'resourceType'),
    sourceRecoveryPointArn: text(query, 'sourceRecoveryPointArn'),
    parentJobId: text(query, 'parentJobId'),
    accountId: text(query, 'accountId'),
    createdBefore: date(query, 'createdBefore'),
    createdAfter: date(query, 'createdAfter'),
    completeBefore: date(query, 'completeBefore'),
    completeAfter: date(query, 'completeAfter'),
  };
}
