import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../cli/report/html.ts';
import { renderSummaryText } from '../../cli/report/text.ts';
import { encryptionVerdict } from '../../cli/report/verdict.ts';
import { sampleBatch } from './fixtures.ts';
import { cli, SMALL_ACCOUNT, tempDir } from './helpers.ts';

describe('the encryption verdict', () => {
  it('counts, per vault and in all, the copies on the target key and those not, with why and what to do', () => {
    const verdict = encryptionVerdict(sampleBatch());
    expect(verdict.copies).toBe(421);
    expect(verdict.onTargetKey).toBe(148);
    expect(verdict.notOnTargetKey).toBe(273);
    expect(verdict.percentOnTargetKey).toBe(35);
    expect(verdict.allOnTargetKey).toBe(false);
    const legacy = verdict.vaults.find((vault) => vault.vault === 'legacy-unencrypted');
    expect(legacy).toMatchObject({ onTargetKey: 120, sourceKey: 130, unencrypted: 51, notOnTargetKey: 181 });
    expect(verdict.advice.join(' ')).toMatch(/new backup .* into the new vault/);
    expect(verdict.advice.join(' ')).toMatch(/expire/);
  });

  it('leads the summary with it: the headline says how many copies are on the target key', () => {
    const text = renderSummaryText(sampleBatch());
    const [first] = text.split('\n');
    expect(first).toContain('148 of 421 copies (35%) on the target key');
    const verdictAt = text.indexOf('Encryption verdict');
    const tableAt = text.indexOf('Recovery');
    expect(verdictAt).toBeGreaterThan(0);
    expect(verdictAt).toBeLessThan(tableAt);
    expect(text).toMatch(/legacy-unencrypted\s+120 of 301 on the target key/);
  });

  it('never shows a green "Every migration succeeded" while copies are off the target key', () => {
    const batch = sampleBatch();
    batch.vaults = batch.vaults.filter((vault) => vault.outcome !== 'FAILED');
    const html = renderHtml(batch, new Date('2026-06-01T06:00:00Z'));
    expect(html).not.toMatch(/class="verdict ok"/);
    expect(html).not.toContain('Every migration succeeded');
    expect(html).toContain('148 of 421 copies (35%) are on the target key');
    // The verdict comes before the figures.
    expect(html.indexOf('id="encryption-verdict"')).toBeLessThan(html.indexOf('class="cards"'));
  });
});

describe('--require-target-key', () => {
  let dir: ReturnType<typeof tempDir>;
  let seed: string;
  beforeAll(() => {
    dir = tempDir();
    seed = join(dir.path, 'seed.json');
    writeFileSync(seed, JSON.stringify(SMALL_ACCOUNT));
  });
  afterAll(() => dir.remove());
  const local = (...argv: string[]) => cli([...argv, '--local', '--seed', seed, '--report-dir', dir.path]);

  it('exits 1 with a named line when any copy is not on the target key', async () => {
    const result = await local(
      'migrate',
      '--vault',
      'alpha',
      '--name',
      'alpha-strict',
      '--require-target-key',
    );
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n').pop()).toMatch(
      /^vault-migrator: TargetKeyRequired: \d+ of 10 copies are not on the target key/,
    );
    expect(result.stdout).toMatch(/Encryption verdict/);
    expect(result.stdout).toMatch(/EBS/);
  });

  it('exits 0 when every copy is on the target key (fully managed types only)', async () => {
    const result = await local('migrate', '--vault', 'beta', '--name', 'beta-strict', '--require-target-key');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('6 of 6 copies (100%) on the target key');
  });

  it('without the option, exits 0 but still says the copies off the target key', async () => {
    const result = await local('migrate', '--vault', 'alpha', '--name', 'alpha-lenient');
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n')[0]).toMatch(/of 10 copies \(\d+%\) on the target key/);
    const html = readFileSync(join(dir.path, 'alpha', 'alpha-lenient', 'report.html'), 'utf8');
    expect(html).not.toMatch(/class="verdict ok"/);
  });
});

describe('report --require-target-key', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('exits 1 on a report whose copies are not all on the target key, 0 without the option', async () => {
    const { reportFile, sampleReport } = await import('./fixtures.ts');
    const path = join(dir.path, 'report.json');
    writeFileSync(path, reportFile(sampleReport()));
    const strict = await cli(['report', path, '--require-target-key']);
    expect(strict.status).toBe(1);
    expect(strict.stderr).toMatch(/TargetKeyRequired: 181 of 301 copies are not on the target key/);
    const lenient = await cli(['report', path]);
    expect(lenient.status).toBe(0);
  });
});
