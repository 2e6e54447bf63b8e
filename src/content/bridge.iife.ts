// ISOLATED world: the only door between a page and the extension. Every page carries this part,
// so it only listens: the relay (relay.ts) is loaded the first time the page API hands over a
// port, or a service-worker event must reach the site's worker.
import { CONNECT_MESSAGE, DELIVER_CHANNEL, PENDING_EVENTS_KEY, RELAY_PATH, SITE_OPENED_CHANNEL } from '../shared/channels';
import type { BridgeToPage, DeliverEvent, PageToBridge } from '../shared/protocol';

// The polyfill is not needed for the few calls made here and would cost every page its size.
const ext = ((globalThis as { browser?: unknown }).browser ?? (globalThis as { chrome?: unknown }).chrome) as {
  runtime: {
    getURL(path: string): string;
    sendMessage(message: unknown): Promise<unknown>;
    onMessage: { addListener(listener: (message: unknown) => Promise<unknown> | undefined): void };
  };
  storage: { local: { get(key: string): Promise<Record<string, unknown>> } };
};

let relay: Promise<typeof import('./relay')> | undefined;
const loadRelay = () => (relay ??= import(/* @vite-ignore */ ext.runtime.getURL(RELAY_PATH)));

const connect = (event: MessageEvent) => {
  const port = event.ports[0];
  if (event.data?.type !== CONNECT_MESSAGE || !port) return;
  event.stopImmediatePropagation();
  loadRelay().then(
    ({ servePage }) => servePage(port),
    // The extension was updated or removed under this page: answer instead of leaving calls hanging.
    (error: unknown) => {
      port.onmessage = ({ data }: MessageEvent<PageToBridge>) => {
        if (data && typeof data === 'object' && 'rid' in data) {
          const reply: BridgeToPage = {
            rid: data.rid,
            reply: { ok: false, error: { name: 'TypeError', message: `bgfetch is not reachable: ${String(error)}` } },
          };
          port.postMessage(reply);
        }
      };
    },
  );
};

window.addEventListener('message', (event) => event.source === window && connect(event), true);
// The site's service worker (running the shim) asks for a line to the extension.
navigator.serviceWorker?.addEventListener('message', connect);

ext.runtime.onMessage.addListener((message) =>
  (message as DeliverEvent | undefined)?.channel === DELIVER_CHANNEL
    ? loadRelay().then(({ deliverToWorker }) => deliverToWorker(message as DeliverEvent))
    : undefined,
);

// Service-worker events may be waiting for this site (its tabs were closed when a fetch settled).
if (window === window.top) {
  window.addEventListener(
    'DOMContentLoaded',
    () =>
      void ext.storage.local.get(PENDING_EVENTS_KEY).then((stored) => {
        const origins = stored[PENDING_EVENTS_KEY];
        if (Array.isArray(origins) && origins.includes(location.origin)) {
          void ext.runtime.sendMessage({ channel: SITE_OPENED_CHANNEL });
        }
      }),
    { once: true },
  );
}
