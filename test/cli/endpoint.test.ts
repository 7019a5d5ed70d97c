import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KMSClient, ListAliasesCommand } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, SMALL_ACCOUNT, tempDir } from './helpers.ts';

/** Starts the emulator as its own process and reads its URL from the first line it prints. */
async function startEmulatorProcess(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/emulator/main.ts', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buffered = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split('\n')[0];
      if (buffered.includes('\n') && line) resolve(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code} before printing its URL`)));
  });
  return { url, child };
}

describe('vault-migrator --endpoint, against an emulator started separately', () => {
  let emulator: { url: string; child: ChildProcess };
  let dir: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    emulator = await startEmulatorProcess();
    dir = tempDir();
    const seeded = await fetch(`${emulator.url}/_emulator/seed`, {
      method: 'POST',
      body: JSON.stringify(SMALL_ACCOUNT),
    });
    expect(seeded.ok).toBe(true);
  });

  afterAll(async () => {
    if (emulator.child.exitCode === null) {
      emulator.child.kill('SIGTERM');
      await once(emulator.child, 'exit');
    }
    dir.remove();
  });

  it('migrates through the endpoint with a key it creates once as alias/vault-migrator, then reuses', async () => {
    const endpoint = ['--endpoint', emulator.url, '--report-dir', dir.path, '--quiet'];
    const first = await cli(['migrate', '--vault', 'alpha', '--name', 'first', '--json', ...endpoint]);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ vaults: [{ outcome: 'MIGRATED', vault: 'alpha' }] });

    const second = await cli(['migrate', '--vault', 'beta', '--name', 'second', '--json', ...endpoint]);
    expect(second.status).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ vaults: [{ outcome: 'MIGRATED', vault: 'beta' }] });

    const kms = new KMSClient({
      endpoint: emulator.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const aliases = await kms.send(new ListAliasesCommand({}));
    kms.destroy();
    const ours = aliases.Aliases?.filter((alias) => alias.AliasName === 'alias/vault-migrator') ?? [];
    expect(ours).toHaveLength(1);

    // Filed by vault, then by execution.
    const keyOf = (vault: string, execution: string) =>
      (
        JSON.parse(readFileSync(join(dir.path, vault, execution, 'report.json'), 'utf8')) as {
          targetVault: { keyArn: string };
        }
      ).targetVault.keyArn;
    expect(keyOf('alpha', 'first')).toBe(keyOf('beta', 'second'));
    expect(keyOf('alpha', 'first')).toMatch(new RegExp(`key/${ours[0]?.TargetKeyId}$`));

    // The record says where the calls went.
    const record = JSON.parse(readFileSync(join(dir.path, 'alpha', 'first', 'execution.json'), 'utf8')) as {
      endpoint: string;
    };
    expect(record.endpoint).toBe(emulator.url);
  });

  it('names the endpoint it cannot reach, with exit status 3', async () => {
    const result = await cli([
      'migrate',
      '--vault',
      'alpha',
      '--endpoint',
      'http://127.0.0.1:9',
      '--report-dir',
      dir.path,
    ]);
    expect(result.status).toBe(3);
    expect(result.stderr.trim()).toMatch(
      /^vault-migrator: EndpointUnreachable: KMS at http:\/\/127\.0\.0\.1:9: cannot reach/,
    );
  });
});
