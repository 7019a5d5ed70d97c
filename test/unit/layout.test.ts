/**
 * The code's layout as a rule: each Lambda folder is one handler and its own modules; what two
 * Lambdas share lives in lambdas/shared. A Lambda importing another's folder would bundle it and
 * couple their changes (issue 14).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const LAMBDAS = resolve(import.meta.dirname, '../../lambdas');

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(directory, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(directory, entry.name)]
        : [],
  );
}

/** The folder under lambdas/ a relative import of `file` lands in ('..' when outside lambdas/). */
function landsIn(file: string, specifier: string): string {
  return relative(LAMBDAS, resolve(file, '..', specifier)).split('/')[0] ?? '';
}

/** Every module specifier a file imports or re-exports. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'([^']+)'/g)].map(
    (match) => match[1] ?? '',
  );
}

describe('the Lambdas layout', () => {
  const folders = readdirSync(LAMBDAS, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== 'shared')
    .map((entry) => entry.name);

  it('finds the Lambda folders and their imports', () => {
    expect(folders).toContain('write-report');
    expect(specifiers(join(LAMBDAS, 'write-report', 'handler.ts'))).toContain('#shared/source-listing.ts');
  });

  it('has no Lambda folder importing another Lambda folder', () => {
    const crossings: string[] = [];
    for (const folder of folders) {
      for (const file of sourceFiles(join(LAMBDAS, folder))) {
        for (const specifier of specifiers(file)) {
          if (!specifier.startsWith('.')) continue;
          const target = landsIn(file, specifier);
          if (target !== folder && target !== 'shared' && target !== '..') {
            crossings.push(`${relative(LAMBDAS, file)} imports ${specifier}`);
          }
        }
      }
    }
    expect(crossings).toEqual([]);
  });

  it('has lambdas/shared importing no Lambda folder', () => {
    const crossings = sourceFiles(join(LAMBDAS, 'shared')).flatMap((file) =>
      specifiers(file)
        .filter((specifier) => specifier.startsWith('.'))
        .filter((specifier) => !['shared', '..'].includes(landsIn(file, specifier)))
        .map((specifier) => `${relative(LAMBDAS, file)} imports ${specifier}`),
    );
    expect(crossings).toEqual([]);
  });
});
