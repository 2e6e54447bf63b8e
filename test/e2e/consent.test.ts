// The person decides (issue 17): with the default (Ask), an unmodified site's fetch() resolves at
// once but nothing reaches the server until the person answers in the popup; Always allow and
// Block are remembered; navigator.permissions.query({ name: 'background-fetch' }) answers the
// choice and fires `change`; in Firefox the toolbar button is on the toolbar after install.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'puppeteer-core';
// @ts-expect-error plain JS module with JSDoc types
import { generatedSha256 } from '../server/server.mjs';
import {
  admin,
  browsersUnderTest,
  extensionPage,
  gotoExtensionPage,
  launch,
  ROOT,
  type Launched,
} from '../helpers/browsers';
import { answerPrompt } from '../helpers/consent';
import { openSite, startTestServer, type TestServer } from '../helpers/site';

declare const t: any;
const SCREENSHOTS = path.join(ROOT, 'test-results');

for (const name of browsersUnderTest()) {
  describe(`[${name}] consent: Allow / Ask / Block`, () => {
    let server: TestServer;
    let browser: Launched;
    let popup: Page;

    before(async () => {
      server = await startTestServer();
      browser = await launch(name);
      // Chromium has its own Background Fetch: the sites use bgfetch's (not a consent choice).
      if (name === 'chromium') {
        for (const origin of [server.originA, server.originB]) {
          await admin(browser, { type: 'admin.setSite', origin, settings: { useExtension: true } });
        }
      }
      popup = await browser.browser.newPage();
      await popup.setViewport({ width: 440, height: 560 });
      await gotoExtensionPage(browser, popup);
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    const requestsFor = (prefix: string) => server.log.filter((record) => record.path.startsWith(prefix)).length;

    /** Starts a fetch in the page; answers what the page saw at once. */
    const startIn = (page: Page, id: string, url: string, downloadTotal = 0) =>
      page.evaluate(
        async (id, url, downloadTotal) => {
          const reg = await t.reg();
          const bgFetch = await reg.backgroundFetch.fetch(id, url, { title: `Episode ${id}`, downloadTotal });
          t.settled(bgFetch); // collects progress from now on
          (window as any)[`fetch_${id}`] = bgFetch;
          return t.state(bgFetch);
        },
        id,
        url,
        downloadTotal,
      );

    const settledIn = (page: Page, id: string) =>
      page.evaluate(async (id) => {
        const bgFetch = (window as any)[`fetch_${id}`];
        await t.settled(bgFetch);
        const state = t.state(bgFetch);
        if (state.result !== 'success') return { ...state, sha256: '' };
        const [record] = await bgFetch.matchAll();
        const body = await t.readResponse(await record.responseReady);
        return { ...state, sha256: body.sha256 };
      }, id);

    /** Queries the permission and keeps the status, recording every `change` it fires. */
    const watchPermission = (page: Page) =>
      page.evaluate(async () => {
        const status = await navigator.permissions.query({ name: 'background-fetch' as PermissionName });
        const w = window as any;
        w.permissionStatus = status;
        w.permissionChanges = [];
        status.onchange = () => w.permissionChanges.push(status.state);
        return { state: status.state, isStatus: status instanceof PermissionStatus, name: (status as any).name };
      });
    const queryState = (page: Page) =>
      page.evaluate(
        async () => (await navigator.permissions.query({ name: 'background-fetch' as PermissionName })).state,
      );
    const changesSeen = (page: Page, count: number) =>
      page
        .waitForFunction(
          (count) => (window as any).permissionChanges.length >= count,
          { timeout: 15_000, polling: 100 },
          count,
        )
        .then(() => page.evaluate(() => (window as any).permissionChanges as string[]));

    test('Ask (the default): fetch() resolves at once, nothing reaches the server until the person allows once; then the right bytes', async () => {
      const page = await openSite(browser, server.originA);
      const status = await watchPermission(page);
      assert.deepEqual(status, { state: 'prompt', isStatus: true, name: 'background-fetch' });
      const size = 3 * 1024 * 1024;
      const url = `/gen/ask-once?size=${size}&seed=71`;
      const first = await startIn(page, 'once', url, size);
      assert.equal(first.result, '');
      assert.equal(first.downloaded, 0);

      // The popup asks, names the site and the size, and the row waits.
      await answerPromptVisible(popup, new URL(server.originA).host);
      await popup.waitForFunction(() => document.body.textContent?.includes('Waiting for your permission'), {
        timeout: 15_000,
      });
      await mkdir(SCREENSHOTS, { recursive: true });
      // A background tab is not painted (Chromium's screenshot waits for a frame forever).
      await popup.bringToFront();
      await popup.screenshot({ path: path.join(SCREENSHOTS, `consent-prompt-${name}.png`) });
      // 3 MiB, in the 1,024-based units the browsers' own download panels use (issue 20).
      const question = await popup.$eval('.permission-prompt .prompt-question', (element) => element.textContent);
      assert.match(
        question ?? '',
        new RegExp(`Allow ${new URL(server.originA).host} to download 3\\.0 MB in the background\\?`),
      );
      // The registration exists, its fetch is waiting: not one request reached the server.
      assert.equal(requestsFor('/gen/ask-once'), 0, 'no request before the person answered');
      const waiting = await page.evaluate(() => t.state((window as any).fetch_once));
      assert.equal(waiting.downloaded, 0, 'progress shows no bytes while waiting');
      assert.ok(waiting.progress.every((event: { downloaded: number }) => event.downloaded === 0));
      // Nothing runs yet, so the badge counts nothing.
      const badge = await popup.evaluate(() => {
        const api = (globalThis as any).browser ?? (globalThis as any).chrome;
        return api.action.getBadgeText({}) as Promise<string>;
      });
      assert.equal(badge, '', 'a fetch waiting for permission is not counted as running');

      await answerPrompt(popup, new URL(server.originA).host, 'allow-once');
      const done = await settledIn(page, 'once');
      assert.equal(done.result, 'success');
      assert.equal(done.sha256, generatedSha256(size, 71));
      assert.equal(requestsFor('/gen/ask-once'), 1);
      // Allow once answers for that fetch only: the site is still asked.
      assert.equal(await queryState(page), 'prompt');
      await page.close();
    });

    test('Always allow: remembered, the permission turns granted (change fires), and the next fetch starts with no prompt', async () => {
      const page = await openSite(browser, server.originA);
      await watchPermission(page);
      await startIn(page, 'always', `/gen/ask-always?size=2000&seed=72`);
      await answerPrompt(popup, new URL(server.originA).host, 'always-allow');
      assert.equal((await settledIn(page, 'always')).result, 'success');
      assert.deepEqual(await changesSeen(page, 1), ['granted']);
      assert.equal(await queryState(page), 'granted');

      const next = await startIn(page, 'next', `/gen/allowed-next?size=5000&seed=73`);
      assert.equal(next.result, '');
      const done = await settledIn(page, 'next');
      assert.equal(done.result, 'success', 'no one answered: it ran on the remembered choice');
      assert.equal(done.sha256, generatedSha256(5000, 73));
      await page.close();
    });

    // Chromium only: headless Firefox's alert service closes every notification at once, so
    // notifications.getAll() there is empty (the settle notification too); Firefox runs the same code.
    test(
      "a site's first fetch starts with a notification; the quiet setting turns that off",
      { skip: name === 'firefox' },
      async () => {
        const notices = async () => {
          const ext = await extensionPage(browser);
          try {
            return await ext.evaluate(async () => {
              const api = ((globalThis as { browser?: unknown; chrome?: unknown }).browser ??
                (globalThis as { chrome?: unknown }).chrome) as any;
              return Object.keys(await api.notifications.getAll());
            });
          } finally {
            await ext.close();
          }
        };
        const page = await openSite(browser, server.originA); // allowed by the test before
        const first = await page.evaluate(async () => {
          const reg = await t.reg();
          const bgFetch = await reg.backgroundFetch.fetch('noticed', '/gen/noticed?size=2000&seed=75', {
            title: 'Episode 5',
          });
          await t.settled(bgFetch);
          return bgFetch.id;
        });
        assert.equal(first, 'noticed');
        const shown = await notices();
        assert.ok(
          shown.some((id) => id.startsWith('bgfetch-start:')),
          `notifications: ${shown.join(', ')}`,
        );

        await admin(browser, { type: 'admin.setGlobal', settings: { startNotifications: false } });
        const ext = await extensionPage(browser);
        await ext.evaluate(async () => {
          const api = ((globalThis as { browser?: unknown; chrome?: unknown }).browser ??
            (globalThis as { chrome?: unknown }).chrome) as any;
          for (const id of Object.keys(await api.notifications.getAll())) await api.notifications.clear(id);
        });
        await ext.close();
        await page.evaluate(async () => {
          const reg = await t.reg();
          await t.settled(await reg.backgroundFetch.fetch('quiet', '/gen/quiet?size=2000&seed=76'));
        });
        assert.deepEqual(
          (await notices()).filter((id) => id.startsWith('bgfetch-start:')),
          [],
          'quiet: no start notification',
        );
        await admin(browser, { type: 'admin.setGlobal', settings: { startNotifications: true } });
        await page.close();
      },
    );

    test('Block: the waiting fetch fails as cancelled, the permission is denied, the next fetch rejects as Chromium does; the Sites setting revokes it', async () => {
      const page = await openSite(browser, server.originB);
      assert.equal((await watchPermission(page)).state, 'prompt');
      await startIn(page, 'blocked', `/gen/ask-block?size=2000&seed=74`);
      await answerPrompt(popup, new URL(server.originB).host, 'block');
      const failed = await settledIn(page, 'blocked');
      assert.equal(failed.result, 'failure');
      assert.equal(failed.failureReason, 'aborted');
      assert.equal(requestsFor('/gen/ask-block'), 0);
      assert.deepEqual(await changesSeen(page, 1), ['denied']);

      const rejected = await page.evaluate(async () => {
        const reg = await t.reg();
        return t.outcome(reg.backgroundFetch.fetch('after-block', '/gen/after-block?size=10&seed=1'));
      });
      assert.deepEqual(rejected, {
        name: 'TypeError',
        message: 'This origin does not have permission to start a fetch.',
        isTypeError: true,
        isDOMException: false,
      });

      // The person changes their mind in the popup's Sites settings.
      await popup.evaluate(
        () => ((document.querySelector('details.site-permissions') as HTMLDetailsElement).open = true),
      );
      const select = await popup.waitForSelector(`select[name="sitePermission"][data-origin="${server.originB}"]`, {
        timeout: 15_000,
      });
      assert.equal(await select!.evaluate((element) => (element as HTMLSelectElement).value), 'block');
      await select!.select('allow');
      assert.deepEqual(await changesSeen(page, 2), ['denied', 'granted']);
      assert.equal(await queryState(page), 'granted');
      await page.close();
    });
  });
}

/** Waits until the popup shows a prompt naming `host`. */
async function answerPromptVisible(popup: Page, host: string): Promise<void> {
  await popup.waitForFunction(
    (host) =>
      [...document.querySelectorAll('.permission-prompt .prompt-question')].some((element) =>
        element.textContent?.includes(host),
      ),
    { timeout: 15_000, polling: 100 },
    host,
  );
}

if (browsersUnderTest().includes('firefox')) {
  describe('[firefox] the toolbar button is on the toolbar after install', () => {
    test("Firefox's own UI state places bgfetch's button in the navigation bar, not the Extensions menu", async () => {
      const profileDir = await mkdtemp(path.join(tmpdir(), 'bgfetch-toolbar-'));
      try {
        const launched = await launch('firefox', { profileDir, keepProfile: true });
        // Firefox writes prefs.js when it quits: the placement it made at install is read from there.
        await launched.close();
        const prefs = await readFile(path.join(profileDir, 'prefs.js'), 'utf8');
        const line = prefs.split('\n').find((text) => text.includes('"browser.uiCustomization.state"'));
        assert.ok(line, 'browser.uiCustomization.state is in prefs.js');
        const json = JSON.parse(JSON.parse(line.slice(line.indexOf(',') + 1, line.lastIndexOf(')')).trim()));
        const widget = 'bgfetch_bgfetch_dev-browser-action';
        assert.ok(json.placements['nav-bar'].includes(widget), `nav-bar: ${json.placements['nav-bar'].join(', ')}`);
        assert.ok(!(json.placements['unified-extensions-area'] ?? []).includes(widget));
      } finally {
        await rm(profileDir, { recursive: true, force: true });
      }
    });
  });
}
