// The spine, end to end in real browsers: a page's fetch() to stored bytes and back.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'puppeteer-core';
// @ts-expect-error plain JS module with JSDoc types
import { generatedSha256 } from '../server/server.mjs';
import { admin, browsersUnderTest, launch, useExtensionFor, type Launched } from '../helpers/browsers';
import { rawBridge } from '../helpers/bridge';
import { openSite, startTestServer, type TestServer } from '../helpers/site';

// Page-side helpers from test/fixtures/site/helpers.js.
declare const t: any;

const MiB = 1024 * 1024;
const BIG = 60 * MiB;

for (const name of browsersUnderTest()) {
  describe(`[${name}] spine`, () => {
    let server: TestServer;
    let browser: Launched;
    let page: Page;

    before(async () => {
      server = await startTestServer();
      browser = await launch(name);
      await useExtensionFor(browser, [server.originA, server.originB]);
      page = await openSite(browser, server.originA);
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    test('the interfaces exist before page scripts run, shaped as the IDL', async () => {
      const shape = await page.evaluate(async () => {
        const reg = await t.reg();
        const w = window as any;
        let constructError = '';
        try {
          new w.BackgroundFetchManager();
        } catch (error) {
          constructError = (error as Error).constructor.name;
        }
        return {
          detectedAtLoad: w.detectedAtLoad,
          inRegistration: 'backgroundFetch' in reg,
          sameObject: reg.backgroundFetch === reg.backgroundFetch,
          isManager: reg.backgroundFetch instanceof w.BackgroundFetchManager,
          registrationIsEventTarget: w.BackgroundFetchRegistration.prototype instanceof EventTarget,
          record: typeof w.BackgroundFetchRecord,
          constructError,
          methods: ['fetch', 'get', 'getIds'].map((m) => typeof w.BackgroundFetchManager.prototype[m]),
          tag: Object.prototype.toString.call(reg.backgroundFetch),
          // WebIDL members are enumerable properties of the prototype (class syntax makes them not).
          notEnumerable: [w.BackgroundFetchManager, w.BackgroundFetchRegistration, w.BackgroundFetchRecord].flatMap(
            (i) =>
              Object.getOwnPropertyNames(i.prototype).filter(
                (m) => m !== 'constructor' && !Object.getOwnPropertyDescriptor(i.prototype, m)!.enumerable,
              ),
          ),
          attributes: ['id', 'downloaded', 'result', 'recordsAvailable', 'onprogress'].map(
            (a) => typeof Object.getOwnPropertyDescriptor(w.BackgroundFetchRegistration.prototype, a)?.get,
          ),
        };
      });
      assert.deepEqual(shape, {
        detectedAtLoad: true,
        inRegistration: true,
        sameObject: true,
        isManager: true,
        registrationIsEventTarget: true,
        record: 'function',
        constructError: 'TypeError',
        methods: ['function', 'function', 'function'],
        tag: '[object BackgroundFetchManager]',
        notEnumerable: [],
        attributes: ['function', 'function', 'function', 'function', 'function'],
      });
    });

    test('the interfaces are built on first use, whichever is read first, and then are as WebIDL has them', async () => {
      const seen = await page.evaluate(async () => {
        const frame = document.createElement('iframe');
        frame.src = '/site/?lazy';
        const loaded = new Promise((resolve) => (frame.onload = resolve));
        document.body.append(frame);
        await loaded;
        const inner = frame.contentWindow as any;
        const enumerableBefore = Object.keys(inner).includes('BackgroundFetchManager');
        const reg = await inner.swReady;
        // backgroundFetch first: the interface objects must be the ones it was built from.
        const manager = reg.backgroundFetch;
        const isManager = manager instanceof inner.BackgroundFetchManager;
        const { value, ...attributes } = Object.getOwnPropertyDescriptor(inner, 'BackgroundFetchManager')!;
        const ids = await manager.getIds();
        frame.remove();
        return { enumerableBefore, isManager, isFunction: typeof value === 'function', attributes, ids };
      });
      assert.deepEqual(seen, {
        enumerableBefore: false,
        isManager: true,
        isFunction: true,
        attributes: { writable: true, enumerable: false, configurable: true },
        ids: [],
      });
    });

    test('frames get the API too, and their calls reach the extension', async () => {
      const seen = await page.evaluate(async () => {
        const frame = document.createElement('iframe');
        frame.src = '/site/?in-a-frame';
        const loaded = new Promise((resolve) => (frame.onload = resolve));
        document.body.append(frame);
        await loaded;
        const inner = frame.contentWindow as any;
        const reg = await inner.swReady;
        const bgFetch = await reg.backgroundFetch.fetch('from-a-frame', '/gen/frame?size=1000&seed=6&delay=200');
        const ids = await reg.backgroundFetch.getIds();
        await bgFetch.abort();
        frame.remove();
        return { detected: inner.detectedAtLoad, ids: [...ids] };
      });
      assert.deepEqual(seen, { detected: true, ids: ['from-a-frame'] });
    });

    test('a 60 MiB file and small files: progress, get/getIds, matchAll while running, intact bodies', async () => {
      const urls = [
        `/gen/big?size=${BIG}&seed=60&throttle=${12 * MiB}`,
        '/gen/small1?size=1000&seed=1',
        '/gen/small2?size=20000&seed=2',
        '/gen/small3?size=300000&seed=3',
      ];
      const during = await page.evaluate(async (urls) => {
        const reg = await t.reg();
        const bgFetch = await reg.backgroundFetch.fetch('episode', urls, { title: 'Big one', downloadTotal: 0 });
        t.settled(bgFetch); // start collecting progress
        (window as any).big = bgFetch;
        const ids = await reg.backgroundFetch.getIds();
        const got = await reg.backgroundFetch.get('episode');
        // Read every record while the big one is still arriving.
        const records = await bgFetch.matchAll();
        const resultWhenMatched = bgFetch.result;
        const bodies = await Promise.all(
          records.map(async (r: any) => ({ url: r.request.url, ...(await t.readResponse(await r.responseReady)) })),
        );
        await t.settled(bgFetch);
        return {
          ids,
          sameObject: got === bgFetch,
          resultWhenMatched,
          bodies,
          state: t.state(bgFetch),
          idsAfter: await reg.backgroundFetch.getIds(),
          getAfter: String(await reg.backgroundFetch.get('episode')),
        };
      }, urls);

      assert.deepEqual(during.ids, ['episode']);
      assert.equal(during.sameObject, true, 'get() returns the same registration object');
      assert.equal(during.resultWhenMatched, '', 'matchAll() was called while the fetch ran');
      assert.equal(during.bodies.length, 4);
      const expected = [
        [BIG, 60],
        [1000, 1],
        [20000, 2],
        [300000, 3],
      ] as const;
      for (const [i, [size, seed]] of expected.entries()) {
        const body = during.bodies[i]!;
        assert.equal(body.length, size, `${body.url} length`);
        assert.equal(body.sha256, generatedSha256(size, seed), `${body.url} SHA-256`);
        assert.equal(body.status, 200);
      }
      assert.ok(during.bodies[0]!.chunks > 1, 'the big body streams in several chunks');
      assert.equal(during.state.result, 'success');
      assert.equal(during.state.failureReason, '');
      assert.equal(during.state.downloaded, BIG + 1000 + 20000 + 300000);
      const progress = during.state.progress.map((p: any) => p.downloaded);
      assert.ok(progress.length >= 3, `several progress events (${progress.length})`);
      for (let i = 1; i < progress.length; i++)
        assert.ok(progress[i] >= progress[i - 1], 'downloaded never goes backwards');
      assert.equal(during.state.progress.at(-1).result, 'success', 'the last progress event carries the result');
      assert.deepEqual(during.idsAfter, [], 'a settled fetch leaves getIds()');
      assert.equal(during.getAfter, 'undefined');
    });

    test('headers reach the page; a second look at a record gives the same promise', async () => {
      const seen = await page.evaluate(async () => {
        const reg = await t.reg();
        const url = '/gen/h?size=5000&seed=5&type=text/plain&header=X-Custom:yes&delay=300';
        const bgFetch = await reg.backgroundFetch.fetch('headers', [url]);
        // Records are read while the fetch runs: once the site's worker handled its success
        // event, they stop being available.
        const record = await bgFetch.match(url);
        const queries = {
          missing: String(await bgFetch.match('/nothing-like-this')),
          ignoreSearch: (await bgFetch.matchAll('/gen/h', { ignoreSearch: true })).length,
        };
        const response = await record.responseReady;
        await t.settled(bgFetch);
        return {
          ...queries,
          same: record.responseReady === record.responseReady,
          method: record.request.method,
          etag: response.headers.get('etag'),
          type: response.headers.get('content-type'),
          custom: response.headers.get('x-custom'),
          statusText: response.statusText,
        };
      });
      assert.deepEqual(seen, {
        same: true,
        method: 'GET',
        etag: '"g-5000-5"',
        type: 'text/plain',
        custom: 'yes',
        statusText: 'OK',
        missing: 'undefined',
        ignoreSearch: 1,
      });
    });

    test('closing the tab does not stop the transfer; a new tab sees it finish', async () => {
      const size = 6 * MiB;
      const url = `/gen/closing?size=${size}&seed=7&throttle=${2 * MiB}`;
      const first = await openSite(browser, server.originA);
      await first.evaluate(async (url) => {
        const reg = await t.reg();
        await reg.backgroundFetch.fetch('closing', [url]);
      }, url);
      await first.close();
      // No tab of the site is open for a while.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const second = await openSite(browser, server.originA);
      const outcome = await second.evaluate(async (url) => {
        const reg = await t.reg();
        const again = await reg.backgroundFetch.get('closing');
        const downloadedOnArrival = again.downloaded;
        await t.settled(again);
        const body = await t.readResponse(await (await again.match(url)).responseReady);
        return { downloadedOnArrival, state: t.state(again), body };
      }, url);
      await second.close();
      assert.ok(outcome.downloadedOnArrival > 0, 'bytes kept arriving with no tab open');
      assert.equal(outcome.state.result, 'success');
      assert.equal(outcome.body.sha256, generatedSha256(size, 7));
    });

    test('abort(): result failure, reason aborted, responseReady rejects with AbortError', async () => {
      const outcome = await page.evaluate(async () => {
        const reg = await t.reg();
        const bgFetch = await reg.backgroundFetch.fetch('to-abort', [
          // Headers come late: aborted before a response exists.
          '/gen/late?size=1000&seed=8&delay=3000',
          // Headers come at once, the body slowly: aborted mid-body.
          `/gen/slow?size=${8 * 1024 * 1024}&seed=8&throttle=${512 * 1024}`,
        ]);
        const [record, streaming] = await bgFetch.matchAll();
        const body = (await streaming.responseReady).arrayBuffer();
        const first = await bgFetch.abort();
        const second = await bgFetch.abort();
        await t.settled(bgFetch);
        return {
          first,
          second,
          state: t.state(bgFetch),
          ready: await t.outcome(record.responseReady),
          body: await t.outcome(body),
          ids: await reg.backgroundFetch.getIds(),
        };
      });
      assert.equal(outcome.first, true);
      assert.equal(outcome.second, false);
      assert.equal(outcome.state.result, 'failure');
      assert.equal(outcome.state.failureReason, 'aborted');
      assert.equal(outcome.ready.name, 'AbortError');
      assert.ok(outcome.body.name, 'a body being read when the fetch is aborted errors');
      assert.deepEqual(outcome.ids, []);
    });

    test('a 404 fails with bad-status; its response is readable, with an empty body as in Chromium', async () => {
      const outcome = await page.evaluate(async () => {
        const reg = await t.reg();
        const bgFetch = await reg.backgroundFetch.fetch('missing', ['/gen/x?size=10&seed=1&status=404&delay=300']);
        const [record] = await bgFetch.matchAll();
        await t.settled(bgFetch);
        const response = await record.responseReady;
        return { state: t.state(bgFetch), status: response.status, text: await response.text() };
      });
      assert.equal(outcome.state.result, 'failure');
      assert.equal(outcome.state.failureReason, 'bad-status');
      assert.equal(outcome.status, 404);
      assert.equal(outcome.text, '', "Chromium keeps none of a failed request's body");
    });

    test('downloadTotal smaller than the body: download-total-exceeded', async () => {
      const state = await page.evaluate(async () => {
        const reg = await t.reg();
        const bgFetch = await reg.backgroundFetch.fetch('too-big', ['/gen/y?size=3000000&seed=2'], {
          downloadTotal: 1000,
        });
        await t.settled(bgFetch);
        return t.state(bgFetch);
      });
      assert.equal(state.result, 'failure');
      assert.equal(state.failureReason, 'download-total-exceeded');
    });

    test('bad calls reject with the spec error types', async () => {
      const outcomes = await page.evaluate(async () => {
        const reg = await t.reg();
        const m = reg.backgroundFetch;
        const slow = `/gen/dup?size=${4 * 1024 * 1024}&seed=9&throttle=${1024 * 1024}`;
        const running = await m.fetch('dup', slow);
        const result = {
          duplicate: await t.outcome(m.fetch('dup', '/gen/z?size=10&seed=1')),
          empty: await t.outcome(m.fetch('empty', [])),
          noCors: await t.outcome(m.fetch('nocors', new Request('/gen/z?size=10&seed=1', { mode: 'no-cors' }))),
          credentialsInUrl: await t.outcome(m.fetch('creds', 'http://user:pass@localhost/x')),
          hugeTotal: await t.outcome(
            m.fetch('huge', '/gen/z?size=10&seed=1', { downloadTotal: Number.MAX_SAFE_INTEGER }),
          ),
          noArgs: await t.outcome((m as any).fetch()),
          concurrent: await Promise.all([
            t.outcome(m.fetch('race', `/gen/r?size=100&seed=1&delay=500`)),
            t.outcome(m.fetch('race', `/gen/r?size=100&seed=1&delay=500`)),
          ]),
        };
        await running.abort();
        for (const id of await m.getIds()) await (await m.get(id)).abort();
        return result;
      });
      assert.equal(outcomes.duplicate.name, 'TypeError');
      assert.equal(outcomes.duplicate.isTypeError, true);
      assert.equal(outcomes.empty.isTypeError, true);
      assert.equal(outcomes.noCors.isTypeError, true);
      assert.equal(outcomes.credentialsInUrl.isTypeError, true);
      assert.equal(outcomes.hugeTotal.name, 'QuotaExceededError');
      assert.equal(outcomes.noArgs.isTypeError, true);
      const raced = outcomes.concurrent.map((o: any) => ('resolved' in o ? 'ok' : o.name)).sort();
      assert.deepEqual(raced, ['TypeError', 'ok'], 'exactly one of two concurrent fetches with one id succeeds');
    });

    test("another site cannot see or touch this site's fetches", async () => {
      await page.evaluate(async () => {
        const reg = await t.reg();
        (window as any).secret = await reg.backgroundFetch.fetch(
          'secret',
          `/gen/s?size=${4 * 1024 * 1024}&seed=4&throttle=${1024 * 1024}`,
        );
      });
      const other = await openSite(browser, server.originB);
      const seen = await other.evaluate(async () => {
        const reg = await t.reg();
        return { get: String(await reg.backgroundFetch.get('secret')), ids: await reg.backgroundFetch.getIds() };
      });
      await other.close();
      assert.deepEqual(seen, { get: 'undefined', ids: [] });
      const still = await page.evaluate(async () => {
        const secret = (window as any).secret;
        const ids = await (await t.reg()).backgroundFetch.getIds();
        await secret.abort();
        return ids;
      });
      assert.deepEqual(still, ['secret'], 'the first site still sees its own fetch');
    });

    test(
      'Chromium: a site not switched to bgfetch keeps its own Background Fetch and carries nothing of bgfetch',
      { skip: name !== 'chromium' },
      async () => {
        await admin(browser, { type: 'admin.setSite', origin: server.originB, settings: { useExtension: false } });
        try {
          const other = await openSite(browser, server.originB);
          const native = await other.evaluate(() =>
            String((window as any).BackgroundFetchManager).includes('[native code]'),
          );
          // Nobody answers the bridge's door: no bgfetch content script runs in this page.
          const [reply] = await other.evaluate(rawBridge, [{ type: 'getIds', scope: `${server.originB}/site/` }], 2000);
          await other.close();
          assert.equal(native, true);
          assert.equal(reply, 'timeout');
        } finally {
          await useExtensionFor(browser, [server.originB]);
        }
        const again = await openSite(browser, server.originB);
        const [reply] = await again.evaluate(rawBridge, [{ type: 'getIds', scope: `${server.originB}/site/` }], 10_000);
        await again.close();
        assert.notEqual(reply, 'timeout', 'switched back on, the bridge answers');
      },
    );
  });
}
