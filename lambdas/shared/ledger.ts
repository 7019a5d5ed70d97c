/**
 * Reading progress back from AWS Backup, the migration's only ledger. A copy keeps its source's
 * creation date and resource, so a source recovery point and its copy share the key
 * (ResourceArn, CreationDate): one listing of the target vault over a page's creation-date window
 * finds the copies of a whole page of source recovery points.
 */
import {
  type CopyJob,
  type ListCopyJobsCommandInput,
  ListRecoveryPointsByBackupVaultCommand,
  paginateListCopyJobs,
  type RecoveryPointByBackupVault,
} from '@aws-sdk/client-backup';
import { backupClient } from './clients.ts';
import { copyJobOutcome, isCompleteCopy } from './copy-outcome.ts';
import { describeRecoveryPoint } from './describe.ts';

/** The most any AWS Backup list call returns in one page (MaxResults): every listing asks for it. */
export const PAGE_SIZE = 1000;

export type ListedRecoveryPoint = RecoveryPointByBackupVault;

export function copyKey(recoveryPoint: {
  ResourceArn?: string | undefined;
  CreationDate?: Date | undefined;
}): string {
  return `${recoveryPoint.ResourceArn ?? ''}|${recoveryPoint.CreationDate?.getTime() ?? ''}`;
}

export interface SourcePage {
  recoveryPoints: ListedRecoveryPoint[];
  nextToken: string | null;
}

export async function listSourcePage(
  vaultName: string,
  token: string | null,
  pageSize = PAGE_SIZE,
): Promise<SourcePage> {
  const page = await backupClient().send(
    new ListRecoveryPointsByBackupVaultCommand({
      BackupVaultName: vaultName,
      MaxResults: pageSize,
      NextToken: token ?? undefined,
    }),
  );
  return { recoveryPoints: page.RecoveryPoints ?? [], nextToken: page.NextToken ?? null };
}

/** A margin around a window's bounds, so that AWS's inclusive or exclusive date filters both cover it. */
const WINDOW_MARGIN_MS = 1000;

function inWindow(recoveryPoint: ListedRecoveryPoint, from: number, to: number): boolean {
  const created = recoveryPoint.CreationDate?.getTime();
  return created !== undefined && created >= from && created < to;
}

async function windowPage(
  vaultName: string,
  from: number,
  to: number,
  pageSize: number,
  token?: string,
  resourceArn?: string,
) {
  return backupClient().send(
    new ListRecoveryPointsByBackupVaultCommand({
      BackupVaultName: vaultName,
      ...(resourceArn === undefined ? {} : { ByResourceArn: resourceArn }),
      ByCreatedAfter: new Date(from - WINDOW_MARGIN_MS),
      ByCreatedBefore: new Date(to + WINDOW_MARGIN_MS),
      MaxResults: pageSize,
      NextToken: token,
    }),
  );
}

/**
 * The first page of the recovery points created in [from, to), and whether there are more: how the
 * pump sizes a window before it opens it.
 */
export async function probeSourceWindow(
  vaultName: string,
  from: number,
  to: number,
  pageSize = PAGE_SIZE,
): Promise<{ recoveryPoints: ListedRecoveryPoint[]; more: boolean }> {
  const page = await windowPage(vaultName, from, to, pageSize);
  return {
    recoveryPoints: (page.RecoveryPoints ?? []).filter((rp) => inWindow(rp, from, to)),
    more: page.NextToken !== undefined && page.NextToken !== '',
  };
}

/**
 * Every recovery point created in [from, to), of one resource when `resourceArn` is given, all
 * pages read at once (page tokens never outlive the call).
 */
export async function listSourceWindow(
  vaultName: string,
  from: number,
  to: number,
  pageSize = PAGE_SIZE,
  resourceArn?: string,
): Promise<ListedRecoveryPoint[]> {
  return (await listWindowUpTo(
    vaultName,
    from,
    to,
    pageSize,
    resourceArn,
    Number.POSITIVE_INFINITY,
  )) as ListedRecoveryPoint[];
}

/**
 * {@link listSourceWindow}, but undefined once it would take more than `maxPages` pages: a caller
 * that lists a window to save calls stops where it no longer does.
 */
