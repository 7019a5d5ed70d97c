/**
 * A report.json's head, read by its JSON structure: the document without its top-level
 * `recoveryPoints` member, whatever the formatting or the order of the keys. The rows (up to a
 * million, hundreds of megabytes) are skipped as they are read, never kept; and when the head read
 * so far is already whole (write-report puts the rows last), reading stops at the rows key.
 */
const ROWS_KEY = 'recoveryPoints';

export class HeadScanner {
  /** The head's text so far (without the rows member). */
  private out = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Where, in `out`, the string being read at depth 1 began (a key, maybe). */
  private stringStart = -1;
  private lastString = '';
  /** A depth-1 string just ended: the next non-space character says whether it was a key. */
  private afterString = false;
  /** Skipping the rows' value: the depth it started at, and whether it has begun. */
  private skipping: { depth: number; started: boolean; inString: boolean; escaped: boolean } | undefined;
  /** The rows member came first: the comma after it goes too. */
  private dropNextComma = false;

  /**
   * Feeds a chunk; returns the head's text (a whole JSON document) once it can stop: the end of the
   * document, or the rows key when `complete(textSoFar)` says the head before it is whole.
   */
  feed(chunk: string, complete: (head: string) => boolean): string | undefined {
    for (let index = 0; index < chunk.length; index++) {
      const char = chunk[index] as string;
      if (this.skipping) {
        if (this.skipValue(char)) continue;
        // The value ended at this character (a comma or the closing brace): handle it below.
      }
      if (this.inString) {
        this.out += char;
        if (this.escaped) this.escaped = false;
        else if (char === '\\') this.escaped = true;
        else if (char === '"') {
          this.inString = false;
          if (this.depth === 1) {
            this.lastString = this.out.slice(this.stringStart + 1, -1);
            this.afterString = true;
          }
        }
        continue;
      }
      if (this.afterString && !/\s/.test(char)) {
        this.afterString = false;
        if (char === ':' && this.lastString === ROWS_KEY) {
          const before = this.out.slice(0, this.stringStart).replace(/\s*$/, '');
          const head = before.endsWith(',') ? `${before.slice(0, -1)}}` : `${before}}`;
          if (before.endsWith(',') && complete(head)) return head;
          // Drop the member (and the comma before it, or after it when it comes first).
          this.out = before.endsWith(',') ? before.slice(0, -1) : before;
          this.dropNextComma = !before.endsWith(',');
          this.skipping = { depth: this.depth, started: false, inString: false, escaped: false };
          continue;
        }
      }
      if (this.dropNextComma && !/\s/.test(char)) {
        this.dropNextComma = false;
        if (char === ',') continue;
      }
      if (char === '"') {
        if (this.depth === 1) this.stringStart = this.out.length;
        this.inString = true;
      } else if (char === '{' || char === '[') {
        this.depth++;
      } else if (char === '}' || char === ']') {
        this.depth--;
        if (this.depth === 0) {
          this.out += char;
          return this.out;
        }
      }
      this.out += char;
    }
    return undefined;
  }

  /** The head so far, for a document that ended without closing (then it is not a report). */
  get text(): string {
    return this.out;
  }

  get length(): number {
    return this.out.length;
  }

  /** One character of the rows' value: true while the value goes on. */
  private skipValue(char: string): boolean {
    const skip = this.skipping as NonNullable<HeadScanner['skipping']>;
    if (skip.inString) {
      if (skip.escaped) skip.escaped = false;
      else if (char === '\\') skip.escaped = true;
      else if (char === '"') skip.inString = false;
      return true;
    }
    if (char === '"') {
      skip.inString = true;
      skip.started = true;
      return true;
    }
    if (char === '{' || char === '[') {
      this.depth++;
      skip.started = true;
      return true;
    }
    if (char === '}' || char === ']') {
      if (this.depth > skip.depth) {
        this.depth--;
        return true;
      }
      // The object holding the rows closes: the value has ended.
      this.skipping = undefined;
      return false;
    }
    if (char === ',' && this.depth === skip.depth) {
      this.skipping = undefined;
      return false;
    }
    if (!/\s/.test(char)) skip.started = true;
    return true;
  }
}
