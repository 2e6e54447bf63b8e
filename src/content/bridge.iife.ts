// ISOLATED world: the only door between a page and the extension. Registered for the sites that
// use the API (Firefox: src/background/injection/bridge-sites.ts; Chromium: the sites switched to bgfetch)
// and injected into open pages of a site on demand, so it only listens, and does not even touch
// the extension API until a site uses it: Firefox sets that API up for a page on first access,
// which cost every page load 3–4 ms (bench). The relay (relay.ts) is loaded the first time the
// page API, or the site's service worker, hands over a port. Service-worker events reach the
// site's worker through the same relay, injected by the background (sw-events/delivery.ts) when it has
// one to deliver.
import { RELAY_PATH } from '../shared/built-entries';
import { CONNECT_MESSAGE } from '../shared/channels';

// The polyfill is not needed for the one call made here and would cost every page its size.
declare const browser: { runtime: { getURL(path: string): string } };
declare const chrome: typeof browser;
const runtime = () => (__TARGET__ === 'firefox' ? browser : chrome).runtime;

let relay: Promise<typeof import('./relay')> | undefined;
const loadRelay = () => (relay ??= import(/* @vite-ignore */ runtime().getURL(RELAY_PATH)));

const connect = (event: MessageEvent) => {
  const port = event.ports[0];
  if (event.data?.type !== CONNECT_MESSAGE || !port) return;
  event.stopImmediatePropagation();
  // The relay acknowledges the port once it serves it. One that cannot load (the extension was
  // updated or removed under this page) sends no ack: the caller gives up with a TypeError
  // (bridgePort in src/api/channel.ts) instead of waiting forever.
  loadRelay().then(
    ({ acceptPage }) => acceptPage(port),
    () => port.close(),
  );
};

// Injected again into a page that has it (a registered script and an on-demand injection share
// one isolated world): one bridge answers.
// (The isolated world's global: no page sees it.)
const world = globalThis as { bgfetchBridge?: true };
if (!world.bgfetchBridge) {
  world.bgfetchBridge = true;
  window.addEventListener('message', (event) => event.source === window && connect(event), true);
  // The site's service worker (running the shim) asks for a line to the extension.
  navigator.serviceWorker?.addEventListener('message', connect);
}
