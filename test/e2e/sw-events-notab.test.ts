// Service-worker events in Firefox with every tab of the site closed: the background delivers
// them through a frame of the site in its own event page (src/background/sw-events/frame-delivery.ts), as
// Chromium delivers its own with no window open. The site is plain spec code
// (test/fixtures/sw-site/events.js); its worker writes down, at each event, when it came and how
// many windows of the site it could see, so a fresh tab opened afterwards can tell the event
// came before any page of the site existed again.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'puppeteer-core';
// @ts-expect-error plain JS module with JSDoc types
import { generatedSha256 } from '../server/server.mjs';
import { admin, browsersUnderTest, extensionPage, launch, useExtensionFor, type Launched } from '../helpers/browsers';
import { openWorkerSite, startTestServer, type TestServer } from '../helpers/site';
import { registrationKey, storedRegistrations } from '../helpers/store';
import { readStoreTables } from '../helpers/store-reader';
import { inExtensionPage, setEngineSwitches } from '../helpers/engine';

declare const t: any;
declare const workerLog: () => Promise<any[]>;
declare const cachedBodies: () => Promise<any[]>;

const KiB = 1024;
const MiB = 1024 * KiB;

interface Dispatch {
  type: string;
  id: string;
  at: number;
  windowClients: number;
}

/** The events still queued in the extension's store, read from one of its pages (no tab of the site). */
async function queuedEvents(launched: Launched) {
  return (await readStoreTables(launched, ['swEvents'])).swEvents;
}

/** The fetch settled (its event is queued in the same transaction) and no event of it waits any more. */
async function delivered(launched: Launched, key: string): Promise<boolean> {
  const reg = (await storedRegistrations(launched)).find((r) => r.key === key);
  return Boolean(reg?.result) && !(await queuedEvents(launched)).some((e) => e.id.startsWith(key));
}

async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** What the worker wrote at dispatch, read from a page of the site. */
const dispatches = (page: Page): Promise<Dispatch[]> =>
  page.evaluate(async () => {
    const cache = await caches.open('worker-dispatch');
    return Promise.all((await cache.keys()).map(async (key) => (await cache.match(key))!.json()));
  });

/** Every page of the site closed; what stays open is an extension page or nothing. */
async function closeSiteTabs(launched: Launched, origin: string): Promise<void> {
  for (const page of await launched.browser.pages()) if (page.url().startsWith(origin)) await page.close();
}

/** Starts a fetch from a tab of the site, then closes every tab of the site. */
async function startThenCloseSite(launched: Launched, origin: string, id: string, urls: string[]): Promise<void> {
  const page = await openWorkerSite(launched, origin);
  await page.evaluate(
    async (id, urls) => {
      const reg = await t.reg();
      await reg.backgroundFetch.fetch(id, urls);
    },
    id,
    urls,
  );
  await closeSiteTabs(launched, origin);
}

