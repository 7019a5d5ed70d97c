/**
 * Watches the Lambda tasks of local executions. The local runner binds every Task to a handler of
 * its exported FUNCTIONS table; while someone observes, each entry is a wrapper that calls the real
 * handler and reports its event and result (or error) with the simulated time. Observation must
 * start before the runner is built (a runner may copy the table when it is constructed) and a
 * wrapper left in a runner after observation ends only calls the handler. The handlers, their inputs
 * and outputs are untouched: the progress bars show exactly what the state machine carries.
 */
import type { Context } from 'aws-lambda';
import { currentTime } from '#shared/clock.ts';
import { FUNCTIONS } from '../../local/runner/index.ts';

type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface TaskObservation {
  /** The function's key without `FunctionArn`: `PrepareMigration`, `CopyRecoveryPoints`, ... */
  task: string;
  event: unknown;
  result?: unknown;
  error?: { name: string; message: string };
  /** Simulated time when the task ended (the runner sets the handlers' clock before each call). */
  simulatedNow: Date;
}

export type TaskListener = (observation: TaskObservation) => void;

const listeners = new Set<TaskListener>();
let originals: Map<string, LambdaHandler> | undefined;

function notify(observation: TaskObservation): void {
  for (const listener of listeners) {
    try {
      listener(observation);
    } catch {
      // A display must never break a migration.
    }
  }
}

function install(): void {
  originals = new Map(Object.entries(FUNCTIONS));
  for (const [key, original] of originals) {
    const task = key.replace(/FunctionArn$/, '');
    FUNCTIONS[key] = async (event, context) => {
      try {
        const result = await original(event, context);
        notify({ task, event, result, simulatedNow: currentTime() });
        return result;
      } catch (error) {
        const { name, message } = error instanceof Error ? error : new Error(String(error));
        notify({ task, event, error: { name, message }, simulatedNow: currentTime() });
        throw error;
      }
    };
  }
}

function uninstall(): void {
  for (const [key, original] of originals ?? []) FUNCTIONS[key] = original;
  originals = undefined;
}

/** Reports every task of local executions to `listener` until the returned function is called. */
export function observeTasks(listener: TaskListener): () => void {
  if (listeners.size === 0) install();
  listeners.add(listener);
  return () => {
    if (!listeners.delete(listener)) return;
    if (listeners.size === 0) uninstall();
  };
}
