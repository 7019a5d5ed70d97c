/**
 * The folder of this project's package.json (named backup-vault-migrator), found upward from the
 * calling module: the same answer from the TypeScript sources, from the bundled command in dist/
 * and from an installed package, so that files shipped beside the code (the ASL definitions, the
 * schemas) are found wherever the code runs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const NAME = 'backup-vault-migrator';

export function packageRoot(from: string = import.meta.url): string {
  let folder = dirname(fileURLToPath(from));
  for (;;) {
    const file = join(folder, 'package.json');
    if (existsSync(file)) {
      try {
        if ((JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === NAME) return folder;
      } catch {
        // Not ours: keep looking.
      }
    }
    const parent = dirname(folder);
    if (parent === folder) throw new Error(`No package.json of ${NAME} above ${fileURLToPath(from)}`);
    folder = parent;
  }
}

/** The state machine definitions (ASL) that deploy. */
export function stateMachinesDir(): string {
  return join(packageRoot(), 'state-machines');
}
