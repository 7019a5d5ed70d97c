#!/usr/bin/env node
// The `vault-migrator` bin: the command is TypeScript, run through tsx's loader.
// It runs on the Lambdas' Node.js (24): the local Step Functions engine needs at least 22. In a clone,
// npm scripts (`npm run vault-migrator`, `npm run demo`) use the project's own Node 24 from node_modules.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `vault-migrator: Node.js ${process.versions.node} is too old; it runs on Node.js 24, the Lambda runtime.\n` +
      '  hint: in a clone, `npm run vault-migrator -- <command>` uses the Node 24 that `npm ci` installed.\n',
  );
  process.exit(3);
}
const { register } = await import('tsx/esm/api');
register();
await import('./main.ts');
