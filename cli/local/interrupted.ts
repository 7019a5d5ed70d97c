/**
 * Ctrl-C during a local run: the execution dies with the process, so the command says what it had
 * done by then (per vault: target vault created, plans repointed, copies made), records the run as
 * ABORTED where `status` finds it, and prints the exact command that takes the migration up again
 * (a new execution name, as Step Functions refuses a name twice; nothing is copied twice).
 */

import type { Phase, ProgressTracker } from '../progress/tracker.ts';
import type { ExecutionRecord } from './records.ts';

const ORDER: readonly Phase[] = [
  'waiting',
  'preparing',
  'planning',
  'creating the target vault',
  'repointing backup plans',
  'copying',
  'verifying',
  'retiring the source',
  'writing the report',
  'done',
];

function reached(phase: Phase, step: Phase): boolean {
  return ORDER.indexOf(phase) > ORDER.indexOf(step);
}

/** One line per vault: what exists now because of this run. */
export function whatExists(tracker: ProgressTracker): string[] {
  const lines: string[] = [];
  for (const vault of tracker.vaults.values()) {
    const done: string[] = [];
    if (vault.dryRun) {
      lines.push(`  ${vault.vault}: dry run, nothing was changed`);
      continue;
    }
    if (reached(vault.phase, 'creating the target vault')) done.push('target vault created');
    if (reached(vault.phase, 'repointing backup plans')) done.push('backup plans repointed');
    if (vault.done > 0 || vault.phase === 'copying') {
      done.push(`${vault.done}${vault.total === null ? '' : ` of ${vault.total}`} copies made`);
    }
    if (vault.inFlight > 0) done.push(`${vault.inFlight} copy jobs still running`);
    if (vault.deleted > 0) done.push(`${vault.deleted} source recovery points deleted`);
    if (vault.phase === 'done') done.push('finished');
    lines.push(`  ${vault.vault}: ${done.length > 0 ? done.join(', ') : 'nothing changed yet'}`);
  }
  return lines;
}

/** The command line again, with a new execution name. */
export function resumeCommand(argv: readonly string[], newName: string): string {
  const args: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    if (arg === '--name') {
      index++;
      continue;
    }
    if (arg.startsWith('--name=')) continue;
    args.push(arg);
  }
  args.push('--name', newName);
  return `vault-migrator ${args.map(quote).join(' ')}`;
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** The record of a run cut short, for `status` and `report`. */
export function interruptedRecord(
  base: Pick<ExecutionRecord, 'name' | 'arn' | 'stateMachine' | 'startDate' | 'input' | 'endpoint'>,
): ExecutionRecord {
  return {
    recordVersion: 1,
    ...base,
    status: 'ABORTED',
    stopDate: new Date().toISOString(),
    error: 'ExecutionAborted',
    cause: 'Interrupted (Ctrl-C) on this machine; the local execution stopped with the command.',
    simulatedMs: 0,
    stats: { executions: 0, stateTransitions: 0, lambdaInvocations: 0 },
  };
}
