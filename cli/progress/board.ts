/**
 * Live progress on stderr: one bar per vault (copies done of total, failures, simulated time
 * left, phase), redrawn in place on a terminal at most ten times a second. When stderr is not a
 * terminal (CI, a pipe, a log file) it prints a plain line when a vault changes phase or passes a
 * quarter of its copies, so logs stay short and readable.
 */
import { createLogUpdate } from 'log-update';
import sliceAnsi from 'slice-ansi';
import type { MigrationOutcome } from '#shared/contracts.ts';
import { type OutputStream, paint, type Style, visibleLength } from '../io.ts';
import { OUTCOME_LABEL } from '../report/model.ts';
import type { ProgressTracker, VaultProgress } from './tracker.ts';

const BAR_WIDTH = 24;
const REDRAW_MS = 100;

/** Ever narrower ways to draw a vault's line: the bar shrinks, then words shorten, then the name. */
const LAYOUTS: ReadonlyArray<{ barWidth: number; compact: boolean; nameMax: number }> = [
  { barWidth: BAR_WIDTH, compact: false, nameMax: 80 },
  { barWidth: 12, compact: false, nameMax: 80 },
  { barWidth: 8, compact: true, nameMax: 80 },
  { barWidth: 5, compact: true, nameMax: 80 },
  { barWidth: 5, compact: true, nameMax: 24 },
  { barWidth: 0, compact: true, nameMax: 24 },
  { barWidth: 0, compact: true, nameMax: 16 },
  { barWidth: 0, compact: true, nameMax: 10 },
];

/** "42 min", "3.5 h", "2.1 days". */
export function formatDuration(ms: number): string {
  const minutes = ms / 60_000;
  if (minutes < 1) return '<1 min';
  if (minutes < 90) return `${Math.round(minutes)} min`;
  const hours = minutes / 60;
  if (hours < 48) return `${hours.toFixed(1)} h`;
  return `${(hours / 24).toFixed(1)} days`;
}

export function bar(fraction: number, width = BAR_WIDTH): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(clamped * width);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

export interface BoardOptions {
  colour?: boolean;
  /** Wall-clock start, for the footer. */
  startedAt?: number;
  /**
   * What the footer's time is: the simulated time of a local run (and the wall seconds it took), or
   * on AWS the time the execution has been running.
   * @default 'simulated'
   */
  clock?: 'simulated' | 'execution';
}

export class ProgressBoard {
  /** Draws frames in place (created with the first frame: a board that never draws writes nothing). */
  private update: ReturnType<typeof createLogUpdate> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  private stopped = false;
  /** Line mode: what was last printed per vault (phase and quarter). */
  private readonly printed = new Map<string, string>();
  private readonly live: boolean;
  private readonly style: ReturnType<typeof paint>;
  private readonly startedAt: number;
  private readonly clock: 'simulated' | 'execution';

  constructor(
    private readonly stream: OutputStream,
    private readonly tracker: ProgressTracker,
    options: BoardOptions = {},
  ) {
    this.live = stream.isTTY === true;
    this.style = paint(options.colour ?? false);
    this.startedAt = options.startedAt ?? Date.now();
    this.clock = options.clock ?? 'simulated';
    tracker.onChange = () => this.changed();
  }

  start(): void {
    if (!this.live) return;
    this.stream.write('\x1b[?25l');
    this.timer = setInterval(() => {
      if (this.dirty) this.draw();
    }, REDRAW_MS);
    this.timer.unref?.();
  }

  /** Draws the final state and gives the terminal back. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.live) {
      this.draw();
      this.update?.done();
      this.stream.write('\x1b[?25h');
    } else {
      this.printChanges();
    }
  }

  private changed(): void {
    if (this.stopped) return;
    if (this.live) this.dirty = true;
    else this.printChanges();
  }

  /**
   * One vault's line: name, bar, counts, failures, time left, phase or outcome. Within `width`
   * (a terminal's), the bar narrows, then the failure count shortens, then the name: the counts,
   * the time left and the phase always stay.
   */
  vaultLine(vault: VaultProgress, nameWidth: number, width = Number.POSITIVE_INFINITY, from = 0): string {
    let line = '';
    for (const layout of LAYOUTS.slice(from)) {
      line = this.composeLine(vault, Math.min(nameWidth, layout.nameMax), layout.barWidth, layout.compact);
      if (visibleLength(line) <= width) return line;
    }
    return truncate(line, width);
  }