export async function listWindowUpTo(
  vaultName: string,
  from: number,
  to: number,
  pageSize: number,
  resourceArn: string | undefined,
  maxPages: number,
): Promise<ListedRecoveryPoint[] | undefined> {
  const recoveryPoints: ListedRecoveryPoint[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  let pages = 0;
  do {
    if (pages++ >= maxPages) return undefined;
    const page = await windowPage(vaultName, from, to, pageSize, token, resourceArn);
    for (const recoveryPoint of page.RecoveryPoints ?? []) {
      const arn = recoveryPoint.RecoveryPointArn ?? '';
      if (!inWindow(recoveryPoint, from, to) || seen.has(arn)) continue;
      seen.add(arn);
      recoveryPoints.push(recoveryPoint);
    }
    token = page.NextToken || undefined;
  } while (token);
  return recoveryPoints;
}

export interface CopiesFound {
  /** Copies in the target by copy key; more than one means a recovery point was copied twice. */
  byKey: Map<string, ListedRecoveryPoint[]>;
  /** False when the window held more than `maxPages` pages: callers check per recovery point instead. */
  complete: boolean;
  calls: number;
}

/** Copies in the target of the given source recovery points, from one listing of their creation window. */
export async function findCopiesInTarget(
  targetVaultName: string,
  sources: readonly ListedRecoveryPoint[],
  maxPages = 3,
): Promise<CopiesFound> {
  const byKey = new Map<string, ListedRecoveryPoint[]>();
  const times = sources.map((rp) => rp.CreationDate?.getTime()).filter((t): t is number => t !== undefined);
  if (times.length === 0) return { byKey, complete: true, calls: 0 };
  const wanted = new Set(sources.map(copyKey));
  const after = new Date(Math.min(...times) - 1000);
  const before = new Date(Math.max(...times) + 1000);
  let token: string | undefined;
  let calls = 0;
  do {
    if (calls >= maxPages) return { byKey, complete: false, calls };
    const page = await backupClient().send(
      new ListRecoveryPointsByBackupVaultCommand({
        BackupVaultName: targetVaultName,
        ByCreatedAfter: after,
        ByCreatedBefore: before,
        MaxResults: PAGE_SIZE,
        NextToken: token,
      }),
    );
    calls++;
    for (const copy of page.RecoveryPoints ?? []) {
      const key = copyKey(copy);
      if (!wanted.has(key)) continue;
      const list = byKey.get(key) ?? [];
      list.push(copy);
      byKey.set(key, list);
    }
    token = page.NextToken;
  } while (token);
  return { byKey, complete: true, calls };
}

/** Every copy job matching the filter, all pages. */
export async function listCopyJobs(
  filter: Omit<ListCopyJobsCommandInput, 'NextToken' | 'MaxResults'>,
): Promise<CopyJob[]> {
  const jobs: CopyJob[] = [];
  const pages = paginateListCopyJobs(
    { client: backupClient(), pageSize: PAGE_SIZE },
    { ...filter, MaxResults: PAGE_SIZE },
  );
  for await (const page of pages) jobs.push(...(page.CopyJobs ?? []));
  return jobs;
}

/**
 * The per-recovery-point fallback: the copy of one source recovery point in the target, found
 * through its copy jobs and read back. Used only when a window listing was too large.
 */
export async function findCopyByJobs(
  sourceRecoveryPointArn: string,
  targetVaultArn: string,
  targetVaultName: string,
): Promise<{ copy?: ListedRecoveryPoint; activeJob?: CopyJob }> {
  const jobs = await listCopyJobs({
    ByDestinationVaultArn: targetVaultArn,
    BySourceRecoveryPointArn: sourceRecoveryPointArn,
  });
  const activeJob = jobs.find((job) => copyJobOutcome(job.State) === 'IN_FLIGHT');
  for (const job of jobs) {
    if (copyJobOutcome(job.State) !== 'COMPLETED' || !job.DestinationRecoveryPointArn) continue;
    const copy = await describeRecoveryPoint(
      backupClient(),
      targetVaultName,
      job.DestinationRecoveryPointArn,
    );
    if (copy && isCompleteCopy(copy)) return { copy, activeJob };
  }
  return { activeJob };
}

/** Which composite parents named by these recovery points exist in the vault (page first, then AWS). */
export async function parentsInVault(
  vaultName: string,
  recoveryPoints: readonly ListedRecoveryPoint[],
): Promise<Set<string>> {
  const inPage = new Set(recoveryPoints.map((rp) => rp.RecoveryPointArn ?? ''));
  const present = new Set<string>();
  const wanted = new Set(
    recoveryPoints.map((rp) => rp.ParentRecoveryPointArn).filter((arn): arn is string => arn !== undefined),
  );
  for (const parent of wanted) {
    if (inPage.has(parent)) {
      present.add(parent);
      continue;
    }
    if (await describeRecoveryPoint(backupClient(), vaultName, parent)) present.add(parent);
  }
  return present;
}
