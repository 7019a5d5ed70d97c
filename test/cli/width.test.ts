import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { BufferStream, visibleLength } from '../../cli/io.ts';
import { ProgressBoard } from '../../cli/progress/board.ts';
import { ProgressTracker } from '../../cli/progress/tracker.ts';
import { hanging, renderSummaryText } from '../../cli/report/text.ts';
import { screen } from '../support/terminal.ts';
import { copyRound, reportFile, sampleBatch, sampleReport } from './fixtures.ts';
import { cli, tempDir } from './helpers.ts';

function widest(text: string): number {
  return Math.max(...text.split('\n').map((line) => visibleLength(line)));
}

describe('80 columns', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('fits the summary table and its notes to 80 columns, keeping the key figures', () => {
    const text = renderSummaryText(sampleBatch(), { width: 80 });
    expect(widest(text)).toBeLessThanOrEqual(80);
    for (const header of ['Vault', 'Outcome', 'Copied', 'Failed']) expect(text).toContain(header);
    expect(text).toMatch(/legacy-unencrypted\s.*\s301\s/);
  });

  it('fits report to COLUMNS=80 when stdout is not a terminal, and to the terminal when it is', async () => {
    const path = join(dir.path, 'report.json');
    writeFileSync(path, reportFile(sampleReport()));
    const result = await cli(['report', path], { env: { COLUMNS: '80' } });
    expect(result.status).toBe(0);
    expect(widest(result.stdout)).toBeLessThanOrEqual(80);
  });

  it('keeps time left and phase on every progress line at 80 columns, with an overall percentage and ETA', () => {
    vi.useFakeTimers();
    try {
      const stream = new BufferStream(true, 80);
      const tracker = new ProgressTracker();
      const board = new ProgressBoard(stream, tracker);
      board.start();
      tracker.observe(
        copyRound('a-rather-long-vault-name-for-production-backups', 10, 0, 20, { listed: 400 }),
      );
      tracker.observe(
        copyRound('a-rather-long-vault-name-for-production-backups', 70, 100, 20, {
          failedAttempts: 7,
          listed: 400,
        }),
      );
      tracker.observe(copyRound('short', 10, 0, 20, { listed: 400 }));
      tracker.observe(copyRound('short', 70, 300, 20, { listed: 400 }));
      vi.advanceTimersByTime(100);
      board.stop();
      const [long, short, footer, ...more] = screen(stream.text);
      expect(more).toEqual([]);
      for (const line of [long, short, footer]) expect(visibleLength(line ?? '')).toBeLessThanOrEqual(79);
      expect(long).toMatch(/~\d+(\.\d)? (min|h) left/);
      expect(long).toMatch(/copying/);
      expect(long).toMatch(/100\/400/);
      expect(short).toMatch(/300\/400.*left.*copying/);
      // 400 of 800 copies in all.
      expect(footer).toMatch(/50% \(400\/800\)/);
      expect(footer).toMatch(/~\d+(\.\d)? (min|h) left/);
    } finally {
      vi.useRealTimers();
    }
  });

  it('wraps with a hanging indent and loses no word, whether the text holds colour codes or not', () => {
    const red = (text: string) => `\x1b[31m${text}\x1b[39m`;
    const text = `${red('alpha beta gamma delta')} epsilon zeta`;
    const lines = hanging('- ', text, 14, 2);
    for (const line of lines) expect(visibleLength(line)).toBeLessThanOrEqual(14);
    expect(lines.slice(1).every((line) => line.startsWith('  '))).toBe(true);
    const words = (parts: string[]) =>
      stripVTControlCharacters(parts.join(' '))
        .split(/\s+/)
        .filter((word) => word !== '');
    expect(words(lines)).toEqual(['-', 'alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta']);
    expect(lines.join('').split('\x1b[31m')).toHaveLength(2);
    expect(hanging('', 'one two three', 7, 2)).toEqual(['one two', '  three']);
    // A word longer than the room stands alone.
    expect(hanging('> ', 'unbreakable-word end', 8, 2)).toEqual(['> unbreakable-word', '  end']);
  });

  it('stamps progress lines with the time when stderr is not a terminal', () => {
    const stream = new BufferStream(false);
    const tracker = new ProgressTracker();
    const board = new ProgressBoard(stream, tracker);
    board.start();
    tracker.add('alpha', 'preparing');
    board.stop();
    expect(stream.text.trim()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ alpha {2}0 copies/);
  });
});
