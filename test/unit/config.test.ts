/**
 * The environment is read in one place (lambdas/shared/config.ts) and a bad value fails loudly,
 * naming the variable, wherever it is read: the SDK clients' retries and the Lambdas' clock too.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { backupClient, resetClients } from '#shared/clients.ts';
import { currentTime } from '#shared/clock.ts';
import { readConfig } from '#shared/config.ts';
import { withEnv } from '../lambdas/helpers.ts';

describe('the environment, read once with named errors', () => {
  let restore: () => void = () => undefined;
  afterEach(() => {
    restore();
    resetClients();
  });

  it('refuses an AWS_MAX_ATTEMPTS that is not a whole number, naming it', () => {
    restore = withEnv({ AWS_MAX_ATTEMPTS: 'x' });
    resetClients();
    expect(() => backupClient()).toThrow(/AWS_MAX_ATTEMPTS must be a whole number from 1 to 20, got "x"/);
  });

  it('refuses a VAULT_MIGRATOR_RETRY_BASE_MS below zero, naming it', () => {
    restore = withEnv({ VAULT_MIGRATOR_RETRY_BASE_MS: '-5' });
    resetClients();
    expect(() => backupClient()).toThrow(/VAULT_MIGRATOR_RETRY_BASE_MS must be a whole number/);
  });

  it('refuses a clock offset that is not a number rather than running on the wrong time', () => {
    restore = withEnv({ VAULT_MIGRATOR_CLOCK_OFFSET_MS: 'soon' });
    expect(() => currentTime()).toThrow(/VAULT_MIGRATOR_CLOCK_OFFSET_MS must be a whole number/);
  });

  it('reads the retry settings and the clock offset with their defaults', () => {
    restore = withEnv({
      AWS_MAX_ATTEMPTS: undefined,
      VAULT_MIGRATOR_RETRY_BASE_MS: undefined,
      VAULT_MIGRATOR_CLOCK_OFFSET_MS: '86400000',
    });
    expect(readConfig()).toMatchObject({ sdkMaxAttempts: 8, retryBaseMs: 100 });
    const ahead = currentTime().getTime() - Date.now();
    expect(ahead).toBeGreaterThan(86_400_000 - 1_000);
    expect(ahead).toBeLessThanOrEqual(86_400_000);
  });
});
