import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BackupService } from './backup-service.ts';
import { AwsError, missingParameter, serialization } from './errors.ts';
import { type Faults, isDenied, shouldThrottle } from './faults.ts';
import { copyJobFilter, pageFilter, planFilter, recoveryPointFilter, vaultFilter } from './filters.ts';
import type { KmsService } from './kms-service.ts';
import {
  checkLifecycle,
  type Json,
  optionalArray,
  optionalNumber,
  optionalObject,
  optionalString,
  optionalStringMap,
  pageSize,
  requireString,
} from './validate.ts';

/** One AWS call as the emulator saw it: for call counting and "nothing was mutated" proofs. */
export interface CallRecord {
  service: 'backup' | 'kms';
  operation: string;
  mutating: boolean;
  status: number;
  errorType?: string;
}

export interface RequestContext {
  labels: string[];
  query: URLSearchParams;
  body: Json;
  /** What authorization decided beyond allow/deny (a delete AWS answers 200 but leaves EXPIRED). */
  authorization?: { leaveExpired?: boolean } | undefined;
}

interface Route {
  method: string;
  /** Path segments; `{}` matches one label. */
  segments: string[];
  operation: string;
  mutating: boolean;
  run: (ctx: RequestContext) => unknown;
}

export const MAX_BODY_BYTES = 1024 * 1024;

export const KMS_MUTATING = new Set([
  'CreateKey',
  'CreateAlias',
  'DeleteAlias',
  'EnableKey',
  'DisableKey',
  'ScheduleKeyDeletion',
  'CancelKeyDeletion',
  'PutKeyPolicy',
]);

