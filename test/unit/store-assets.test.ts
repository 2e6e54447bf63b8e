// The store images (npm run store-screenshots) are what the stores take: each screenshot the
// listings name exists at 1280×800, the small promo tile at 440×280, both as PNGs without alpha
// (the Chrome Web Store asks for JPEG or 24-bit PNG); the Chrome Web Store icon is 128×128 with
// its artwork inside the middle 96×96 and the 16 px around it fully transparent. Read from the
// files themselves (PNG header, and the icon's pixels inflated with node:zlib).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodePNG, pngHeader } from '../../scripts/png';
import { listingFeatures } from '../../scripts/store-layout';

const file = (path: string) => new URL(`../../${path}`, import.meta.url);
const RGB = 2;
const RGBA = 6;

/** The `## Screenshots` section of a listing: every `screenshots/….png` it names, in order. */
function listedImages(lang: 'en' | 'de'): { path: string; caption: string | null }[] {
  const listing = readFileSync(file(`docs/store/listing.${lang}.md`), 'utf8');
  const start = listing.indexOf('\n## Screenshots\n');
  if (start < 0) throw new Error(`docs/store/listing.${lang}.md has no "## Screenshots"`);
  const section = listing.slice(start + 1).split(/\n## /)[0]!;
  return [...section.matchAll(/^(?:\d+\.|-)[^`\n]*`(screenshots\/[^`]+\.png)`(?: — (.+))?$/gm)].map((match) => ({
    path: `docs/store/${match[1]}`,
    caption: match[2]?.trim() ?? null,
  }));
}

describe('store images', () => {
  for (const lang of ['en', 'de'] as const) {
    it(`${lang}: every screenshot the listing names exists at 1280×800, the tile at 440×280, without alpha`, () => {
      const images = listedImages(lang);
      const screenshots = images.filter((image) => !image.path.includes('tile'));
      const tiles = images.filter((image) => image.path.includes('tile'));
      expect(screenshots.length).toBeGreaterThanOrEqual(1);
      expect(tiles.length).toBe(1);
      for (const { path } of images) {
        expect(existsSync(file(path)), `${path} exists`).toBe(true);
        const { width, height, colorType, bitDepth } = pngHeader(readFileSync(file(path)));
        const expected = path.includes('tile') ? { width: 440, height: 280 } : { width: 1280, height: 800 };
        expect({ path, width, height, colorType, bitDepth }).toEqual({
          path,
          ...expected,
          colorType: RGB,
          bitDepth: 8,
        });
      }
    });

    it(`${lang}: the screenshots' captions are the listing's feature groups, in order`, () => {
      const captions = listedImages(lang)
        .filter((image) => !image.path.includes('tile'))
        .map((image) => image.caption);
      const headings = listingFeatures(lang).map((feature) => feature.heading);
      expect(captions).toEqual(headings.slice(0, captions.length));
    });
  }

  it('every image in docs/store/screenshots/ is named by a listing (none left over)', () => {
    const listed = new Set([...listedImages('en'), ...listedImages('de')].map((image) => image.path));
    const present = readdirSync(file('docs/store/screenshots')).map((name) => `docs/store/screenshots/${name}`);
    expect(present.filter((path) => !listed.has(path))).toEqual([]);
  });

  it('the Chrome Web Store icon: 128×128 RGBA, the outer 16 px transparent, the artwork filling the 96×96 inside', () => {
    const icon = decodePNG(readFileSync(file('icons/store-icon-128.png')));
    expect({ width: icon.width, height: icon.height, colorType: icon.colorType }).toEqual({
      width: 128,
      height: 128,
      colorType: RGBA,
    });
    const alpha = (x: number, y: number) => icon.rgba[(y * icon.width + x) * 4 + 3]!;
    const visibleInBorder: [number, number][] = [];
    let left = Infinity;
    let right = -Infinity;
    let top = Infinity;
    let bottom = -Infinity;
    for (let y = 0; y < icon.height; y++) {
      for (let x = 0; x < icon.width; x++) {
        if (alpha(x, y) === 0) continue;
        if (x < 16 || y < 16 || x >= 112 || y >= 112) visibleInBorder.push([x, y]);
        left = Math.min(left, x);
        right = Math.max(right, x);
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
      }
    }
    expect(visibleInBorder.slice(0, 5)).toEqual([]);
    // icon.svg's own margin is 4 of 128 units, 3 px at 96 px: the artwork spans about 90 px.
    expect(right - left + 1).toBeGreaterThanOrEqual(88);
    expect(bottom - top + 1).toBeGreaterThanOrEqual(88);
    // Centred: the same margin on either side, to a pixel.
    expect(Math.abs(left - (127 - right))).toBeLessThanOrEqual(1);
    expect(Math.abs(top - (127 - bottom))).toBeLessThanOrEqual(1);
    // The middle is opaque (the icon's blue square), not a faint ghost.
    expect(alpha(64, 64)).toBe(255);
  });
});
