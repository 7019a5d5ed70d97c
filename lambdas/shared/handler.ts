import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { asPermissionDenied } from './errors.ts';
import { logger } from './logger.ts';

/** Keys every log line of an invocation carries, when the event has them. */
interface Keyed {
  migration?: { executionId?: string; sourceVaultName?: string };
  executionId?: string;
  sourceVaultName?: string;
}

/**
 * Wraps a typed core as the Lambda handler: Powertools context injection and log keys for the
 * execution and the vault; AWS's authorization denials become PermissionDenied. The core stays
 * callable without middy in tests.
 */
export function lambdaHandler<Event, Result>(core: (event: Event) => Promise<Result>) {
  return middy<Event, Result, Error, Context>(async (event: Event) => {
    const keyed = (event ?? {}) as Keyed;
    logger.appendKeys({
      executionId: keyed.migration?.executionId ?? keyed.executionId,
      sourceVaultName: keyed.migration?.sourceVaultName ?? keyed.sourceVaultName,
    });
    try {
      return await core(event);
    } catch (error) {
      // A missing permission of this Lambda's role ends as a named error naming the action.
      throw asPermissionDenied(error) ?? error;
    }
  }).use(injectLambdaContext(logger, { clearState: true }));
}
