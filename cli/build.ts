/**
 * `npm run build:cli`: the command as JavaScript, so that the `vault-migrator` bin runs on Node.js
 * alone (an installed package has no TypeScript loader). esbuild bundles cli/main.ts into
 * dist/vault-migrator.mjs; packages stay imports (the package's dependencies, installed beside it);
 * local mode is a separate chunk, loaded only when asked for (its engine and emulator are
 * development dependencies). dist/commit.txt records the commit the bundle was built from, for
 * `--version` and the reports.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { packageRoot } from '../local/package-root.ts';

const root = packageRoot();
// `--out DIR`: build elsewhere (the install test builds a package of its own).
const outFlag = process.argv.indexOf('--out');
const out =
  outFlag > 0 && process.argv[outFlag + 1]
    ? resolve(process.argv[outFlag + 1] as string)
    : join(root, 'dist');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const started = Date.now();
const result = await build({
  absWorkingDir: root,
  entryPoints: { 'vault-migrator': 'cli/main.ts' },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  packages: 'external',
  sourcemap: true,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  metafile: true,
  logLevel: 'warning',
});
let commit = '';
try {
  commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] })
    .toString()
    .trim();
} catch {
  // Not a git checkout: --version names no commit.
}
writeFileSync(join(out, 'commit.txt'), `${commit}\n`);
const files = Object.keys(result.metafile.outputs).filter((file) => file.endsWith('.mjs'));
process.stderr.write(
  `${join(out, 'vault-migrator.mjs')} and ${files.length - 1} chunks in ${Date.now() - started} ms${commit ? ` (commit ${commit.slice(0, 12)})` : ''}\n`,
);
