// Icons without tracking (issue 16 item 11): the background fetches a fetch's icon once, when the
// fetch starts, without cookies; the popup and notifications show the stored copy, so opening
// the popup sends nothing to a URL the page chose. Before: the popup's <img> loaded the page's
// icon URL (and the site's /favicon.ico) every time it opened, with the site's cookies.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'puppeteer-core';
import { browsersUnderTest, extensionPage, launch, type Launched, useExtensionFor } from '../helpers/browsers';
import { openSite, startTestServer, type TestServer } from '../helpers/site';

declare const t: any;

async function startAndSettle(page: Page, id: string, url: string, icons: unknown[]): Promise<string> {
  return page.evaluate(
    async (id, url, icons) => {
      const reg = await t.reg();
      const bf = await reg.backgroundFetch.fetch(id, url, { title: id, icons });
      await t.settled(bf, 30_000);
      return bf.result;
    },
    id,
    url,
    icons,
  );
}

/** The popup's row for a fetch title: its icon's src (null when it shows a letter) and whether it decoded. */
async function rowIcon(popup: Page, title: string): Promise<{ src: string | null; loaded: boolean } | null> {
  return popup.evaluate((title) => {
    const row = [...document.querySelectorAll('li.reg')].find((li) => li.querySelector('h3')?.textContent === title);
    if (!row) return null;
    const img = row.querySelector('.reg-icon img') as HTMLImageElement | null;
    return { src: img?.getAttribute('src') ?? null, loaded: !!img && img.complete && img.naturalWidth > 0 };
  }, title);
}

async function waitFor<T>(probe: () => Promise<T>, ok: (value: T) => boolean, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  let value = await probe();
  while (!ok(value) && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await probe();
  }
  return value;
}

for (const name of browsersUnderTest()) {
  describe(`[${name}] icons without tracking`, () => {
    let server: TestServer;
    let browser: Launched;
    let page: Page;

    before(async () => {
      server = await startTestServer();
      browser = await launch(name);
      await useExtensionFor(browser, [server.originA]);
      page = await openSite(browser, server.originA);
      await page.evaluate('window.__name = (f) => f');
      // A first-party cookie of the site, as a tracker would set it: an icon request must not carry it.
      await page.evaluate(async () => {
        await fetch('/set-cookie?name=tracker&value=person-42&samesite=Lax');
      });
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    test('one icon request, without cookies, when the fetch starts; none when the popup opens; the popup shows the stored copy', async () => {
      server.clearLog();
      const icons = [{ src: '/site/icon.png?probe=once', sizes: '96x96', type: 'image/png' }];
      assert.equal(
        await startAndSettle(page, 'icon-once', `${server.originA}/gen/icon-body?size=2000`, icons),
        'success',
      );
      await waitFor(
        async () => server.log.filter((r) => r.pathname === '/site/icon.png').length,
        (n) => n > 0,
      );
      await server.idle();
      const before = server.log.filter((r) => r.pathname === '/site/icon.png');
      console.log(
        `  icon requests at start: ${JSON.stringify(before.map((r) => ({ path: r.path, cookies: r.cookies, referer: r.headers.referer ?? null })))}`,
      );
      assert.equal(before.length, 1, 'the icon is fetched exactly once');
      assert.deepEqual(before[0]!.cookies, {}, 'without cookies');
      assert.equal(before[0]!.headers.referer, undefined, 'without a referrer');

      server.clearLog();
      const popup = await extensionPage(browser);
      try {
        const icon = await waitFor(
          () => rowIcon(popup, 'icon-once'),
          (value) => !!value?.loaded,
        );
        await server.idle();
        const after = server.log.map((r) => r.path);
        console.log(
          `  popup icon: ${icon?.src?.slice(0, 40)} loaded=${icon?.loaded}; requests while the popup opened: ${JSON.stringify(after)}`,
        );
        assert.ok(icon?.src?.startsWith('blob:'), `the stored copy is shown (${icon?.src})`);
        assert.ok(icon?.loaded, 'and it decodes as an image');
        assert.deepEqual(after, [], 'opening the popup requests nothing from the site');
      } finally {
        await popup.close();
      }
    });

    test('an icon that is not an image (image/png Content-Type, other bytes) is not shown', async () => {
      server.clearLog();
      const icons = [{ src: '/gen/not-an-icon?size=3000&type=image/png', sizes: '96x96', type: 'image/png' }];
      assert.equal(
        await startAndSettle(page, 'icon-fake', `${server.originA}/gen/icon-body2?size=2000`, icons),
        'success',
      );
      await waitFor(
        async () => server.log.filter((r) => r.pathname === '/gen/not-an-icon').length,
        (n) => n > 0,
      );
      await server.idle();
      assert.equal(server.log.filter((r) => r.pathname === '/gen/not-an-icon').length, 1);
      const popup = await extensionPage(browser);
      try {
        const row = await waitFor(
          () => rowIcon(popup, 'icon-fake'),
          (value) => value !== null,
        );
        // The stored copy of the first fetch shows, so the popup has rendered stored icons by now.
        await waitFor(
          () => rowIcon(popup, 'icon-once'),
          (value) => !!value?.loaded,
        );
        const again = await rowIcon(popup, 'icon-fake');
        console.log(`  fake icon row: ${JSON.stringify(again)}`);
        assert.ok(row, 'the row is listed');
        assert.equal(again?.src, null, 'no image: the row shows its letter');
      } finally {
        await popup.close();
      }
    });
  });
}
