// "No more power than fetch()": attacks a page could make through the extension, each run both
// as the page's own fetch() and as a background fetch of the same request, outcomes compared.
// A probe "leaks" when the extension gives the page something its own fetch() would not: a body
// or status where fetch() fails, or a header fetch() hides.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'puppeteer-core';
import { browsersUnderTest, launch, useExtensionFor, type Launched } from '../helpers/browsers';
import { openSite, startTestServer, type TestServer } from '../helpers/site';
import { rawBridge } from '../helpers/bridge';

declare const t: any;

interface Side {
  ok: boolean;
  status?: number;
  headers?: string[];
  error?: string;
  detail?: string;
}
interface ProbeResult {
  page: Side;
  ext: Side;
}

/** Runs in the page: the page's own fetch() and a background fetch of the same request. */
async function runProbe(id: string, url: string, init: RequestInit & { body?: string }): Promise<ProbeResult> {
  const within = <T>(promise: Promise<T>, ms: number, what: string) =>
    Promise.race([
      promise,
      new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} timed out`)), ms)),
    ]);
  const page: Side = await within(
    fetch(url, init).then(
      async (response) => {
        await response.arrayBuffer();
        return { ok: true, status: response.status, headers: [...response.headers.keys()].sort() };
      },
      (error: Error) => ({ ok: false, error: error.name }),
    ),
    20_000,
    'page fetch',
  ).catch((error: Error) => ({ ok: false, error: error.message }));

  let ext: Side;
  try {
    const reg = await t.reg();
    const bf = await within<any>(reg.backgroundFetch.fetch(id, new Request(url, init)), 20_000, 'bgfetch.fetch');
    // Take the records while the fetch still runs (delay=300 on the URLs).
    const records: any[] | undefined = await bf.matchAll().catch(() => undefined);
    await within(t.settled(bf, 30_000), 31_000, 'settle');
    const record = records?.[0];
    if (!record) {
      ext = { ok: false, error: 'no-record', detail: `${bf.result}/${bf.failureReason}` };
    } else {
      ext = await within(
        record.responseReady.then(
          async (response: Response) => {
            await response.arrayBuffer();
            return {
              ok: true,
              status: response.status,
              headers: [...response.headers.keys()].sort(),
              detail: `${bf.result}/${bf.failureReason}`,
            };
          },
          (error: Error) => ({ ok: false, error: error.name, detail: `${bf.result}/${bf.failureReason}` }),
        ),
        20_000,
        'responseReady',
      );
    }
  } catch (error) {
    ext = { ok: false, error: (error as Error).name, detail: (error as Error).message };
  }
  return { page, ext };
}

for (const name of browsersUnderTest()) {
  describe(`[${name}] security probes`, () => {
    let server: TestServer;
    let browser: Launched;
    let page: Page;
    let pageB: Page;
    let A: string;
    let B: string;
    let ran = 0;
    let leaked = 0;
    let mismatched = 0;
    let seq = 0;

    before(async () => {
      server = await startTestServer();
      A = server.originA;
      B = server.originB;
      browser = await launch(name);
      await useExtensionFor(browser, [A, B]);
      page = await openSite(browser, A);
      pageB = await openSite(browser, B);
    });
    after(async () => {
      console.log(`[${name}] probes: ${ran} ran, ${leaked} leaked, ${mismatched} differ from the page's fetch()`);
      await browser?.close();
      await server?.close();
    });

    /** Runs one probe from originA's page and checks parity and leaks. */
    async function probe(label: string, url: string, init: Record<string, unknown> = {}, on: Page = page) {
      // tsx keeps function names with a `__name` helper the page lacks.
      await on.evaluate('window.__name = (f) => f');
      const result = (await on.evaluate(
        runProbe,
        `probe-${seq++}`,
        url,
        init as RequestInit & { body?: string },
      )) as ProbeResult;
      ran++;
      const hidden = (result.ext.headers ?? []).filter((header) => !(result.page.headers ?? []).includes(header));
      const leak = (result.ext.ok && !result.page.ok) || (result.ext.ok && hidden.length > 0);
      if (leak) leaked++;
      if (result.ext.ok !== result.page.ok) mismatched++;
      console.log(
        `  probe ${label}: page ${result.page.ok ? `ok ${result.page.status}` : `fails ${result.page.error}`}; extension ${result.ext.ok ? `ok ${result.ext.status}` : `fails ${result.ext.error} (${result.ext.detail ?? ''})`}${hidden.length ? `; hidden headers ${hidden}` : ''}`,
      );
      assert.ok(!leak, `${label} leaked: ${JSON.stringify(result)}`);
      // Known gap in Chromium: an extension cannot send the site's Origin there, so what needs it
      // (an echoed origin, some preflights) is refused: more than fetch() refuses, never a leak.
      const knownChromiumGap = name === 'chromium' && !result.ext.ok && result.page.ok;
      if (knownChromiumGap) console.log(`  known Chromium gap: ${label} refused although fetch() allows it`);
      else
        assert.equal(
          result.ext.ok,
          result.page.ok,
          `${label}: the extension and fetch() disagree: ${JSON.stringify(result)}`,
        );
      if (!result.ext.ok) {
        // Refused: responseReady rejects TypeError, or the fetch failed before a record existed.
        assert.ok(
          ['TypeError', 'no-record'].includes(result.ext.error ?? ''),
          `${label}: ${JSON.stringify(result.ext)}`,
        );
      }
      return result;
    }
    const gen = (origin: string, query: string) => `${origin}/gen/p${seq}?size=2000&seed=${seq}&delay=300&${query}`;

    test('cross-origin without CORS headers', async () => {
      await probe('no-cors-headers', gen(B, 'cors=none'));
    });
    test('cross-origin with a wrong Access-Control-Allow-Origin', async () => {
      await probe('wrong-allow-origin', gen(B, 'cors=wrong'));
    });
    test('"*" with credentials: "include"', async () => {
      await probe('star+include', gen(B, 'cors=star'), { credentials: 'include' });
      await probe('star+allow-credentials+include', gen(B, 'cors=starcred'), { credentials: 'include' });
    });
    test('"*" without credentials: allowed, headers CORS-filtered', async () => {
      await probe('star', gen(B, 'cors=star&header=X-Secret:s&header=X-Shown:v&expose=X-Shown'));
    });
    test("the exact origin echoed (needs the site's Origin header)", async () => {
      await probe('origin-echo', gen(B, 'cors=origin'));
      await probe('credentials-echo+include', gen(B, 'cors=credentials'), { credentials: 'include' });
      await probe('origin-echo+include-without-allow-credentials', gen(B, 'cors=origin'), { credentials: 'include' });
    });
    test('same-origin redirected into a non-CORS origin', async () => {
      await probe('A->B no CORS', `${A}/redirect?to=${encodeURIComponent(gen(B, 'cors=none'))}`);
      await probe('A->B star', `${A}/redirect?to=${encodeURIComponent(gen(B, 'cors=star'))}`);
    });
    test('cross-origin redirect without CORS back to the site', async () => {
      await probe('B(no CORS)->A', `${B}/redirect?to=${encodeURIComponent(gen(A, ''))}`);
      await probe('B(star)->A', `${B}/redirect?cors=star&to=${encodeURIComponent(gen(A, ''))}`);
      await probe('B(star)->B(none)', `${B}/redirect?cors=star&to=${encodeURIComponent(gen(B, 'cors=none'))}`);
    });
    test('preflight-needing methods and headers refused by the server', async () => {
      await probe('PUT preflight denied', `${B}/upload/p?delay=300&cors=star&preflight=deny`, {
        method: 'PUT',
        body: 'hello',
      });
      await probe('PUT preflight allowed', `${B}/upload/p?delay=300&cors=star`, { method: 'PUT', body: 'hello' });
      await probe('custom header preflight denied', gen(B, 'cors=star&preflight=deny'), {
        headers: { 'X-Custom': '1' },
      });
      await probe('custom header preflight allowed', gen(B, 'cors=star'), { headers: { 'X-Custom': '1' } });
      await probe('POST json preflight denied', `${B}/upload/p?delay=300&cors=star&preflight=deny`, {
        method: 'POST',
        body: '{}',
        headers: { 'Content-Type': 'application/json' },
      });
      await probe('same-origin PUT (no preflight)', `${A}/upload/p?delay=300`, { method: 'PUT', body: 'hello' });
    });
    test('preflight rules of the Fetch spec: Range values, token lists in the answer (engine/cors-rules.ts)', async () => {
      // A range whose end comes before its start is no safelisted Range: preflighted, so refused here.
      await probe('Range bytes=200-100 preflight denied', gen(B, 'cors=star&preflight=deny'), {
        headers: { Range: 'bytes=200-100' },
      });
      await probe('Range bytes=0- (safelisted, no preflight)', gen(B, 'cors=star&preflight=deny'), {
        headers: { Range: 'bytes=0-' },
      });
      // An answer whose Access-Control-Allow-Methods / -Headers is not a list of tokens fails the preflight.
      await probe(
        'Allow-Methods not a token list',
        `${B}/upload/p?delay=300&cors=star&allowMethods=${encodeURIComponent('PUT, DEL ETE')}`,
        { method: 'PUT', body: 'hello' },
      );
      await probe(
        'Allow-Headers not a token list',
        gen(B, `cors=star&allowHeaders=${encodeURIComponent('x-custom, x y')}`),
        { headers: { 'X-Custom': '1' } },
      );
      await probe(
        'Allow-Methods a token list',
        `${B}/upload/p?delay=300&cors=star&allowMethods=${encodeURIComponent('GET, PUT')}`,
        { method: 'PUT', body: 'hello' },
      );
    });
    test("cookies: sent where the page's own fetch() sends them, and the site's Origin on the wire", async () => {
      // Each origin sets its cookie from its own page (first party).
      await page.evaluate((A) => fetch(`${A}/set-cookie?name=siteA&value=a1&samesite=None`).then((r) => r.text()), A);
      await pageB.evaluate((B) => fetch(`${B}/set-cookie?name=siteB&value=b1&samesite=None`).then((r) => r.text()), B);
      const cases: [string, (p: string) => string, Record<string, unknown>][] = [
        ['same-origin default', (p) => `${A}/gen/${p}?size=100&delay=300`, {}],
        ['same-origin omit', (p) => `${A}/gen/${p}?size=100&delay=300`, { credentials: 'omit' }],
        ['cross-origin default', (p) => `${B}/gen/${p}?size=100&delay=300&cors=credentials`, {}],
        [
          'cross-origin include',
          (p) => `${B}/gen/${p}?size=100&delay=300&cors=credentials`,
          { credentials: 'include' },
        ],
        [
          'A->B redirect default',
          (p) => `${A}/redirect?to=${encodeURIComponent(`${B}/gen/${p}?size=100&delay=300&cors=credentials`)}`,
          {},
        ],
      ];
      const seen: Record<string, unknown> = {};
      for (const [label, url, init] of cases) {
        server.clearLog();
        const pagePath = `ck-page-${seq++}`;
        const extPath = `ck-ext-${seq++}`;
        await page.evaluate(
          async (url, init) => {
            await fetch(url, init)
              .then((r) => r.arrayBuffer())
              .catch(() => undefined);
          },
          url(pagePath),
          init,
        );
        await page.evaluate('window.__name = (f) => f');
        const result = (await page.evaluate(
          runProbe,
          `cookie-${seq++}`,
          url(extPath),
          init as RequestInit & { body?: string },
        )) as ProbeResult;
        await server.idle();
        const rec = (p: string) => server.log.find((r) => r.pathname === `/gen/${p}` && r.method === 'GET');
        const pageRec = rec(pagePath);
        const extRec = rec(extPath);
        ran++;
        seen[label] = {
          page: pageRec?.cookies,
          ext: extRec?.cookies,
          pageOrigin: pageRec?.headers.origin ?? null,
          extOrigin: extRec?.headers.origin ?? null,
        };
        console.log(
          `  cookie probe ${label}: page sent ${JSON.stringify(pageRec?.cookies)} Origin ${pageRec?.headers.origin}; extension sent ${JSON.stringify(extRec?.cookies)} Origin ${extRec?.headers.origin}; ok ${result.page.ok}/${result.ext.ok}`,
        );
        const leak = Object.keys(extRec?.cookies ?? {}).some((name) => !(name in (pageRec?.cookies ?? {})));
        if (leak) leaked++;
        assert.ok(pageRec && extRec, `${label}: both requests reached the server`);
        assert.deepEqual(
          Object.keys(extRec.cookies).sort(),
          Object.keys(pageRec.cookies).sort(),
          `${label}: cookies differ`,
        );
        assert.equal(extRec.headers['x-bgfetch-cors-tag'], undefined, 'the internal tag never reaches the server');
        if (name === 'firefox')
          assert.equal(extRec.headers.origin ?? null, pageRec.headers.origin ?? null, `${label}: Origin differs`);
      }
      // The same-origin request does carry the site's cookie (not a vacuous pass).
      assert.equal((seen['same-origin default'] as { ext: Record<string, string> }).ext.siteA, 'a1');
    });
    test("origin isolation: the second origin cannot see, abort or read the first origin's fetch", async () => {
      await page.evaluate('window.__name = (f) => f');
      await pageB.evaluate('window.__name = (f) => f');
      const started = await page.evaluate(
        async (url) => {
          const reg = await t.reg();
          const bf = await reg.backgroundFetch.fetch('iso-secret', url);
          (window as any).isoFetch = bf;
          return { scope: reg.scope };
        },
        `${A}/gen/iso?size=${3 * 1024 * 1024}&seed=7&throttle=${1024 * 1024}`,
      );
      const [got] = (await page.evaluate(
        rawBridge,
        [{ type: 'get', scope: started.scope, id: 'iso-secret' }],
        10_000,
      )) as any[];
      assert.equal(got.ok, true);
      const key: string = got.value?.key ?? got.value?.snapshot?.key;
      assert.ok(typeof key === 'string' && key.length > 0, `the owner learns its key: ${JSON.stringify(got)}`);

      const viaApi = await pageB.evaluate(async () => {
        const reg = await t.reg();
        return { get: String(await reg.backgroundFetch.get('iso-secret')), ids: await reg.backgroundFetch.getIds() };
      });
      assert.deepEqual(viaApi, { get: 'undefined', ids: [] });

      const scopeB = `${B}/site/`;
      const forged = [
        { type: 'get', scope: started.scope, id: 'iso-secret' },
        { type: 'getIds', scope: started.scope },
        { type: 'abort', scope: started.scope, key },
        { type: 'abort', scope: scopeB, key },
        {
          type: 'matchAll',
          scope: started.scope,
          key,
          request: null,
          options: { ignoreSearch: false, ignoreMethod: false, ignoreVary: false },
        },
        {
          type: 'matchAll',
          scope: scopeB,
          key,
          request: null,
          options: { ignoreSearch: false, ignoreMethod: false, ignoreVary: false },
        },
        { type: 'responseHead', scope: scopeB, key, index: 0 },
        { type: 'readBody', scope: scopeB, key, index: 0, offset: 0 },
        { type: 'readBody', scope: started.scope, key, index: 0, offset: 0 },
      ];
      const replies = (await pageB.evaluate(rawBridge, forged, 10_000)) as any[];
      ran += forged.length + 2;
      forged.forEach((request, i) => {
        const reply = replies[i];
        const fine =
          reply !== 'timeout' &&
          (reply.ok === false ||
            (request.type === 'get' && reply.value == null) ||
            (request.type === 'getIds' && Array.isArray(reply.value) && reply.value.length === 0) ||
            (request.type === 'abort' && reply.value === false));
        if (!fine) leaked++;
        console.log(
          `  isolation ${request.type} (${request.scope === scopeB ? 'own scope' : "first origin's scope"}): ${JSON.stringify(reply).slice(0, 160)}`,
        );
        assert.ok(fine, `${request.type}: ${JSON.stringify(reply)}`);
        if (reply.ok === false)
          assert.ok(
            ['TypeError', 'InvalidStateError', 'NotAllowedError', 'SecurityError'].includes(reply.error.name),
            JSON.stringify(reply),
          );
      });
      // The first origin's fetch is intact and still running.
      const after = await page.evaluate(async () => {
        const reg = await t.reg();
        const bf = await reg.backgroundFetch.get('iso-secret');
        const state = bf ? { result: bf.result, failureReason: bf.failureReason } : null;
        await bf?.abort();
        return state;
      });
      assert.deepEqual(after, { result: '', failureReason: '' });
    });
    test('file:, data:, about:, extension URLs and credentials in the URL are TypeErrors', async () => {
      const urls = [
        'file:///etc/passwd',
        'data:text/plain,hi',
        'about:blank',
        `${browser.extensionBase}manifest.json`,
        `http://user:pass@${new URL(B).host}/gen/x?size=10`,
        'ftp://127.0.0.1/x',
        'javascript:alert(1)',
        'blob:' + A + '/x',
      ];
      for (const url of urls) {
        const outcome = await page.evaluate(
          async (url, id) => {
            const reg = await t.reg();
            return t.outcome(reg.backgroundFetch.fetch(id, url));
          },
          url,
          `scheme-${seq++}`,
        );
        ran++;
        const refused = outcome.name === 'TypeError' && outcome.isTypeError;
        if (!refused) leaked++;
        console.log(`  probe ${url}: extension ${refused ? 'TypeError' : JSON.stringify(outcome)}`);
        assert.ok(refused, `${url}: ${JSON.stringify(outcome)}`);
      }
    });
  });
}
