// Real Chromium (Debian's, at /usr/bin/chromium) driven by playwright-core, one browser per test
// file and a context (own storage, own tab) per user.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe } from 'vitest';
import type { TestUser } from './client.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = 'docs/screenshots';

/** `describe` for a browser suite, skipped (and saying so) where no Chromium is installed. */
export function describeInBrowser(name: string, suite: () => void): void {
  const available = existsSync(CHROMIUM);
  if (!available) console.warn(`browser suite "${name}" skipped: no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run does)`);
  describe.skipIf(!available)(name, suite);
}

/** `extraArgs`: more Chromium switches, e.g. fake camera and microphone for calls. */
export function useBrowser(extraArgs: string[] = []): { page(origin: string, session?: TestUser): Promise<Page> } {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', ...extraArgs],
    });
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
  });
  return {
    /** A tab of its own (as a separate browser profile would be); with `session`, already signed in as that user. */
    async page(origin: string, session?: TestUser) {
      const context = await browser!.newContext({ viewport: { width: 1100, height: 720 }, locale: 'en-GB', timezoneId: 'UTC' });
      contexts.push(context);
      context.setDefaultTimeout(10_000);
      if (session) {
        const stored = { userId: session.userId, deviceId: session.deviceId, token: session.token };
        await context.addInitScript((value) => {
          if (!sessionStorage.getItem('messenger.session')) sessionStorage.setItem('messenger.session', value);
        }, JSON.stringify(stored));
      }
      const page = await context.newPage();
      await page.goto(origin + '/');
      return page;
    },
  };
}

/**
 * Saves a screenshot for the README, only when asked (`UPDATE_SCREENSHOTS=1`), so test runs do not
 * rewrite committed pictures.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!process.env.UPDATE_SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}
