// MAIN world, document_start, every http(s) frame: the Background Fetch interfaces, defined
// before the page's first script so feature detection works. Builds them, and does anything else,
// only when the page first reads one of them.
import { CONNECT_MESSAGE } from '../../shared/channels';
import { bridgePort, portChannel } from './channel';
import { exposeInterfacesLazily } from './expose';
import { createInterfaces, INTERFACE_NAMES } from './interfaces';

// Service workers (and so Background Fetch) exist only in secure contexts.
if (typeof ServiceWorkerRegistration === 'function') {
  exposeInterfacesLazily(INTERFACE_NAMES, () => {
    const channel = portChannel(() =>
      bridgePort(
        (port) => window.postMessage({ type: CONNECT_MESSAGE }, '/', [port]),
        // The site's worker script passes the background on its way (see bridgePort).
        () =>
          void navigator.serviceWorker?.getRegistrations().then(
            (registrations) => registrations.forEach((registration) => void registration.update().catch(() => undefined)),
            () => undefined,
          ),
      ),
    );
    const { interfaces, managerFor } = createInterfaces(channel, () => document.baseURI);
    return [interfaces, managerFor];
  });
}
