// The store images, from the real extension: the demo podcast PWA (demo/) on the loopback server,
// Debian's Chromium with the built extension (dist/, build it first), the person's side played
// as in scripts/demo.ts (Download → the popup asks → Always allow → the download runs), a second
// site's downloads in several states, and the popup captured at each step. The captures are laid
// out in pages of the stores' exact sizes (scripts/store-layout.ts) and screenshotted at
// deviceScaleFactor 1, in English and German (Chromium takes its UI language from LANGUAGE; the
// Firefox ESR here has no German language pack). Writes docs/store/screenshots/ and
// icons/store-icon-128.png.
//
//   npm run build && npm run store-screenshots [-- --lang en]
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
// @ts-expect-error plain JS module with JSDoc types
import { startDemoServer } from '../demo/server.mjs';
import {
  admin,
  gotoExtensionPage,
  launch,
  ROOT,
  useExtensionFor,
  type LaunchOptions,
  type Launched,
} from '../test/helpers/browsers';
import { answerPrompt } from '../test/helpers/consent';
import { decodePNG, encodePNG } from './png';
import { renderStoreIcon, STORE_ICON } from './store-icon';
import {
  listingFeatures,
  messages,
  POPUP_VIEW,
  screenshotPage,
  SCREENSHOT,
  SITE_VIEW,
  TILE,
  tilePage,
  type Language,
} from './store-layout';

export const SCREENSHOTS_DIR = path.join(ROOT, 'docs', 'store', 'screenshots');
/** The whole run (two browsers, one after the other) ends by then, or fails. */
const RUN_LIMIT_MS = 6 * 60_000;
const WAIT_MS = 45_000;
const MiB = 1024 * 1024;
const KiB = 1024;

const LAUNCH: Record<Language, LaunchOptions> = {
  en: { args: ['--lang=en-US'], env: { LANGUAGE: 'en', LANG: 'en_US.UTF-8' } },
  de: { args: ['--lang=de'], env: { LANGUAGE: 'de', LANG: 'de_DE.UTF-8' } },
};
/** The second site's downloads, as a person's other web apps would name them. */
const OTHER_DOWNLOADS: Record<Language, { maps: string; trailer: string; notes: string }> = {
  en: { maps: 'Offline maps: Berlin', trailer: 'Trailer (HD)', notes: 'Show notes' },
  de: { maps: 'Offline-Karten: Berlin', trailer: 'Trailer (HD)', notes: 'Shownotes' },
};

interface Capture {
  site: Buffer;
  popup: Buffer;
}

interface Demo {
  origin: string;
  originB: string;
  close(): Promise<void>;
}

const watchdog = setTimeout(() => {
  console.error(`store-screenshots: not done after ${RUN_LIMIT_MS / 1000} s, giving up`);
  process.exit(1); // puppeteer kills the browsers it launched on exit
}, RUN_LIMIT_MS);
watchdog.unref();

const only = process.argv.includes('--lang')
  ? (process.argv[process.argv.indexOf('--lang') + 1] as Language)
  : undefined;
const languages = (['en', 'de'] as const).filter((lang) => !only || lang === only);
if (languages.length === 0) throw new Error(`--lang takes en or de, not ${String(only)}`);
await mkdir(SCREENSHOTS_DIR, { recursive: true });
// The episode paced so the popup shows it running (speed, time left) for a while.
step('demo server: generating the episode');
const demo = (await startDemoServer({ throttleBytesPerSecond: 1.5 * MiB })) as Demo;
try {
  for (const lang of languages) await imagesFor(lang, demo);
} finally {
  await demo.close();
}
clearTimeout(watchdog);

