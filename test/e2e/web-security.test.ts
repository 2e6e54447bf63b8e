// The web's security model under the browsers' real defaults (Firefox: Total Cookie Protection):
// what a page can do through bgfetch must not exceed what its own fetch() can (issue 16: cookies
// and Sec-Fetch-* as fetch() sends them, Set-Cookie never in the target's first-party jar, opaque
// origins get nothing, what is not a network failure fails at once). Each case compares the
// page's own fetch() with a background fetch, as the loopback server saw them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'puppeteer-core';
import { browsersUnderTest, launch, useExtensionFor, type Launched } from '../helpers/browsers';
import { rawBridge } from '../helpers/bridge';
import { waitFor } from '../helpers/engine';
import { openSite, startTestServer, type LogRecord, type TestServer } from '../helpers/site';

declare const t: any;

/** A raw fetch message, as page.iife.ts sends it, without the page API's own checks. */
const rawFetch = (scope: string, id: string, url: string, method = 'GET') => ({
  type: 'fetch',
  scope,
  id,
  requests: [
    {
      url,
      method,
      headers: [],
      mode: 'cors',
      credentials: 'same-origin',
      cache: 'default',
      redirect: 'follow',
      referrer: '',
      referrerPolicy: '',
      integrity: '',
      body: null,
    },
  ],
  options: { title: '', icons: [], downloadTotal: 0 },
});

