// The toolbar popup, end to end: the popup page in a tab watches and controls the fetches a test
// site runs, against the loopback server's log and files on disk.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'puppeteer-core';
// @ts-expect-error plain JS module with JSDoc types
import { generatedSha256 } from '../server/server.mjs';
import {
  admin,
  browsersUnderTest,
  gotoExtensionPage,
  launch,
  ROOT,
  useExtensionFor,
  type Launched,
} from '../helpers/browsers';
import { openSite, startTestServer, type TestServer } from '../helpers/site';
import { evaluateInContentScript } from '../helpers/bridge';

// Page-side helpers from test/fixtures/site/helpers.js.
declare const t: any;

const KB = 1000;
const ICONS = [{ src: '/site/icon.png', sizes: '96x96', type: 'image/png' }];
const SCREENSHOTS = path.join(ROOT, 'test-results');

interface Row {
  origin: string | null;
  title: string;
  state: string | null;
  value: number;
  max: number;
  determinate: boolean;
  amount: string;
  speed: string;
  eta: string;
  files: string;
  failure: string;
}

async function rows(popup: Page): Promise<Row[]> {
  return popup.$$eval('li.reg', (items) =>
    items.map((li) => {
      // No helper functions in here: tsx's keepNames would reference a __name the page lacks.
      const progress = li.querySelector('progress') as HTMLProgressElement;
      const texts = ['h3', '.reg-amount', '.reg-speed', '.reg-eta', '.reg-files', '.reg-failure'].map(
        (selector) => li.querySelector(selector)?.textContent ?? '',
      );
      return {
        origin: li.closest('section')?.getAttribute('data-origin') ?? null,
        title: texts[0]!,
        state: li.getAttribute('data-state'),
        value: progress.value,
        max: progress.max,
        determinate: progress.hasAttribute('value'),
        amount: texts[1]!,
        speed: texts[2]!,
        eta: texts[3]!,
        files: texts[4]!,
        failure: texts[5]!,
      };
    }),
  );
}

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
    await sleep(150);
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function rowOf(
  popup: Page,
  title: string,
  ok: (row: Row) => boolean = () => true,
  timeoutMs?: number,
): Promise<Row> {
  const found = await waitFor(
    `row "${title}"`,
    async () => (await rows(popup)).find((row) => row.title === title),
    (row) => row !== undefined && ok(row),
    timeoutMs,
  );
  return found!;
}

async function press(popup: Page, action: string, title: string): Promise<void> {
  const selector = `button[aria-label="${action}: ${title}"]`;
  await popup.waitForSelector(selector, { timeout: 10_000 });
  await popup.click(selector);
}

async function clickText(popup: Page, selector: string, text: string): Promise<void> {
  await waitFor(
    `${text} button`,
    () => popup.$$eval(selector, (els, text) => els.some((el) => el.textContent === text), text),
    Boolean,
  );
  await popup.$$eval(selector, (els, text) => (els.find((el) => el.textContent === text) as HTMLElement).click(), text);
}

async function startFetch(page: Page, id: string, urls: string[], options: { title: string; downloadTotal?: number }) {
  await page.evaluate(
    async (id, urls, options, icons) => {
      const reg = await t.reg();
      const fetch = await reg.backgroundFetch.fetch(id, urls, { ...options, icons });
      const w = window as any;
      (w.fetches ??= {})[id] = fetch;
      // Records are readable only until the service worker handled the settle event: take them now.
      fetch.records = await fetch.matchAll();
      t.settled(fetch);
    },
    id,
    urls,
    options,
    ICONS,
  );
}

/** Waits for the page's registration to settle, then hashes every record's body. */
async function settledBodies(page: Page, id: string) {
  return page.evaluate(async (id) => {
    const fetch = (window as any).fetches[id];
    await t.settled(fetch);
    const bodies = [];
    for (const record of fetch.records) bodies.push(await t.readResponse(await record.responseReady));
    return { state: t.state(fetch), bodies };
  }, id);
}

