// Local Network Access (issue 16 item 5): a page on a public address cannot reach loopback through
// bgfetch where its own fetch() is blocked. The loopback origin 127.0.0.1:PORT is marked public
// with Firefox's own testing pref; the extension cannot read prefs, so the same value goes into
// its test switch `publicAddressOverride` (src/background/engine/address-space.ts).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'puppeteer-core';
import { launch, browsersUnderTest, type Launched, useExtensionFor } from '../helpers/browsers';
import { setEngineSwitches } from '../helpers/engine';
import { openSite, startTestServer, type TestServer } from '../helpers/site';

declare const t: any;

if (browsersUnderTest().includes('firefox')) {
  describe('[firefox] Local Network Access', () => {
    let server: TestServer;
    let browser: Launched;
    let page: Page;

    before(async () => {
      server = await startTestServer();
      const publicOrigin = `127.0.0.1:${server.port}`;
      browser = await launch('firefox', {
        prefs: {
          'network.lna.address_space.public.override': publicOrigin,
          'network.lna.enabled': true,
          'network.lna.blocking': true,
        },
      });
      await setEngineSwitches(browser, { publicAddressOverride: publicOrigin });
      // New sites are asked first (consent, issue 17): the person allows the test's sites.
      await useExtensionFor(browser, [server.originA, server.originB]);
      page = await openSite(browser, server.originB); // 127.0.0.1: "public"
      await page.evaluate('window.__name = (f) => f');
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    test('a public page reaches loopback neither with its own fetch() nor through bgfetch', async () => {
      server.clearLog();
      // [::1]: the same server on an address the override leaves loopback (localhost may resolve
      // to 127.0.0.1:PORT, which the override makes public).
      const target = (path: string) => `http://[::1]:${server.port}/gen/${path}?size=100&cors=star`;
      const outcome = await page.evaluate(
        async (pageUrl, extUrl) => {
          const within = <T>(promise: Promise<T>, ms: number) =>
            Promise.race([promise, new Promise<string>((resolve) => setTimeout(() => resolve('no answer'), ms))]);
          const pageFetch = await within(
            fetch(pageUrl).then(
              (r) => `ok ${r.status}`,
              (error: Error) => error.name,
            ),
            15_000,
          );
          const reg = await t.reg();
          const ext = await reg.backgroundFetch.fetch('lna', extUrl).then(
            (bf: any) =>
              t.settled(bf, 20_000).then(
                () => `${bf.result}/${bf.failureReason}`,
                (e: Error) => e.message,
              ),
            (error: Error) => error.name,
          );
          return { pageFetch, ext };
        },
        target('lna-page'),
        target('lna-ext'),
      );
      await server.idle();
      const reached = server.log
        .filter((r) => r.pathname.startsWith('/gen/lna-'))
        .map((r) => `${r.pathname} on ${r.reachedOn.address}`);
      console.log(
        `  public page -> loopback: page fetch() ${outcome.pageFetch}; bgfetch ${outcome.ext}; server saw ${JSON.stringify(reached)}`,
      );
      assert.notEqual(outcome.pageFetch, 'ok 200', "the prefs make the page's own fetch() fail");
      assert.ok(outcome.ext === 'failure/fetch-error' || outcome.ext === 'TypeError', outcome.ext);
      assert.ok(!reached.some((r) => r.startsWith('/gen/lna-ext')), 'bgfetch sent nothing to the loopback server');
    });

    test('the public page still fetches from public addresses', async () => {
      const ext = await page.evaluate(async (url) => {
        const reg = await t.reg();
        const bf = await reg.backgroundFetch.fetch('lna-public', url);
        await t.settled(bf, 20_000);
        return `${bf.result}/${bf.failureReason}`;
      }, `${server.originB}/gen/lna-same?size=100`);
      assert.equal(ext, 'success/');
    });
  });
}