for (const name of browsersUnderTest()) {
  describe(`[${name}] web security model`, () => {
    let server: TestServer;
    let browser: Launched;
    let page: Page;
    let pageB: Page;
    let A: string;
    let B: string;
    let seq = 0;

    before(async () => {
      server = await startTestServer();
      A = server.originA;
      B = server.originB;
      browser = await launch(name);
      await useExtensionFor(browser, [A, B]);
      page = await openSite(browser, A);
      pageB = await openSite(browser, B);
      await page.evaluate('window.__name = (f) => f');
      await pageB.evaluate('window.__name = (f) => f');
      // The target's first-party cookies, set from its own top-level page.
      for (const sameSite of ['Strict', 'Lax', 'None']) {
        await pageB.evaluate(
          (url) => fetch(url).then((r) => r.text()),
          `${B}/set-cookie?name=first${sameSite}&value=1&samesite=${sameSite}`,
        );
      }
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    const logged = async (path: string, method = 'GET'): Promise<LogRecord | undefined> => {
      await server.idle();
      return server.log.find((r) => r.pathname === path && r.method === method);
    };
    /** The page's own fetch() of `url(pagePath)` and a background fetch of `url(extPath)`, as the server saw them. */
    async function both(url: (path: string) => string, init: Record<string, unknown>, on: Page = page) {
      const pagePath = `/gen/ws-page-${seq++}`;
      const extPath = `/gen/ws-ext-${seq++}`;
      const pageOk = await on.evaluate(
        (url, init) =>
          fetch(url, init).then(
            (r) => r.arrayBuffer().then(() => true),
            () => false,
          ),
        url(pagePath),
        init,
      );
      const ext = await on.evaluate(
        async (id, url, init) => {
          const reg = await t.reg();
          try {
            const bf = await reg.backgroundFetch.fetch(id, new Request(url, init));
            await t.settled(bf, 30_000);
            return { result: bf.result, failureReason: bf.failureReason };
          } catch (error) {
            return { rejected: (error as Error).name, message: (error as Error).message };
          }
        },
        `ws-${seq++}`,
        url(extPath),
        init,
      );
      return { pageOk, ext, pageRec: await logged(pagePath), extRec: await logged(extPath) };
    }
    const names = (rec: LogRecord | undefined) => Object.keys(rec?.cookies ?? {}).sort();
    const secFetch = (rec: LogRecord | undefined) => rec?.secFetch ?? null;

    test("cross-site cookies: only what the page's own fetch() sends (the partitioned jar), Sec-Fetch-* as fetch() says", async () => {
      // A cookie of B set through A's page: under Total Cookie Protection it lives in B's jar partitioned by A.
      await page.evaluate(
        (url) =>
          fetch(url, { credentials: 'include' })
            .then((r) => r.text())
            .catch(() => ''),
        `${B}/set-cookie?name=partitioned&value=p&samesite=None&cors=credentials`,
      );
      const cross = await both((p) => `${B}${p}?size=100&cors=credentials`, { credentials: 'include' });
      console.log(
        `  cross-site include: page sent ${names(cross.pageRec)} ${JSON.stringify(secFetch(cross.pageRec))}; extension ${JSON.stringify(cross.ext)} sent ${cross.extRec ? names(cross.extRec) : '(no request)'} ${JSON.stringify(secFetch(cross.extRec))}`,
      );
      assert.ok(
        !names(cross.pageRec).includes('firstStrict'),
        "the page's own fetch() sends no first-party Strict cookie",
      );
      if (name === 'chromium') {
        // No way to send a partitioned jar from an extension there: refused at fetch() time.
        assert.equal((cross.ext as { rejected?: string }).rejected, 'TypeError', JSON.stringify(cross.ext));
        assert.equal(cross.extRec, undefined, 'nothing was sent');
      } else {
        assert.ok(cross.extRec, 'the background fetch reached the server');
        assert.deepEqual(names(cross.extRec), names(cross.pageRec), "the same cookies as the page's fetch()");
        assert.deepEqual(secFetch(cross.extRec), secFetch(cross.pageRec), "the same Sec-Fetch-* as the page's fetch()");
      }
      // A CORS-refused simple POST: the request is still sent, so its cookies matter most (CSRF).
      server.clearLog();
      const post = await page.evaluate(
        async (id, url) => {
          const init = {
            method: 'POST',
            body: 'x=1',
            credentials: 'include' as const,
            headers: { 'Content-Type': 'text/plain' },
          };
          const pageOk = await fetch(`${url}-page`, init).then(
            () => true,
            () => false,
          );
          const reg = await t.reg();
          const ext = await reg.backgroundFetch.fetch(id, new Request(`${url}-ext`, init)).then(
            (bf: any) => t.settled(bf, 30_000).then(() => `${bf.result}/${bf.failureReason}`),
            (error: Error) => error.name,
          );
          return { pageOk, ext };
        },
        `ws-post-${seq++}`,
        `${B}/upload/csrf`,
      );
      const pagePost = await logged('/upload/csrf-page', 'POST');
      const extPost = await logged('/upload/csrf-ext', 'POST');
      console.log(
        `  CORS-refused POST: page ${post.pageOk} sent ${names(pagePost)}; extension ${post.ext} sent ${extPost ? names(extPost) : '(no request)'}`,
      );
      assert.equal(post.pageOk, false);
      assert.ok(post.ext === 'failure/fetch-error' || post.ext === 'TypeError', post.ext);
      if (extPost)
        assert.deepEqual(names(extPost), names(pagePost), "a refused POST carries no more cookies than the page's");
      // Same-origin requests keep working with the site's own cookies.
      const same = await both((p) => `${B}${p}?size=100`, {}, pageB);
      assert.equal((same.ext as { result?: string }).result, 'success', JSON.stringify(same.ext));
      assert.ok(
        names(same.extRec).includes('firstStrict'),
        `same-origin sends the site's cookies: ${names(same.extRec)}`,
      );
      if (name === 'firefox')
        assert.deepEqual(secFetch(same.extRec), secFetch(same.pageRec), 'same-origin Sec-Fetch-*');
    });

    test("Set-Cookie of a cross-site response never lands in the target's first-party jar", async () => {
      const result = await page.evaluate(
        async (id, url) => {
          const reg = await t.reg();
          return reg.backgroundFetch.fetch(id, new Request(url, { credentials: 'include' })).then(
            (bf: any) => t.settled(bf, 30_000).then(() => `${bf.result}/${bf.failureReason}`),
            (error: Error) => error.name,
          );
        },
        `ws-setcookie-${seq++}`,
        `${B}/set-cookie?name=planted&value=evil&samesite=None&cors=credentials`,
      );
      server.clearLog();
      await pageB.evaluate((url) => fetch(url).then((r) => r.arrayBuffer()), `${B}/gen/ws-jar-check?size=10`);
      const check = await logged('/gen/ws-jar-check');
      console.log(`  background fetch ${result}; B's own page then sent ${names(check)}`);
      assert.ok(check);
      assert.ok(!('planted' in check.cookies), "the cookie a cross-site response set is not in B's first-party jar");
    });

    test("opaque origins get nothing: a sandboxed frame and a CSP-sandboxed document cannot act as their URL's origin", async () => {
      const victim = await page.evaluate(
        async (url) => {
          const reg = await t.reg();
          (window as any).victim = await reg.backgroundFetch.fetch('opaque-victim', url);
          const [got] = (await (window as any).__rawGet) ?? [];
          return { scope: reg.scope, got };
        },
        `${A}/gen/opaque-victim?size=${2 * 1024 * 1024}&throttle=${256 * 1024}`,
      );
      const [own] = (await page.evaluate(
        rawBridge,
        [{ type: 'get', scope: victim.scope, id: 'opaque-victim' }],
        10_000,
      )) as any[];
      const key: string = own.value.key;
      const probes = [
        { type: 'getIds', scope: victim.scope },
        { type: 'get', scope: victim.scope, id: 'opaque-victim' },
        { type: 'abort', scope: victim.scope, key },
        {
          type: 'matchAll',
          scope: victim.scope,
          key,
          request: null,
          options: { ignoreSearch: false, ignoreMethod: false, ignoreVary: false },
        },
        rawFetch(victim.scope, `opaque-new-${seq++}`, `${A}/gen/opaque-made?size=10`),
      ];
      const check = (where: string, replies: any[]) => {
        probes.forEach((probe, i) => {
          console.log(`  ${where} ${probe.type}: ${JSON.stringify(replies[i]).slice(0, 160)}`);
          assert.notEqual(replies[i], 'timeout', `${where} ${probe.type}: the bridge answered`);
          assert.equal(replies[i].ok, false, `${where} ${probe.type} is refused: ${JSON.stringify(replies[i])}`);
          assert.equal(replies[i].error.name, 'SecurityError', `${where} ${probe.type}: ${JSON.stringify(replies[i])}`);
        });
      };
      // A sandboxed frame of A inside A's own page.
      await page.evaluate((src) => {
        const frame = document.createElement('iframe');
        frame.setAttribute('sandbox', 'allow-scripts');
        frame.src = src;
        document.body.append(frame);
      }, `${A}/plain/?sandboxed-frame`);
      const frame = await waitFor(
        'the sandboxed frame',
        () => page.frames().find((f) => f.url().includes('sandboxed-frame')),
        10_000,
      );
      await waitFor(
        'the frame loaded',
        () => frame.evaluate(() => document.readyState === 'complete').catch(() => false),
        10_000,
      );
      check('sandboxed frame', (await frame.evaluate(rawBridge, probes, 8_000)) as any[]);
      // A document served with `Content-Security-Policy: sandbox allow-scripts`.
      const sandboxed = await browser.browser.newPage();
      await sandboxed.goto(`${A}/plain/?header=${encodeURIComponent('Content-Security-Policy:sandbox allow-scripts')}`);
      check('CSP sandbox', (await sandboxed.evaluate(rawBridge, probes, 8_000)) as any[]);
      await sandboxed.close();
      const state = await page.evaluate(() => ({ result: (window as any).victim.result }));
      assert.equal(state.result, '', 'the victim fetch still runs');
      await server.idle().catch(() => undefined);
      assert.equal(
        server.log.some((r) => r.pathname === '/gen/opaque-made'),
        false,
        "no fetch was made in the site's name",
      );
      await page.evaluate(() => (window as any).victim.abort());
    });

    test("a third-party frame is partitioned: site B inside A's tab sees only (B, top-level A) registrations", async () => {
      const topB = await pageB.evaluate(
        async (url) => {
          const reg = await t.reg();
          (window as any).topFetch = await reg.backgroundFetch.fetch('b-top', url);
          return reg.backgroundFetch.getIds();
        },
        `${B}/gen/b-top?size=${2 * 1024 * 1024}&throttle=${256 * 1024}`,
      );
      assert.ok(topB.includes('b-top'));
      const host = await browser.browser.newPage();
      await host.goto(`${A}/plain/?host`);
      await host.evaluate((src) => {
        const frame = document.createElement('iframe');
        frame.src = src;
        document.body.append(frame);
      }, `${B}/site/?third-party-frame`);
      const frame = await waitFor(
        'the frame of B',
        () => host.frames().find((f) => f.url().includes('third-party-frame')),
        10_000,
      );
      await waitFor(
        'its worker',
        () => frame.evaluate(() => (window as any).swReady?.then(() => true)).catch(() => false),
        20_000,
      );
      await frame.evaluate('window.__name = (f) => f');
      // Chromium: a third-party frame's credentialed request is refused (no partitioned jar to send).
      const credentials = name === 'chromium' ? 'omit' : 'same-origin';
      const inFrame = await frame.evaluate(
        async (url, credentials) => {
          const reg = await t.reg();
          const before = await reg.backgroundFetch.getIds();
          const got = String(await reg.backgroundFetch.get('b-top'));
          const refused = await reg.backgroundFetch.fetch('b-cred', `${url}&cred`).then(
            (bf: any) => (bf.abort(), 'started'),
            (error: Error) => error.name,
          );
          const bf = await reg.backgroundFetch.fetch(
            'b-third',
            new Request(url, { credentials: credentials as RequestCredentials }),
          );
          await t.settled(bf, 30_000);
          const ids = await reg.backgroundFetch.getIds();
          (window as any).mine = await reg.backgroundFetch.fetch(
            'b-third-running',
            new Request(url.replace('size=100', 'size=4000000&throttle=200000'), {
              credentials: credentials as RequestCredentials,
            }),
          );
          return { before, got, refused, result: bf.result, ids, mine: await reg.backgroundFetch.getIds() };
        },
        `${B}/gen/b-third?size=100`,
        credentials,
      );
      const topAfter = await pageB.evaluate(async () => (await t.reg()).backgroundFetch.getIds());
      const third = await logged('/gen/b-third');
      console.log(
        `  frame of B in A: ${JSON.stringify(inFrame)}; top-level B then lists ${JSON.stringify(topAfter)}; the frame's fetch sent ${names(third)}`,
      );
      assert.deepEqual(inFrame.before, [], "the frame does not see top-level B's fetches");
      assert.equal(inFrame.got, 'undefined');
      assert.ok(!topAfter.includes('b-third-running'), "top-level B does not see the frame's fetches");
      if (third)
        assert.ok(!names(third).some((n) => n.startsWith('first')), `A-partitioned cookies only: ${names(third)}`);
      assert.deepEqual(inFrame.mine, ['b-third-running'], 'the frame sees its own');
      if (name === 'chromium')
        assert.equal(inFrame.refused, 'TypeError', 'Chromium refuses a credentialed request from a third-party frame');
      await frame.evaluate(() => (window as any).mine.abort());
      await host.close();
      await pageB.evaluate(() => (window as any).topFetch.abort());
    });

    test('what is not a network failure fails at once: forbidden method, bad port, redirect to another scheme', async () => {
      const scope = `${A}/site/`;
      const [forbidden] = (await page.evaluate(
        rawBridge,
        [rawFetch(scope, `ff-method-${seq++}`, `${A}/gen/ff?size=1`, 'TRACE')],
        8_000,
      )) as any[];
      console.log(`  forbidden method: ${JSON.stringify(forbidden)}`);
      assert.equal(forbidden.ok, false);
      assert.equal(forbidden.error.name, 'TypeError');
      const outcomes = await page.evaluate(
        async (id, badPort, redirectData) => {
          const reg = await t.reg();
          const pageBadPort = await fetch(badPort).then(
            () => 'ok',
            (error: Error) => error.name,
          );
          const pageRedirect = await fetch(redirectData).then(
            () => 'ok',
            (error: Error) => error.name,
          );
          const bad = await reg.backgroundFetch.fetch(`${id}-port`, badPort).then(
            (bf: any) =>
              t.settled(bf, 20_000).then(
                () => `${bf.result}/${bf.failureReason}`,
                (e: Error) => e.message,
              ),
            (error: Error) => error.name,
          );
          const redirect = await reg.backgroundFetch.fetch(`${id}-redirect`, redirectData).then(
            (bf: any) =>
              t.settled(bf, 20_000).then(
                () => `${bf.result}/${bf.failureReason}`,
                (e: Error) => e.message,
              ),
            (error: Error) => error.name,
          );
          return { pageBadPort, pageRedirect, bad, redirect };
        },
        `ff-${seq++}`,
        'http://127.0.0.1:6000/x',
        `${A}/redirect?to=${encodeURIComponent('data:text/plain,hello')}`,
      );
      console.log(`  fail fast: ${JSON.stringify(outcomes)}`);
      assert.equal(outcomes.pageBadPort, 'TypeError');
      assert.equal(outcomes.bad, 'TypeError', 'a bad port is refused at fetch() time');
      assert.equal(outcomes.pageRedirect, 'TypeError');
      if (name === 'firefox')
        assert.equal(outcomes.redirect, 'failure/fetch-error', 'a redirect to data: fails at once');
    });
  });
}
