// The size budget of what a page carries before it touches the API: the page script (MAIN world,
// every https page in Firefox) and the bridge (pages of sites that use the API), minified, as
// built, at most 8192 bytes together (DESIGN.md: "Every page pays almost nothing"). Fails (exit 1)
// when over, so `npm test` does; the bench reports the same sizes (bench/measures/sizes.mjs).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const BUDGET_BYTES = 8192;
export const INJECTED_FILES = {
  page: 'dist/firefox/src/content/page/page.iife.js',
  bridge: 'dist/firefox/content/bridge.js',
};

const root = fileURLToPath(new URL('..', import.meta.url));
const sizes = Object.entries(INJECTED_FILES).map(([name, file]) => [name, readFileSync(root + file).length]);
const total = sizes.reduce((sum, [, size]) => sum + size, 0);
const detail = sizes.map(([name, size]) => `${name} ${size}`).join(' + ');
if (total > BUDGET_BYTES) {
  console.error(
    `injected scripts: ${detail} = ${total} bytes, over the budget of ${BUDGET_BYTES} by ${total - BUDGET_BYTES}`,
  );
  process.exit(1);
}
console.log(`injected scripts: ${detail} = ${total} bytes (budget ${BUDGET_BYTES}, ${BUDGET_BYTES - total} to spare)`);
