// A dedicated or shared worker's line to the extension. A worker has no bridge of its own, and no
// window to post to; it has the site's service worker (the one `navigator.serviceWorker.ready`
// gives). It hands its port to that worker's shim, which passes it on to an open window of the
// site (src/sw/worker-relay.ts), whose bridge serves it as it serves the page's own: the engine
// then checks the call as it checks that page's (its origin from the browser, opaque origins
// refused, the person's consent for the site). No call waits forever: each is bounded, and a
// worker that finds no way through rejects with a TypeError.
import { CONNECT_MESSAGE } from '../shared/channels';
import { bridgePort, portChannel, type Channel } from '../api/channel';
import { boundedChannel } from './bounded-channel';

declare const self: WorkerGlobalScope;

export function workerChannel(): Channel {
  let current: Channel | undefined;
  const serviceWorker = () => {
    // An opaque origin (a sandboxed document's worker) acts as no site: it gets nothing.
    if (self.origin === 'null' || !navigator.serviceWorker)
      throw new TypeError('Background fetch is not available in this worker.');
    return navigator.serviceWorker.ready;
  };
  const connected = () =>
    (current ??= portChannel(async () => {
      const ready = serviceWorker();
      return bridgePort(
        (port) =>
          void ready.then((registration) => registration.active?.postMessage({ type: CONNECT_MESSAGE }, [port])),
        // The site's worker script passes the background, which then injects the bridge into the site's pages.
        () => void ready.then((registration) => registration.update()).catch(() => undefined),
      );
    }));

  return boundedChannel({
    connected,
    current: () => current,
    drop: (channel) => {
      // The window that relayed went away: the next call finds another.
      if (current === channel) current = undefined;
    },
  });
}
