// Names of the message channels between contexts. Apart from protocol.ts so that the scripts
// injected into every page can use them without pulling in the schemas. (The built scripts'
// paths are in built-entries.ts.)

/** The first message on `window`: the page API handing its MessagePort to the bridge. */
export const CONNECT_MESSAGE = 'bgfetch:connect';
/** runtime.sendMessage envelopes: `{ channel, request }`. */
export const PAGE_CHANNEL = 'bgfetch:page';
export const ADMIN_CHANNEL = 'bgfetch:admin';
/** runtime.connect name of a bridge's progress port. */
export const EVENTS_PORT = 'bgfetch:events';
/** postMessage from the bridge to the site's service worker, where the shim dispatches it. */
export const SHIM_EVENT = 'bgfetch:sw-event';
/**
 * runtime message from Chromium's service worker to its offscreen document (src/offscreen/):
 * make or revoke the Blob URL of a stored body for a save. Only the service worker may send it.
 */
export const OFFSCREEN_CHANNEL = 'bgfetch:offscreen';
/**
 * runtime message from content/site-opened.js, which the background registers only for the
 * sites with service-worker events waiting: a page of this (sender's) site loaded.
 */
export const SITE_OPENED_CHANNEL = 'bgfetch:site-opened';
/**
 * The pages where Background Fetch can exist: it needs a service worker, and so a secure context
 * (https, or http to this machine). The page API goes to these pages only: on any other it would
 * do nothing, and Firefox spends ~2 ms of a page load on any document_start script (bench).
 * manifest.json lists the same for Firefox's page script (checked by src/shared/channels.test.ts).
 */
export const SECURE_CONTEXT_MATCHES = ['https://*/*', 'http://*.localhost/*', 'http://127.0.0.1/*', 'http://[::1]/*'];
/** storage.local key of the transfer engine's test-only switches (src/background/switches.ts). */
export const TEST_SWITCHES_KEY = 'bgfetch.testSwitches';
/**
 * runtime messages from content/frame-delivery.js, the script of the frame the Firefox event page
 * appends to deliver a service-worker event when no tab of the site is open
 * (src/background/sw-events/frame-delivery.ts): `{ channel, request: { type: 'ready' } }` gets the event,
 * `{ channel, request: { type: 'done', outcome } }` reports what the worker did.
 */
export const FRAME_DELIVERY_CHANNEL = 'bgfetch:frame-delivery';
/** The frame's URL holds this marker and a random token; the script is registered for such URLs only. */
export const FRAME_DELIVERY_MARKER = 'bgfetch-event-';
