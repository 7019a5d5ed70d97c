/**
 * The browser the HTML report tests drive: the Chromium that `npm ci` installs with
 * @sparticuz/chromium (a brotli-packed headless build that needs no system package), launched by
 * playwright-core, which downloads nothing. No fallback and no skip: when it cannot start, the test fails.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sparticuz from '@sparticuz/chromium';
import { type Browser, chromium } from 'playwright-core';

/**
 * The package unpacks its binary into the temporary directory the first time; a folder of the
 * project's own keeps concurrent test runs of other checkouts from racing over /tmp/chromium.
 */
const UNPACK_DIR = join(import.meta.dirname, '..', '..', 'node_modules', '.cache', 'vault-migrator-chromium');

/** Flags beyond the package's own: this machine's closed network refuses Chromium's background calls. */
const EXTRA_ARGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(UNPACK_DIR, { recursive: true });
  const tmp = process.env.TMPDIR;
  process.env.TMPDIR = UNPACK_DIR;
  let executablePath: string;
  try {
    executablePath = await sparticuz.executablePath();
  } finally {
    if (tmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmp;
  }
  return chromium.launch({ executablePath, args: [...sparticuz.args, ...EXTRA_ARGS], headless: true });
}
