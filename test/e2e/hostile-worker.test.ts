// What a site's worker reports back through updateUI() is held to fetch()'s option limits (issue
// 16 item 7), and the popup survives a row it cannot draw. The hostile worker
// (test/fixtures/sw-site/sw-hostile.js) rewrites what goes back to the extension: a title that is
// an object, 8 MiB of title, a thousand icons of the wrong types.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'puppeteer-core';
import {
  browsersUnderTest,
  extensionPage,
  gotoExtensionPage,
  launch,
  type Launched,
  useExtensionFor,
} from '../helpers/browsers';
import { openSite, openWorkerSite, startTestServer, type TestServer } from '../helpers/site';
import { storedRegistrations } from '../helpers/store';

declare const t: any;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function waitFor<T>(
  what: string,
  get: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < until) {
    last = await get();
    if (ok(last)) return last;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)?.slice(0, 300)}`);
}

/** Each row of the popup: its title, state and the labels of its buttons. */
const popupRows = (popup: Page) =>
  popup.$$eval('li.reg', (items) =>
    items.map((li) => ({
      title: (li.querySelector('.reg-title')?.textContent ?? '').slice(0, 100),
      state: li.getAttribute('data-state'),
      buttons: [...li.querySelectorAll('button')].map(
        (button) => button.getAttribute('aria-label') ?? button.textContent ?? '',
      ),
    })),
  );

/** Title and icons of every stored registration, as the popup reads them. */
async function storedUi(launched: Launched) {
  const page = await extensionPage(launched);
  try {
    return await page.evaluate(
      () =>
        new Promise<{ id: string; titleType: string; titleLength: number; icons: number }[]>((resolve, reject) => {
          const open = indexedDB.open('bgfetch');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const request = open.result.transaction('registrations').objectStore('registrations').getAll();
            request.onsuccess = () => {
              resolve(
                request.result.map((reg: any) => ({
                  id: reg.id,
                  titleType: typeof reg.title,
                  titleLength: typeof reg.title === 'string' ? reg.title.length : -1,
                  icons: Array.isArray(reg.icons) ? reg.icons.length : -1,
                })),
              );
              open.result.close();
            };
            request.onerror = () => reject(request.error);
          };
        }),
    );
  } finally {
    await page.close();
  }
}

/** Writes `title` into the stored registration `id` behind the engine's back (a store left by an older version). */
async function corruptTitle(launched: Launched, id: string, title: unknown) {
  const page = await extensionPage(launched);
  try {
    await page.evaluate(
      (id, title) =>
        new Promise<void>((resolve, reject) => {
          const open = indexedDB.open('bgfetch');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const tx = open.result.transaction('registrations', 'readwrite');
            const store = tx.objectStore('registrations');
            const all = store.getAll();
            all.onsuccess = () => {
              const reg = all.result.find((r: any) => r.id === id);
              store.put({ ...reg, title, icons: [{ src: 5, sizes: null }] });
            };
            tx.oncomplete = () => {
              open.result.close();
              resolve();
            };
            tx.onerror = () => reject(tx.error);
          };
        }),
      id,
      title,
    );
  } finally {
    await page.close();
  }
}

if (browsersUnderTest().includes('firefox')) {
  describe("[firefox] a hostile worker's updateUI()", () => {
    let server: TestServer;
    let browser: Launched;
    let hostile: Page;
    let other: Page;

    before(async () => {
      server = await startTestServer();
      browser = await launch('firefox');
      // New sites are asked first (consent, issue 17): the person allows the test's sites.
      await useExtensionFor(browser, [server.originA, server.originB]);
      hostile = await openWorkerSite(browser, server.originA, 'hostile');
      other = await openSite(browser, server.originB);
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    test('an object title, 8 MiB of title, 1000 icons: dropped; the popup lists and controls every other row', async () => {
      // Another site's fetch, running slowly while the hostile worker reports.
      await other.evaluate(async () => {
        const reg = await t.reg();
        await reg.backgroundFetch.fetch('keeper', '/gen/keeper.bin?size=3000000&seed=5&throttle=100000', {
          title: 'Keeper',
        });
      });
      const ids = ['object-title', 'huge-title', 'many-icons'];
      for (const id of ids) {
        const result = await hostile.evaluate(async (id) => {
          const reg = await t.reg();
          const bgFetch = await t.settled(
            await reg.backgroundFetch.fetch(id, `/gen/${id}?size=1000&seed=9`, { title: `Asked ${id}` }),
          );
          return bgFetch.result;
        }, id);
        assert.equal(result, 'success');
      }
      // The events were handled (records no longer available), whatever the worker reported.
      await waitFor(
        'the three events handled',
        () => storedRegistrations(browser),
        (regs) => ids.every((id) => regs.find((reg) => reg.id === id)?.recordsAvailable === false),
      );
      const stored = await storedUi(browser);
      for (const id of ids) {
        const reg = stored.find((entry) => entry.id === id)!;
        assert.equal(reg.titleType, 'string', `${id}: the title stays a string`);
        assert.ok(reg.titleLength <= 1024, `${id}: the title stays within 1,024 characters (${reg.titleLength})`);
        assert.ok(reg.icons >= 0 && reg.icons <= 32, `${id}: at most 32 icons (${reg.icons})`);
      }

      const popup = await browser.browser.newPage();
      try {
        await gotoExtensionPage(browser, popup);
        const shown = await waitFor(
          'every row listed',
          () => popupRows(popup),
          (rows) => rows.length === 4,
        );
        assert.deepEqual(shown.map((row) => row.title).sort(), [
          'Asked huge-title',
          'Asked many-icons',
          'Asked object-title',
          'Keeper',
        ]);

        // A row the popup cannot draw (a store written before these checks): only that row is lost.
        await popup.close();
        await corruptTitle(browser, 'object-title', { nested: ['not', 'a', 'string'] });
        const again = await browser.browser.newPage();
        await gotoExtensionPage(browser, again);
        const rows = await waitFor(
          'rows after the bad one',
          () => popupRows(again),
          (rows) => rows.length === 4,
        );
        assert.deepEqual(rows.filter((row) => row.state === 'broken').length, 1, 'one row shown as unreadable');
        assert.deepEqual(
          rows
            .map((row) => row.title)
            .filter((title) => title.startsWith('Asked') || title === 'Keeper')
            .sort(),
          ['Asked huge-title', 'Asked many-icons', 'Keeper'],
        );
        // The others stay controllable: pause the other site's fetch from the popup.
        const pause = 'button[aria-label="Pause: Keeper"]';
        await again.waitForSelector(pause, { timeout: 10_000 });
        await again.click(pause);
        await waitFor(
          'Keeper paused',
          () => popupRows(again),
          (rows) => rows.some((row) => row.title === 'Keeper' && row.state === 'paused'),
        );
        // And the broken row can still be removed.
        await again.$$eval('li.reg[data-state="broken"] button', (buttons) => (buttons.at(-1) as HTMLElement).click());
        await waitFor(
          'the broken row removed',
          () => popupRows(again),
          (rows) => rows.length === 3 && rows.every((row) => row.state !== 'broken'),
        );
        await again.close();
      } finally {
        await popup.close().catch(() => undefined);
      }
    });

    // Issue 16 item 13: a worker script that starts with `#!` (test/fixtures/sw-site/sw-hashbang.js).
    test('a worker starting with a #! line still gets its events (the shim goes after that line)', async () => {
      const page = await openWorkerSite(browser, server.originA, 'hashbang');
      try {
        const result = await page.evaluate(async () => {
          const reg = await t.reg();
          const bgFetch = await t.settled(
            await reg.backgroundFetch.fetch('hashbang', '/gen/hashbang?size=1000&seed=3'),
          );
          return bgFetch.result;
        });
        assert.equal(result, 'success');
        const entries = await waitFor(
          'the success event in the worker',
          () => page.evaluate(() => (window as any).workerLog()),
          (log: any[]) => log.some((e) => e.id === 'hashbang'),
        );
        assert.equal(entries.find((e: any) => e.id === 'hashbang').type, 'backgroundfetchsuccess');
      } finally {
        await page.close();
      }
    });
  });
}
