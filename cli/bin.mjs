#!/usr/bin/env node
// The `vault-migrator` bin. It runs the command built to JavaScript (dist/, by `npm run build:cli`,
// which `npm ci`, `npm install` and `npm pack` run through the prepare script): Node.js alone, no
// TypeScript loader. In a clone where dist/ was not built, it falls back to the TypeScript sources
// through tsx, a development dependency.
// It runs on the Lambdas' Node.js (24): the local Step Functions engine needs at least 22. In a clone,
// npm scripts (`npm run vault-migrator`, `npm run demo`) use the project's own Node 24 from node_modules.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Node.js 24 the package brings (its optional dependency node-<platform>-<arch>), if installed. */
function bundledNode() {
  try {
    const manifest = createRequire(import.meta.url).resolve(
      `node-${process.platform}-${process.arch}/package.json`,
    );
    const binary = join(dirname(manifest), 'bin', 'node');
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  const node = bundledNode();
  if (node) {
    // Run again on the package's own Node 24, passing signals on; its exit is this one's.
    const child = spawn(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
      stdio: 'inherit',
    });
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
      // Ctrl-C reaches the whole process group, a kill only this process: the child gets it either
      // way (twice is the same as once: it ends on the first).
      process.on(signal, () => child.kill(signal));
    }
    child.on('error', (error) => {
      process.stderr.write(`vault-migrator: cannot run Node.js 24 at ${node}: ${error.message}\n`);
      process.exit(3);
    });
    child.on('exit', (code, signal) => {
      process.exit(code ?? 128 + (signal ? (constants.signals[signal] ?? 1) : 1));
    });
    await new Promise(() => undefined);
  }
  process.stderr.write(
    `vault-migrator: Node.js ${process.versions.node} is too old; it runs on Node.js 24, the Lambda runtime.\n` +
      '  hint: in a clone, `npm run vault-migrator -- <command>` uses the Node 24 that `npm ci` installed.\n',
  );
  process.exit(3);
}
const built = new URL('../dist/vault-migrator.mjs', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./main.ts');
}