  /** The first layout in which every vault's line fits, so that the bars stay aligned. */
  private layoutFor(vaults: readonly VaultProgress[], nameWidth: number, width: number): number {
    const index = LAYOUTS.findIndex((layout) =>
      vaults.every(
        (vault) =>
          visibleLength(
            this.composeLine(vault, Math.min(nameWidth, layout.nameMax), layout.barWidth, layout.compact),
          ) <= width,
      ),
    );
    return index < 0 ? LAYOUTS.length - 1 : index;
  }

  private composeLine(vault: VaultProgress, nameWidth: number, barWidth: number, compact: boolean): string {
    const s = this.style;
    const name =
      vault.vault.length > nameWidth
        ? `${vault.vault.slice(0, nameWidth - 1)}…`
        : vault.vault.padEnd(nameWidth);
    const total = vault.total ?? 0;
    const counts = vault.total === null ? `${vault.done}` : `${vault.done}/${total}`;
    const failed =
      vault.permanentFailures > 0
        ? s('red', `${vault.failedAttempts} failed, ${vault.permanentFailures} for good`)
        : vault.failedAttempts > 0
          ? s(
              'yellow',
              compact ? `${vault.failedAttempts} retried` : `${vault.failedAttempts} failed, retried`,
            )
          : compact
            ? ''
            : s('dim', '0 failed');
    const join = (...parts: string[]) => parts.filter((part) => part !== '').join('  ');
    const barOf = (style: Style, fraction: number) => (barWidth > 0 ? s(style, bar(fraction, barWidth)) : '');
    if (vault.phase === 'waiting') return join(name, barOf('dim', 0), s('dim', 'waiting'));
    if (vault.phase === 'done') {
      const outcome = vault.outcome ? OUTCOME_LABEL[vault.outcome] : 'done';
      const good = vault.outcome !== 'FAILED' && vault.outcome !== 'INCOMPLETE';
      const fraction = vault.dryRun || total === 0 ? (good ? 1 : 0) : vault.done / total;
      if (!good && vault.done === 0 && total === 0)
        return join(name, barOf('red', 0), s('red', vault.error ? `${outcome}: ${vault.error}` : outcome));
      const detail = vault.dryRun ? `${total} to copy` : `${counts} copies`;
      const label = good
        ? s('green', outcome)
        : s('red', vault.error ? `${outcome}: ${vault.error}` : outcome);
      return join(name, barOf(good ? 'green' : 'red', fraction), detail, vault.dryRun ? '' : failed, label);
    }
    const fraction = total === 0 ? 0 : vault.done / total;
    const left = vault.etaMs === null ? '' : `~${formatDuration(vault.etaMs)} left`;
    const phase =
      vault.phase === 'copying' && vault.inFlight > 0
        ? compact
          ? `copying (${vault.inFlight})`
          : `copying (${vault.inFlight} running)`
        : vault.phase;
    return join(name, barOf('cyan', fraction), `${counts} copies`, failed, left, phase);
  }

  /** All vaults together: copies done of the total, and the time left (the slowest vault's). */
  overall(): string {
    const vaults = [...this.tracker.vaults.values()].filter((vault) => !vault.dryRun);
    const total = vaults.reduce((sum, vault) => sum + (vault.total ?? 0), 0);
    if (total === 0) return '';
    const done = vaults.reduce((sum, vault) => sum + Math.min(vault.done, vault.total ?? vault.done), 0);
    const etas = vaults.flatMap((vault) =>
      vault.phase !== 'done' && vault.etaMs !== null ? [vault.etaMs] : [],
    );
    const left = etas.length > 0 ? ` · ~${formatDuration(Math.max(...etas))} left` : '';
    return `overall ${Math.floor((100 * done) / total)}% (${done}/${total})${left}`;
  }

  footer(): string {
    if (this.clock === 'execution') {
      const overall = this.overall();
      const running = formatDuration(Math.max(0, Date.now() - this.startedAt)).replace(
        '<1 min',
        'under a minute',
      );
      return this.style('dim', `${overall ? `${overall} · ` : ''}running ${running}`);
    }
    const simulated = formatDuration(this.tracker.simulatedElapsedMs);
    const wall = ((Date.now() - this.startedAt) / 1000).toFixed(1);
    const overall = this.overall();
    return this.style('dim', `${overall ? `${overall} · ` : ''}simulated time ${simulated} · ${wall} s`);
  }