/** SHA-256 of a record's body as the store holds it, read from an extension page. */
async function storedSha256(extensionPage: Page, id: string, index: number): Promise<string> {
  return extensionPage.evaluate(
    async (id, index) => {
      const idb: IDBDatabase = await new Promise((resolve, reject) => {
        const open = indexedDB.open('bgfetch');
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const all: any[] = await new Promise((resolve, reject) => {
        const request = idb.transaction('registrations').objectStore('registrations').getAll();
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const reg = all.filter((r) => r.id === id).sort((a, b) => b.createdAt - a.createdAt)[0];
      const chunks: any[] = await new Promise((resolve, reject) => {
        const range = IDBKeyRange.bound([reg.key, index, 0], [reg.key, index, Infinity]);
        const request = idb.transaction('chunks').objectStore('chunks').getAll(range);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      idb.close();
      const bytes = new Uint8Array(await new Blob(chunks.map((chunk) => chunk.data)).arrayBuffer());
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
      return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
    },
    id,
    index,
  );
}

async function badgeText(popup: Page): Promise<string> {
  return popup.evaluate(() => {
    const api = (globalThis as any).browser ?? (globalThis as any).chrome;
    return api.action.getBadgeText({}) as Promise<string>;
  });
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const bytesFor = (server: TestServer, pathname: string) =>
  server.log.filter((entry) => entry.pathname === pathname).reduce((sum, entry) => sum + entry.bytesSent, 0);

async function sha256File(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

async function runAxe(popup: Page): Promise<{ id: string; nodes: string[] }[]> {
  const loaded = await popup.evaluate(() => typeof (window as any).axe === 'object');
  // Evaluated rather than added as a <script>: the extension page's CSP forbids inline scripts.
  if (!loaded) await popup.evaluate(await readFile(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8'));
  return popup.evaluate(async () => {
    const result = await (window as any).axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((violation: any) => ({
      id: violation.id,
      nodes: violation.nodes.map((node: any) => `${node.target.join(' ')}: ${node.failureSummary}`),
    }));
  });
}

for (const name of browsersUnderTest()) {
  describe(`[${name}] popup`, () => {
    let server: TestServer;
    let browser: Launched;
    let page: Page;
    let popup: Page;
    let downloadDir: string;

    before(async () => {
      server = await startTestServer();
      downloadDir = await mkdtemp(path.join(tmpdir(), 'bgfetch-dl-'));
      browser = await launch(name, { downloadDir });
      await useExtensionFor(browser, [server.originA, server.originB]);
      page = await openSite(browser, server.originA);
      popup = await browser.browser.newPage();
      await popup.setViewport({ width: 440, height: 720 });
      await gotoExtensionPage(browser, popup);
      await mkdir(SCREENSHOTS, { recursive: true });
    });
    after(async () => {
      await browser?.close();
      await server?.close();
      if (downloadDir) await rm(downloadDir, { recursive: true, force: true });
    });

    test('the list shows every fetch of the site with live progress, speed, ETA and files; the badge counts them', async () => {
      await popup.waitForSelector('.empty', { timeout: 10_000 });
      await startFetch(page, 'ep1', [`/gen/ep1.mp3?size=${1500 * KB}&seed=1&throttle=${150 * KB}`], {
        title: 'Episode 1',
        downloadTotal: 1500 * KB,
      });
      await startFetch(page, 'ep2', [`/gen/ep2.mp3?size=${1200 * KB}&seed=2&throttle=${150 * KB}`], {
        title: 'Episode 2',
      });
      await startFetch(
        page,
        'pack',
        [1, 2, 3].map((i) => `/gen/part${i}.bin?size=${200 * KB * i}&seed=${10 + i}&throttle=${100 * KB}`),
        { title: 'Asset pack' },
      );
      const first = await rowOf(popup, 'Episode 1', (row) => row.value > 0);
      assert.equal(first.origin, server.originA);
      assert.equal(first.determinate, true);
      assert.equal(first.max, 1500 * KB);
      const titles = (await rows(popup)).filter((row) => row.origin === server.originA).map((row) => row.title);
      assert.deepEqual(titles.sort(), ['Asset pack', 'Episode 1', 'Episode 2']);
      // Running fetches: the badge counts them.
      assert.equal(
        await waitFor(
          'badge 3',
          () => badgeText(popup),
          (text) => text === '3',
        ),
        '3',
      );

      // Progress moves on screen while the popup stays open; speed and ETA appear.
      const later = await rowOf(
        popup,
        'Episode 1',
        (row) => row.value >= first.value + 150 * KB && row.speed !== '' && row.eta !== '',
      );
      // 1,500,000 bytes in the browser's own 1,024-based units.
      assert.match(later.amount, /kB of 1\.4 MB|MB of 1\.4 MB/);
      assert.match(later.speed, /\/s$/);
      assert.match(later.eta, /left$/);
      assert.equal(later.state, 'running');
      // Without downloadTotal the total comes from the responses' lengths.
      const ep2 = await rowOf(popup, 'Episode 2', (row) => row.determinate);
      assert.equal(ep2.max, 1200 * KB);
      const pack = await rowOf(popup, 'Asset pack', (row) => row.files.includes('/3 files'));
      assert.match(pack.files, /^\d\/3 files$/);

      const done = await rowOf(popup, 'Asset pack', (row) => row.state === 'succeeded', 20_000);
      assert.equal(done.files, '3 files');
      assert.equal(done.amount, '1.1 MB');
      await rowOf(popup, 'Episode 2', (row) => row.state === 'succeeded', 20_000);
      await rowOf(popup, 'Episode 1', (row) => row.state === 'succeeded', 20_000);
      assert.equal(
        await waitFor(
          'badge cleared',
          () => badgeText(popup),
          (text) => text === '',
        ),
        '',
      );
    });

    test('pause stops the transfer (no more bytes at the server); resume completes it intact', async () => {
      const size = 3000 * KB;
      // 15 s at the server's pace, so a busy machine's popup still sees it running before it ends.
      await startFetch(page, 'pausable', [`/gen/pausable.bin?size=${size}&seed=7&throttle=${200 * KB}`], {
        title: 'Pausable',
      });
      await rowOf(popup, 'Pausable', (row) => row.value > 100 * KB);
      await press(popup, 'Pause', 'Pausable');
      const paused = await rowOf(popup, 'Pausable', (row) => row.state === 'paused');
      assert.ok(paused.value < size);
      await withTimeout(server.idle(), 5000, 'the server going idle after pause');
      const sent = bytesFor(server, '/gen/pausable.bin');
      const requests = server.log.filter((entry) => entry.pathname === '/gen/pausable.bin').length;
      assert.ok(sent < size, `the server sent ${sent} of ${size} bytes before the pause`);
      await sleep(2000);
      assert.equal(bytesFor(server, '/gen/pausable.bin'), sent, 'no more bytes while paused');
      assert.equal(
        server.log.filter((entry) => entry.pathname === '/gen/pausable.bin').length,
        requests,
        'no new request while paused',
      );
      assert.equal(await badgeText(popup), '', 'a paused fetch is not counted as running');

      await press(popup, 'Resume', 'Pausable');
      await rowOf(popup, 'Pausable', (row) => row.state === 'succeeded', 60_000);
      const { state, bodies } = await settledBodies(page, 'pausable');
      assert.equal(state.result, 'success');
      assert.equal(bodies[0].length, size);
      assert.equal(bodies[0].sha256, generatedSha256(size, 7));
      const resumed = server.log.filter((entry) => entry.pathname === '/gen/pausable.bin').at(-1)!;
      assert.match(resumed.range ?? '', /^bytes=\d+-$/, 'resume asks only for the missing bytes');
    });

    test('pause all and resume all', async () => {
      for (const id of ['all1', 'all2']) {
        await startFetch(page, id, [`/gen/${id}.bin?size=${1800 * KB}&seed=3&throttle=${300 * KB}`], {
          title: `All ${id}`,
        });
      }
      await rowOf(popup, 'All all2', (row) => row.value > 0);
      // By keyboard: Tab to "Pause all", press Enter.
      await waitFor(
        'Pause all',
        () => popup.$$eval('.toolbar-row button', (els) => els.some((el) => el.textContent === 'Pause all')),
        Boolean,
      );
      // Start from the heading (focusing the document itself differs between browsers).
      await popup.evaluate(() => {
        const heading = document.querySelector('h1')!;
        heading.tabIndex = -1;
        heading.focus();
      });
      let focused = '';
      for (let i = 0; i < 5 && focused !== 'Pause all'; i++) {
        await popup.keyboard.press('Tab');
        focused = await popup.evaluate(() => document.activeElement?.textContent ?? '');
      }
      assert.equal(focused, 'Pause all', 'Pause all is reachable by Tab');
      await popup.keyboard.press('Enter');
      await rowOf(popup, 'All all1', (row) => row.state === 'paused');
      await rowOf(popup, 'All all2', (row) => row.state === 'paused');
      await clickText(popup, '.toolbar-row button', 'Resume all');
      await rowOf(popup, 'All all1', (row) => row.state === 'succeeded', 20_000);
      await rowOf(popup, 'All all2', (row) => row.state === 'succeeded', 20_000);
    });

    test('abort from the popup: the site sees an aborted fetch', async () => {
      await startFetch(page, 'abortable', [`/gen/abortable.bin?size=${3000 * KB}&seed=8&throttle=${200 * KB}`], {
        title: 'Abortable',
      });
      await rowOf(popup, 'Abortable', (row) => row.value > 0);
      await press(popup, 'Cancel', 'Abortable');
      const row = await rowOf(popup, 'Abortable', (row) => row.state === 'aborted');
      assert.equal(row.failure, '', 'an abort is not shown as an error');
      const state = await page.evaluate(async () => t.state(await t.settled((window as any).fetches.abortable)));
      assert.equal(state.result, 'failure');
      assert.equal(state.failureReason, 'aborted');
      await press(popup, 'Remove', 'Abortable');
      await waitFor(
        'row removed',
        () => rows(popup),
        (list) => !list.some((r) => r.title === 'Abortable'),
      );
    });

    test('a failure shows its reason and marks the badge; retry after the server heals completes it', async () => {
      const key = `flaky-${Date.now()}`;
      const size = 150 * KB;
      await startFetch(
        page,
        'flaky',
        [
          `/gen/ok.bin?size=${100 * KB}&seed=4`,
          `/gen/flaky.bin?size=${size}&seed=9&status=500&statusTimes=1&key=${key}`,
        ],
        { title: 'Flaky' },
      );
      const failed = await rowOf(popup, 'Flaky', (row) => row.state === 'failed');
      assert.equal(failed.failure, 'The server refused one of the files.');
      const failedFile = await waitFor(
        'the failed file named',
        () => popup.$$eval('li.reg .reg-failure-file', (els) => els.map((el) => el.textContent)),
        (texts) => texts.some((text) => text?.startsWith('flaky.bin')),
      );
      assert.ok(
        failedFile.includes(`flaky.bin from ${new URL(server.originA).host}: the server answered 500.`),
        JSON.stringify(failedFile),
      );
      assert.match(
        await waitFor(
          'badge error mark',
          () => badgeText(popup),
          (text) => text.endsWith('!'),
        ),
        /^\d*!$/,
      );

      await press(popup, 'Retry', 'Flaky');
      const done = await rowOf(popup, 'Flaky', (row) => row.state === 'succeeded');
      assert.equal(done.amount, '244.1 kB', 'the error body was dropped, the good file kept');
      await withTimeout(server.idle(), 5000, 'server idle');
      const attempts = server.log.filter((entry) => entry.pathname === '/gen/flaky.bin');
      assert.deepEqual(
        attempts.map((entry) => entry.status),
        [500, 200],
      );
      assert.equal(
        server.log.filter((entry) => entry.pathname === '/gen/ok.bin').length,
        1,
        'the finished file is not fetched again',
      );
      assert.equal(await storedSha256(popup, 'flaky', 1), generatedSha256(size, 9));
      assert.equal(await storedSha256(popup, 'flaky', 0), generatedSha256(100 * KB, 4));

      // Opening the popup is seeing the failure: the mark goes.
      await gotoExtensionPage(browser, popup);
      assert.equal(
        await waitFor(
          'badge mark cleared',
          () => badgeText(popup),
          (text) => text === '',
        ),
        '',
      );
    });

    test('Save writes the files of a finished fetch to disk with the right bytes', async () => {
      await rowOf(popup, 'Asset pack', (row) => row.state === 'succeeded');
      await press(popup, 'Save', 'Asset pack');
      const folder = path.join(downloadDir, new URL(server.originA).host.replace(':', '_'), 'Asset pack');
      for (const i of [1, 2, 3]) {
        const file = path.join(folder, `part${i}.bin`);
        await waitFor(
          `${file} complete`,
          async () => (await stat(file).catch(() => null))?.size ?? -1,
          (size) => size === 200 * KB * i,
        );
        assert.equal(await sha256File(file), generatedSha256(200 * KB * i, 10 + i));
      }
      // One file of a fetch on its own.
      await popup.evaluate(() => {
        const row = [...document.querySelectorAll('li.reg')].find(
          (li) => li.querySelector('h3')?.textContent === 'Episode 1',
        );
        row?.querySelector('details')?.setAttribute('open', '');
      });
      const single = path.join(downloadDir, new URL(server.originA).host.replace(':', '_'), 'Episode 1', 'ep1.mp3');
      await press(popup, 'Save', 'Episode 1');
      await waitFor(
        'ep1.mp3 saved',
        async () => (await stat(single).catch(() => null))?.size ?? -1,
        (size) => size === 1500 * KB,
      );
      assert.equal(await sha256File(single), generatedSha256(1500 * KB, 1));
      await sleep(500);
      // Firefox writes `.part` files, Chromium `.crdownload` ones, until a download is done.
      const leftovers = (await readdir(folder)).filter(
        (file) => file.endsWith('.part') || file.endsWith('.crdownload'),
      );
      assert.deepEqual(leftovers, []);
      if (name === 'chromium') {
        // The offscreen document that made the files' Blob URLs goes once no save needs it.
        const offscreenOpen = async () =>
          browser.browser.targets().some((target) => target.url().includes('/src/offscreen/'));
        await waitFor('offscreen document closed', offscreenOpen, (open) => !open);
      }
    });

    test('auto-save, turned on for the site in the popup: the next finished fetch lands on disk by itself', async () => {
      const group = `section.site[data-origin="${server.originA}"]`;
      await popup.$eval(`${group} details.site-settings`, (details) => details.setAttribute('open', ''));
      await popup.click(`${group} input[name="autoSave"]`);
      await waitFor(
        'auto-save on',
        () => popup.$eval(`${group} input[name="autoSave"]`, (input) => (input as HTMLInputElement).checked),
        Boolean,
      );
      try {
        await startFetch(page, 'auto', [`/gen/auto.bin?size=${300 * KB}&seed=77&delay=100`], { title: 'Auto copy' });
        const file = path.join(downloadDir, new URL(server.originA).host.replace(':', '_'), 'Auto copy', 'auto.bin');
        await waitFor(
          'auto.bin saved',
          async () => (await stat(file).catch(() => null))?.size ?? -1,
          (size) => size === 300 * KB,
        );
        assert.equal(await sha256File(file), generatedSha256(300 * KB, 77));
      } finally {
        await admin(browser, { type: 'admin.setSite', origin: server.originA, settings: { autoSave: false } });
      }
    });

    test(
      "only the extension's service worker gets Blob URLs from the offscreen document",
      { skip: name !== 'chromium' && 'Chromium only: Firefox needs no offscreen document' },
      async () => {
        const key = await popup.$eval('li.reg[data-state="succeeded"]', (li) => li.getAttribute('data-key'));
        assert.ok(key);
        const message = {
          channel: 'bgfetch:offscreen',
          request: { type: 'offscreen.blobUrl', key, index: 0, contentType: '' },
        };
        // Opened the way the service worker opens it, so something is there to answer.
        await popup.evaluate(() =>
          (globalThis as any).chrome.offscreen.createDocument({
            url: 'src/offscreen/index.html',
            reasons: ['BLOBS'],
            justification: 'test',
          }),
        );
        try {
          const fromContentScript = await evaluateInContentScript(
            page,
            browser.extensionBase,
            `chrome.runtime.sendMessage(${JSON.stringify(message)})`,
          );
          assert.equal((fromContentScript as any)?.error?.name, 'NotAllowedError', JSON.stringify(fromContentScript));
          const fromExtensionPage = await popup.evaluate(
            (message) => (globalThis as any).chrome.runtime.sendMessage(message),
            message,
          );
          assert.equal(fromExtensionPage?.error?.name, 'NotAllowedError', JSON.stringify(fromExtensionPage));
        } finally {
          await popup.evaluate(() => (globalThis as any).chrome.offscreen.closeDocument());
        }
        // Without the document, only the background listens: its router leaves that channel alone.
        const unanswered = await evaluateInContentScript(
          page,
          browser.extensionBase,
          `chrome.runtime.sendMessage(${JSON.stringify(message)}).then((reply) => ({ reply: reply ?? null }), (error) => ({ error: String(error) }))`,
        );
        assert.ok(!(unanswered as { reply?: unknown }).reply, JSON.stringify(unanswered));
      },
    );

    test('storage per site and in total; removing finished fetches frees it', async () => {
      const storage = await popup.$eval(
        `section[data-origin="${server.originA}"] .site-storage`,
        (el) => el.textContent,
      );
      assert.match(storage ?? '', /MB stored$/);
      const total = await popup.$eval('.footer .numbers', (el) => el.textContent);
      assert.match(total ?? '', /^Storage used: \d/);
    });

    test('axe-core: no violations, light and dark; screenshots', async () => {
      // Show the settings too, so they are checked.
      await popup.click('.toolbar-row button[aria-expanded]');
      await popup.$eval(`section[data-origin="${server.originA}"] details.site-settings`, (el) =>
        el.setAttribute('open', ''),
      );
      await startFetch(page, 'shot', [`/gen/shot.bin?size=${4000 * KB}&seed=5&throttle=${200 * KB}`], {
        title: 'Season 2 · Episode 7: The long one',
      });
      await rowOf(popup, 'Season 2 · Episode 7: The long one', (row) => row.speed !== '');
      // Chromium emulates the color scheme; Firefox over BiDi cannot (its dark run is below).
      const themes = name === 'chromium' ? (['light', 'dark'] as const) : (['light'] as const);
      for (const theme of themes) {
        if (name === 'chromium') await popup.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: theme }]);
        assert.equal(await popup.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches), theme === 'dark');
        const violations = await runAxe(popup);
        assert.deepEqual(violations, [], `${theme}: ${JSON.stringify(violations, null, 2)}`);
        // Tall enough for the whole list: a full-page capture would paint the sticky toolbar mid-list.
        await popup.setViewport({ width: 440, height: 1100 });
        await popup.screenshot({ path: path.join(SCREENSHOTS, `popup-${name}-${theme}.png`) });
        await popup.setViewport({ width: 440, height: 720 });
      }
      if (name === 'chromium') await popup.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
      await press(popup, 'Cancel', 'Season 2 · Episode 7: The long one');
    });

    test('blocking a site in the popup: its next fetch() rejects with TypeError', async () => {
      const checkbox = `section[data-origin="${server.originA}"] input[name="blocked"]`;
      await popup.$eval(`section[data-origin="${server.originA}"] details.site-settings`, (el) =>
        el.setAttribute('open', ''),
      );
      await popup.click(checkbox);
      await popup.waitForSelector(`section[data-origin="${server.originA}"] .badge-blocked`, { timeout: 10_000 });
      const outcome = await page.evaluate(async () => {
        const reg = await t.reg();
        return t.outcome(reg.backgroundFetch.fetch('blocked', ['/gen/x?size=10'], {}));
      });
      assert.equal(outcome.isTypeError, true, JSON.stringify(outcome));
      await popup.click(checkbox);
      await waitFor(
        'unblocked',
        () => popup.$(`section[data-origin="${server.originA}"] .badge-blocked`),
        (el) => el === null,
      );
    });
  });
}

/** A few fetches in different states, for screenshots and accessibility checks. */
async function populate(page: Page, popup: Page): Promise<void> {
  await startFetch(page, 'ep12', [`/gen/episode-12.mp3?size=${40_000 * KB}&seed=1&throttle=${900 * KB}`], {
    title: 'Podcast · Episode 12: Slow radio',
    downloadTotal: 40_000 * KB,
  });
  await startFetch(
    page,
    'maps',
    [1, 2, 3, 4].map((i) => `/gen/tile${i}.pmtiles?size=${8000 * KB}&seed=${i}&throttle=${300 * KB}`),
    {
      title: 'Offline maps: Berlin',
    },
  );
  await startFetch(page, 'broken', [`/gen/missing.mp4?size=1000&status=404`], { title: 'Trailer (HD)' });
  await startFetch(page, 'small', [`/gen/notes.pdf?size=${350 * KB}&seed=3`], { title: 'Show notes' });
  await rowOf(popup, 'Offline maps: Berlin', (row) => row.value > 0);
  await press(popup, 'Pause', 'Offline maps: Berlin');
  await rowOf(popup, 'Trailer (HD)', (row) => row.state === 'failed');
  await rowOf(popup, 'Show notes', (row) => row.state === 'succeeded');
  await rowOf(popup, 'Podcast · Episode 12: Slow radio', (row) => row.eta !== '');
}

/** The other themes and languages a browser cannot switch to at run time. */
const variants: {
  browser: 'firefox' | 'chromium';
  label: string;
  shot: string;
  options: Parameters<typeof launch>[1];
  heading: string;
  dark: boolean;
}[] = [
  {
    browser: 'firefox',
    label: 'dark theme',
    shot: 'popup-firefox-dark.png',
    options: { prefs: { 'layout.css.prefers-color-scheme.content-override': 0, 'ui.systemUsesDarkTheme': 1 } },
    heading: 'Background downloads',
    dark: true,
  },
  {
    browser: 'chromium',
    label: 'in German',
    shot: 'popup-chromium-de.png',
    // Chromium on Linux takes its UI language from LANGUAGE (needs Debian's chromium-l10n).
    options: { args: ['--lang=de'], env: { LANGUAGE: 'de', LANG: 'de_DE.UTF-8' } },
    heading: 'Hintergrund-Downloads',
    dark: false,
  },
];

for (const variant of variants) {
  if (!browsersUnderTest().includes(variant.browser)) continue;
  describe(`[${variant.browser}] popup, ${variant.label}`, () => {
    let server: TestServer;
    let browser: Launched;
    let page: Page;
    let popup: Page;

    before(async () => {
      server = await startTestServer();
      browser = await launch(variant.browser, variant.options);
      await useExtensionFor(browser, [server.originA]);
      page = await openSite(browser, server.originA);
      popup = await browser.browser.newPage();
      await popup.setViewport({ width: 440, height: 560 });
      await gotoExtensionPage(browser, popup);
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    test('axe-core finds nothing; screenshot', async () => {
      const heading = await popup.$eval('h1', (el) => el.textContent);
      if (variant.browser === 'chromium' && heading !== variant.heading) {
        // Without Debian's chromium-l10n Chromium has no German UI and extensions stay English.
        assert.fail(`the popup is not in German (${heading}): install chromium-l10n`);
      }
      assert.equal(heading, variant.heading);
      assert.equal(await popup.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches), variant.dark);
      const populated = variant.browser === 'chromium' ? populateGerman(page, popup) : populate(page, popup);
      await populated;
      const violations = await runAxe(popup);
      assert.deepEqual(violations, [], JSON.stringify(violations, null, 2));
      await popup.screenshot({ path: path.join(SCREENSHOTS, variant.shot), fullPage: true });
    });
  });
}

/** populate(), with the German button labels. */
async function populateGerman(page: Page, popup: Page): Promise<void> {
  await startFetch(page, 'ep12', [`/gen/folge-12.mp3?size=${40_000 * KB}&seed=1&throttle=${900 * KB}`], {
    title: 'Podcast · Folge 12: Langsames Radio',
    downloadTotal: 40_000 * KB,
  });
  await startFetch(
    page,
    'maps',
    [1, 2, 3, 4].map((i) => `/gen/kachel${i}.pmtiles?size=${8000 * KB}&seed=${i}&throttle=${300 * KB}`),
    {
      title: 'Offline-Karten: Berlin',
    },
  );
  await startFetch(page, 'broken', [`/gen/fehlt.mp4?size=1000&status=404`], { title: 'Trailer (HD)' });
  await startFetch(page, 'small', [`/gen/notizen.pdf?size=${350 * KB}&seed=3`], { title: 'Shownotes' });
  await rowOf(popup, 'Offline-Karten: Berlin', (row) => row.value > 0);
  await press(popup, 'Pausieren', 'Offline-Karten: Berlin');
  const failed = await rowOf(popup, 'Trailer (HD)', (row) => row.state === 'failed');
  assert.equal(failed.failure, 'Der Server hat eine der Dateien verweigert.');
  await rowOf(popup, 'Shownotes', (row) => row.state === 'succeeded');
  const running = await rowOf(popup, 'Podcast · Folge 12: Langsames Radio', (row) => row.eta !== '');
  assert.match(running.eta, /^noch /);
  assert.match(running.amount, /^[\d,]+ (kB|MB) von 38,1 MB$/);
}
