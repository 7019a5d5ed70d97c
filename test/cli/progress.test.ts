import { describe, expect, it, vi } from 'vitest';
import { BufferStream, visibleLength } from '../../cli/io.ts';
import type { TaskObservation } from '../../cli/local/observe.ts';
import { bar, formatDuration, ProgressBoard, truncate } from '../../cli/progress/board.ts';
import { ProgressTracker } from '../../cli/progress/tracker.ts';
import { screen } from '../support/terminal.ts';
import { copyRound, MINUTE, T0 } from './fixtures.ts';

function at(minutes: number, task: string, event: unknown, result: unknown): TaskObservation {
  return { task, event, result, simulatedNow: new Date(T0 + minutes * MINUTE) };
}

describe('progress of a local run', () => {
  it("follows each vault through the batch from the tasks' results, with simulated time left", () => {
    const tracker = new ProgressTracker();
    tracker.observe(
      at(
        0,
        'FindVaultsToMigrate',
        { input: {} },
        {
          vaults: [{ sourceVaultName: 'alpha' }, { sourceVaultName: 'beta' }],
          skipped: [{ vaultName: 'ok', reason: 'already encrypted with a customer-managed key' }],
        },
      ),
    );
    expect([...tracker.vaults.values()].map((vault) => vault.phase)).toEqual(['waiting', 'waiting']);
    expect(tracker.skippedVaults).toHaveLength(1);

    tracker.observe(
      at(
        1,
        'PrepareMigration',
        { input: { sourceVaultName: 'alpha' } },
        {
          sourceVaultName: 'alpha',
          dryRun: false,
          status: 'READY',
        },
      ),
    );
    tracker.observe(copyRound('alpha', 10, 0, 20));
    tracker.observe(copyRound('alpha', 70, 25, 20, { failedAttempts: 3 }));
    const alpha = tracker.vaults.get('alpha');
    expect(alpha).toMatchObject({ phase: 'copying', total: 100, done: 25, inFlight: 20, failedAttempts: 3 });
    // 25 copies in 60 simulated minutes: 75 left take 180 minutes.
    expect(alpha?.etaMs).toBe(180 * MINUTE);

    tracker.observe(
      at(
        300,
        'WriteReport',
        { migration: { sourceVaultName: 'alpha' } },
        {
          outcome: 'MIGRATED',
          counts: { copyable: 100, copied: 100 },
        },
      ),
    );
    expect(tracker.vaults.get('alpha')).toMatchObject({
      phase: 'done',
      outcome: 'MIGRATED',
      done: 100,
      etaMs: null,
    });
    expect(tracker.vaults.get('beta')?.phase).toBe('waiting');
    expect(tracker.simulatedElapsedMs).toBe(300 * MINUTE);
  });

  it('redraws bars in place on a terminal', () => {
    vi.useFakeTimers();
    try {
      const stream = new BufferStream(true, 120);
      const tracker = new ProgressTracker();
      const board = new ProgressBoard(stream, tracker);
      board.start();
      tracker.observe(copyRound('alpha', 10, 0, 20));
      vi.advanceTimersByTime(100);
      tracker.observe(copyRound('alpha', 70, 50, 10, { failedAttempts: 2 }));
      vi.advanceTimersByTime(100);
      board.stop();
      const text = stream.text;
      expect(text.startsWith('\x1b[?25l')).toBe(true);
      expect(text.endsWith('\x1b[?25h')).toBe(true);
      // Redrawn in place: the terminal shows two lines (the vault and the footer), the last frame's.
      const [vault, footer, ...more] = screen(text);
      expect(more).toEqual([]);
      expect(vault).toBe(
        `alpha  ${bar(0.5)}  50/100 copies  2 failed, retried  ~60 min left  copying (10 running)`,
      );
      expect(footer).toMatch(/^overall 50% \(50\/100\) · ~60 min left · simulated time 60 min · /);
      // The first frame was drawn too, then replaced.
      expect(text).toContain(`alpha  ${bar(0)}  0/100 copies`);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps the running vaults and the footer on a terminal too short for every vault, the finished ones summed up', () => {
    vi.useFakeTimers();
    try {
      const stream = Object.assign(new BufferStream(true, 100), { rows: 8 });
      const tracker = new ProgressTracker();
      const board = new ProgressBoard(stream, tracker);
      board.start();
      for (let index = 0; index < 12; index++) {
        const vault = `vault-${String(index).padStart(2, '0')}`;
        tracker.observe(copyRound(vault, 10, 40, 5));
        if (index < 9) {
          tracker.observe({
            task: 'WriteReport',
            event: { migration: { sourceVaultName: vault } },
            result: { outcome: index === 4 ? 'FAILED' : 'MIGRATED', counts: { copyable: 100, copied: 100 } },
            simulatedNow: new Date(T0 + 20 * MINUTE),
          });
        }
      }
      vi.advanceTimersByTime(100);
      board.stop();
      const shown = screen(stream.text);
      expect(shown.length).toBeLessThanOrEqual(7);
      expect(shown.filter((line) => /copying/.test(line)).map((line) => line.slice(0, 8))).toEqual([
        'vault-09',
        'vault-10',
        'vault-11',
      ]);
      expect(shown).toContain('9 vaults done: 8 migrated, 1 failed');
      expect(shown.at(-1)).toMatch(/^overall /);
    } finally {
      vi.useRealTimers();
    }
  });

  it('prints plain lines, no escape codes, when stderr is not a terminal', () => {
    const stream = new BufferStream(false);
    const tracker = new ProgressTracker();
    const board = new ProgressBoard(stream, tracker);
    board.start();
    tracker.add('alpha', 'preparing');
    tracker.observe(copyRound('alpha', 10, 10, 20));
    tracker.observe(copyRound('alpha', 20, 12, 20));
    tracker.observe(copyRound('alpha', 30, 30, 20));
    board.stop();
    expect(stream.text).not.toContain('\x1b[');
    const lines = stream.text.trim().split('\n');
    // Each line carries the wall-clock time it was written.
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ /);
    expect(lines.map((line) => line.replace(/^\S+ /, ''))).toEqual([
      'alpha  0 copies  0 failed  preparing',
      // 10 and 12 of 100 are the same quarter: one line for both.
      'alpha  10/100 copies  0 failed  copying (20 running)',
      // 30 copies in the 20 simulated minutes since the first round: 70 left take 47 minutes.
      'alpha  30/100 copies  0 failed  ~47 min left  copying (20 running)',
    ]);
  });

  it('formats durations and keeps lines to the terminal width', () => {
    expect(formatDuration(30_000)).toBe('<1 min');
    expect(formatDuration(42 * MINUTE)).toBe('42 min');
    expect(formatDuration(210 * MINUTE)).toBe('3.5 h');
    expect(formatDuration(3 * 24 * 60 * MINUTE)).toBe('3.0 days');
    expect(bar(0.25, 8)).toBe('██░░░░░░');
    const cut = truncate('\x1b[32mabcdefghij\x1b[0m', 5);
    expect(visibleLength(cut)).toBe(5);
    expect(screen(cut)).toEqual(['abcd…']);
    // The colour is closed where the cut is, so it does not run on into what follows.
    expect(cut).toBe('\x1b[32mabcd\x1b[39m…');
    expect(truncate('日本語のボールト名', 7)).toBe('日本語…');
  });
});
