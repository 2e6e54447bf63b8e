// Transfers that never lose a byte (issue 4), end to end in real browsers: the background
// stopped and restarted, connections dropped, servers that ignore Range or change the resource,
// the browser closed and started again, the server gone and back, transient failures, limits,
// uploads and a full store. Every test checks what a person or a site sees: the body read back
// through responseReady (SHA-256), the registration's result, and the test server's log.
//
// Engine test switches (src/background/switches.ts) are set through browser.storage.local from an
// extension page; each test that sets them puts the defaults back.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'puppeteer-core';
// @ts-expect-error plain JS module with JSDoc types
import { generatedSha256 } from '../server/server.mjs';
import { admin, browsersUnderTest, launch, type BrowserName, type Launched } from '../helpers/browsers';
import { coverage, readStore, setEngineSwitches, sleep, spansOf, waitFor, type StoreView } from '../helpers/engine';
import { openSite, startTestServer, type LogRecord, type TestServer } from '../helpers/site';

// Page-side helpers from test/fixtures/site/helpers.js.
declare const t: any;

const MiB = 1024 * 1024;
/** Firefox suspends its event page after this long without extension API calls (pref below). */
const IDLE_TIMEOUT_MS = 3000;
const FIREFOX_PREFS = { 'extensions.background.idle.timeout': IDLE_TIMEOUT_MS };

interface Body {
  url: string;
  length: number;
  sha256: string;
  status: number;
}
interface Outcome {
  state: { result: string; failureReason: string; downloaded: number; downloadTotal: number; uploaded: number; uploadTotal: number; progress: { downloaded: number; result: string }[] };
  bodies: (Body | { url: string; error: string })[];
}

/** Starts a fetch from the site page; resolves once the registration exists. */
async function startFetch(page: Page, id: string, requests: unknown[], options: Record<string, unknown> = {}): Promise<void> {
  await page.evaluate(
    async (id, requests, options) => {
      const reg = await t.reg();
      const list = requests.map((r: any) => (typeof r === 'string' ? r : new Request(r.url, r.init)));
      const bgFetch = await reg.backgroundFetch.fetch(id, list, options);
      t.settled(bgFetch); // collect progress from the start
      ((window as any).fetches ??= {})[id] = bgFetch;
    },
    id,
    requests,
    options,
  );
}

/**
 * Waits for the fetch (the page's own object, or `get(id)` in a tab opened later) to settle and
 * reads every record back through responseReady.
 */
async function finish(page: Page, id: string, timeoutMs = 120_000): Promise<Outcome> {
  return page.evaluate(
    async (id, timeoutMs) => {
      const reg = await t.reg();
      const bgFetch = (window as any).fetches?.[id] ?? (await reg.backgroundFetch.get(id));
      if (!bgFetch) throw new Error(`no fetch ${id}`);
      await t.settled(bgFetch, timeoutMs);
      const records = await bgFetch.matchAll();
      const bodies = [];
      for (const record of records) {
        try {
          const response = await record.responseReady;
          const { length, sha256, status } = await t.readResponse(response);
          bodies.push({ url: record.request.url, length, sha256, status });
        } catch (error) {
          bodies.push({ url: record.request.url, error: `${(error as Error).name}: ${(error as Error).message}` });
        }
      }
      return { state: t.state(bgFetch), bodies };
    },
    id,
    timeoutMs,
  );
}

/** The logged requests whose path starts with `prefix`, in arrival order, once none is in flight. */
async function requestsFor(server: TestServer, prefix: string): Promise<LogRecord[]> {
  await server.idle();
  return server.log.filter((rec) => rec.path.startsWith(prefix));
}

function assertIntact(body: Outcome['bodies'][number] | undefined, size: number, seed: string | number, label: string): void {
  assert.ok(body && !('error' in body), `${label}: ${JSON.stringify(body)}`);
  assert.equal(body.length, size, `${label}: length`);
  assert.equal(body.sha256, generatedSha256(size, seed), `${label}: SHA-256`);
}