/** The AWS Backup REST-JSON routes (paths as SDK v3 sends them; trailing slashes are ignored). */
export function backupRoutes(backup: BackupService): Route[] {
  const page = (ctx: RequestContext) =>
    pageSize(ctx.query, backup.settings.defaultPageSize, backup.settings.maxPageSize);
  const label = (ctx: RequestContext, index: number) => ctx.labels[index] ?? '';
  const route = (
    method: string,
    path: string,
    operation: string,
    mutating: boolean,
    run: (ctx: RequestContext) => unknown,
  ): Route => ({ method, segments: path.split('/').filter(Boolean), operation, mutating, run });

  return [
    route('GET', 'backup-vaults', 'ListBackupVaults', false, (ctx) =>
      backup.listBackupVaults(vaultFilter(ctx.query), page(ctx)),
    ),
    route('PUT', 'backup-vaults/{}', 'CreateBackupVault', true, (ctx) =>
      backup.createBackupVault(label(ctx, 0), {
        EncryptionKeyArn: optionalString(ctx.body, 'EncryptionKeyArn'),
        CreatorRequestId: optionalString(ctx.body, 'CreatorRequestId'),
        tags: optionalStringMap(ctx.body, 'BackupVaultTags'),
      }),
    ),
    route('GET', 'backup-vaults/{}', 'DescribeBackupVault', false, (ctx) =>
      backup.describeBackupVault(label(ctx, 0)),
    ),
    route('DELETE', 'backup-vaults/{}', 'DeleteBackupVault', true, (ctx) =>
      backup.deleteBackupVault(label(ctx, 0)),
    ),
    route('GET', 'backup-vaults/{}/access-policy', 'GetBackupVaultAccessPolicy', false, (ctx) =>
      backup.getAccessPolicy(label(ctx, 0)),
    ),
    route('PUT', 'backup-vaults/{}/access-policy', 'PutBackupVaultAccessPolicy', true, (ctx) =>
      backup.putAccessPolicy(label(ctx, 0), optionalString(ctx.body, 'Policy')),
    ),
    route('DELETE', 'backup-vaults/{}/access-policy', 'DeleteBackupVaultAccessPolicy', true, (ctx) =>
      backup.deleteAccessPolicy(label(ctx, 0)),
    ),
    route('GET', 'backup-vaults/{}/notification-configuration', 'GetBackupVaultNotifications', false, (ctx) =>
      backup.getNotifications(label(ctx, 0)),
    ),
    route(
      'PUT',
      'backup-vaults/{}/notification-configuration',
      'PutBackupVaultNotifications',
      true,
      (ctx) => {
        const events = optionalArray(ctx.body, 'BackupVaultEvents');
        if (!events) throw missingParameter('BackupVaultEvents is required');
        if (!events.every((event) => typeof event === 'string'))
          throw serialization('BackupVaultEvents must be strings');
        return backup.putNotifications(
          label(ctx, 0),
          requireString(ctx.body, 'SNSTopicArn'),
          events as string[],
        );
      },
    ),
    route(
      'DELETE',
      'backup-vaults/{}/notification-configuration',
      'DeleteBackupVaultNotifications',
      true,
      (ctx) => backup.deleteNotifications(label(ctx, 0)),
    ),
    route('PUT', 'backup-vaults/{}/vault-lock', 'PutBackupVaultLockConfiguration', true, (ctx) =>
      backup.putLockConfiguration(
        label(ctx, 0),
        optionalNumber(ctx.body, 'MinRetentionDays'),
        optionalNumber(ctx.body, 'MaxRetentionDays'),
        optionalNumber(ctx.body, 'ChangeableForDays'),
      ),
    ),
    route('DELETE', 'backup-vaults/{}/vault-lock', 'DeleteBackupVaultLockConfiguration', true, (ctx) =>
      backup.deleteLockConfiguration(label(ctx, 0)),
    ),
    route('GET', 'backup-vaults/{}/recovery-points', 'ListRecoveryPointsByBackupVault', false, (ctx) =>
      backup.listRecoveryPoints(label(ctx, 0), recoveryPointFilter(ctx.query), page(ctx)),
    ),
    route('GET', 'backup-vaults/{}/recovery-points/{}', 'DescribeRecoveryPoint', false, (ctx) =>
      backup.describeRecoveryPoint(label(ctx, 0), label(ctx, 1)),
    ),
    route('DELETE', 'backup-vaults/{}/recovery-points/{}', 'DeleteRecoveryPoint', true, (ctx) =>
      backup.deleteRecoveryPoint(label(ctx, 0), label(ctx, 1), {
        leaveExpired: ctx.authorization?.leaveExpired === true,
      }),
    ),
    route('POST', 'backup-vaults/{}/recovery-points/{}', 'UpdateRecoveryPointLifecycle', true, (ctx) =>
      backup.updateRecoveryPointLifecycle(
        label(ctx, 0),
        label(ctx, 1),
        checkLifecycle(optionalObject(ctx.body, 'Lifecycle'), 'Lifecycle'),
      ),
    ),
    route('GET', 'tags/{}', 'ListTags', false, (ctx) =>
      backup.listTags(label(ctx, 0), pageFilter(ctx.query), page(ctx)),
    ),
    route('POST', 'tags/{}', 'TagResource', true, (ctx) => {
      const tags = optionalStringMap(ctx.body, 'Tags');
      if (!tags) throw missingParameter('Tags is required');
      return backup.tagResource(label(ctx, 0), tags);
    }),
    route('POST', 'untag/{}', 'UntagResource', true, (ctx) => {
      const keys = optionalArray(ctx.body, 'TagKeyList');
      if (!keys) throw missingParameter('TagKeyList is required');
      if (!keys.every((key) => typeof key === 'string')) throw serialization('TagKeyList must be strings');
      return backup.untagResource(label(ctx, 0), keys as string[]);
    }),
    route('PUT', 'copy-jobs', 'StartCopyJob', true, (ctx) =>
      backup.startCopyJob({
        RecoveryPointArn: requireString(ctx.body, 'RecoveryPointArn'),
        SourceBackupVaultName: requireString(ctx.body, 'SourceBackupVaultName'),
        DestinationBackupVaultArn: requireString(ctx.body, 'DestinationBackupVaultArn'),
        IamRoleArn: requireString(ctx.body, 'IamRoleArn'),
        IdempotencyToken: optionalString(ctx.body, 'IdempotencyToken'),
        Lifecycle: checkLifecycle(optionalObject(ctx.body, 'Lifecycle'), 'Lifecycle'),
      }),
    ),
    route('GET', 'copy-jobs', 'ListCopyJobs', false, (ctx) =>
      backup.listCopyJobs(copyJobFilter(ctx.query), page(ctx)),
    ),
    route('GET', 'copy-jobs/{}', 'DescribeCopyJob', false, (ctx) => backup.describeCopyJob(label(ctx, 0))),
    route('GET', 'backup/plans', 'ListBackupPlans', false, (ctx) =>
      backup.listBackupPlans(planFilter(ctx.query), page(ctx)),
    ),
    route('PUT', 'backup/plans', 'CreateBackupPlan', true, (ctx) =>
      backup.createBackupPlan(
        optionalObject(ctx.body, 'BackupPlan'),
        optionalString(ctx.body, 'CreatorRequestId'),
      ),
    ),
    route('GET', 'backup/plans/{}', 'GetBackupPlan', false, (ctx) =>
      backup.getBackupPlan(label(ctx, 0), ctx.query.get('versionId')),
    ),
    route('POST', 'backup/plans/{}', 'UpdateBackupPlan', true, (ctx) =>
      backup.updateBackupPlan(label(ctx, 0), optionalObject(ctx.body, 'BackupPlan')),
    ),
    route('DELETE', 'backup/plans/{}', 'DeleteBackupPlan', true, (ctx) =>
      backup.deleteBackupPlan(label(ctx, 0)),
    ),
  ];
}

