/**
 * What a process running the command does around it: quiet the handlers' logs, restore the terminal
 * on Ctrl-C, and exit with the command's status.
 */
import { interruption } from './commands/interrupt.ts';
import { EXIT } from './errors.ts';

export async function main(argv: readonly string[]): Promise<void> {
  // The handlers' logger reads its level when their modules load (below): local runs keep it quiet,
  // since its lines would land among the progress and the --json output. Set it to see them.
  process.env.POWERTOOLS_LOG_LEVEL ||= 'SILENT';
  const { run } = await import('./program.ts');

  // A reader that stops early (`| head`) closes the pipe: that is the reader's choice, not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.OK);
      throw error;
    });
  }

  process.on('SIGINT', () => {
    interruption.fire();
    // Give the terminal its cursor back whatever was drawing.
    if (process.stderr.isTTY) process.stderr.write('\x1b[?25h');
    process.stderr.write('\nvault-migrator: interrupted\n');
    process.exit(EXIT.INTERRUPTED);
  });

  process.exitCode = await run(argv);
}