function assertMonotonic(outcome: Outcome, label: string): void {
  const progress = outcome.state.progress.map((p) => p.downloaded);
  for (let i = 1; i < progress.length; i++) {
    assert.ok(progress[i]! >= progress[i - 1]!, `${label}: downloaded went back from ${progress[i - 1]} to ${progress[i]}`);
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

for (const name of browsersUnderTest()) {
  describe(`[${name}] resilience`, () => {
    let server: TestServer;
    let browser: Launched;
    let page: Page;

    const isFirefox = name === 'firefox';

    before(async () => {
      server = await startTestServer();
      browser = await launch(name, { prefs: FIREFOX_PREFS });
      if (!isFirefox) {
        for (const origin of [server.originA, server.originB]) {
          await admin(browser, { type: 'admin.setSite', origin, settings: { useExtension: true } });
        }
      }
      page = await openSite(browser, server.originA);
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    test('a 40 s throttled transfer outlives a 3 s idle timeout: one request, body intact', { skip: !isFirefox && 'the idle-timeout pref is Firefox only' }, async () => {
      const size = 40 * MiB;
      const url = `/gen/long?size=${size}&seed=40&throttle=${MiB}`;
      const startedAt = Date.now();
      await startFetch(page, 'long', [url]);
      // No tab of the site stays open: nothing but the engine itself keeps the background busy.
      await page.close();
      await sleep(32_000);
      page = await openSite(browser, server.originA);
      const outcome = await finish(page, 'long');
      const took = Date.now() - startedAt;
      assert.equal(outcome.state.result, 'success');
      assertIntact(outcome.bodies[0], size, 40, 'long');
      const requests = await requestsFor(server, '/gen/long');
      assert.equal(requests.length, 1, `one request, never resumed: ${JSON.stringify(requests.map((r) => r.range))}`);
      assert.equal(requests[0]!.completed, true);
      assert.equal(requests[0]!.bytesSent, size);
      assertMonotonic(outcome, 'long');
      console.log(`# [${name}] 40 MiB at 1 MiB/s with a ${IDLE_TIMEOUT_MS} ms idle timeout: ${seconds(took)}, 1 request`);
    });

    test('the background stopped again and again mid-transfer: resumes with Range each time, intact', { skip: !isFirefox && 'needs the idle-timeout pref' }, async () => {
      // A browser of its own with a 1 s idle timeout, so the ten stops come quickly.
      const own = await launch('firefox', { prefs: { 'extensions.background.idle.timeout': 1000 } });
      try {
        // Keep-alive off: the idle timeout stops the background; the wake alarm brings it back.
        await setEngineSwitches(own, { keepAlive: false, wakeMinutes: 0.04 });
        const site = await openSite(own, server.originA);
        const size = 40 * MiB;
        const url = `/gen/stops?size=${size}&seed=10&throttle=${3 * MiB}`;
        const startedAt = Date.now();
        await startFetch(site, 'stops', [url]);
        await waitFor(
          'ten stops',
          () => {
            const requests = server.log.filter((rec) => rec.path.startsWith('/gen/stops'));
            console.log(`# ${seconds(Date.now() - startedAt)}: ${requests.length} requests ${requests.map((r) => `${r.range}:${r.bytesSent}${r.completed ? '✓' : r.closedEarly ? '✗' : '…'}`).join(' ')}`);
            return requests.length >= 11 || requests.some((r) => r.completed);
          },
          150_000,
          1000,
        );
        await setEngineSwitches(own, null);
        const outcome = await finish(site, 'stops');
        const took = Date.now() - startedAt;
        assert.equal(outcome.state.result, 'success');
        assertIntact(outcome.bodies[0], size, 10, 'stops');
        const requests = await requestsFor(server, '/gen/stops');
        const spans = spansOf(requests);
        const cover = coverage(spans, size);
        console.log(`# [${name}] ${requests.length - 1} stops, ${seconds(took)}; ranges ${spans.map((s) => `${s.start}+${s.end - s.start}`).join(' ')}; re-fetched ${cover.refetched} bytes`);
      } finally {
        await own.close();
      }
    });
  });
}
