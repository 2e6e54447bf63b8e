// A private window's fetches in that window's popup (issue 17 item 4): the person sees their
// title and progress under "This private window" and can pause, resume and cancel them there;
// a normal window's popup never lists them. Firefox only (private windows with service workers).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'puppeteer-core';
import { browsersUnderTest, gotoExtensionPage, launch, useExtensionFor, type Launched } from '../helpers/browsers';
import { openPrivatePopup, openPrivateSite } from '../helpers/private-window';
import { startTestServer, type TestServer } from '../helpers/site';

declare const t: any;

const TITLE = 'Private episode 7';
const SIZE = 4 * 1024 * 1024; // shown as "4.0 MB" (binary units, format-bytes.ts)
const PATHNAME = '/gen/private-popup';

/** The private section's row for the fetch titled TITLE, as the person reads it. */
const rowOf = (popup: Page) =>
  popup.evaluate((title) => {
    const section = document.querySelector('.private-fetches');
    const row = [...(section?.querySelectorAll('li.reg') ?? [])].find(
      (li) => li.querySelector('.reg-title')?.textContent === title,
    );
    if (!section || !row) return null;
    return {
      heading: section.querySelector('h2')?.textContent ?? '',
      state: row.getAttribute('data-state'),
      stateText: row.querySelector('.reg-state')?.textContent ?? '',
      amount: row.querySelector('.reg-amount')?.textContent ?? '',
      progress: Number((row.querySelector('progress') as HTMLProgressElement | null)?.value ?? 0),
      buttons: [...row.querySelectorAll('button')].map((button) => button.textContent),
    };
  }, TITLE);

async function waitForRow(popup: Page, check: (row: NonNullable<Awaited<ReturnType<typeof rowOf>>>) => boolean) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const row = await rowOf(popup);
    if (row && check(row)) return row;
    if (Date.now() > deadline) throw new Error(`the private row never matched; last seen: ${JSON.stringify(row)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const press = (popup: Page, name: string) =>
  popup.evaluate(
    (title, name) => {
      const row = [...document.querySelectorAll('.private-fetches li.reg')].find(
        (li) => li.querySelector('.reg-title')?.textContent === title,
      );
      (row?.querySelector(`button[name="${name}"]`) as HTMLButtonElement | null)?.click();
      return Boolean(row);
    },
    TITLE,
    name,
  );

const requestsOf = (server: TestServer) => server.log.filter((entry) => entry.pathname === PATHNAME);
const bytesSentOf = (server: TestServer) => requestsOf(server).reduce((sum, entry) => sum + entry.bytesSent, 0);

async function until(what: string, condition: () => boolean | Promise<boolean>) {
  const deadline = Date.now() + 15_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

if (browsersUnderTest().includes('firefox')) {
  describe('[firefox] a private window sees and stops its fetches in its popup', () => {
    let server: TestServer;
    let browser: Launched;
    let normal: Page;

    before(async () => {
      server = await startTestServer();
      browser = await launch('firefox', {
        privateBrowsing: true,
        prefs: { 'dom.serviceWorkers.privateBrowsing.enabled': true },
      });
      await useExtensionFor(browser, [server.originA]);
      normal = await browser.browser.newPage();
      await normal.goto(`${server.originA}/site/`);
      await normal.evaluate(() => (window as any).swReady);
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    test('listed with title and progress; Pause stops the bytes, Cancel aborts it for the page; a normal popup does not list it', async () => {
      const inPrivate = await openPrivateSite(browser, server.originA);
      await inPrivate.evaluate(
        async (url, title, size) => {
          const reg = await t.reg();
          (window as any).privateFetch = await reg.backgroundFetch.fetch('private-popup', url, {
            title,
            downloadTotal: size,
          });
        },
        `${PATHNAME}?size=${SIZE}&seed=81&throttle=150000`,
        TITLE,
        SIZE,
      );
      const popup = await openPrivatePopup(browser);

      const running = await waitForRow(popup, (row) => row.state === 'running' && row.progress > 0);
      assert.equal(running.heading, 'This private window');
      assert.match(running.stateText, /Downloading/);
      assert.match(running.stateText, new RegExp(new URL(server.originA).host.replace(/\./g, '\\.')));
      assert.match(running.amount, /of 4\.0 MB/, 'progress against the announced total');
      assert.deepEqual(running.buttons, ['Pause', 'Cancel']);
      // Live: the amount grows while the popup stays open.
      await waitForRow(popup, (row) => row.progress > running.progress);

      // Pause: the row says so and the server sends nothing more.
      assert.ok(await press(popup, 'pause'));
      const paused = await waitForRow(popup, (row) => row.state === 'paused');
      assert.match(paused.stateText, /Paused/);
      assert.deepEqual(paused.buttons, ['Resume', 'Cancel']);
      await until('the paused transfer closed', () =>
        requestsOf(server).every((entry) => entry.closedEarly || entry.completed),
      );
      const sentAtPause = bytesSentOf(server);
      const requestsAtPause = requestsOf(server).length;
      assert.ok(sentAtPause < SIZE, 'stopped before the end');
      await new Promise((resolve) => setTimeout(resolve, 2000));
      assert.equal(bytesSentOf(server), sentAtPause, 'no byte sent while paused');
      assert.equal(requestsOf(server).length, requestsAtPause, 'no new request while paused');

      // Resume: it moves again (a new request for the rest).
      assert.ok(await press(popup, 'resume'));
      await waitForRow(popup, (row) => row.state === 'running');
      await until('the transfer resumed', () => bytesSentOf(server) > sentAtPause);

      // A normal window's popup does not list it (nor asks for it).
      await normal.bringToFront();
      await gotoExtensionPage(browser, normal);
      await normal.waitForFunction(
        () => document.querySelector('main') && !document.body.textContent?.includes('Loading'),
        {
          timeout: 15_000,
        },
      );
      // Longer than the private popup's poll: had it asked, the section would show by now.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const inNormal = await normal.evaluate(() => ({
        section: Boolean(document.querySelector('.private-fetches')),
        text: document.body.textContent ?? '',
      }));
      assert.equal(inNormal.section, false, 'no private section in a normal window');
      assert.ok(!inNormal.text.includes(TITLE), "the private fetch's title is nowhere in the normal popup");
      assert.ok((await rowOf(popup)) !== null, 'still listed in the private popup meanwhile');

      // Cancel: the page's fetch ends aborted, and the row says so without buttons.
      assert.ok(await press(popup, 'abort'));
      const seen = await inPrivate.evaluate(async () => {
        const settled = await t.settled((window as any).privateFetch, 20_000);
        return { result: settled.result, failureReason: settled.failureReason };
      });
      assert.deepEqual(seen, { result: 'failure', failureReason: 'aborted' });
      const cancelled = await waitForRow(popup, (row) => row.state === 'aborted');
      assert.deepEqual(cancelled.buttons, []);
      await until('the cancelled transfer closed', () =>
        requestsOf(server).every((entry) => entry.closedEarly || entry.completed),
      );
      assert.ok(bytesSentOf(server) < SIZE, 'cancelled before the end');

      await popup.close();
      await inPrivate.close();
    });
  });
}
