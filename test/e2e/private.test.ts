// Private windows and containers (Firefox): a private window's fetch lives in memory only, is
// invisible to normal windows and gone with the private session; a container's fetch sends that
// container's cookies and is invisible outside it. The server logs the cookies each request got.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'puppeteer-core';
// @ts-expect-error plain JS module with JSDoc types
import { generatedSha256 } from '../server/server.mjs';
import { browsersUnderTest, extensionPage, launch, useExtensionFor, type Launched } from '../helpers/browsers';
import { answerPrompt, setSitePermission } from '../helpers/consent';
import { startTestServer, type TestServer } from '../helpers/site';
import { openPrivatePopup, openPrivateSite } from '../helpers/private-window';
import { storedRegistrations } from '../helpers/store';

declare const t: any;

const SIZE = 1_500_000; // over 1 MiB: stored as a Blob chunk (src/background/engine/chunks.ts)

/** Starts a fetch of one generated file and returns what the page then sees. */
async function fetchAndRead(page: Page, id: string, url: string) {
  return page.evaluate(
    async (id, url) => {
      const reg = await t.reg();
      const bgFetch = await t.settled(await reg.backgroundFetch.fetch(id, url));
      const [record] = await bgFetch.matchAll();
      const body = await t.readResponse(await record.responseReady);
      return { result: bgFetch.result, sha256: body.sha256, ids: await reg.backgroundFetch.getIds() };
    },
    id,
    url,
  );
}

const idsIn = (page: Page) => page.evaluate(async () => (await t.reg()).backgroundFetch.getIds());

const cookieOf = (server: TestServer, pathname: string) =>
  server.log.filter((entry) => entry.pathname === pathname).map((entry) => entry.cookies.jar ?? '(none)');

