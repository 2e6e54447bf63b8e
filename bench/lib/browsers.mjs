// What differs between the two browsers, in one place, so each measure is written once.
// Loaded after tsx is registered (it uses the tests' TypeScript launcher).
import puppeteer from 'puppeteer-core';
import { admin, extensionPage, gotoExtensionPage, launch } from '../../test/helpers/browsers.ts';
import { BIG_TIMEOUT } from './config.mjs';

export { extensionPage, gotoExtensionPage };

const engines = {
  firefox: {
    // No Background Fetch of its own: the baseline is the page's fetch() into Cache Storage.
    native: false,
    // Firefox runs extensions in their own content process, named "WebExtensions".
    isExtensionProcess: (_args, name) => name === 'WebExtensions',
  },
  chromium: {
    native: true,
    isExtensionProcess: (args) => args.some((a) => a.includes('--extension-process')),
  },
};

const isNative = () => String(BackgroundFetchManager).includes('[native code]');

/**
 * Launches `ctx.browser` with the extension, runs fn(session) and closes the browser. Each
 * measure gets a fresh browser: results do not depend on which measures ran before.
 *
 * session.openBg(): the bench site (bench/fixtures/site) on origin A, served by bgfetch.
 * session.openNative(): a fresh tab of the site on origin B with the browser's own Background
 * Fetch (Chromium only, else null). Chromium denies a tab's second native background fetch (the
 * multiple-downloads prompt, answered "no" headless), so callers open one per fetch.
 */
export async function withExtension(ctx, fn, launchOptions) {
  const { server } = ctx.bench;
  const engine = engines[ctx.browser];
  const launched = await launch(ctx.browser, launchOptions);
  try {
    ctx.report.versions[ctx.browser] ??= await launched.browser.version();
    // New sites are asked before they may fetch in the background (issue 17): the bench site is allowed.
    await admin(launched, { type: 'admin.setSite', origin: server.originA, settings: { permission: 'allow' } });
    if (engine.native) {
      await admin(launched, { type: 'admin.setSite', origin: server.originA, settings: { useExtension: true } });
      // Chromium asks before a site's second background fetch (a prompt, denied headless).
      const cdp = await launched.browser.target().createCDPSession();
      await cdp
        .send('Browser.setPermission', {
          permission: { name: 'background-fetch' },
          setting: 'granted',
          origin: server.originB,
        })
        .catch((error) => ctx.report.note(`${ctx.browser}: granting background-fetch: ${error.message}`));
    }
    const open = async (origin, native) => {
      const page = await launched.browser.newPage();
      await page.goto(`${origin}/bench/site/`);
      await page.evaluate(() => window.swReady);
      page.setDefaultTimeout(BIG_TIMEOUT + 60_000);
      if ((await page.evaluate(isNative)) !== native) {
        throw new Error(`${origin} should use ${native ? 'the browser' : 'bgfetch'} but does not`);
      }
      return page;
    };
    const session = {
      ...engine,
      name: ctx.browser,
      launched,
      browser: launched.browser,
      pid: launched.browser.process()?.pid,
      openBg: () => open(server.originA, false),
      openNative: engine.native ? () => open(server.originB, true) : null,
    };
    return await fn(session);
  } finally {
    await launched.close();
  }
}

/** The same browser, flags and prefs as the tests' launcher, without the extension; `prefs` as the tests' launcher takes them. */
export async function launchPlain(name, prefs = {}) {
  if (name === 'firefox') {
    return puppeteer.launch({
      browser: 'firefox',
      protocol: 'webDriverBiDi',
      protocolTimeout: 90_000,
      executablePath: process.env.FIREFOX_BIN ?? '/usr/bin/firefox-esr',
      headless: true,
      args: ['--remote-allow-system-access'],
      extraPrefsFirefox: { 'dom.serviceWorkers.testing.enabled': true, ...prefs },
    });
  }
  return puppeteer.launch({
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
    headless: true,
    pipe: true,
    protocolTimeout: 90_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
