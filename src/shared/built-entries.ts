// The scripts the build writes at fixed paths, besides what crxjs builds from manifest.json: which
// source becomes which file, for which browser. scripts/build.mjs builds from this table; the code
// names the files by these constants (plain strings, so the page's scripts that use one carry only
// that string).

/** The service-worker shim (src/sw): prepended to workers' scripts in Firefox, the opt-in importScripts file elsewhere. */
export const SHIM_PATH = 'sw/bgfetch-sw.js';
/** Firefox: prepended to sites' dedicated and shared worker scripts (src/background/injection/worker-inject.ts). */
export const WORKER_SHIM_PATH = 'sw/bgfetch-worker.js';
/** Chromium's page API, registered per site at run time (src/background/injection/chromium-pages.ts). */
export const PAGE_SCRIPT_PATH = 'content/page.js';
/**
 * The bridge (src/content/bridge.iife.ts), registered at run time for the sites that need it
 * (src/background/injection/bridge-sites.ts, chromium-pages.ts).
 */
export const BRIDGE_SCRIPT_PATH = 'content/bridge.js';
/**
 * The bridge's relay (src/content/relay.ts), loaded by the bridge with import() on first use; a
 * web-accessible resource, as dynamic imports from content scripts need.
 */
export const RELAY_PATH = 'content/relay.js';
/** Registered only for sites with service-worker events waiting (src/background/sw-events/delivery.ts). */
export const SITE_OPENED_PATH = 'content/site-opened.js';
/** The frame the Firefox event page appends to deliver a worker's event (src/background/sw-events/frame-delivery.ts). */
export const FRAME_DELIVERY_PATH = 'content/frame-delivery.js';

/**
 * The popup's first store read (src/popup/first-read.iife.ts): a classic script its page runs
 * before the popup's modules are loaded and evaluated.
 */
export const POPUP_FIRST_READ_PATH = 'popup/first-read.js';

export interface BuiltEntry {
  /** The source file, from the repository's root. */
  source: string;
  /** Where it lands inside dist/<target>/. */
  path: string;
  /** A classic script (the default), or an ES module (only what is import()ed). */
  format: 'iife' | 'es';
  /** Built only for these browsers. */
  targets: readonly ('firefox' | 'chromium')[];
  /** Listed in the manifest's web_accessible_resources (for pages' origins). */
  webAccessible: boolean;
}

const both = ['firefox', 'chromium'] as const;

export const BUILT_ENTRIES: readonly BuiltEntry[] = [
  { source: 'src/sw/shim.ts', path: SHIM_PATH, format: 'iife', targets: both, webAccessible: false },
  {
    source: 'src/sw/worker-shim.ts',
    path: WORKER_SHIM_PATH,
    format: 'iife',
    targets: ['firefox'],
    webAccessible: false,
  },
  {
    source: 'src/content/page/page.iife.ts',
    path: PAGE_SCRIPT_PATH,
    format: 'iife',
    targets: ['chromium'],
    webAccessible: false,
  },
  {
    source: 'src/content/bridge.iife.ts',
    path: BRIDGE_SCRIPT_PATH,
    format: 'iife',
    targets: both,
    webAccessible: false,
  },
  { source: 'src/content/relay.ts', path: RELAY_PATH, format: 'es', targets: both, webAccessible: true },
  { source: 'src/content/site-opened.ts', path: SITE_OPENED_PATH, format: 'iife', targets: both, webAccessible: false },
  {
    source: 'src/popup/first-read.iife.ts',
    path: POPUP_FIRST_READ_PATH,
    format: 'iife',
    targets: both,
    webAccessible: false,
  },
  {
    source: 'src/content/frame-delivery.ts',
    path: FRAME_DELIVERY_PATH,
    format: 'iife',
    targets: ['firefox'],
    webAccessible: false,
  },
];