if (browsersUnderTest().includes('firefox')) {
  describe('[firefox] private windows and containers', () => {
    let server: TestServer;
    let browser: Launched;
    let normal: Page;

    before(async () => {
      server = await startTestServer();
      browser = await launch('firefox', {
        privateBrowsing: true,
        prefs: { 'dom.serviceWorkers.privateBrowsing.enabled': true },
      });
      await useExtensionFor(browser, [server.originA, server.originB]);
      normal = await browser.browser.newPage();
      await normal.goto(`${server.originA}/site/`);
      await normal.evaluate(() => (window as any).swReady);
      await normal.evaluate(() => (document.cookie = 'jar=normal; path=/'));
      // A fetch of the normal window, so the store on disk is known to be the one the test reads.
      await fetchAndRead(normal, 'normal-one', `/gen/normal-one?size=1000&seed=60`);
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    test("a private window's fetch: its own cookies, readable there, never on disk or in a normal window, gone with the session", async () => {
      const inPrivate = await openPrivateSite(browser, server.originA);
      await inPrivate.evaluate(() => (document.cookie = 'jar=private; path=/'));
      const url = `/gen/private-file?size=${SIZE}&seed=61&delay=100`;
      const seen = await fetchAndRead(inPrivate, 'secret', url);
      assert.equal(seen.result, 'success');
      assert.equal(seen.sha256, generatedSha256(SIZE, 61), 'the private window reads the body intact');
      assert.deepEqual(seen.ids, [], 'settled: no longer among the active ids');
      assert.deepEqual(
        cookieOf(server, '/gen/private-file'),
        ['private'],
        "the private window's cookie, not the normal one",
      );

      const running = await inPrivate.evaluate(async () => {
        const reg = await t.reg();
        await reg.backgroundFetch.fetch('secret-running', '/gen/private-slow?size=2000000&seed=62&throttle=200000');
        return reg.backgroundFetch.getIds();
      });
      assert.deepEqual(running, ['secret-running'], 'visible in the private window');

      assert.deepEqual(await idsIn(normal), [], 'invisible in a normal window of the same site');
      // The store is read from an extension page in the normal window (a private window's pages
      // see a private partition of IndexedDB, not the disk).
      await normal.bringToFront();
      const onDisk = await storedRegistrations(browser);
      assert.ok(
        onDisk.some((reg) => reg.id === 'normal-one'),
        "the disk store holds the normal window's fetch",
      );
      assert.deepEqual(
        onDisk.filter((reg) => reg.id.startsWith('secret')),
        [],
        'nothing of the private ones in the store on disk',
      );

      // The last private window closes: the session ends, its transfer stops, its fetches are gone.
      await inPrivate.close();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const sentBefore = server.log.find((entry) => entry.pathname === '/gen/private-slow')!;
      assert.ok(sentBefore.closedEarly || !sentBefore.completed, 'the private transfer stopped with the session');
      const again = await openPrivateSite(browser, server.originA);
      assert.deepEqual(await idsIn(again), [], 'a new private session starts empty');
      await again.close();
      await normal.bringToFront();
    });

    test('a private window asks too: the prompt shows in its popup, the answer lives in memory only and ends with the session', async () => {
      await setSitePermission(browser, server.originB, 'ask');
      const inPrivate = await openPrivateSite(browser, server.originB);
      const url = '/gen/private-ask?size=3000&seed=65';
      await inPrivate.evaluate(async (url) => {
        const reg = await t.reg();
        (window as any).asked = await reg.backgroundFetch.fetch('private-ask', url);
        t.settled((window as any).asked);
      }, url);
      const popup = await openPrivatePopup(browser);
      const host = new URL(server.originB).host;
      await popup.waitForFunction(
        (host) => document.querySelector('.permission-prompt')?.textContent?.includes(host),
        { timeout: 15_000 },
        host,
      );
      assert.equal(
        server.log.filter((entry) => entry.pathname === '/gen/private-ask').length,
        0,
        'nothing fetched before the answer',
      );
      await answerPrompt(popup, host, 'always-allow');
      const result = await inPrivate.evaluate(async () => (await t.settled((window as any).asked)).result);
      assert.equal(result, 'success');
      const privateState = await inPrivate.evaluate(
        async () => (await navigator.permissions.query({ name: 'background-fetch' as PermissionName })).state,
      );
      assert.equal(privateState, 'granted', 'remembered in the private session');

      // Normal windows never learn of it.
      // (The normal window's tab, for sure not private: a new page could open in the private window.)
      await normal.goto(`${server.originB}/site/`);
      await normal.evaluate(() => (window as any).swReady);
      const normalState = await normal.evaluate(
        async () => (await navigator.permissions.query({ name: 'background-fetch' as PermissionName })).state,
      );
      assert.equal(normalState, 'prompt', "a private window's answer is not a normal window's");
      await normal.goto(`${server.originA}/site/`);
      await normal.evaluate(() => (window as any).swReady);

      // The session ends: the answer is forgotten.
      await popup.close();
      await inPrivate.close();
      // As above: the background sees the last private window go (windows.onRemoved) first.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const again = await openPrivateSite(browser, server.originB);
      const stateAgain = await again.evaluate(
        async () => (await navigator.permissions.query({ name: 'background-fetch' as PermissionName })).state,
      );
      assert.equal(stateAgain, 'prompt', 'a new private session is asked again');
      await again.close();
      await normal.bringToFront();
      await setSitePermission(browser, server.originB, 'allow');
    });

    test("a container's fetch: that container's cookies, invisible outside it", async () => {
      await normal.bringToFront();
      const context = await browser.browser.createBrowserContext();
      try {
        const boxed = await context.newPage();
        await boxed.goto(`${server.originA}/site/`);
        await boxed.evaluate(() => (window as any).swReady);
        await boxed.evaluate(() => (document.cookie = 'jar=container; path=/'));
        const slowUrl = '/gen/boxed-slow?size=2000000&seed=64&throttle=400000';
        await boxed.evaluate(async (url) => {
          const reg = await t.reg();
          await reg.backgroundFetch.fetch('boxed-running', url);
        }, slowUrl);
        assert.deepEqual(await idsIn(boxed), ['boxed-running']);
        assert.deepEqual(await idsIn(normal), [], 'a normal tab of the same site does not see it');
        const seen = await fetchAndRead(boxed, 'boxed', `/gen/boxed-file?size=${SIZE}&seed=63&delay=100`);
        assert.equal(seen.sha256, generatedSha256(SIZE, 63));
        assert.deepEqual(
          cookieOf(server, '/gen/boxed-file'),
          ['container'],
          "the container's cookie, not the normal one",
        );
        const fromNormal = await fetchAndRead(normal, 'plain', `/gen/plain-file?size=${SIZE}&seed=65&delay=100`);
        assert.equal(fromNormal.sha256, generatedSha256(SIZE, 65));
        assert.deepEqual(cookieOf(server, '/gen/plain-file'), ['normal'], 'a normal tab keeps its own cookie');
        assert.deepEqual(await idsIn(boxed), ['boxed-running'], "the normal tab's fetch never shows in the container");
        await boxed.evaluate(async () => {
          const reg = await t.reg();
          await (await reg.backgroundFetch.get('boxed-running'))?.abort();
        });
      } finally {
        await context.close();
      }
    });
  });
}
