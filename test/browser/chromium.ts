import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/**
 * Headless, and quiet on the network: without the background-networking flags Chromium
 * phones home at start-up (updates, sync, field trials), and on a machine without the
 * internet those connections fail loudly. Playwright gives each launch a fresh profile.
 */
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, args: ARGS });
}

/**
 * Where screenshots go: into docs/images/ (the README's pictures) only when asked with
 * VIGIL_UPDATE_SCREENSHOTS=1, so an ordinary test run leaves the tree as it was.
 */
export function screenshotPath(name: string): string {
  const dir = process.env.VIGIL_UPDATE_SCREENSHOTS === '1' ? 'docs/images' : 'test/browser/output';
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