/** Splits the path on '/' before decoding, since labels (ARNs) carry encoded '/' and ':'. */
export function matchRoute(routes: Route[], method: string, pathname: string) {
  const raw = pathname.split('/').filter(Boolean);
  let segments: string[];
  try {
    segments = raw.map((segment) => decodeURIComponent(segment));
  } catch {
    return {
      error: new AwsError('InvalidParameterValueException', 'Malformed percent-encoding in the path'),
    };
  }
  let pathMatched = false;
  for (const route of routes) {
    if (route.segments.length !== segments.length) continue;
    const labels: string[] = [];
    const same = route.segments.every((part, index) => {
      const actual = segments[index] ?? '';
      if (part === '{}') {
        labels.push(actual);
        return actual !== '';
      }
      return part === actual;
    });
    if (!same) continue;
    pathMatched = true;
    if (route.method === method) return { route, labels };
  }
  return {
    error: new AwsError(
      'UnknownOperationException',
      pathMatched
        ? `Method ${method} is not allowed on ${pathname}`
        : `No operation at ${method} ${pathname}`,
      404,
    ),
  };
}

/** Dates become epoch seconds (AWS JSON timestamps); undefined fields are left out. */
export function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toWire);
  if (value instanceof Map) return toWire(Object.fromEntries(value));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = toWire(item);
    return out;
  }
  return value;
}

export interface ServerHooks {
  backup: BackupService;
  kms: KmsService;
  faults: Faults;
  /** Brings simulated state up to the current simulated time before each call. */
  settle: () => void;
  onCall: (call: CallRecord) => void;
  /** The emulator's own control API under /_emulator/. */
  admin: (method: string, path: string, body: Json) => unknown | Promise<unknown>;
  /** Authorizes a call before it runs (throws AWS's AccessDeniedException); absent: no authorization. */
  authorize?: (call: {
    service: 'backup' | 'kms';
    operation: string;
    labels: string[];
    body: Json;
    accessKeyId: string | undefined;
  }) => Promise<{ leaveExpired?: boolean }>;
  /** After a successful call (the copy job's own authorization hangs here). */
  afterCall?: (operation: string, result: unknown) => Promise<void>;
}

