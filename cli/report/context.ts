/**
 * What an auditor asks of a report before its figures: which account and Region, who ran it (the
 * caller identity), with which version of the tool, where (AWS, or this machine against an
 * emulator or endpoint), and by which clock the times are given.
 */
import { toolVersion } from '../version.ts';

export interface RunContext {
  where: 'aws' | 'local' | 'file';
  account: string | null;
  region: string | null;
  /** The caller identity's ARN (STS GetCallerIdentity), when it could be read. */
  caller: string | null;
  /** Locally: where the Backup and KMS calls went. */
  endpoint: string | null;
  toolVersion: string;
  toolCommit: string | null;
  /** The clock of startedAt and stoppedAt. */
  clock: string;
  /** Locally: the simulated time the run took, in ms. */
  simulatedMs: number | null;
}

/** Account and Region from an ARN (a Step Functions execution, a backup vault, ...). */
export function accountAndRegion(arn: string | null | undefined): {
  account: string | null;
  region: string | null;
} {
  const match = /^arn:aws[\w-]*:[\w-]+:([a-z0-9-]*):(\d{12})?:/.exec(arn ?? '');
  return { account: match?.[2] || null, region: match?.[1] || null };
}

export function runContext(
  where: RunContext['where'],
  arn: string | null | undefined,
  extra: Partial<Pick<RunContext, 'caller' | 'endpoint' | 'simulatedMs' | 'clock'>> = {},
): RunContext {
  const { version, commit } = toolVersion();
  return {
    where,
    ...accountAndRegion(arn),
    caller: extra.caller ?? null,
    endpoint: extra.endpoint ?? null,
    toolVersion: version,
    toolCommit: commit,
    clock:
      extra.clock ??
      (where === 'aws'
        ? 'Step Functions (UTC)'
        : where === 'local'
          ? 'this machine (UTC); Backup and KMS times are simulated'
          : 'the report file (UTC)'),
    simulatedMs: extra.simulatedMs ?? null,
  };
}

/** The context of a local run, from its record. */
export function localContext(record: {
  arn: string;
  endpoint: string;
  simulatedMs: number;
  caller?: string | undefined;
}): RunContext {
  return runContext('local', record.arn, {
    endpoint: record.endpoint,
    simulatedMs: record.simulatedMs,
    caller: record.caller ?? null,
  });
}
