/**
 * Ctrl-C while a run holds the terminal: whoever holds it restores it (cursor, partial line) and
 * says what goes on (an AWS execution keeps running), then the command exits with status 130.
 */
class Interruption {
  private readonly handlers = new Set<() => void>();

  /** Registers what to do on Ctrl-C until the returned function is called. */
  hold(handler: () => void): () => void {
    this.handlers.add(handler);
    return () => {
      this.handlers.delete(handler);
    };
  }

  fire(): void {
    for (const handler of this.handlers) {
      try {
        handler();
      } catch {
        // Exiting anyway.
      }
    }
    this.handlers.clear();
  }
}

export const interruption = new Interruption();
