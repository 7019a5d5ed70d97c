import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Scenario, scenario } from './harness.ts';

/** The EMF lines a run wrote on stdout, as the Lambda's log would hold them. */
function emfLines(chunks: string[]): Array<Record<string, unknown>> {
  return chunks
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function sum(lines: Array<Record<string, unknown>>, metric: string): number {
  return lines.reduce(
    (total, line) => total + (typeof line[metric] === 'number' ? (line[metric] as number) : 0),
    0,
  );
}

describe('migration metrics, from a whole run', () => {
  let current: Scenario | undefined;

  afterEach(async () => {
    vi.restoreAllMocks();
    await current?.stop();
    current = undefined;
  });

  it('adds up, round by round, to the copies made and the recovery points retired', async () => {
    // As on Lambda: the function's name is set, so the handlers publish.
    current = await scenario(
      {},
      { AWS_LAMBDA_FUNCTION_NAME: 'vault-migrator-test', POWERTOOLS_METRICS_DISABLED: 'false' },
    );
    const { emulator, runner } = current;
    emulator.seed({
      vaults: [
        {
          name: 'alpha',
          encryptionKey: 'none',
          generate: { count: 24, perResource: 3, mix: { EFS: 1, S3: 1 } },
        },
      ],
    });
    const chunks: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk, ...rest) => {
      if (String(chunk).includes('"_aws"')) {
        chunks.push(String(chunk));
        return true;
      }
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    });
    const result = await runner.startExecution('MigrateVault', {
      sourceVaultName: 'alpha',
      deleteSourceVault: true,
      maxConcurrentCopies: 5,
    });
    vi.restoreAllMocks();
    expect(result.status).toBe('SUCCEEDED');
    const lines = emfLines(chunks);
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(line).toMatchObject({ SourceVault: 'alpha', service: 'vault-migrator' });
    const copies = emulator.backup.vaults.get('alpha-encrypted')?.recoveryPoints.size ?? 0;
    expect(copies).toBe(24);
    expect(sum(lines, 'CopiesStarted')).toBe(24);
    expect(sum(lines, 'CopiesCompleted')).toBe(24);
    expect(sum(lines, 'RecoveryPointsRetired')).toBe(24);
    expect(emulator.backup.vaults.has('alpha')).toBe(false);
  });
});
