import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../cli/report/html.ts';
import { launchBrowser } from '../support/browser.ts';
import { failedBatch, sampleBatch } from './fixtures.ts';
import { tempDir } from './helpers.ts';

/** Cells whose content is wider than the cell (clipped), and whether the table overflows its box. */
async function clipped(page: Page): Promise<{ cells: number; tableOverflows: boolean }> {
  // A string, so that this file needs no DOM types: it runs in the page.
  return page.evaluate(`(() => {
    const table = document.querySelector('table');
    const box = table && table.parentElement;
    const cells = [...document.querySelectorAll('table th, table td')].filter(
      (cell) => cell.scrollWidth > cell.clientWidth + 1,
    ).length;
    return { cells, tableOverflows: !!table && !!box && table.scrollWidth > box.clientWidth + 1 };
  })()`);
}

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
      // Every column shows at 1280 px: no cell clipped, no table wider than its box.
      expect(await clipped(page)).toEqual({ cells: 0, tableOverflows: false });
    } finally {
      await browser.close();
    }
  });

  it('shows a batch where every vault failed as failed, at 1280 px and in print', {
    timeout: 90_000,
  }, async () => {
    const path = join(dir.path, 'failed.html');
    writeFileSync(path, renderHtml(failedBatch(), new Date('2026-06-01T06:00:00Z')));
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`file://${path}`);
      const verdict = page.locator('.verdict');
      await expect(verdict.getAttribute('class')).resolves.toContain('bad');
      await expect(page.locator('.cards').textContent()).resolves.toContain('2 failed vaults not counted');
      const png = await page.screenshot({ fullPage: true });
      expect(png.length).toBeGreaterThan(20_000);
      expect(await clipped(page)).toEqual({ cells: 0, tableOverflows: false });

      // Print media: the stylesheet keeps every column on an A4 landscape page.
      await page.emulateMedia({ media: 'print' });
      await page.setViewportSize({ width: 1047, height: 740 });
      expect(await clipped(page)).toEqual({ cells: 0, tableOverflows: false });
      const pdf = await page.pdf({ format: 'A4', landscape: true, printBackground: true });
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    } finally {
      await browser.close();
    }
  });

  it('keeps every column of the success report in print media', { timeout: 90_000 }, async () => {
    const path = join(dir.path, 'print.html');
    writeFileSync(path, renderHtml(sampleBatch(), new Date('2026-06-01T06:00:00Z')));
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1047, height: 740 } });
      await page.goto(`file://${path}`);
      await page.emulateMedia({ media: 'print' });
      expect(await clipped(page)).toEqual({ cells: 0, tableOverflows: false });
      const headers = await page.locator('table thead th').count();
      expect(headers).toBe(11);
    } finally {
      await browser.close();
    }
  });
});