async function imagesFor(lang: Language, demo: Demo): Promise<void> {
  const started = Date.now();
  const launched = await launch('chromium', LAUNCH[lang]);
  step(`${lang}: Chromium with the extension`);
  try {
    const captures = await playDemo(launched, demo, lang);
    const features = listingFeatures(lang);
    const shots = [
      { file: `${lang}-1-downloading.png`, feature: features[0], capture: captures.downloading },
      { file: `${lang}-2-consent.png`, feature: features[1], capture: captures.consent },
      { file: `${lang}-3-all-downloads.png`, feature: features[2], capture: captures.list },
    ];
    for (const { file, feature, capture } of shots) {
      if (!feature) throw new Error(`docs/store/listing.${lang}.md has fewer feature groups than screenshots`);
      const html = screenshotPage({ feature, site: capture.site, popup: capture.popup, lang });
      await writeImage(launched.browser, html, SCREENSHOT, path.join(SCREENSHOTS_DIR, file));
    }
    await writeImage(
      launched.browser,
      tilePage({ lang }),
      TILE,
      path.join(SCREENSHOTS_DIR, `${lang}-tile-440x280.png`),
    );
    if (lang === languages[0]) {
      await writeFile(STORE_ICON, await renderStoreIcon(launched.browser));
      step(`wrote ${path.relative(ROOT, STORE_ICON)}`);
    }
    step(`${lang}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await launched.close();
  }
}

/** The person's side of the demo, captured at the consent prompt, mid-download and with a second site. */
async function playDemo(
  launched: Launched,
  demo: Demo,
  lang: Language,
): Promise<{ consent: Capture; downloading: Capture; list: Capture }> {
  // Chromium has its own Background Fetch; the person switches the demo to the extension in the
  // popup's site settings (and leaves the consent question to be asked).
  await admin(launched, { type: 'admin.setSite', origin: demo.origin, settings: { useExtension: true } });
  const site = await launched.browser.newPage();
  await site.setViewport({ ...SITE_VIEW, deviceScaleFactor: 1 });
  await site.goto(`${demo.origin}/`);
  step('the demo is open');
  await site.waitForSelector('#download:not([disabled])', { timeout: WAIT_MS });
  await site.click('#download');
  step('clicked Download');

  const popup = await launched.browser.newPage();
  await popup.setViewport({ ...POPUP_VIEW, deviceScaleFactor: 1 });
  await gotoExtensionPage(launched, popup);
  await popup.waitForSelector('.permission-prompt', { timeout: WAIT_MS });
  step('the popup asks');
  const consent = await capture(site, popup);
  await answerPrompt(popup, new URL(demo.origin).host, 'always-allow');
  step('answered Always allow');

  // A third of the episode in: the page shows its progress, the popup speed and time left.
  await site.waitForFunction(
    (least) => {
      const progress = document.getElementById('progress') as HTMLProgressElement | null;
      return document.body.dataset.state === 'downloading' && progress !== null && progress.value >= least;
    },
    { timeout: WAIT_MS, polling: 200 },
    10 * MiB,
  );
  await popup.waitForFunction(() => [...document.querySelectorAll('li.reg .reg-eta')].some((eta) => eta.textContent), {
    timeout: WAIT_MS,
    polling: 200,
  });
  const downloading = await capture(site, popup);
  step('captured the download');

  // A second site (the other loopback origin), already allowed, with downloads in other states.
  await useExtensionFor(launched, [demo.originB]);
  const other = await launched.browser.newPage();
  await other.goto(`${demo.originB}/`);
  const titles = OTHER_DOWNLOADS[lang];
  await other.evaluate(
    async (titles, KiB) => {
      const registration = await navigator.serviceWorker.ready;
      const manager = (
        registration as unknown as {
          backgroundFetch: { fetch(id: string, urls: string[], options: object): Promise<unknown> };
        }
      ).backgroundFetch;
      const icons = [{ src: '/ep-5-icon.png', sizes: '300x300', type: 'image/png' }];
      const tiles = [1, 2, 3, 4].map((i) => `/gen/tile${i}.pmtiles?size=${8000 * KiB}&seed=${i}&throttle=${200 * KiB}`);
      await manager.fetch('maps', tiles, { title: titles.maps, icons });
      await manager.fetch('trailer', ['/gen/trailer.mp4?size=1000&status=404'], { title: titles.trailer, icons });
      await manager.fetch('notes', [`/gen/notes.pdf?size=${350 * KiB}&seed=3`], { title: titles.notes, icons });
    },
    titles,
    KiB,
  );
  // The downloads go on in the background with the site's tab closed; the popup comes to the front.
  await other.close();
  await popup.bringToFront();
  await waitForRow(popup, titles.maps, (row) => row.value > 0);
  step('the second site downloads');
  const text = messages(lang);
  const pause = `button[aria-label="${text.actionsFor!.replace('$1', text.pause!).replace('$2', titles.maps)}"]`;
  await popup.waitForSelector(pause, { timeout: WAIT_MS });
  await popup.click(pause);
  await waitForRow(popup, titles.maps, (row) => row.state === 'paused');
  await waitForRow(popup, titles.trailer, (row) => row.state === 'failed');
  await waitForRow(popup, titles.notes, (row) => row.state === 'succeeded');
  await popup.evaluate(() => window.scrollTo(0, 0));
  const list = await capture(site, popup);
  step('captured every site');
  return { consent, downloading, list };
}

/** Prints each step with the time, so a slow or stuck run shows where it is. */
function step(what: string): void {
  console.log(`${new Date().toISOString().slice(11, 19)} ${what}`);
}

async function capture(site: Page, popup: Page): Promise<Capture> {
  // Settle the popup's animations (progress, rows appearing) before the picture.
  await new Promise((resolve) => setTimeout(resolve, 400));
  // Headless Chromium paints only the tab in front: each page comes to the front for its picture.
  await site.bringToFront();
  const siteShot = Buffer.from(await site.screenshot({ type: 'png' }));
  await popup.bringToFront();
  await new Promise((resolve) => setTimeout(resolve, 200));
  // A toolbar popup is as tall as its content (up to the room there is): so is its picture.
  const height = Math.min(
    POPUP_VIEW.height,
    await popup.evaluate(() =>
      Math.ceil(
        Math.max(...[...document.body.children].map((child) => child.getBoundingClientRect().bottom + scrollY)),
      ),
    ),
  );
  const popupShot = await popup.screenshot({ type: 'png', clip: { x: 0, y: 0, width: POPUP_VIEW.width, height } });
  return { site: siteShot, popup: Buffer.from(popupShot) };
}

interface Row {
  state: string | null;
  value: number;
}

async function waitForRow(popup: Page, title: string, ok: (row: Row) => boolean): Promise<void> {
  const until = Date.now() + WAIT_MS;
  let last: Row | undefined;
  while (Date.now() < until) {
    last = await popup.$$eval(
      'li.reg',
      (items, title) => {
        const item = items.find((li) => li.querySelector('h3')?.textContent === title);
        return item
          ? {
              state: item.getAttribute('data-state'),
              value: (item.querySelector('progress') as HTMLProgressElement | null)?.value ?? 0,
            }
          : undefined;
      },
      title,
    );
    if (last && ok(last)) return;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`the popup's row "${title}" did not get there in ${WAIT_MS / 1000} s; last: ${JSON.stringify(last)}`);
}

/** Renders `html` in a page of exactly `size` and writes it as a 24-bit PNG (no alpha). */
async function writeImage(
  browser: Browser,
  html: string,
  size: { width: number; height: number },
  file: string,
): Promise<void> {
  const page = await browser.newPage();
  try {
    await page.setViewport({ ...size, deviceScaleFactor: 1 });
    await page.setContent(html, { waitUntil: 'load' });
    await page.evaluate(() => Promise.all([...document.images].map((image) => image.decode())));
    const pixels = decodePNG(await page.screenshot({ type: 'png' }));
    if (pixels.width !== size.width || pixels.height !== size.height) {
      throw new Error(
        `${path.basename(file)} came out ${pixels.width}×${pixels.height}, not ${size.width}×${size.height}`,
      );
    }
    await writeFile(file, encodePNG(pixels, { alpha: false }));
    step(`wrote ${path.relative(ROOT, file)}`);
  } finally {
    await page.close();
  }
}
