/**
 * What a copy job's State and a copy's Status mean to the migrator: one meaning everywhere (the
 * pump, the ledger, verification, re-runs), so that no step counts as done what another counts as
 * missing.
 *
 * PARTIAL (a copy job or a copy recovery point; AWS-FACTS "Fields and states": a composite copy
 * with nested members missing) is not a copy: the job counts as a failed attempt and is retried
 * within the attempt budget, a PARTIAL copy in the target does not stop a later sweep or re-run
 * from copying again, and what stays PARTIAL is reported as missing with its status.
 */
import { isFinishedStatus } from './classify.ts';

export type CopyJobOutcome = 'IN_FLIGHT' | 'COMPLETED' | 'FAILED';

/** CREATED/RUNNING: in flight; COMPLETED: done (still to be read back); PARTIAL, FAILED, anything else: failed. */
export function copyJobOutcome(state: string | undefined): CopyJobOutcome {
  if (state === 'CREATED' || state === 'RUNNING') return 'IN_FLIGHT';
  if (state === 'COMPLETED') return 'COMPLETED';
  return 'FAILED';
}

/** Why an ended job is a failed attempt, for the retry record and the report. */
export function failedJobReason(state: string | undefined, statusMessage: string | undefined): string {
  if (state === 'PARTIAL') {
    return `copy job ended PARTIAL (nested recovery points missing)${statusMessage ? `: ${statusMessage}` : ''}`;
  }
  return statusMessage ?? `copy job ended ${state ?? 'without a state'}`;
}

/** Whether a recovery point in the target is a finished copy (COMPLETED or AVAILABLE; never PARTIAL). */
export function isCompleteCopy(copy: { Status?: string | undefined }): boolean {
  return isFinishedStatus(copy.Status);
}
