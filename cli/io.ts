/**
 * Where the command writes and what it reads from its surroundings. `main.ts` passes the process's
 * own; tests pass buffers, so that a whole command runs in-process and its output can be read.
 */

/** The part of a writable stream the command uses (a TTY adds `isTTY` and `columns`). */
export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface CliIO {
  /** Results: tables, reports, `--json` output. Nothing else goes here. */
  stdout: OutputStream;
  /** Progress, notes, errors. */
  stderr: OutputStream;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Set when the user interrupts (Ctrl-C): long waits stop early. */
  signal?: AbortSignal;
}

export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** A stream that keeps what is written, for tests. */
export class BufferStream implements OutputStream {
  private readonly chunks: string[] = [];

  constructor(
    readonly isTTY = false,
    readonly columns = 120,
  ) {}

  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }

  get text(): string {
    return this.chunks.join('');
  }
}

/** Whether colours may be used on this stream (a TTY, and NO_COLOR not set). */
export function useColour(stream: OutputStream, env: CliIO['env']): boolean {
  return stream.isTTY === true && env.NO_COLOR === undefined && env.TERM !== 'dumb';
}

const CODES = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33, cyan: 36 } as const;
export type Style = keyof typeof CODES;

export function paint(enabled: boolean): (style: Style, text: string) => string {
  return (style, text) => (enabled ? `\x1b[${CODES[style]}m${text}\x1b[0m` : text);
}

/** Visible length of a string that may hold ANSI colour codes. */
export function visibleLength(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are what is stripped.
  return text.replace(/\x1b\[[0-9;]*m/g, '').length;
}
