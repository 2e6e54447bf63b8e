// In the site's service worker: a dedicated or shared worker of the site hands over a port for
// the extension (src/sw/worker-channel.ts); it goes on to an open window of the site, whose
// bridge acknowledges and serves it. Only the site's own workers can post here (a service worker
// hears its own origin's clients only), and the engine checks every call it relays as that
// window's: the worker gains nothing a page of its site lacks.
import { CONNECT_MESSAGE } from '../shared/channels';

declare const self: ServiceWorkerGlobalScope;

export function relayWorkerPorts(): void {
  self.addEventListener('message', (message: ExtendableMessageEvent) => {
    const port = message.ports[0];
    const source = message.source;
    if ((message.data as { type?: unknown } | null)?.type !== CONNECT_MESSAGE || !port) return;
    if (!(source instanceof Client) || (source.type !== 'worker' && source.type !== 'sharedworker')) return;
    message.stopImmediatePropagation();
    message.waitUntil(
      self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
        const window = windows.find((client) => client.visibilityState === 'visible') ?? windows[0];
        // No window: nothing acknowledges the port, and the worker's call rejects (bridgePort).
        if (window) window.postMessage({ type: CONNECT_MESSAGE }, [port]);
        else port.close();
      }),
    );
  });
}
