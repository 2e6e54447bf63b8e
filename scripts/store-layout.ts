// The store images' layout, as HTML pages the browser renders at their exact store size: the
// screenshots (a caption above the demo page and the popup, both real captures) and the small
// promo tile (icon, name, summary). Captions and names come from the store listings and
// _locales, so the images say what the listing says. Used by scripts/store-screenshots.ts.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../test/helpers/browsers';

export const SCREENSHOT = { width: 1280, height: 800 } as const;
export const TILE = { width: 440, height: 280 } as const;
const MARGIN = 24;
/**
 * The captures placed in a screenshot: the demo page on the left (below the caption, cropped at
 * the bottom to fit), the popup on the right at the screenshot's full height.
 */
export const SITE_VIEW = { width: 720, height: 640 } as const;
export const POPUP_VIEW = { width: 440, height: SCREENSHOT.height - 2 * MARGIN } as const;

export type Language = 'en' | 'de';

/** One `**Group**` of the listing's description: its heading and its first point. */
export interface Feature {
  heading: string;
  point: string;
}

/**
 * The feature groups of docs/store/listing.<lang>.md's description, in order: a bold line
 * followed by `- ` points (continuation lines indented).
 */
export function listingFeatures(lang: Language): Feature[] {
  const listing = readFileSync(path.join(ROOT, 'docs', 'store', `listing.${lang}.md`), 'utf8');
  const features: Feature[] = [];
  const lines = listing.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heading = /^\*\*(.+)\*\*$/.exec(lines[i]!.trim());
    if (!heading || !lines[i + 1]?.startsWith('- ')) continue;
    const point = [lines[i + 1]!.slice(2)];
    for (let j = i + 2; j < lines.length && /^\s+\S/.test(lines[j]!); j++) point.push(lines[j]!.trim());
    features.push({ heading: heading[1]!, point: point.join(' ') });
  }
  return features;
}

/** The manifest's localized strings (extName, extDescription, and the popup's). */
export function messages(lang: Language): Record<string, string> {
  const file = JSON.parse(readFileSync(path.join(ROOT, '_locales', lang, 'messages.json'), 'utf8')) as Record<
    string,
    { message: string }
  >;
  return Object.fromEntries(Object.entries(file).map(([key, { message }]) => [key, message]));
}

const escape = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
/** Markdown `*emphasis*` in listing text, as HTML. */
const inline = (text: string) => escape(text).replace(/\*([^*]+)\*/g, '<em>$1</em>');
const dataUrl = (png: Buffer) => `data:image/png;base64,${png.toString('base64')}`;
/** The icon's one source, drawn by the browser at whatever size the layout needs. */
const ICON_URL = `data:image/svg+xml;base64,${readFileSync(path.join(ROOT, 'icons', 'icon.svg')).toString('base64')}`;

const BASE_CSS = `
  html, body { margin: 0; }
  body {
    width: var(--w); height: var(--h); overflow: hidden; box-sizing: border-box;
    font-family: system-ui, "DejaVu Sans", sans-serif; color: #fff;
    background: linear-gradient(160deg, #2b74d8 0%, #1a4fa6 70%, #163f86 100%);
  }`;

export function screenshotPage(options: { feature: Feature; site: Buffer; popup: Buffer; lang: Language }): string {
  const { feature, site, popup, lang } = options;
  // Two columns: the caption above the demo page (cropped to the room left, never scaled), and the
  // popup at full height beside them, so it shows as many downloads as a person would see.
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><style>${BASE_CSS}
  body {
    --w: ${SCREENSHOT.width}px; --h: ${SCREENSHOT.height}px; padding: ${MARGIN}px 48px;
    display: grid; grid-template-columns: ${SITE_VIEW.width}px ${POPUP_VIEW.width}px; column-gap: 24px;
  }
  .left { display: flex; flex-direction: column; min-height: 0; }
  header { display: flex; gap: 18px; align-items: flex-start; padding: 8px 0 22px; }
  header img { width: 56px; height: 56px; flex: none; }
  h1 { margin: 0 0 6px; font-size: 34px; line-height: 1.15; font-weight: 700; }
  p { margin: 0; font-size: 18px; line-height: 1.35; opacity: 0.92; }
  .frame { flex: 1; min-height: 0; overflow: hidden; border-radius: 10px; box-shadow: 0 12px 40px rgb(0 0 0 / 0.35); }
  .frame img { display: block; width: ${SITE_VIEW.width}px; height: ${SITE_VIEW.height}px; }
  .popup { display: block; align-self: start; width: ${POPUP_VIEW.width}px; max-height: ${POPUP_VIEW.height}px; border-radius: 10px; box-shadow: 0 12px 40px rgb(0 0 0 / 0.35); }
  </style></head><body>
  <div class="left">
    <header><img src="${ICON_URL}" alt=""><div><h1>${inline(feature.heading)}</h1><p>${inline(feature.point)}</p></div></header>
    <div class="frame"><img src="${dataUrl(site)}" alt=""></div>
  </div>
  <img class="popup" src="${dataUrl(popup)}" alt="">
  </body></html>`;
}

export function tilePage(options: { lang: Language }): string {
  const text = messages(options.lang);
  // extName is "bgfetch — <tagline>": the tile shows the two parts on two lines.
  const [name, tagline = ''] = text.extName!.split(' — ');
  return `<!doctype html><html lang="${options.lang}"><head><meta charset="utf-8"><style>${BASE_CSS}
  body { --w: ${TILE.width}px; --h: ${TILE.height}px; padding: 36px 32px; }
  .top { display: flex; gap: 20px; align-items: center; }
  img { width: 96px; height: 96px; flex: none; }
  .name { font-size: 44px; font-weight: 700; line-height: 1; }
  .tagline { margin-top: 8px; font-size: 19px; line-height: 1.2; }
  .summary { margin: 26px 0 0; font-size: 16px; line-height: 1.4; opacity: 0.92; }
  </style></head><body>
  <div class="top"><img src="${ICON_URL}" alt=""><div><div class="name">${escape(name!)}</div><div class="tagline">${escape(tagline)}</div></div></div>
  <p class="summary">${escape(text.extDescription!)}</p>
  </body></html>`;
}
