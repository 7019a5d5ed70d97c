/**
 * Where the command writes and what it reads from its surroundings. `main.ts` passes the process's
 * own; tests pass buffers, so that a whole command runs in-process and its output can be read.
 */

import picocolors from 'picocolors';
import stringWidth from 'string-width';

const { createColors } = picocolors;

/** The part of a writable stream the command uses (a TTY adds `isTTY` and `columns`). */
export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
  /** A terminal's height. */
  rows?: number;
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
  /** The command line as given (for the command that resumes an interrupted run). */
  argv?: readonly string[];
  /** Asks a yes/no question on the terminal; absent when stdin is not a terminal (nobody to ask). */
  confirm?: (question: string) => Promise<boolean>;
}

export function processIO(): CliIO {
  const io: CliIO = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
  if (process.stdin.isTTY && process.stderr.isTTY) io.confirm = askOnTerminal;
  return io;
}

/** "question [y/N] " on stderr, one line read from stdin; only y or yes is a yes. */
async function askOnTerminal(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
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

/**
 * Whether colours may be used on this stream: NO_COLOR (when not empty, as no-color.org has it)
 * says no; FORCE_COLOR (when not empty and not 0) says yes even into a pipe; else a terminal that
 * is not TERM=dumb.
 */
export function useColour(stream: OutputStream, env: CliIO['env']): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0';
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** The styles the command uses (picocolors: the codes, and the closing code of each). */
export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan';

export function paint(enabled: boolean): (style: Style, text: string) => string {
  const colours = createColors(enabled);
  return (style, text) => colours[style](text);
}

/**
 * The width to fit output to: the terminal's, else COLUMNS (set by shells and by people who want
 * a width in a pipe), else none (a pipe or a file takes the full table).
 */
export function outputWidth(stream: OutputStream, env: CliIO['env']): number | undefined {
  if (stream.isTTY && stream.columns) return stream.columns;
  const columns = Number(env.COLUMNS);
  return Number.isInteger(columns) && columns >= 40 ? columns : undefined;
}

/** Columns a string takes on a terminal (string-width: colour codes take none, wide characters two). */
export function visibleLength(text: string): number {
  return stringWidth(text);
}
