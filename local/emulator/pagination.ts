/**
 * Paging of the emulator's lists: tokens that name the last item (or a position, or a creation key)
 * and carry when they were issued, so that the service can play AWS's less kind token behaviours
 * (expiry, shifting offsets) and keep its lists in insertion or creation order.
 */
import { invalidParameter } from './errors.ts';
import type { RecoveryPoint } from './model.ts';

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

export function encodeToken(value: string, at?: number): string {
  return Buffer.from(JSON.stringify({ after: value, at })).toString('base64url');
}

/** The position the token's last item had: lists here are in insertion order, not sorted by key. */
export function tokenPosition(token: string): number | undefined {
  const { at } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { at?: unknown };
  return typeof at === 'number' && Number.isInteger(at) && at >= 0 ? at : undefined;
}

export function decodeToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string') return parsed.after;
  } catch {
    // fall through to the error AWS sends for a token it did not issue
  }
  throw invalidParameter('The NextToken is not valid');
}

/** Pages over a list in its order, the token naming the last key returned. */
export function paginate<T>(
  items: readonly T[],
  token: string | null | undefined,
  limit: number,
  key: (item: T) => string,
): Page<T> {
  let start = 0;
  if (token) {
    const after = decodeToken(token);
    const index = items.findIndex((item) => key(item) === after);
    // A key that vanished since (deleted): resume at its old position, which the next item moved into.
    start = index >= 0 ? index + 1 : Math.min(tokenPosition(token) ?? items.length, items.length);
  }
  const pageItems = items.slice(start, start + limit);
  const last = pageItems.at(-1);
  const more = start + limit < items.length;
  return {
    items: pageItems,
    nextToken: more && last !== undefined ? encodeToken(key(last), start + pageItems.length - 1) : undefined,
  };
}

export type CreationKey = readonly [number, number];

export function creationKey(recoveryPoint: RecoveryPoint): CreationKey {
  return [recoveryPoint.creationDate.getTime(), recoveryPoint.seq];
}

export function compareKeys(a: CreationKey, b: CreationKey): number {
  return a[0] - b[0] || a[1] - b[1];
}

/** First index whose key is greater than `key` in a list sorted by creation key. */
export function creationIndexAfter(sorted: readonly RecoveryPoint[], key: CreationKey): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const item = sorted[mid];
    if (item && compareKeys(creationKey(item), key) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Pages over a creation-date range in creation order; the token names the last key returned. */
export function creationPage(
  sorted: readonly RecoveryPoint[],
  token: string | null,
  limit: number,
  matches: (rp: RecoveryPoint) => boolean,
  created: { after?: Date | undefined; before?: Date | undefined },
): Page<RecoveryPoint> {
  let index = created.after
    ? creationIndexAfter(sorted, [created.after.getTime(), Number.MAX_SAFE_INTEGER])
    : 0;
  if (token) {
    const [ms, seq] = decodeToken(token).split(':').map(Number);
    if (!Number.isFinite(ms) || !Number.isFinite(seq)) throw invalidParameter('The NextToken is not valid');
    index = Math.max(index, creationIndexAfter(sorted, [ms as number, seq as number]));
  }
  const beforeMs = created.before?.getTime() ?? Number.POSITIVE_INFINITY;
  const items: RecoveryPoint[] = [];
  let more = false;
  for (; index < sorted.length; index++) {
    const recoveryPoint = sorted[index];
    if (!recoveryPoint || recoveryPoint.creationDate.getTime() >= beforeMs) break;
    if (!matches(recoveryPoint)) continue;
    if (items.length === limit) {
      more = true;
      break;
    }
    items.push(recoveryPoint);
  }
  const last = items.at(-1);
  return { items, nextToken: more && last ? encodeToken(creationKey(last).join(':')) : undefined };
}

export function stampToken(inner: string, issuedAt: number): string {
  return Buffer.from(JSON.stringify({ t: inner, iat: issuedAt })).toString('base64url');
}

export function readStampedToken(token: string): { inner: string; issuedAt: number } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      t?: unknown;
      iat?: unknown;
    };
    if (typeof parsed.t === 'string' && typeof parsed.iat === 'number')
      return { inner: parsed.t, issuedAt: parsed.iat };
  } catch {
    // fall through
  }
  throw invalidParameter('The NextToken is not valid');
}

/** Pages by position among the matching items: the token is an offset, which shifts when the list changes. */
export function offsetPage(
  items: readonly RecoveryPoint[],
  token: string | null,
  limit: number,
  matches: (rp: RecoveryPoint) => boolean,
): Page<RecoveryPoint> {
  const offset = token === null ? 0 : Number(decodeToken(token));
  if (!Number.isInteger(offset) || offset < 0) throw invalidParameter('The NextToken is not valid');
  const matching = items.filter(matches);
  const pageItems = matching.slice(offset, offset + limit);
  const more = offset + limit < matching.length;
  return { items: pageItems, nextToken: more ? encodeToken(String(offset + limit)) : undefined };
}

/** Pages over recovery points by insertion sequence, robust to deletions between pages. */
export function seqPage(
  ordered: readonly RecoveryPoint[],
  token: string | null,
  limit: number,
  matches: (rp: RecoveryPoint) => boolean,
): Page<RecoveryPoint> {
  let index = 0;
  if (token) {
    const after = Number(decodeToken(token));
    if (!Number.isInteger(after)) throw invalidParameter('The NextToken is not valid');
    let lo = 0;
    let hi = ordered.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((ordered[mid]?.seq ?? 0) <= after) lo = mid + 1;
      else hi = mid;
    }
    index = lo;
  }
  const items: RecoveryPoint[] = [];
  for (; index < ordered.length && items.length < limit; index++) {
    const recoveryPoint = ordered[index];
    if (recoveryPoint && matches(recoveryPoint)) items.push(recoveryPoint);
  }
  let more = false;
  for (let probe = index; probe < ordered.length; probe++) {
    const recoveryPoint = ordered[probe];
    if (recoveryPoint && matches(recoveryPoint)) {
      more = true;
      break;
    }
  }
  const last = items.at(-1);
  return { items, nextToken: more && last ? encodeToken(String(last.seq)) : undefined };
}
