// The shim's line to the extension from inside a service worker: through an open window of the
// site, whose bridge serves the port like a page's. A worker with no open window cannot reach
// the extension; its calls reject instead of hanging.
import { CONNECT_MESSAGE } from '../shared/channels';
import { bridgePort, portChannel, type Channel } from '../api/channel';
import { boundedChannel } from './bounded-channel';

declare const self: ServiceWorkerGlobalScope;

export function clientChannel(): Channel {
  let current: Channel | undefined;

  const connected = async (): Promise<Channel> => {
    if (current) return current;
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const client = windows.find((w) => w.visibilityState === 'visible') ?? windows[0];
    if (!client)
      throw new TypeError('Background fetch needs an open window of this site to reach the bgfetch extension.');
    current = portChannel(() =>
      bridgePort(
        (port) => client.postMessage({ type: CONNECT_MESSAGE }, [port]),
        () => void self.registration.update().catch(() => undefined),
      ),
    );
    return current;
  };

  return boundedChannel({
    connected,
    current: () => current,
    drop: (channel) => {
      // The window went away: connect through another next time.
      if (current === channel) current = undefined;
    },
  });
}
