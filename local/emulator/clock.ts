/**
 * Simulated time. It moves only when told to (`advance`), or, with a speed factor, also with wall
 * time, so a migration that takes days on AWS plays in seconds.
 */
export class SimClock {
  private offsetMs: number;
  private speed = 0;
  private wallBase = Date.now();
  private readonly listeners: Array<() => void> = [];

  constructor(start: Date = new Date('2026-06-01T00:00:00Z')) {
    this.offsetMs = start.getTime();
  }

  nowMs(): number {
    return this.offsetMs + (Date.now() - this.wallBase) * this.speed;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  /** Moves simulated time forward by `ms` (never backwards). */
  advance(ms: number): Date {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot advance the clock by ${ms} ms`);
    this.offsetMs += ms;
    for (const listener of this.listeners) listener();
    return this.now();
  }

  /** Moves simulated time forward to `when`, if it is in the future. */
  advanceTo(when: Date): Date {
    const delta = when.getTime() - this.nowMs();
    return delta > 0 ? this.advance(delta) : this.now();
  }

  /** Simulated milliseconds per wall-clock millisecond; 0 (the default) freezes time between advances. */
  setSpeed(factor: number): void {
    if (!Number.isFinite(factor) || factor < 0) throw new RangeError(`invalid clock speed ${factor}`);
    this.offsetMs = this.nowMs();
    this.wallBase = Date.now();
    this.speed = factor;
  }

  getSpeed(): number {
    return this.speed;
  }

  onAdvance(listener: () => void): void {
    this.listeners.push(listener);
  }
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
