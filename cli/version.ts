/**
 * The tool's version (package.json) and, when run from a git clone, its commit: `--version` prints
 * them and the reports record them, so that an auditor knows which code produced a report.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../local/package-root.ts';

/** The package's folder (source or build), if it can be found. */
function packageFolder(): string | undefined {
  try {
    return packageRoot(import.meta.url);
  } catch {
    return undefined;
  }
}

let cached: { version: string; commit: string | null } | undefined;

export function toolVersion(): { version: string; commit: string | null } {
  if (cached) return cached;
  const root = packageFolder();
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
