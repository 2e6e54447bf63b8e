// What a site sees of Background Fetch where the spec and the web-platform tests say what it must
// be: in Firefox through bgfetch, and in Chromium through its own implementation (the site is NOT
// switched to the extension there), so that the Chromium run shows each expectation is right.
// The site's worker (test/fixtures/conformance/sw.js) notes what it saw of each event.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import type { Page } from 'puppeteer-core';
import { browsersUnderTest, launch, type BrowserName, type Launched } from '../helpers/browsers';
import { waitFor } from '../helpers/engine';
import { startTestServer, type TestServer } from '../helpers/site';
import { allowSites, setSitePermission } from '../helpers/consent';
import { askWorker, siteUsedApi } from '../helpers/workers';

declare const t: any;
declare const noted: (id: string) => Promise<any>;

/** The one place a site is set up for these tests (a consent step, if one is needed, goes here). */
async function openConformanceSite(launched: Launched, origin: string, path = '/conformance/'): Promise<Page> {
  if (launched.name === 'chromium') {
    // Chromium's own implementation asks a headless browser's (absent) person first.
    const session = await launched.browser.target().createCDPSession();
    await session.send('Browser.grantPermissions', { origin, permissions: ['backgroundFetch'] });
  } else {
    // bgfetch asks the person before a new site fetches (issue 17): the person allows this one.
    await allowSites(launched, [origin]);
  }
  const page = await launched.browser.newPage();
  await page.goto(`${origin}${path}`);
  await page.evaluate(() => (window as unknown as { swReady: Promise<unknown> }).swReady);
  return page;
}

/** Starts a fetch from the page and returns what the worker noted about its event. */
async function fetchAndNote(
  page: Page,
  id: string,
  requests: unknown[],
  options: Record<string, unknown> = {},
  abort = false,
): Promise<any> {
  await page.evaluate(
    async (id, requests, options, abort) => {
      const reg = await t.reg();
      const list = requests.map((r: any) => (typeof r === 'string' ? r : new Request(r.url, r.init)));
      const bgFetch = await reg.backgroundFetch.fetch(id, list, options);
      (window as any)[id] = bgFetch;
      if (abort) {
        // Once bytes arrived, so that the response's head is known when it is aborted.
        await new Promise<void>((resolve) =>
          bgFetch.addEventListener('progress', () => bgFetch.downloaded > 0 && resolve()),
        );
        await bgFetch.abort();
      }
    },
    id,
    requests,
    options,
    abort,
  );
  return waitFor(`the worker's note about ${id}`, () => page.evaluate((id) => noted(id), id), 30_000, 250);
}

/** The error a page-side call rejects with ({name}), or 'resolved'. */
async function pageOutcome(page: Page, work: string): Promise<{ name?: string; resolved?: boolean }> {
  return page.evaluate(async (work) => {
    try {
      const value = await new Function('t', `return (async () => { ${work} })()`)(t);
      // A fetch that should not have started: stop it.
      await value?.abort?.();
      return { resolved: true };
    } catch (error: any) {
      return { name: error instanceof TypeError ? 'TypeError' : error.name };
    }
  }, work);
}

