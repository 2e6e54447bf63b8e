// One launcher for every end-to-end test: Debian's Firefox ESR with the built extension
// installed over WebDriver BiDi, or Debian's Chromium with it loaded (TESTING.md).
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Extension from 'webextension-polyfill';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { GECKO_ID } from '../../scripts/manifest';

export type BrowserName = 'firefox' | 'chromium';
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/**
 * The builds under test: `dist/` unless BGFETCH_DIST names another folder holding `firefox/` and
 * `chromium/` (a private copy, so a rebuild in the shared tree cannot pull the files from under a
 * running browser, whose event page reloads them on every restart).
 */
const DIST = process.env.BGFETCH_DIST ?? path.join(ROOT, 'dist');
/** Fixed so tests know the moz-extension:// origin before the add-on installs. */
const FIREFOX_EXTENSION_UUID = '6c1d5b0e-5a57-4f0f-9f43-1b1e6b7d2a11';

/**
 * Firefox ESR's own privacy defaults, which puppeteer's profile relaxes. Every launch uses them;
 * a test that must relax one passes `prefs` and says why in a comment.
 */
export const FIREFOX_PRIVACY_DEFAULTS: Record<string, unknown> = {
  'browser.contentblocking.features.standard': '-tp,tpPrivate,cookieBehavior5,cookieBehaviorPBM5,-cryptoTP,-fp',
  'network.cookie.cookieBehavior': 5,
  'network.cookie.cookieBehavior.pbmode': 5,
};

export interface Launched {
  name: BrowserName;
  browser: Browser;
  /** moz-extension://… or chrome-extension://… with a trailing slash. */
  extensionBase: string;
  profileDir: string;
  close(): Promise<void>;
}

export interface LaunchOptions {
  prefs?: Record<string, unknown>;
  /** Reuse a profile (browser-restart tests); otherwise a fresh one is made and removed. */
  profileDir?: string;
  keepProfile?: boolean;
  /** Extra command-line arguments (e.g. Chromium's `--lang=de`). */
  args?: string[];
  /** Extra environment variables for the browser process (e.g. LANGUAGE). */
  env?: Record<string, string>;
  /** Firefox: the extension may run in private windows (as the person allows in about:addons). */
  privateBrowsing?: boolean;
  /** The browser's Downloads folder (absolute), where Save puts files without asking. */
  downloadDir?: string;
  /** A folder holding `firefox/` and `chromium/` to install instead of DIST (e.g. unpacked store packages). */
  dist?: string;
}

export async function launch(name: BrowserName, options: LaunchOptions = {}): Promise<Launched> {
  return name === 'firefox' ? launchFirefox(options) : launchChromium(options);
}

async function launchFirefox(options: LaunchOptions): Promise<Launched> {
  const profileDir = options.profileDir ?? (await mkdtemp(path.join(tmpdir(), 'bgfetch-ff-')));
  if (options.privateBrowsing) {
    // Where Firefox ESR keeps the person's "Run in private windows" choice for an add-on.
    await writeFile(
      path.join(profileDir, 'extension-preferences.json'),
      JSON.stringify({ [GECKO_ID]: { permissions: ['internal:privateBrowsingAllowed'], origins: [] } }),
    );
  }
  const browser = await puppeteer.launch({
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    protocolTimeout: 90_000,
    executablePath: process.env.FIREFOX_BIN ?? '/usr/bin/firefox-esr',
    headless: process.env.HEADFUL ? false : true,
    userDataDir: profileDir,
    dumpio: Boolean(process.env.DUMPIO),
    // Without it WebDriver BiDi refuses to navigate a tab to moz-extension:// (extension pages).
    args: ['--remote-allow-system-access', ...(options.args ?? [])],
    ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: FIREFOX_EXTENSION_UUID }),
      // Test sites live on plain-http loopback origins; they are secure contexts already.
      'dom.serviceWorkers.testing.enabled': true,
      // A person's Firefox runs Total Cookie Protection (cookie behaviour 5, in private windows
      // too); puppeteer's profile turns it off (`cookieBehavior0` in the content-blocking
      // category), which would let tests pass that a person's browser fails. Restore the default.
      ...FIREFOX_PRIVACY_DEFAULTS,
      'browser.download.folderList': 2,
      'browser.download.useDownloadDir': true,
      ...(options.downloadDir ? { 'browser.download.dir': options.downloadDir } : {}),
      ...options.prefs,
    },
  });
  try {
    await browser.installExtension(path.join(options.dist ?? DIST, 'firefox'));
  } catch (error) {
    await browser.close();
    throw error;
  }
  return {
    name: 'firefox',
    browser,
    extensionBase: `moz-extension://${FIREFOX_EXTENSION_UUID}/`,
    profileDir,
    close: () => closeAndClean(browser, profileDir, options),
  };
}

