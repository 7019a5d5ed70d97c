import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { NAMED_ERRORS } from '#shared/errors.ts';
import { FUNCTIONS, STATE_MACHINES_DIR } from '../../local/runner/index.ts';

const FILES = ['migrate-vault.asl.json', 'migrate-all-vaults.asl.json'];
const load = (file: string) =>
  JSON.parse(readFileSync(join(STATE_MACHINES_DIR, file), 'utf8')) as Record<string, unknown>;

/** Every key anywhere in a JSON value, with the path to it. */
function* keys(value: unknown, path = '$'): Generator<[string, string, unknown]> {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) yield* keys(item, `${path}[${index}]`);
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      yield [key, path, item];
      yield* keys(item, `${path}.${key}`);
    }
  }
}

describe.each(FILES)('%s', (file) => {
  // A fresh copy: asl-validator writes defaults (QueryLanguage) into what it is given.
  const definition = load(file);

  it('passes asl-validator', () => {
    const { isValid, errors } = aslValidator(load(file));
    expect(errors).toEqual([]);
    expect(isValid).toBe(true);
  });

  it('uses nothing the local engine silently ignores (JSONata, Assign, Distributed Map readers)', () => {
    const found = [...keys(definition)]
      .filter(
        ([key, , value]) =>
          [
            'QueryLanguage',
            'Assign',
            'ItemReader',
            'ItemBatcher',
            'ResultWriter',
            'Arguments',
            'Output',
          ].includes(key) ||
          (key === 'Mode' && value === 'DISTRIBUTED') ||
          (typeof value === 'string' && value.startsWith('{%')),
      )
      .map(([key, path]) => `${path}.${key}`);
    expect(found).toEqual([]);
  });

  it('names only substitutions the stack and the local runner provide', () => {
    const known = new Set([...Object.keys(FUNCTIONS), 'MigrateVaultStateMachineArn']);
    const used = [
      ...readFileSync(join(STATE_MACHINES_DIR, file), 'utf8').matchAll(/\$\{([A-Za-z0-9]+)\}/g),
    ].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((name) => !known.has(name as string))).toEqual([]);
  });

  it('catches every error of every Lambda task and retries Lambda service errors', () => {
    const tasks = [...keys(definition)].filter(
      ([key, , value]) => key === 'Resource' && typeof value === 'string' && value.includes('FunctionArn'),
    );
    expect(tasks.length).toBeGreaterThan(0);
    for (const [, path] of tasks) {
      const state = path
        .split('.')
        .reduce<unknown>(
          (node, part) => (part === '$' ? node : (node as Record<string, unknown>)[part]),
          definition,
        ) as {
        Retry?: Array<{ ErrorEquals: string[] }>;
        Catch?: Array<{ ErrorEquals: string[] }>;
      };
      expect(state.Retry?.[0]?.ErrorEquals).toContain('Lambda.ServiceException');
      expect(state.Catch?.[0]?.ErrorEquals).toEqual(['States.ALL']);
    }
  });
});

describe('migrate-vault.asl.json', () => {
  it('lets the named errors through to the execution (no Catch swallows one into success)', () => {
    const definition = load('migrate-vault.asl.json') as {
      States: Record<string, { Type: string; ErrorPath?: string }>;
    };
    const failStates = Object.values(definition.States).filter((state) => state.Type === 'Fail');
    expect(failStates.some((state) => state.ErrorPath === '$.error.Error')).toBe(true);
    expect(NAMED_ERRORS).toContain('MigrationIncomplete');
  });
});

describe('execution and step timeouts (issue 16 item 11)', () => {
  /** The most a Standard execution may last (AWS-FACTS: one year). */
  const ONE_YEAR_SECONDS = 365 * 24 * 3600;

  it.each(FILES)('%s uses the longest execution timeout Step Functions allows', (file) => {
    // An execution-level timeout ends the execution without running any Catch (no report): it
    // must never be what ends a long migration before a step-level bound does.
    expect(load(file).TimeoutSeconds).toBe(ONE_YEAR_SECONDS);
  });

  it('routes a timeout of any MigrateVault step to a state that writes the report', () => {
    const definition = load('migrate-vault.asl.json') as {
      States: Record<
        string,
        { Type: string; Resource?: string; Catch?: Array<{ ErrorEquals: string[]; Next: string }> }
      >;
    };
    const writesReport = (name: string) =>
      definition.States[name]?.Resource?.includes('{WriteReportFunctionArn}') === true;
    const tasks = Object.entries(definition.States).filter(([, state]) => state.Type === 'Task');
    const unreported = tasks
      .filter(([name]) => name !== 'Write the failure report')
      .filter(([, state]) => {
        const handler = (state.Catch ?? []).find(
          (candidate) =>
            candidate.ErrorEquals.includes('States.ALL') || candidate.ErrorEquals.includes('States.Timeout'),
        );
        return handler === undefined || !writesReport(handler.Next);
      })
      .map(([name]) => name);
    expect(unreported).toEqual([]);
  });
});
