import { AwsError, invalidParameter, missingParameter } from './errors.ts';

/** Checks on request fields, answering as AWS does: a named 400 error, never a crash. */
export type Json = Record<string, unknown>;

export const VAULT_NAME_PATTERN = /^[a-zA-Z0-9\-_]{2,50}$/;

export function requireString(body: Json, field: string): string {
  const value = body[field];
  if (value === undefined || value === null || value === '') throw missingParameter(`${field} is required`);
  if (typeof value !== 'string') throw serializationType(field, 'a string');
  return value;
}

export function optionalString(body: Json, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw serializationType(field, 'a string');
  return value;
}

export function optionalNumber(body: Json, field: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw serializationType(field, 'a number');
  return value;
}

export function optionalBoolean(body: Json, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw serializationType(field, 'a boolean');
  return value;
}

export function optionalObject(body: Json, field: string): Json | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw serializationType(field, 'an object');
  return value as Json;
}

export function optionalArray(body: Json, field: string): unknown[] | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw serializationType(field, 'a list');
  return value;
}

export function optionalStringMap(body: Json, field: string): Record<string, string> | undefined {
  const value = optionalObject(body, field);
  if (!value) return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') throw serializationType(`${field}.${key}`, 'a string');
  }
  return value as Record<string, string>;
}

export function checkVaultName(name: string): string {
  // The type check matters for seeds from the control API: RegExp.test(undefined) tests "undefined".
  if (typeof name !== 'string' || !VAULT_NAME_PATTERN.test(name)) {
    throw invalidParameter(
      `Invalid backup vault name ${JSON.stringify(name)}: 2 to 50 characters, letters, digits, hyphens and underscores`,
    );
  }
  return name;
}

/**
 * MaxResults as AWS checks it (1..1000), else the emulator's small default; never more than
 * `largest`: AWS may return fewer items than asked with a NextToken, and callers must page on.
 */
export function pageSize(query: URLSearchParams, fallback: number, largest = 1000): number {
  const raw = query.get('maxResults');
  if (raw === null) return Math.min(fallback, largest);
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 1000) {
    throw invalidParameter(`maxResults must be between 1 and 1000, got ${raw}`);
  }
  return Math.min(value, largest);
}

export function queryDate(query: URLSearchParams, field: string): Date | undefined {
  const raw = query.get(field);
  if (raw === null) return undefined;
  const asNumber = Number(raw);
  const when = Number.isFinite(asNumber) ? new Date(asNumber * 1000) : new Date(raw);
  if (Number.isNaN(when.getTime())) throw invalidParameter(`${field} is not a timestamp: ${raw}`);
  return when;
}

export function checkLifecycle(raw: Json | undefined, field: string) {
  if (!raw) return undefined;
  const lifecycle = {
    MoveToColdStorageAfterDays: optionalNumber(raw, 'MoveToColdStorageAfterDays'),
    DeleteAfterDays: optionalNumber(raw, 'DeleteAfterDays'),
    OptInToArchiveForSupportedResources: optionalBoolean(raw, 'OptInToArchiveForSupportedResources'),
  };
  const cold = lifecycle.MoveToColdStorageAfterDays;
  const del = lifecycle.DeleteAfterDays;
  for (const [name, value] of [
    ['MoveToColdStorageAfterDays', cold],
    ['DeleteAfterDays', del],
  ] as const) {
    if (value !== undefined && value !== -1 && (!Number.isInteger(value) || value < 1)) {
      throw invalidParameter(
        `${field}.${name} must be a positive whole number of days (or -1), got ${value}`,
      );
    }
  }
  if (cold !== undefined && cold !== -1 && del !== undefined && del !== -1 && del < cold + 90) {
    throw invalidParameter(
      `${field}: DeleteAfterDays (${del}) must be at least 90 days after MoveToColdStorageAfterDays (${cold})`,
    );
  }
  return Object.fromEntries(Object.entries(lifecycle).filter(([, v]) => v !== undefined));
}

function serializationType(field: string, expected: string): AwsError {
  return new AwsError('SerializationException', `${field} must be ${expected}`);
}