for (const name of browsersUnderTest()) {
  describe(`[${name}] conformance`, () => {
    let server: TestServer;
    let browser: Launched;
    let page: Page;
    let n = 0;
    /** A fresh id per test and browser run. */
    const id = (prefix: string) => `${prefix}${name}-${n++}`;

    before(async () => {
      server = await startTestServer();
      browser = await launch(name as BrowserName);
    });
    // A tab per test: Chromium lets a tab start one fetch before it asks the person (its
    // automatic-downloads limit), and nobody answers in a test.
    beforeEach(async () => {
      page = await openConformanceSite(browser, server.originA);
    });
    afterEach(async () => {
      await page?.close();
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    test('event.registration in the worker is an instance of the exposed interface, with enumerable attributes', async () => {
      const entry = await fetchAndNote(page, id('shape-'), ['/gen/shape?size=100&seed=1']);
      assert.equal(entry.isExposedInterface, true);
      for (const key of [
        'id',
        'uploadTotal',
        'uploaded',
        'downloadTotal',
        'downloaded',
        'result',
        'failureReason',
        'recordsAvailable',
        'onprogress',
        'abort',
        'match',
        'matchAll',
      ]) {
        assert.ok(entry.keys.includes(key), `for…in sees ${key}: ${entry.keys}`);
      }
    });

    test('responseReady gives the final URL after a redirect, type basic and redirected', async () => {
      const target = '/gen/moved?size=100&seed=2';
      const entry = await fetchAndNote(page, id('redirect-'), [`/redirect?to=${encodeURIComponent(target)}`]);
      const [response] = entry.responses;
      assert.deepEqual(
        { url: response.url, type: response.type, redirected: response.redirected, status: response.status },
        // Chromium 156 says "default" (its response is a constructed one); the fetch spec, and the
        // page's own fetch() in both browsers, say "basic".
        {
          url: `${server.originA}${target}`,
          type: name === 'chromium' ? 'default' : 'basic',
          redirected: true,
          status: 200,
        },
      );
    });

    test('a cross-origin response allowed by CORS has type cors and only the safelisted headers', async () => {
      const url = `${server.originB}/gen/cdn?size=100&seed=3&cors=star&header=X-Secret:1`;
      const entry = await fetchAndNote(page, id('cors-'), [url]);
      const [response] = entry.responses;
      assert.equal(response.type, 'cors');
      assert.equal(response.url, url);
      assert.equal(response.redirected, false);
      assert.ok(!response.headers.includes('x-secret'), `headers: ${response.headers}`);
    });

    test("a 404 record's body is empty", async () => {
      const entry = await fetchAndNote(page, id('missing-'), ['/conformance/no-such-file']);
      assert.equal(entry.failureReason, 'bad-status');
      assert.deepEqual({ status: entry.responses[0].status, body: entry.responses[0].body }, { status: 404, body: '' });
    });

    test("a 404's error page does not count against downloadTotal", async () => {
      // downloadTotal sized to the good file: the 404 (answered last) must give bad-status.
      const entry = await fetchAndNote(
        page,
        id('sized-'),
        ['/gen/good?size=1000&seed=4', '/gen/bad?size=5000&seed=5&status=404&delay=500'],
        { downloadTotal: 1000 },
      );
      assert.equal(entry.failureReason, 'bad-status');
    });

    test('responseReady rejects for a response cut off at download-total-exceeded', async () => {
      const entry = await fetchAndNote(page, id('cut-'), ['/gen/big?size=200000&seed=6'], { downloadTotal: 1000 });
      assert.equal(entry.failureReason, 'download-total-exceeded');
      const [response] = entry.responses;
      // Never a response whose body then throws: sites catch responseReady, not body reads.
      // Chromium 156 resolves with an empty body; bgfetch rejects as issue 19 asks.
      if (name === 'chromium')
        assert.deepEqual({ body: response.body, bodyError: response.bodyError }, { body: '', bodyError: undefined });
      else assert.equal(response.error, 'TypeError', JSON.stringify(response));
    });

    test('responseReady rejects with AbortError after abort()', async () => {
      const entry = await fetchAndNote(
        page,
        id('aborted-'),
        ['/gen/slow?size=1000000&seed=7&throttle=20000'],
        {},
        true,
      );
      assert.equal(entry.type, 'backgroundfetchabort');
      assert.equal(entry.responses[0].error, 'AbortError', JSON.stringify(entry.responses[0]));
    });

    test("recordsAvailable turns false in the page's live registration once the worker handled the event", async () => {
      const fetchId = id('available-');
      await fetchAndNote(page, fetchId, ['/gen/available?size=100&seed=8']);
      const available = await waitFor(
        'recordsAvailable to turn false',
        () =>
          page.evaluate((fetchId) => ((window as any)[fetchId].recordsAvailable === false ? 'false' : null), fetchId),
        10_000,
        250,
      );
      assert.equal(available, 'false');
    });

    test("recordsAvailable turns false in the worker's own event.registration once its handler finished", async () => {
      const fetchId = id('kept-');
      await fetchAndNote(page, fetchId, ['/gen/kept?size=100&seed=11']);
      const available = await waitFor(
        "the worker's registration to read recordsAvailable false",
        () =>
          page.evaluate(async (fetchId) => {
            const reply = new Promise<any>((resolve) =>
              navigator.serviceWorker.addEventListener('message', (e) => e.data?.id === fetchId && resolve(e.data), {
                once: false,
              }),
            );
            (await t.reg()).active.postMessage({ command: 'recordsAvailable', id: fetchId });
            const { recordsAvailable } = await Promise.race([
              reply,
              new Promise<any>((resolve) => setTimeout(() => resolve({}), 2000)),
            ]);
            return recordsAvailable === false ? 'false' : null;
          }, fetchId),
        10_000,
        500,
      );
      assert.equal(available, 'false');
    });

    test('a GET query does not match a stored POST record without ignoreMethod', async () => {
      const entry = await fetchAndNote(page, id('match-'), [
        '/gen/get?size=100&seed=9',
        { url: '/upload/post', init: { method: 'POST', body: 'hello' } },
      ]);
      assert.deepEqual(
        { get: entry.getQueryMatchesPost, ignoreMethod: entry.ignoreMethodMatchesPost },
        { get: false, ignoreMethod: true },
      );
    });

    test("a PUT/POST record's request keeps its body, in the page (text() and arrayBuffer())", async () => {
      const outcome = await page.evaluate(
        async (fetchId, abort) => {
          const reg = await t.reg();
          const registration = await reg.backgroundFetch.fetch(fetchId, [
            new Request('/upload/page-put', { method: 'PUT', body: 'hello from the page' }),
            // Still running when the records are read (its body comes slowly).
            '/gen/slow-body?size=100000&seed=21&throttle=50000',
          ]);
          try {
            const records = await registration.matchAll();
            return await Promise.all(
              records.map(async ({ request }: any) => ({
                method: request.method,
                text: await request.clone().text(),
                bytes: (await request.arrayBuffer()).byteLength,
              })),
            );
          } finally {
            // Chromium 156's browser process crashed soon after aborting such a fetch (a PUT with
            // a body, aborted while its other request ran), taking the rest of the suite with it:
            // there it runs to its end (2 s), before the next test's fetch (Chromium runs one at a time).
            await (abort ? registration.abort() : t.settled(registration, 30_000));
          }
        },
        id('page-body-'),
        name !== 'chromium',
      );
      assert.deepEqual(outcome, [
        { method: 'PUT', text: 'hello from the page', bytes: 19 },
        { method: 'GET', text: '', bytes: 0 },
      ]);
    });

    test("a POST record's request keeps its body in the site's worker", async () => {
      const entry = await fetchAndNote(page, id('body-'), [
        { url: '/upload/worker-post', init: { method: 'POST', body: 'posted bytes' } },
        '/gen/body-get?size=100&seed=22',
      ]);
      // (Records in any order: Chromium lists them as it likes.)
      const requests = [...entry.requests].sort((a: any, b: any) => a.method.localeCompare(b.method));
      // Chromium 156 keeps the body while the fetch runs (the page test above) but hands its
      // worker an empty one once the fetch settled; issue 19 asks bgfetch to keep it.
      const posted = name === 'chromium' ? { text: '', bytes: 0 } : { text: 'posted bytes', bytes: 12 };
      assert.deepEqual(
        requests,
        [
          { method: 'GET', text: '', bytes: 0 },
          { method: 'POST', ...posted },
        ],
        JSON.stringify(entry),
      );
    });

    // Chromium 156 answers such calls only some of the time (measured: no records when this event
    // follows the previous test's in the same worker, records when run alone), so it cannot be the
    // reference here; bgfetch answers them every time.
    const noWaitSkip = name === 'chromium' && 'Chromium answers calls made without waitUntil() only some of the time';
    test('calls a worker makes in its handler without waitUntil() are answered', { skip: noWaitSkip }, async () => {
      const entry = await fetchAndNote(page, id('no-wait-'), ['/gen/nowait?size=100&seed=10']);
      assert.equal(entry.error, undefined, JSON.stringify(entry));
      assert.equal(entry.responses.length, 1);
      assert.equal(entry.responses[0].status, 200);
    });

    test('fetch() rejects with TypeError for a URL on a blocked port', async () => {
      assert.deepEqual(
        await pageOutcome(
          page,
          `const reg = await t.reg(); return reg.backgroundFetch.fetch('port-${name}', 'http://localhost:25/x');`,
        ),
        { name: 'TypeError' },
      );
    });

    test('fetch() rejects with TypeError for a dangling-markup URL (newline and "<")', async () => {
      assert.deepEqual(
        await pageOutcome(
          page,
          `const reg = await t.reg(); return reg.backgroundFetch.fetch('dangling-${name}', '/gen/x?a=\\n<b');`,
        ),
        { name: 'TypeError' },
      );
    });

    // Chromium 156 gives no numbers (null); bgfetch knows what was asked and the limit it met.
    const assertQuotaExceededError = (outcome: any) => {
      assert.deepEqual(
        {
          name: outcome.name,
          code: outcome.code,
          isDOMException: outcome.isDOMException,
          isQuotaExceededError: outcome.isQuotaExceededError,
        },
        { name: 'QuotaExceededError', code: 22, isDOMException: true, isQuotaExceededError: true },
        JSON.stringify(outcome),
      );
      if (name === 'chromium') {
        assert.ok(
          ['number', 'null'].includes(outcome.quota) && ['number', 'null'].includes(outcome.requested),
          JSON.stringify(outcome),
        );
      } else {
        assert.deepEqual(
          { quota: outcome.quota, requested: outcome.requestedValue },
          { quota: 'number', requested: Number.MAX_SAFE_INTEGER },
        );
      }
    };

    test('a fetch that can never fit rejects in the page with a QuotaExceededError (quota, requested; a DOMException)', async () => {
      const outcome = await page.evaluate(async (fetchId) => {
        const reg = await t.reg();
        try {
          const registration = await reg.backgroundFetch.fetch(fetchId, '/gen/q?size=10&seed=12', {
            downloadTotal: Number.MAX_SAFE_INTEGER,
          });
          await registration.abort();
          return { resolved: true };
        } catch (error: any) {
          const QuotaError = (self as any).QuotaExceededError;
          // No named helper in here: tsx's keepNames would wrap it in a __name() the page lacks.
          return {
            name: error?.name,
            code: error?.code,
            isDOMException: error instanceof DOMException,
            isQuotaExceededError: typeof QuotaError === 'function' && error instanceof QuotaError,
            quota: error?.quota === null ? 'null' : typeof error?.quota,
            requested: error?.requested === null ? 'null' : typeof error?.requested,
            requestedValue: error?.requested,
          };
        }
      }, id('quota-page-'));
      assertQuotaExceededError(outcome);
    });

    // Chromium 156 (headless) refuses a worker's fetch() with NotAllowedError before it looks at the
    // size (its permission check finds no frame), so the reference cannot show this one.
    const workerQuotaSkip =
      name === 'chromium' && 'Chromium answers NotAllowedError before any quota check in a worker';
    test(
      "a fetch that can never fit rejects in the site's worker with a QuotaExceededError",
      { skip: workerQuotaSkip },
      async () => {
        const fetchId = id('quota-worker-');
        const outcome = await page.evaluate(async (fetchId) => {
          const reply = new Promise<any>((resolve) =>
            navigator.serviceWorker.addEventListener(
              'message',
              (e) => e.data?.id === fetchId && resolve(e.data.outcome),
            ),
          );
          (await t.reg()).active.postMessage({ command: 'quota', id: fetchId });
          return Promise.race([
            reply,
            new Promise((resolve) => setTimeout(() => resolve({ name: 'no answer in 20 s' }), 20_000)),
          ]);
        }, fetchId);
        assertQuotaExceededError(outcome);
      },
    );

    // The document's CSP connect-src holds for what it fetches in the background, as for its fetch().
    const CSP_HEADER = `header=${encodeURIComponent("Content-Security-Policy:connect-src 'self'")}`;
    const fetchOutcome = (page: Page, fetchId: string, url: string) =>
      pageOutcome(
        page,
        `const reg = await t.reg(); return reg.backgroundFetch.fetch(${JSON.stringify(fetchId)}, ${JSON.stringify(url)});`,
      );

    test("fetch() rejects with TypeError for a URL the page's CSP header (connect-src 'self') does not allow", async () => {
      const cspPage = await openConformanceSite(browser, server.originA, `/conformance/?${CSP_HEADER}`);
      try {
        assert.deepEqual(
          await fetchOutcome(cspPage, id('csp-header-'), `${server.originB}/gen/csp?size=10&seed=14&cors=star`),
          { name: 'TypeError' },
        );
        // Its own origin it may fetch.
        assert.deepEqual(await fetchOutcome(cspPage, id('csp-self-'), '/gen/csp-self?size=10&seed=15'), {
          resolved: true,
        });
      } finally {
        await cspPage.close();
      }
    });

    test("fetch() rejects with TypeError for a URL the page's <meta> CSP does not allow", async () => {
      const cspPage = await openConformanceSite(browser, server.originA, '/conformance/csp-meta.html');
      try {
        assert.deepEqual(
          await fetchOutcome(cspPage, id('csp-meta-'), `${server.originB}/gen/csp?size=10&seed=16&cors=star`),
          { name: 'TypeError' },
        );
      } finally {
        await cspPage.close();
      }
    });

    // Chromium 156's own Background Fetch checks the page's CSP for the first URL only (measured: a
    // hop to a disallowed origin succeeds); bgfetch holds every hop to it, as the page's fetch() does.
    const cspHopSkip = name === 'chromium' && "Chromium's native fetch does not check CSP at redirect hops";
    test("a redirect hop the page's CSP does not allow fails the fetch", { skip: cspHopSkip }, async () => {
      const cspPage = await openConformanceSite(browser, server.originA, `/conformance/?${CSP_HEADER}`);
      try {
        const target = `${server.originB}/gen/csp-hop?size=10&seed=17&cors=star`;
        const entry = await fetchAndNote(cspPage, id('csp-hop-'), [`/redirect?to=${encodeURIComponent(target)}`]);
        assert.deepEqual(
          { type: entry.type, failureReason: entry.failureReason },
          { type: 'backgroundfetchfail', failureReason: 'fetch-error' },
          JSON.stringify(entry),
        );
      } finally {
        await cspPage.close();
      }
    });

    // Chromium 156 exposes the interfaces in workers but gives them no navigator.serviceWorker, so
    // no registration to call them on: only Firefox (through bgfetch) can run these.
    const noWorkerRegistration = name === 'chromium' && 'Chromium 156 has no navigator.serviceWorker in workers';

    for (const kind of ['dedicated', 'shared'] as const) {
      test(
        `a ${kind} worker fetches, lists, gets, reads and aborts through navigator.serviceWorker.ready`,
        { skip: noWorkerRegistration },
        async () => {
          if (kind === 'dedicated') await siteUsedApi(page);
          const fetchId = id(`${kind}-worker-`);
          const answer = await askWorker(page, kind, {
            kind: 'fetch',
            id: fetchId,
            url: '/gen/worker-slow?size=100000&seed=23&throttle=20000',
          });
          assert.deepEqual(answer, {
            exposed: true,
            isManager: true,
            isRegistration: true,
            listed: true,
            same: true,
            recordUrls: ['/gen/worker-slow'],
            aborted: true,
          });
        },
      );
    }

    test(
      "a worker's calls get the page's consent check: a blocked site's worker is refused",
      { skip: noWorkerRegistration },
      async () => {
        await siteUsedApi(page);
        await setSitePermission(browser, server.originA, 'block');
        try {
          for (const kind of ['dedicated', 'shared'] as const) {
            const answer = await askWorker(page, kind, {
              kind: 'fetch',
              id: id(`blocked-${kind}-`),
              url: '/gen/blocked?size=10&seed=24',
            });
            assert.equal(answer.error, 'TypeError', `${kind}: ${JSON.stringify(answer)}`);
            assert.match(answer.message, /permission/, kind);
          }
        } finally {
          await allowSites(browser, [server.originA]);
        }
      },
    );

    test("get('') rejects with TypeError", async () => {
      assert.deepEqual(await pageOutcome(page, `const reg = await t.reg(); return reg.backgroundFetch.get('');`), {
        name: 'TypeError',
      });
    });
  });
}
