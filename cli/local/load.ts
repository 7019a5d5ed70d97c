/**
 * Local mode (`--local`, `demo`, `serve`) is loaded only when asked for: it brings the local
 * Step Functions engine, the emulator and the IAM evaluation engine, which are development
 * dependencies. An installed package (npm install -g) carries the AWS mode alone; asked for local
 * mode, it says how to get it instead of failing on a missing module.
 */
import { CliError } from '../errors.ts';

export type LocalSessionModule = typeof import('./session.ts');
export type StepFunctionsApiModule = typeof import('../../local/runner/step-functions-api.ts');

/** What local mode needs that an installed package does not have (development dependencies). */
const DEVELOPMENT_ONLY = [
  'aws-local-stepfunctions',
  '@cloud-copilot/iam-simulate',
  '@cloud-copilot/iam-policy',
  'tsx',
];

/** The development dependency a failed import lacked, if that is why it failed. */
function missingPackage(error: unknown): string | undefined {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if ((code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') || typeof message !== 'string') {
    return undefined;
  }
  const named = /Cannot find (?:package|module) '([^']+)'/.exec(message)?.[1];
  return DEVELOPMENT_ONLY.find((name) => named === name || named?.startsWith(`${name}/`));
}

async function loadLocal<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const missing = missingPackage(error);
    if (missing === undefined) throw error;
    throw new CliError(
      'LocalModeUnavailable',
      `local mode (--local, --endpoint, demo, serve) is not part of this install (${missing} is missing); ` +
        'it runs from a clone of the repository after `npm ci`. The AWS mode works as installed.',
    );
  }
}

export const localSessionModule = (): Promise<LocalSessionModule> => loadLocal(() => import('./session.ts'));

export const stepFunctionsApiModule = (): Promise<StepFunctionsApiModule> =>
  loadLocal(() => import('../../local/runner/step-functions-api.ts'));
