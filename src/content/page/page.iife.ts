// MAIN world, document_start, every http(s) frame: the Background Fetch interfaces, defined
// before the page's first script so feature detection works. Does nothing else until used.
import { CONNECT_MESSAGE } from '../../shared/channels';
import { handOverPort, portChannel } from './channel';
import { exposeInterfaces } from './expose';
import { createInterfaces } from './interfaces';

// Service workers (and so Background Fetch) exist only in secure contexts.
if (typeof ServiceWorkerRegistration === 'function') {
  const channel = portChannel(() => handOverPort((port) => window.postMessage({ type: CONNECT_MESSAGE }, '/', [port])));
  const { interfaces, managerFor } = createInterfaces(channel, () => document.baseURI);

  exposeInterfaces(interfaces, managerFor);
}
