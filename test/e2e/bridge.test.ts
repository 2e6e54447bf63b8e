// Firefox: what every page carries is the page API alone; the bridge goes to the sites that use
// the API (src/background/injection/bridge-sites.ts). A site's first call finds its way to the extension
// all the same, and from then on the site's pages have the bridge as they load.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'puppeteer-core';
import { browsersUnderTest, launch, useExtensionFor, type Launched } from '../helpers/browsers';
import { openSite, startTestServer, type TestServer } from '../helpers/site';

/** Runs in the page: whether a bridge takes a port offered now, within `ms`. */
const bridgeAnswers = (ms: number) =>
  new Promise<boolean>((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = ({ data }) => data?.type === 'ack' && resolve(true);
    window.postMessage({ type: 'bgfetch:connect' }, '/', [port2]);
    setTimeout(() => resolve(false), ms);
  });

for (const name of browsersUnderTest().filter((browser) => browser === 'firefox')) {
  describe(`[${name}] the bridge, only where a site uses the API`, () => {
    let server: TestServer;
    let browser: Launched;

    before(async () => {
      server = await startTestServer();
      browser = await launch(name);
      await useExtensionFor(browser, [server.originA, server.originB]);
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    const openPlain = async (): Promise<Page> => {
      const page = await browser.browser.newPage();
      await page.goto(`${server.originA}/plain/`);
      return page;
    };

    test('a page of a site that never used the API has the interfaces, and no bgfetch script answers in it', async () => {
      const page = await openPlain();
      const api = await page.evaluate(() => 'BackgroundFetchManager' in self);
      const bridge = await page.evaluate(bridgeAnswers, 1500);
      await page.close();
      assert.deepEqual({ api, bridge }, { api: true, bridge: false });
    });

    test("a worker registered before: the first call brings the bridge, and the site's next pages have it as they load", async () => {
      const site = await openSite(browser, server.originA);
      // Another page of the site, which the worker does not control: nothing fetched its script since.
      const page = await openPlain();
      const before = await page.evaluate(bridgeAnswers, 1500);
      const ids = await page.evaluate(async () => {
        const registration = await navigator.serviceWorker.getRegistration('/site/');
        return (registration as any).backgroundFetch.getIds();
      });
      const next = await openPlain();
      const atLoad = await next.evaluate(bridgeAnswers, 1500);
      await Promise.all([site.close(), page.close(), next.close()]);
      assert.equal(before, false, 'no bridge before the site used the API');
      assert.deepEqual(ids, [], 'the call was answered');
      assert.equal(atLoad, true, 'a page of the site opened afterwards has the bridge');
    });
  });
}