async function launchChromium(options: LaunchOptions): Promise<Launched> {
  const profileDir = options.profileDir ?? (await mkdtemp(path.join(tmpdir(), 'bgfetch-cr-')));
  if (options.downloadDir) await setChromiumDownloadDir(profileDir, options.downloadDir);
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
    headless: process.env.HEADFUL ? false : true,
    pipe: true,
    protocolTimeout: 90_000,
    userDataDir: profileDir,
    enableExtensions: [path.join(options.dist ?? DIST, 'chromium')],
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...(options.args ?? []),
    ],
    ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
  });
  const worker = await browser.waitForTarget(
    (target) => target.type() === 'service_worker' && target.url().startsWith('chrome-extension://'),
    { timeout: 15_000 },
  );
  const extensionBase = new URL('/', worker.url()).href;
  return {
    name: 'chromium',
    browser,
    extensionBase,
    profileDir,
    close: () => closeAndClean(browser, profileDir, options),
  };
}

/**
 * The person's Downloads folder setting, in the profile. Not the DevTools protocol's
 * Browser.setDownloadBehavior: with it Chromium names the file itself and drops the path the
 * extension asked downloads.download for (`<site>/<title>/<file>`).
 */
async function setChromiumDownloadDir(profileDir: string, downloadDir: string): Promise<void> {
  const file = path.join(profileDir, 'Default', 'Preferences');
  const preferences = JSON.parse(await readFile(file, 'utf8').catch(() => '{}')) as { download?: object };
  preferences.download = { ...preferences.download, default_directory: downloadDir, prompt_for_download: false };
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(preferences));
}

async function closeAndClean(browser: Browser, profileDir: string, options: LaunchOptions) {
  await browser.close().catch(() => undefined);
  if (!options.keepProfile && !options.profileDir) await rm(profileDir, { recursive: true, force: true });
}

/**
 * An extension page in a tab, for what only the person may do (site settings, pause, ...):
 * it sends the same admin messages the popup sends.
 */
export async function extensionPage(launched: Launched, pagePath = 'src/popup/index.html'): Promise<Page> {
  const page = await launched.browser.newPage();
  await gotoExtensionPage(launched, page, pagePath);
  return page;
}

/**
 * Firefox over BiDi loads a moz-extension:// page but never reports the navigation as done (the
 * page's URL stays about:blank to puppeteer), so wait for the document itself instead.
 */
export async function gotoExtensionPage(
  launched: Launched,
  page: Page,
  pagePath = 'src/popup/index.html',
): Promise<void> {
  const url = `${launched.extensionBase}${pagePath}`;
  if (launched.name === 'chromium') {
    await page.goto(url);
    return;
  }
  void page.goto(url, { timeout: 0 }).catch(() => undefined);
  const until = Date.now() + 15_000;
  while (Date.now() < until) {
    const ready = await page
      .evaluate((url) => location.href === url && document.readyState === 'complete', url)
      .catch(() => false);
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not load`);
}

export async function admin(launched: Launched, request: Record<string, unknown>): Promise<unknown> {
  const page = await extensionPage(launched);
  try {
    const reply = await page.evaluate(async (request) => {
      const { browser, chrome } = globalThis as unknown as { browser?: Extension.Browser; chrome: Extension.Browser };
      const api = browser ?? chrome;
      return api.runtime.sendMessage({ channel: 'bgfetch:admin', request });
    }, request);
    const typed = reply as { ok: boolean; value?: unknown; error?: { message: string } };
    if (!typed.ok) throw new Error(`admin ${String(request.type)} failed: ${typed.error?.message}`);
    return typed.value;
  } finally {
    await page.close();
  }
}

/**
 * The shared setup of suites that fetch: the person allows the sites (new sites are asked first,
 * test/helpers/consent.ts), and, since Chromium has its own Background Fetch, switches them to
 * the extension there (the per-site settings a person would change in the popup).
 */
export async function useExtensionFor(launched: Launched, origins: string[]): Promise<void> {
  const { allowSites } = await import('./consent');
  await allowSites(launched, origins);
  if (launched.name !== 'chromium') return;
  for (const origin of origins)
    await admin(launched, { type: 'admin.setSite', origin, settings: { useExtension: true } });
}

/** Which browsers this run covers: BROWSERS=firefox,chromium (default both). */
export function browsersUnderTest(): BrowserName[] {
  const list = (process.env.BROWSERS ?? 'firefox,chromium').split(',').map((name) => name.trim());
  return list.filter((name): name is BrowserName => name === 'firefox' || name === 'chromium');
}