export function createEmulatorServer(hooks: ServerHooks): Server {
  const routes = backupRoutes(hooks.backup);
  return createServer((request, response) => {
    readBody(request)
      .then((raw) => handle(request, response, raw, routes, hooks))
      .catch((error: unknown) => {
        const awsError =
          error instanceof AwsError ? error : new AwsError('ServiceUnavailableException', String(error), 500);
        send(response, awsError.status, errorBody(awsError, false), awsError.errorType, false);
      });
  });
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        // Keep draining (no destroy): a reset socket would leave the client without the 413 answer.
        reject(new AwsError('RequestEntityTooLargeException', 'Request body is too large', 413));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parseJsonBody(raw: string): Json {
  if (raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw serialization('Request body is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw serialization('Request body must be a JSON object');
  }
  return parsed as Json;
}

/** The access key id of a SigV4 `Authorization` header (`Credential=AKID/date/region/service/aws4_request`). */
export function accessKeyIdOf(authorization: string | undefined): string | undefined {
  return authorization === undefined ? undefined : /Credential=([^/,\s]+)\//.exec(authorization)?.[1];
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  raw: string,
  routes: Route[],
  hooks: ServerHooks,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://emulator.local');
  const method = request.method ?? 'GET';
  const target = request.headers['x-amz-target'];
  const isKms = typeof target === 'string' && target.startsWith('TrentService.');

  if (url.pathname.startsWith('/_emulator/')) {
    try {
      const result = await hooks.admin(method, url.pathname.slice('/_emulator/'.length), parseJsonBody(raw));
      send(response, 200, toWire(result ?? {}), undefined, false);
    } catch (error) {
      const awsError =
        error instanceof AwsError ? error : new AwsError('InvalidRequestException', String(error));
      send(response, awsError.status, errorBody(awsError, false), awsError.errorType, false);
    }
    return;
  }

  const service = isKms ? 'kms' : 'backup';
  let operation = 'Unknown';
  let mutating = false;
  try {
    if (!request.headers.authorization) {
      throw new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
    }
    let run: () => unknown;
    let authorization: { leaveExpired?: boolean } | undefined;
    let vaultName: string | undefined;
    let labels: string[] = [];
    let body: Json;
    if (isKms) {
      operation = (target as string).slice('TrentService.'.length);
      mutating = KMS_MUTATING.has(operation);
      if (method !== 'POST' || url.pathname !== '/')
        throw new AwsError('UnknownOperationException', 'Use POST /', 404);
      const kmsBody = parseJsonBody(raw);
      body = kmsBody;
      run = () => hooks.kms.handle(operation, kmsBody);
    } else {
      const match = matchRoute(routes, method, url.pathname);
      if ('error' in match && match.error) throw match.error;
      const matched = match as { route: Route; labels: string[] };
      const route = matched.route;
      labels = matched.labels;
      operation = route.operation;
      mutating = route.mutating;
      if (route.segments[0] === 'backup-vaults' && route.segments.length > 1) vaultName = labels[0];
      const backupBody = method === 'GET' || method === 'DELETE' ? {} : parseJsonBody(raw);
      body = backupBody;
      run = () =>
        route.run({ labels: matched.labels, query: url.searchParams, body: backupBody, authorization });
    }
    if (shouldThrottle(hooks.faults, operation)) {
      throw new AwsError('ThrottlingException', 'Rate exceeded', 400);
    }
    if (isDenied(hooks.faults, operation, vaultName)) {
      throw new AwsError('AccessDeniedException', 'Insufficient privileges to perform this action.', 403);
    }
    if (hooks.authorize) {
      hooks.settle();
      authorization = await hooks.authorize({
        service,
        operation,
        labels,
        body,
        accessKeyId: accessKeyIdOf(request.headers.authorization),
      });
    }
    hooks.settle();
    const result = run();
    hooks.settle();
    if (hooks.afterCall) await hooks.afterCall(operation, result);
    hooks.onCall({ service, operation, mutating, status: 200 });
    send(response, 200, toWire(result ?? {}), undefined, isKms);
  } catch (error) {
    const awsError =
      error instanceof AwsError ? error : new AwsError('ServiceUnavailableException', 'Internal error', 500);
    if (!(error instanceof AwsError)) console.error('emulator internal error', error);
    hooks.onCall({ service, operation, mutating, status: awsError.status, errorType: awsError.errorType });
    send(response, awsError.status, errorBody(awsError, isKms), awsError.errorType, isKms);
  }
}

/** AWS Backup bodies carry `Code`/`Message`; KMS (awsJson1_1) bodies carry `__type`/`message`. */
function errorBody(error: AwsError, kms: boolean) {
  if (kms) return { __type: error.errorType, message: error.message };
  return {
    Code: error.code ?? error.errorType,
    Message: error.message,
    Type: error.status >= 500 ? 'Server' : 'User',
  };
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  errorType: string | undefined,
  kms: boolean,
) {
  const payload = JSON.stringify(body);
  response.statusCode = status;
  response.setHeader('content-type', kms ? 'application/x-amz-json-1.1' : 'application/json');
  response.setHeader('x-amzn-requestid', crypto.randomUUID());
  if (errorType) response.setHeader('x-amzn-ErrorType', errorType);
  response.setHeader('content-length', Buffer.byteLength(payload));
  response.end(payload);
}

export function listenOnLoopback(server: Server, port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      resolve(`http://${host}:${address.port}`);
    });
  });
}
