// MAIN world, document_start, every http(s) frame: the Background Fetch interfaces, defined
// before the page's first script so feature detection works. Does nothing else until used.
import { CONNECT_MESSAGE } from '../../shared/channels';
import { bridgePort, portChannel } from './channel';
import { exposeInterfaces } from './expose';
import { createInterfaces } from './interfaces';

// Service workers (and so Background Fetch) exist only in secure contexts.
if (typeof ServiceWorkerRegistration === 'function') {
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

  exposeInterfaces(interfaces, managerFor);
}
