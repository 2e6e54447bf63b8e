// The IDL check: the spec's IDL (@webref/idl's background-fetch.idl) against what a page and a
// site's service worker see: in Firefox through bgfetch, in Chromium through its own
// implementation (the reference: the check itself is right where Chromium passes it).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'puppeteer-core';
import { browsersUnderTest, launch, type BrowserName, type Launched } from '../helpers/browsers';
import { allowSites } from '../helpers/consent';
import { backgroundFetchShape } from '../helpers/idl-shape';
import { startTestServer, type TestServer } from '../helpers/site';
import { askWorker, siteUsedApi } from '../helpers/workers';

declare const idlCheck: (shape: unknown, realm: string) => Promise<string[]>;
declare const workerIdlCheck: (shape: unknown) => Promise<string[]>;

const shape = backgroundFetchShape();

for (const name of browsersUnderTest()) {
  describe(`[${name}] IDL shape`, () => {
    let server: TestServer;
    let browser: Launched;

    const openIdlPage = async (): Promise<Page> => {
      const page = await browser.browser.newPage();
      await page.goto(`${server.originA}/conformance/idl.html`);
      return page;
    };

    before(async () => {
      server = await startTestServer();
      browser = await launch(name as BrowserName);
      if (name !== 'chromium') await allowSites(browser, [server.originA]);
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    test('the IDL names the interfaces the check covers', () => {
      const names = shape.interfaces.map((entry) => entry.name);
      assert.deepEqual(names, [
        'BackgroundFetchManager',
        'BackgroundFetchRegistration',
        'BackgroundFetchRecord',
        'BackgroundFetchEvent',
        'BackgroundFetchUpdateUIEvent',
      ]);
    });

    test('in a page, the interfaces have the shape the IDL gives them (first read included)', async () => {
      const page = await openIdlPage();
      try {
        assert.deepEqual(await page.evaluate((shape) => idlCheck(shape, 'Window'), shape as never), []);
      } finally {
        await page.close();
      }
    });

    test("in the site's service worker, the interfaces and event handlers have the shape the IDL gives them", async () => {
      const page = await openIdlPage();
      try {
        const problems = await page.evaluate(
          (shape) =>
            Promise.race([
              workerIdlCheck(shape),
              new Promise<string[]>((resolve) =>
                setTimeout(() => resolve(['the worker did not answer in 20 s']), 20_000),
              ),
            ]),
          shape as never,
        );
        assert.deepEqual(problems, []);
      } finally {
        await page.close();
      }
    });

    for (const [kind, realm] of [
      ['dedicated', 'DedicatedWorker'],
      ['shared', 'SharedWorker'],
    ] as const) {
      test(`in a ${kind} worker, the interfaces have the shape the IDL gives them`, async () => {
        const page = await openIdlPage();
        try {
          // Firefox covers a site's dedicated workers once the site used the API (worker-inject.ts).
          if (name === 'firefox' && kind === 'dedicated') await siteUsedApi(page);
          const answer = await askWorker(page, kind, { kind: 'idl', shape, realm });
          assert.deepEqual(answer.problems, [], JSON.stringify(answer));
        } finally {
          await page.close();
        }
      });
    }
  });
}
