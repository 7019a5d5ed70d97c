/**
 * The tool's version (package.json) and, when run from a git clone, its commit: `--version` prints
 * them and the reports record them, so that an auditor knows which code produced a report.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder of the package.json named backup-vault-migrator above this file (source or build). */
function packageRoot(): string | undefined {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 5; depth++) {
    const file = join(folder, 'package.json');
    if (existsSync(file)) {
      try {
        const parsed = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown };
        if (parsed.name === 'backup-vault-migrator') return folder;
      } catch {
        // Not ours: keep looking.
      }
    }
    folder = dirname(folder);
  }
  return undefined;
}

let cached: { version: string; commit: string | null } | undefined;

export function toolVersion(): { version: string; commit: string | null } {
  if (cached) return cached;
  const root = packageRoot();
  let version = '0.0.0';
  let commit: string | null = null;
  if (root) {
    version =
      (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version ??
      version;
    const stamped = join(root, 'dist', 'commit.txt');
    if (existsSync(stamped)) commit = readFileSync(stamped, 'utf8').trim() || null;
    else {
      try {
        commit = execFileSync('git', ['rev-parse', 'HEAD'], {
          cwd: root,
          stdio: ['ignore', 'pipe', 'ignore'],
        })
          .toString()
          .trim();
      } catch {
        commit = null;
      }
    }
  }
  cached = { version, commit };
  return cached;
}

/** "0.1.0 (commit 1234567)". */
export function versionText(): string {
  const { version, commit } = toolVersion();
  return commit ? `${version} (commit ${commit.slice(0, 12)})` : version;
}
