// What the bench's functions find in the pages they run in through page.evaluate (bench/lib/*):
// globals the bench site, the tests' site helpers or the bench itself set there.
export {};

declare global {
  interface Window {
    /** bench/fixtures/site: resolves once the site's worker controls the page. */
    swReady: Promise<unknown>;
    /** bench/lib/page-cost.mjs: timestamps around the page script. */
    __bgfetchBenchBefore: number;
    __bgfetchBenchAfter: number;
    /** bench/fixtures/plain.html: when the page's first script ran. */
    firstScriptAt: number;
    /** bench/lib/site-page.mjs: records kept by id. */
    __keep: Record<string, any[]>;
    /** bench/lib/popup-page.mjs and store-writes.mjs: what a watch recorded. */
    __watch: any;
    __benchWrites: number[];
    __benchUnwatch: (() => void) | undefined;
    /** Listens for Dexie's x-storagemutated-1 (a CustomEvent). */
    __benchListener: ((event: CustomEvent) => void) | undefined;
  }
  /** The tests' page helper object (test/fixtures/site/helpers.js). */
  const t: any;
  /** The WebExtension API, in extension pages. */
  const browser: any;
  /** There when the browser (or bgfetch) has Background Fetch. */
  const BackgroundFetchManager: unknown;
}
