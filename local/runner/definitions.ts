/**
 * The state machines as the runner runs them: which ASL files, and what the runner reads from a
 * definition (the states inside Map iterations and Parallel branches, their Waits, the wall-clock
 * timeouts the local engine would enforce where AWS does not).
 */
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { stateMachinesDir } from '../package-root.ts';

export const STATE_MACHINES_DIR = stateMachinesDir();

export type StateMachineName = 'MigrateVault' | 'MigrateAllVaults';

/** A state machine the runner can start: the project's own, or one added through `RunnerOptions.stateMachines`. */
export type AnyStateMachineName = StateMachineName | (string & {});

export const STATE_MACHINE_FILES: Record<StateMachineName, string> = {
  MigrateVault: 'migrate-vault.asl.json',
  MigrateAllVaults: 'migrate-all-vaults.asl.json',
};

export const SYNC_START_EXECUTION = 'arn:aws:states:::states:startExecution.sync:2';

type StateDefinition = StateMachineDefinition['States'][string];

/** The longest timer Node keeps (2^31 - 1 ms); AWS's own default task timeout is 99,999,999 s. */
const LONGEST_TIMER_SECONDS = 2_147_483;

/**
 * The local engine times every Task out after 60 s of wall time unless it names TimeoutSeconds,
 * where AWS waits 99,999,999 s. A nested `startExecution.sync:2` runs a whole child execution,
 * which can take minutes of wall time even in simulated time, so it gets AWS's "no timeout".
 */
export function withoutWallClockTimeouts(definition: StateMachineDefinition): StateMachineDefinition {
  // The execution's own TimeoutSeconds (one year) is a wall-clock timer here too: past Node's
  // longest timer it would fire at once, and simulated time never nears it anyway.
  const execution = definition as { TimeoutSeconds?: number };
  if (execution.TimeoutSeconds !== undefined && execution.TimeoutSeconds > LONGEST_TIMER_SECONDS) {
    execution.TimeoutSeconds = LONGEST_TIMER_SECONDS;
  }
  for (const state of Object.values(definition.States)) {
    for (const processor of processorsOf(state)) withoutWallClockTimeouts(processor);
    const task = state as {
      Type: string;
      Resource?: string;
      TimeoutSeconds?: number;
      TimeoutSecondsPath?: string;
    };
    if (task.Type !== 'Task' || task.Resource !== SYNC_START_EXECUTION) continue;
    if (task.TimeoutSeconds === undefined && task.TimeoutSecondsPath === undefined) {
      task.TimeoutSeconds = LONGEST_TIMER_SECONDS;
    }
  }
  return definition;
}

export interface WaitState {
  Seconds?: number;
  SecondsPath?: string;
  Next?: string;
}

/** The state machines a Map (its item processor) or a Parallel (its branches) runs. */
export function processorsOf(state: StateDefinition): StateMachineDefinition[] {
  const container = state as {
    ItemProcessor?: StateMachineDefinition;
    Iterator?: StateMachineDefinition;
    Branches?: StateMachineDefinition[];
  };
  if (state.Type === 'Map') {
    const processor = container.ItemProcessor ?? container.Iterator;
    return processor ? [processor] : [];
  }
  return state.Type === 'Parallel' ? (container.Branches ?? []) : [];
}

/** Wait states inside Map iterations and Parallel branches, with their fixed length in seconds. */
export function iterationWaitSeconds(definition: StateMachineDefinition): Array<[string, number]> {
  const found: Array<[string, number]> = [];
  const visit = (states: StateMachineDefinition['States'], nested: boolean) => {
    for (const [stateName, state] of Object.entries(states)) {
      if (nested && state.Type === 'Wait') {
        const wait = state as WaitState;
        if (typeof wait.Seconds !== 'number') {
          throw new Error(`Wait "${stateName}" inside an iteration needs a fixed Seconds to run locally`);
        }
        const next = wait.Next ? states[wait.Next] : undefined;
        if (next?.Type !== 'Task') {
          throw new Error(
            `Wait "${stateName}" inside an iteration must lead straight to a Task to run locally`,
          );
        }
        found.push([stateName, wait.Seconds]);
      }
      for (const processor of processorsOf(state)) visit(processor.States, true);
    }
  };
  visit(definition.States, false);
  return found;
}

/** Task state -> the iteration Wait that leads to it. */
export function iterationWaits(definition: StateMachineDefinition): Map<string, string> {
  const byTask = new Map<string, string>();
  const visit = (states: StateMachineDefinition['States'], nested: boolean) => {
    for (const [stateName, state] of Object.entries(states)) {
      const next = (state as WaitState).Next;
      if (nested && state.Type === 'Wait' && next) byTask.set(next, stateName);
      for (const processor of processorsOf(state)) visit(processor.States, true);
    }
  };
  visit(definition.States, false);
  return byTask;
}

/** Reads `$.a.b` from the last result a task wrote at `$.a`. */
export function secondsAt(path: string, lastResults: Map<string, unknown>): number {
  const parts = path.replace(/^\$\./, '').split('.');
  for (let split = parts.length - 1; split >= 1; split--) {
    const prefix = `$.${parts.slice(0, split).join('.')}`;
    if (!lastResults.has(prefix)) continue;
    let value: unknown = lastResults.get(prefix);
    for (const part of parts.slice(split)) value = (value as Record<string, unknown> | undefined)?.[part];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  }
  throw new Error(`Wait reads ${path}, which no task result provides`);
}
