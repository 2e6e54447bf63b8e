// The store listings (docs/store/listing.<lang>.md) fit the stores' limits and say what the
// extension itself says: the name and summary are the manifest's localized name and description.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** The text under a `## heading`, up to the next heading. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`no "## ${heading}"`);
  const body = markdown.slice(start + heading.length + 5);
  const end = body.indexOf('\n## ');
  return (end < 0 ? body : body.slice(0, end)).trim();
}

const LISTINGS = [
  { lang: 'en', headings: ['Name', 'Summary', 'Description'] },
  { lang: 'de', headings: ['Name', 'Kurzbeschreibung', 'Beschreibung'] },
] as const;

describe('store listings', () => {
  for (const { lang, headings } of LISTINGS) {
    it(`${lang}: name and summary are the manifest's, within the stores' limits`, () => {
      const listing = read(`docs/store/listing.${lang}.md`);
      const messages = JSON.parse(read(`_locales/${lang}/messages.json`)) as Record<string, { message: string }>;
      const [name, summary, description] = headings.map((heading) => section(listing, heading));
      expect(name).toBe(messages.extName!.message);
      expect(summary).toBe(messages.extDescription!.message);
      // AMO: name ≤ 50, summary ≤ 250; Chrome Web Store: name ≤ 75, summary (manifest description) ≤ 132.
      expect(name!.length).toBeLessThanOrEqual(50);
      expect(summary!.length).toBeLessThanOrEqual(132);
      expect(description!.length).toBeGreaterThan(500);
    });
  }
});