if (browsersUnderTest().includes('firefox')) {
  describe('[firefox] service-worker events with every tab of the site closed', () => {
    let server: TestServer;
    let browser: Launched;

    before(async () => {
      server = await startTestServer();
      browser = await launch('firefox');
      await useExtensionFor(browser, [server.originA, server.originB]);
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    test('backgroundfetchsuccess reaches the worker through a frame: every body cached (SHA-256), no window open at dispatch, one small request for the frame', async () => {
      const files = [
        { size: 2 * MiB, seed: 61 },
        { size: 54321, seed: 62 },
      ];
      const urls = files.map(({ size, seed }) => `/gen/notab-${seed}?size=${size}&seed=${seed}&throttle=${512 * KiB}`);
      await startThenCloseSite(browser, server.originA, 'notab-ok', urls);
      const key = await registrationKey(browser, server.originA, 'notab-ok');
      // The fetch finishes with no tab of the site; the event leaves the queue once the handler ran.
      await until(
        'transfers finished',
        async () => urls.every((url) => server.log.some((e) => e.path === url && e.completed)),
        30_000,
      );
      await until('event delivered', () => delivered(browser, key), 30_000);
      const stored = (await storedRegistrations(browser)).find((reg) => reg.key === key)!;
      assert.equal(stored.title, 'Done: notab-ok', "updateUI() from the worker's handler reached the popup");
      assert.equal(stored.recordsAvailable, false, 'recorded as handled, as the tab path does');

      const openedAt = Date.now();
      const page = await openWorkerSite(browser, server.originA);
      const dispatch = (await dispatches(page)).filter((d) => d.id === 'notab-ok');
      assert.equal(dispatch.length, 1, 'exactly one backgroundfetchsuccess');
      assert.equal(dispatch[0]!.type, 'backgroundfetchsuccess');
      assert.equal(dispatch[0]!.windowClients, 0, 'no window of the site existed when the worker got the event');
      assert.ok(dispatch[0]!.at < openedAt, 'the event came before the fresh tab opened');
      const entry = (await page.evaluate(() => workerLog())).find((e) => e.id === 'notab-ok');
      assert.deepEqual(entry, {
        ...entry,
        type: 'backgroundfetchsuccess',
        result: 'success',
        records: 2,
        secondUpdate: 'InvalidStateError',
      });
      const bodies = await page.evaluate(() => cachedBodies());
      for (const [i, { size, seed }] of files.entries()) {
        assert.equal(
          bodies.find((b: any) => b.url.endsWith(urls[i]!))?.sha256,
          generatedSha256(size, seed),
          `${urls[i]} cached intact`,
        );
      }
      // What the site's server saw of the frame: one GET of a well-known URL, no referrer, no cookies of ours.
      const frameRequests = server.log.filter((e) => e.pathname.startsWith('/.well-known/bgfetch-event-'));
      assert.equal(frameRequests.length, 1, 'one request for the frame');
      assert.equal(frameRequests[0]!.method, 'GET');
      assert.equal(frameRequests[0]!.headers.referer, undefined, 'no referrer');
      console.log(`# frame request: ${frameRequests[0]!.path} ${JSON.stringify(frameRequests[0]!.headers)}`);
      await page.close();
    });

    test('backgroundfetchfail after a 404, with every tab closed: the worker reads the failing record', async () => {
      await startThenCloseSite(browser, server.originA, 'notab-fail', [
        '/gen/notab-missing?size=10&seed=1&status=404&delay=1500',
      ]);
      const key = await registrationKey(browser, server.originA, 'notab-fail');
      await until('event delivered', () => delivered(browser, key), 30_000);
      const openedAt = Date.now();
      const page = await openWorkerSite(browser, server.originA);
      const [dispatch, ...more] = (await dispatches(page)).filter((d) => d.id === 'notab-fail');
      assert.equal(more.length, 0, 'exactly one event');
      assert.deepEqual(
        { ...dispatch, at: 0 },
        { type: 'backgroundfetchfail', id: 'notab-fail', windowClients: 0, at: 0 },
      );
      assert.ok(dispatch!.at < openedAt);
      const entry = (await page.evaluate(() => workerLog())).find((e) => e.id === 'notab-fail');
      // A failed request's body is not handed out (as Chromium: the record's response is empty).
      assert.deepEqual(entry, {
        ...entry,
        type: 'backgroundfetchfail',
        failureReason: 'bad-status',
        status: 404,
        body: '',
      });
      await page.close();
    });

    test('backgroundfetchabort when the person cancels in the popup, with every tab closed', async () => {
      await startThenCloseSite(browser, server.originA, 'notab-abort', [
        `/gen/notab-stop?size=${4 * MiB}&seed=2&throttle=${256 * KiB}`,
      ]);
      const key = await registrationKey(browser, server.originA, 'notab-abort');
      await admin(browser, { type: 'admin.abort', key });
      await until('event delivered', () => delivered(browser, key), 30_000);
      const openedAt = Date.now();
      const page = await openWorkerSite(browser, server.originA);
      const [dispatch, ...more] = (await dispatches(page)).filter((d) => d.id === 'notab-abort');
      assert.equal(more.length, 0, 'exactly one event');
      assert.deepEqual(
        { ...dispatch, at: 0 },
        { type: 'backgroundfetchabort', id: 'notab-abort', windowClients: 0, at: 0 },
      );
      assert.ok(dispatch!.at < openedAt);
      const entry = (await page.evaluate(() => workerLog())).find((e) => e.id === 'notab-abort');
      assert.deepEqual(entry, {
        ...entry,
        type: 'backgroundfetchabort',
        failureReason: 'aborted',
        updateUI: 'InvalidStateError',
      });
      await page.close();
    });
  });

  describe('[firefox] backgroundfetchclick with every tab of the site closed', () => {
    let server: TestServer;
    let browser: Launched;

    before(async () => {
      server = await startTestServer();
      browser = await launch('firefox');
      await useExtensionFor(browser, [server.originA, server.originB]);
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    test("the popup's click opens the site; the event comes through that tab, not a frame, and clients.openWindow() in the handler works", async () => {
      await startThenCloseSite(browser, server.originA, 'open-1', ['/gen/open?size=1000&seed=31&delay=300']);
      const key = await registrationKey(browser, server.originA, 'open-1');
      await until('backgroundfetchsuccess delivered', () => delivered(browser, key), 30_000);
      const frames = () => server.log.filter((e) => e.pathname.startsWith('/.well-known/bgfetch-event-')).length;
      const framesBefore = frames();
      await admin(browser, { type: 'admin.click', key });
      await until('backgroundfetchclick delivered', () => delivered(browser, key), 60_000);
      // The handler's openWindow() took the tab the extension opened for the click to its URL.
      const opened = await until(
        'the page the handler opened',
        async () => (await browser.browser.pages()).find((p) => p.url().includes('opened=open-1')),
        15_000,
      );
      assert.equal(frames(), framesBefore, 'no frame carried the click');
      const page = await openWorkerSite(browser, server.originA);
      const clicks = (await dispatches(page)).filter((d) => d.id === 'open-1' && d.type === 'backgroundfetchclick');
      assert.equal(clicks.length, 1, 'exactly one backgroundfetchclick');
      assert.ok(clicks[0]!.windowClients >= 1, 'a window of the site existed when the worker got the click');
      const result = await page.evaluate(async () =>
        (await (await caches.open('worker-opened')).match('/worker-opened/open-1'))?.json(),
      );
      assert.deepEqual(
        result,
        { opened: `${server.originA}/sw-site/?opened=open-1` },
        'clients.openWindow() resolved with the window',
      );
      await opened.close();
      await page.close();
    });
  });

  describe('[firefox] a site that forbids framing (X-Frame-Options: DENY on every response)', () => {
    let server: TestServer;
    let browser: Launched;

    before(async () => {
      server = await startTestServer({
        'X-Frame-Options': 'DENY',
        'Content-Security-Policy': "frame-ancestors 'none'",
      });
      browser = await launch('firefox');
      await useExtensionFor(browser, [server.originA, server.originB]);
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    test('no frame can carry it: the event is kept (failure recorded) and delivered exactly once through the next tab of the site', async () => {
      await startThenCloseSite(browser, server.originA, 'deny', ['/gen/deny?size=5000&seed=7&delay=1000']);
      const key = await registrationKey(browser, server.originA, 'deny');
      const [queued] = await until(
        'frame attempt recorded as failed',
        async () => {
          const events = (await queuedEvents(browser)).filter((e) => e.id.startsWith(key) && e.attempts > 0);
          return events.length ? events : undefined;
        },
        30_000,
      );
      assert.equal(queued!.lastFailure?.reason, 'not-framed');
      const page = await openWorkerSite(browser, server.originA);
      await until(
        'delivered through the tab (fallback)',
        async () => !(await queuedEvents(browser)).some((e) => e.id.startsWith(key)),
        30_000,
      );
      const delivered = (await dispatches(page)).filter((d) => d.id === 'deny');
      assert.equal(delivered.length, 1, 'exactly one event');
      assert.equal(delivered[0]!.windowClients, 1, 'delivered through the open tab');
      await page.close();
    });
  });

  describe('[firefox] a worker that never settles its waitUntil(), or throws, with every tab closed', () => {
    let server: TestServer;
    let browser: Launched;
    /** Stands in for Firefox's 30 s + 30 s (dom.serviceWorkers.idle_timeout + idle_extended_timeout). */
    const LIMIT_MS = 3000;

    before(async () => {
      server = await startTestServer();
      browser = await launch('firefox');
      await useExtensionFor(browser, [server.originA, server.originB]);
      await setEngineSwitches(browser, { swEventLimitMs: LIMIT_MS });
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    /**
     * The frames of `origin` the event page holds now (the extension page reads its background's
     * document). Per origin: an earlier test's event may still be retried through a frame of its own.
     */
    const framesInBackground = (origin: string) =>
      inExtensionPage(browser, (page) =>
        page.evaluate(async (origin) => {
          const api = (globalThis as unknown as { browser: { runtime: unknown } }).browser;
          const background = (await (api.runtime as any).getBackgroundPage()) as Window;
          return [...background.document.querySelectorAll('iframe')].filter((frame) =>
            frame.src.startsWith(`${origin}/`),
          ).length;
        }, origin),
      );

    test('waitUntil() never settles: bounded, the frame removed, recorded as a failed delivery, retried later, kept for a tab', async () => {
      await startThenCloseSite(browser, server.originA, 'hang-1', ['/gen/hang?size=1000&seed=8&delay=500']);
      const key = await registrationKey(browser, server.originA, 'hang-1');
      const first = await until(
        'first attempt recorded as failed',
        async () => (await queuedEvents(browser)).find((e) => e.id.startsWith(key) && e.attempts >= 1),
        30_000,
      );
      assert.equal(first.lastFailure?.reason, 'timed-out');
      assert.equal(await framesInBackground(server.originA), 0, 'the frame is gone');
      const second = await until(
        'retried',
        async () => (await queuedEvents(browser)).find((e) => e.id.startsWith(key) && e.attempts >= 2),
        40_000,
      );
      assert.equal(second.lastFailure?.reason, 'timed-out');
      const reg = (await storedRegistrations(browser)).find((r) => r.key === key)!;
      assert.equal(reg.recordsAvailable, true, 'not recorded as handled: the records stay for the site');
      const page = await openWorkerSite(browser, server.originA);
      const got = (await dispatches(page)).filter((d) => d.id === 'hang-1');
      // Each attempt reached the worker, but a handler that ran is never run again (the shim
      // answers a repeated delivery with the first one's outcome): one dispatch, no window open.
      assert.equal(got.length, 1, 'the handlers ran once, however often the event was delivered');
      assert.equal(got[0]!.windowClients, 0);
      await page.close();
    });

    test('a handler that throws: the event counts as handled (its listener ran), the frame removed', async () => {
      // Site B: site A's never-settling event of the test before may still be retried in a frame.
      await startThenCloseSite(browser, server.originB, 'throw-1', ['/gen/throw?size=1000&seed=9&delay=500']);
      const key = await registrationKey(browser, server.originB, 'throw-1');
      await until('event delivered', () => delivered(browser, key), 30_000);
      assert.equal((await storedRegistrations(browser)).find((r) => r.key === key)!.recordsAvailable, false);
      assert.equal(await framesInBackground(server.originB), 0, 'the frame is gone');
    });
  });

  describe('[firefox] the background stopped in the middle of a delivery through a frame', () => {
    let server: TestServer;
    let browser: Launched;

    before(async () => {
      server = await startTestServer();
      // A browser of its own whose event page stops after 2 s without extension calls, with the
      // keep-alive switched off (as resilience.test.ts does): the stop comes while the worker's
      // handler still waits (8 s), and the wake alarm (every 2.4 s) starts the background again.
      browser = await launch('firefox', { prefs: { 'extensions.background.idle.timeout': 2000 } });
      await useExtensionFor(browser, [server.originA, server.originB]);
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    test('delivered again after the restart, dispatched once: the handler runs one time and the event is recorded handled', async () => {
      await setEngineSwitches(browser, { keepAlive: false, wakeMinutes: 0.04 });
      await startThenCloseSite(browser, server.originA, 'slow-1', ['/gen/slow?size=5000&seed=21&delay=500']);
      const key = await registrationKey(browser, server.originA, 'slow-1');
      const frameRequests = () => server.log.filter((e) => e.pathname.startsWith('/.well-known/bgfetch-event-'));
      // A second frame for the same event: the background was stopped and delivers it again.
      await until('a delivery after a restart of the background', async () => frameRequests().length >= 2, 60_000);
      await setEngineSwitches(browser, null); // the rest goes quickly
      await until('event delivered', () => delivered(browser, key), 60_000);
      const stored = (await storedRegistrations(browser)).find((reg) => reg.key === key)!;
      assert.equal(stored.recordsAvailable, false, 'recorded as handled');
      assert.equal(
        stored.title,
        'Done: slow-1',
        "the first dispatch's updateUI() reached the store through the repeated delivery",
      );
      const page = await openWorkerSite(browser, server.originA);
      const got = (await dispatches(page)).filter((d) => d.id === 'slow-1');
      console.log(`# ${frameRequests().length} frames for one event; ${got.length} dispatch`);
      assert.equal(got.length, 1, 'exactly one dispatch, however often the event was delivered');
      assert.equal(got[0]!.windowClients, 0, 'dispatched with no window of the site open');
      await page.close();
    });
  });
}
