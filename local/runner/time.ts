/**
 * Simulated time for the runner: where it lives (an emulator in this process, an endpoint's clock,
 * or the wall clock scaled), and the clock of Map iterations that wait side by side.
 */

/** What the runner needs from the place simulated time lives. */
export interface SimulatedTime {
  /** Simulated now. */
  now(): Promise<Date>;
  /** Lets `seconds` of simulated time pass. */
  wait(seconds: number): Promise<void>;
}

/**
 * Simulated time for Wait states inside Map iterations (and Parallel branches), which run side by
 * side: each iteration's wait ends at its own simulated time, and the clock moves only when no task
 * is running and every live iteration is waiting, to the earliest wake-up. The engine does not say
 * which iteration enters a Wait, so the Wait takes a ticket and the Task it leads to redeems the
 * oldest ticket of that Wait: exact because such a Wait has a fixed length, and only microtasks run
 * between an iteration's Wait and its next Task.
 */
export class IterationClock {
  private running = 0;
  private readonly tickets = new Map<string, number[]>();
  private sleepers: Array<{ wakeAtMs: number; wake: () => void }> = [];
  private checkScheduled = false;

  constructor(private readonly time: SimulatedTime) {}

  /** An iteration entered the Wait `waitState`. */
  ticket(waitState: string, seconds: number): void {
    const queue = this.tickets.get(waitState) ?? [];
    queue.push(seconds);
    this.tickets.set(waitState, queue);
  }

  /** Holds the task after `waitState` until simulated time has reached the end of that wait. */
  async redeem(waitState: string): Promise<void> {
    const seconds = this.tickets.get(waitState)?.shift();
    if (seconds === undefined || seconds <= 0) return;
    this.running++;
    const wakeAtMs = (await this.time.now()).getTime() + seconds * 1000;
    await new Promise<void>((wake) => {
      this.sleepers.push({ wakeAtMs, wake });
      this.running--;
      this.schedule();
    });
  }

  /** Runs a task's work: while any task runs, simulated time stands still for the iterations. */
  async busy<T>(work: () => Promise<T>): Promise<T> {
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      this.schedule();
    }
  }

  /** After the microtasks of the engine have run (the engine moves between states in microtasks). */
  private schedule(): void {
    if (this.checkScheduled || this.running > 0 || this.sleepers.length === 0) return;
    this.checkScheduled = true;
    setImmediate(() => {
      this.checkScheduled = false;
      void this.advance();
    });
  }

  private async advance(): Promise<void> {
    if (this.running > 0 || this.sleepers.length === 0) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const sleeper of this.sleepers) earliest = Math.min(earliest, sleeper.wakeAtMs);
    const now = (await this.time.now()).getTime();
    if (earliest > now) await this.time.wait((earliest - now) / 1000);
    const reached = Math.max(now, earliest);
    const due = this.sleepers.filter((sleeper) => sleeper.wakeAtMs <= reached);
    this.sleepers = this.sleepers.filter((sleeper) => sleeper.wakeAtMs > reached);
    for (const sleeper of due) sleeper.wake();
  }
}

/** Simulated time kept by an emulator in this process. */
export function emulatorTime(emulator: {
  clock: { now(): Date };
  advance(ms: number): unknown;
}): SimulatedTime {
  return {
    now: async () => emulator.clock.now(),
    wait: async (seconds) => {
      emulator.advance(seconds * 1000);
    },
  };
}

/**
 * Time at an endpoint: the emulator's clock when it has one (a Wait advances it, and with
 * `waitScale` also sleeps that many wall seconds per simulated second), else the wall clock (a Wait
 * sleeps, scaled by `waitScale`, default 1).
 */
export function endpointTime(endpoint: string, waitScale?: number): SimulatedTime {
  const control = async (path: string, body?: unknown) => {
    try {
      const response = await fetch(`${endpoint}/_emulator/${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return response.ok ? ((await response.json()) as { now?: number }) : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    now: async () => {
      const clock = await control('clock');
      return typeof clock?.now === 'number' ? new Date(clock.now * 1000) : new Date();
    },
    wait: async (seconds) => {
      const advanced = await control('clock/advance', { ms: seconds * 1000 });
      const scale = advanced ? (waitScale ?? 0) : (waitScale ?? 1);
      if (scale > 0) await new Promise((resolve) => setTimeout(resolve, seconds * 1000 * scale));
    },
  };
}
