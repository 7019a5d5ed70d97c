import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../cli/report/html.ts';
import { launchBrowser } from '../support/browser.ts';
import { sampleBatch } from './fixtures.ts';
import { tempDir } from './helpers.ts';

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('the HTML report in a browser', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('renders in headless Chromium with its chart, and fetches nothing', { timeout: 90_000 }, async () => {
    const html = renderHtml(sampleBatch(), new Date('2026-06-01T06:00:00Z'));
    writeFileSync(join(dir.path, 'report.html'), html);
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const url = `file://${join(dir.path, 'report.html')}`;
      const requests: string[] = [];
      await page.route('**/*', async (route) => {
        requests.push(route.request().url());
        if (route.request().url() === url) await route.continue();
        else await route.abort();
      });
      await page.goto(url);
      // The page itself is the only thing loaded: no fonts, scripts or images from anywhere.
      expect(requests).toEqual([url]);

      expect(await page.title()).toBe('Backup vault migration: nightly');
      await expect(page.getByRole('heading', { name: 'Encryption of the copies' }).isVisible()).resolves.toBe(
        true,
      );
      // One bar for all vaults and one per vault with copies: three coloured segments each.
      const segments = page.locator('svg.chart rect[fill]:not([width="14"])');
      expect(await segments.count()).toBe(9);
      const chart = await page.locator('svg.chart').boundingBox();
      expect(chart?.width).toBeGreaterThan(600);
      expect(chart?.height).toBeGreaterThan(150);
      const rows = page.locator('table tbody tr');
      expect(await rows.count()).toBe(3);
      await expect(rows.nth(2).textContent()).resolves.toContain('analytics-<prod>');

      const path = join(dir.path, 'report.png');
      const png = await page.screenshot({ path, fullPage: true });
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect(png.length).toBeGreaterThan(30_000);
      const size = pngSize(png);
      expect(size.width).toBe(1280);
      expect(size.height).toBeGreaterThan(900);
      if (process.env.VAULT_MIGRATOR_SCREENSHOT) writeFileSync(process.env.VAULT_MIGRATOR_SCREENSHOT, png);
    } finally {
      await browser.close();
    }
  });
});
