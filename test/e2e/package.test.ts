// The store packages, installed as a person gets them: `npm run package` writes
// web-ext-artifacts/bgfetch-<version>-<browser>.zip; each is unpacked into a fresh folder and that
// folder (not dist/) is installed into the browser. A smoke test of what the person and the site
// see: the installed add-on is the package's version, a site's background fetch of a generated
// body arrives intact (SHA-256), and the popup lists it as finished.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type Extension from 'webextension-polyfill';
import type { Page } from 'puppeteer-core';
// @ts-expect-error plain JS module with JSDoc types
import { generatedSha256 } from '../server/server.mjs';
// @ts-expect-error plain JS module
import { extractZip } from '../../scripts/zip.mjs';
import { browsersUnderTest, extensionPage, launch, ROOT, useExtensionFor, type Launched } from '../helpers/browsers';
import { openSite, startTestServer, type TestServer } from '../helpers/site';

// Page-side helpers from test/fixtures/site/helpers.js.
declare const t: any;

const { name: packageName, version } = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};
const SIZE = 300_000;
const SEED = 21;
const TITLE = 'Packaged smoke';

for (const name of browsersUnderTest()) {
  describe(`[${name}] the ${name} package, installed`, () => {
    let unpacked: string;
    let server: TestServer;
    let browser: Launched;
    let page: Page;

    before(async () => {
      const zip = path.join(ROOT, 'web-ext-artifacts', `${packageName}-${version}-${name}.zip`);
      unpacked = await mkdtemp(path.join(tmpdir(), 'bgfetch-package-'));
      await extractZip(zip, path.join(unpacked, name));
      server = await startTestServer();
      browser = await launch(name, { dist: unpacked });
      await useExtensionFor(browser, [server.originA]);
      page = await openSite(browser, server.originA);
    });
    after(async () => {
      await browser?.close();
      await server?.close();
      if (unpacked) await rm(unpacked, { recursive: true, force: true });
    });

    test('the installed add-on is the package, at the version package.json names', async () => {
      const popup = await extensionPage(browser);
      try {
        const manifest = await popup.evaluate(() => {
          const { browser, chrome } = globalThis as unknown as {
            browser?: Extension.Browser;
            chrome: Extension.Browser;
          };
          const { version, short_name } = (browser ?? chrome).runtime.getManifest();
          return { version, short_name };
        });
        assert.deepEqual(manifest, { version, short_name: 'bgfetch' });
      } finally {
        await popup.close();
      }
    });

    test("a site's background fetch arrives intact, and the popup lists it as finished", async () => {
      const outcome = await page.evaluate(
        async (url, title) => {
          const reg = await t.reg();
          const bgFetch = await reg.backgroundFetch.fetch('packaged', url, { title });
          await t.settled(bgFetch);
          const record = await bgFetch.match(url);
          return { state: t.state(bgFetch), body: await t.readResponse(await record.responseReady) };
        },
        `/gen/packaged?size=${SIZE}&seed=${SEED}`,
        TITLE,
      );
      assert.equal(outcome.state.result, 'success');
      assert.equal(outcome.body.status, 200);
      assert.equal(outcome.body.length, SIZE);
      assert.equal(outcome.body.sha256, generatedSha256(SIZE, SEED));

      const popup = await extensionPage(browser);
      try {
        const row = await popup.waitForFunction(
          (title) => {
            const li = [...document.querySelectorAll('li.reg')].find(
              (item) => item.querySelector('h3')?.textContent === title,
            );
            return li
              ? {
                  state: li.getAttribute('data-state'),
                  origin: li.closest('section')?.getAttribute('data-origin') ?? null,
                }
              : false;
          },
          { timeout: 20_000, polling: 200 },
          TITLE,
        );
        assert.deepEqual(await row.jsonValue(), { state: 'succeeded', origin: server.originA });
      } finally {
        await popup.close();
      }
    });
  });
}
