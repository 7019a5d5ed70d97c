/**
 * Copies done between copy rounds, from AWS Backup: the state machine counts its copies once a
 * round (rounds may be ten minutes apart), so in between the board asks ListCopyJobs for the jobs
 * into each vault's new vault that completed since its last round. Bounded: at most one query per
 * copying vault every `minIntervalMs` (default a minute), of at most `maxPages` pages each; the
 * next round's own count replaces what it found.
 */
import { type BackupClient, ListCopyJobsCommand } from '@aws-sdk/client-backup';
import type { ProgressTracker } from '../progress/tracker.ts';
import { errorIsForGood } from './history.ts';

export interface CopyJobCounterOptions {
  minIntervalMs?: number;
  maxPages?: number;
  /** Wall clock (tests). */
  now?: () => number;
}

export class CopyJobCounter {
  /** Why copy jobs cannot be listed (then the board shows the rounds' counts alone), once it failed. */
  unavailable: string | undefined;
  calls = 0;
  private readonly lastAsked = new Map<string, number>();
  private readonly minIntervalMs: number;
  private readonly maxPages: number;
  private readonly now: () => number;

  constructor(
    private readonly backup: () => BackupClient,
    options: CopyJobCounterOptions = {},
  ) {
    this.minIntervalMs = options.minIntervalMs ?? 60_000;
    this.maxPages = options.maxPages ?? 2;
    this.now = options.now ?? Date.now;
  }

  /** Asks for the vaults that are copying and were not asked about within the interval. */
  async refresh(tracker: ProgressTracker): Promise<void> {
    for (const vault of tracker.vaults.values()) {
      if (this.unavailable) return;
      if (vault.phase !== 'copying' || !vault.round || !vault.targetVaultArn || vault.round.inFlight === 0)
        continue;
      const asked = this.lastAsked.get(vault.vault);
      if (asked !== undefined && this.now() - asked < this.minIntervalMs) continue;
      this.lastAsked.set(vault.vault, this.now());
      const round = vault.round;
      const completed = await this.completedSince(vault.targetVaultArn, new Date(round.atMs));
      if (completed !== undefined && vault.round === round)
        tracker.completedSinceRound(vault.vault, completed);
    }
  }

  private async completedSince(destination: string, after: Date): Promise<number | undefined> {
    let count = 0;
    let token: string | undefined;
    for (let page = 0; page < this.maxPages; page++) {
      try {
        this.calls++;
        const answer = await this.backup().send(
          new ListCopyJobsCommand({
            ByDestinationVaultArn: destination,
            ByState: 'COMPLETED',
            ByCompleteAfter: after,
            MaxResults: 1000,
            ...(token ? { NextToken: token } : {}),
          }),
        );
        count += answer.CopyJobs?.length ?? 0;
        token = answer.NextToken;
      } catch (error) {
        const { name, message } = error as Error;
        if (errorIsForGood(name)) this.unavailable = `${name}: ${message}`;
        return undefined;
      }
      if (!token) break;
    }
    return count;
  }
}