  private lines(width: number): string[] {
    const all = [...this.tracker.vaults.values()];
    const { shown, notes } = this.fitHeight(all);
    const nameWidth = Math.max(0, ...shown.map((vault) => vault.vault.length));
    const from = this.layoutFor(shown, nameWidth, width);
    const lines = shown.map((vault) => this.vaultLine(vault, nameWidth, width, from));
    lines.push(...notes.map((note) => this.style('dim', note)), this.footer());
    return lines;
  }

  /**
   * On a terminal too short for a line per vault (a batch of 40), the vaults still at work keep
   * their lines and the finished ones are summed up in one, so that the board fits and redraws in
   * place (a frame taller than the terminal cannot be redrawn: its top has scrolled away).
   */
  private fitHeight(vaults: VaultProgress[]): { shown: VaultProgress[]; notes: string[] } {
    const rows = this.stream.rows;
    // The frame's lines, and the line the cursor rests on below them.
    const room = rows === undefined ? Number.POSITIVE_INFINITY : rows - 2;
    if (vaults.length <= room) return { shown: vaults, notes: [] };
    const done = vaults.filter((vault) => vault.phase === 'done');
    let shown = vaults.filter((vault) => vault.phase !== 'done');
    const notes: string[] = [];
    if (done.length > 0) notes.push(doneSummary(done));
    if (shown.length > room - notes.length) {
      const kept = Math.max(0, room - notes.length - 1);
      notes.push(`+${shown.length - kept} more vaults at work`);
      shown = shown.slice(0, kept);
    }
    return { shown, notes };
  }

  /** One frame: log-update rewrites only the lines that changed, and keeps to the terminal's height. */
  private draw(): void {
    this.dirty = false;
    const width = Math.max(20, (this.stream.columns ?? 120) - 1);
    this.update ??= createLogUpdate(this.stream as NodeJS.WriteStream, {
      showCursor: true,
      defaultWidth: 120,
    });
    this.update(
      this.lines(width)
        .map((line) => truncate(line, width))
        .join('\n'),
    );
  }

  /** Line mode: a line per vault whose phase or quarter of copies changed since last printed. */
  private printChanges(): void {
    for (const vault of this.tracker.vaults.values()) {
      const total = vault.total ?? 0;
      const quarter = vault.phase === 'copying' && total > 0 ? Math.floor((4 * vault.done) / total) : -1;
      const key = `${vault.phase}|${quarter}`;
      if (this.printed.get(vault.vault) === key) continue;
      this.printed.set(vault.vault, key);
      if (vault.phase === 'waiting') continue;
      const nameWidth = Math.max(0, ...[...this.tracker.vaults.keys()].map((name) => name.length));
      // A log line carries the time it was written (wall clock, UTC) and no bar.
      const stamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      this.stream.write(`${stamp} ${this.vaultLine(vault, nameWidth).replace(/[█░]+ {2}/, '')}\n`);
    }
  }
}

const DONE_WORD: Readonly<Record<MigrationOutcome, string>> = {
  MIGRATED: 'migrated',
  MIGRATED_SOURCE_RETIRED: 'migrated',
  MIGRATED_SOURCE_KEPT: 'migrated',
  ALREADY_COMPLIANT: 'already compliant',
  DRY_RUN: 'dry run',
  INCOMPLETE: 'incomplete',
  FAILED: 'failed',
};

/** "9 vaults done: 8 migrated, 1 failed". */
function doneSummary(done: readonly VaultProgress[]): string {
  const counts = new Map<string, number>();
  for (const vault of done) {
    const word = vault.outcome ? DONE_WORD[vault.outcome] : 'done';
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  const parts = [...counts].map(([word, count]) => `${count} ${word}`).join(', ');
  return `${done.length} vault${done.length === 1 ? '' : 's'} done: ${parts}`;
}

/** Cuts a line (which may hold colour codes) to `width` columns, the last one an ellipsis (slice-ansi keeps the codes balanced). */
export function truncate(line: string, width: number): string {
  if (visibleLength(line) <= width) return line;
  return `${sliceAnsi(line, 0, Math.max(0, width - 1))}…`;
}
