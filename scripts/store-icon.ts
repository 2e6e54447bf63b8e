// The Chrome Web Store icon: icons/icon.svg drawn at 96×96 in the middle of a transparent 128×128
// canvas (the 16 px padding CWS asks for), rendered by the browser and written to
// icons/store-icon-128.png. The manifest icons stay as they are (scripts/make-icons.mjs).
//
//   node --import tsx scripts/store-icon.ts      (also run by npm run store-screenshots)
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser } from 'puppeteer-core';
import { ROOT } from '../test/helpers/browsers';
import { decodePNG, encodePNG } from './png';

export const STORE_ICON = path.join(ROOT, 'icons', 'store-icon-128.png');
export const STORE_ICON_SIZE = 128;
export const STORE_ICON_ARTWORK = 96;

/** Renders the store icon in `browser` (any page will do; a fresh one is opened and closed). */
export async function renderStoreIcon(browser: Browser): Promise<Buffer> {
  const svg = await readFile(path.join(ROOT, 'icons', 'icon.svg'));
  const padding = (STORE_ICON_SIZE - STORE_ICON_ARTWORK) / 2;
  const page = await browser.newPage();
  try {
    await page.setViewport({ width: STORE_ICON_SIZE, height: STORE_ICON_SIZE, deviceScaleFactor: 1 });
    await page.setContent(
      `<!doctype html><html><body style="margin:0;background:transparent">` +
        `<img src="data:image/svg+xml;base64,${svg.toString('base64')}" width="${STORE_ICON_ARTWORK}" height="${STORE_ICON_ARTWORK}" ` +
        `style="position:absolute;left:${padding}px;top:${padding}px" alt=""></body></html>`,
    );
    await page.$eval('img', (image) => (image as HTMLImageElement).decode());
    const shot = await page.screenshot({ type: 'png', omitBackground: true });
    // Re-encoded so the bytes depend on the pixels only, not on the browser's PNG encoder.
    return encodePNG(decodePNG(shot), { alpha: true });
  } finally {
    await page.close();
  }
}

/** Launches Debian's Chromium (no extension needed) for the icon alone. */
async function main(): Promise<void> {
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
    headless: true,
    pipe: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    await writeFile(STORE_ICON, await renderStoreIcon(browser));
    console.log(`wrote ${path.relative(ROOT, STORE_ICON)}`);
  } finally {
    await browser.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
