// Opening a private window on a test site, as the person would from the menu (Firefox).
import type { Page } from 'puppeteer-core';
import { extensionPage, type Launched } from './browsers';

/** Opens `origin`/site/ in a new private window; resolves once its worker and the API are ready. */
export async function openPrivateSite(launched: Launched, origin: string): Promise<Page> {
  const url = `${origin}/site/`;
  const existing = new Set(await launched.browser.pages());
  const ext = await extensionPage(launched);
  try {
    await ext.evaluate(async (url) => {
      await (globalThis as any).browser.windows.create({ incognito: true, url });
    }, url);
  } finally {
    await ext.close();
  }
  const deadline = Date.now() + 15_000;
  for (;;) {
    for (const page of await launched.browser.pages()) {
      if (existing.has(page) || page.url() !== url) continue;
      const ready = await page
        .evaluate(() => (window as any).swReady?.then(() => document.readyState))
        .catch(() => undefined);
      const hasApi = await page
        .evaluate(() => Boolean((window as any).t) && 'BackgroundFetchManager' in window)
        .catch(() => false);
      if (ready && hasApi) return page;
    }
    if (Date.now() > deadline) throw new Error('the private window did not open');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The popup's page in a new private window, as the person opens it from that window's toolbar. */
export async function openPrivatePopup(launched: Launched): Promise<Page> {
  const url = `${launched.extensionBase}src/popup/index.html`;
  const existing = new Set(await launched.browser.pages());
  const ext = await extensionPage(launched);
  try {
    await ext.evaluate(async (url) => {
      await (globalThis as any).browser.windows.create({ incognito: true, url });
    }, url);
  } finally {
    await ext.close();
  }
  const deadline = Date.now() + 15_000;
  for (;;) {
    for (const page of await launched.browser.pages()) {
      if (existing.has(page)) continue;
      const ready = await page
        .evaluate((url) => location.href === url && document.readyState === 'complete', url)
        .catch(() => false);
      if (ready) return page;
    }
    if (Date.now() > deadline) throw new Error('the private popup did not open');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
