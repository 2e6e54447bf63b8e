// MAIN world, document_start, every http(s) frame: the Background Fetch interfaces, defined
// before the page's first script so feature detection works. Does nothing else until used.
import { CONNECT_MESSAGE } from '../../shared/channels';
import { handOverPort, portChannel } from './channel';
import { createInterfaces } from './interfaces';

// Service workers (and so Background Fetch) exist only in secure contexts.
if (typeof ServiceWorkerRegistration === 'function') {
  const channel = portChannel(() => handOverPort((port) => window.postMessage({ type: CONNECT_MESSAGE }, '/', [port])));
  const { interfaces, managerFor } = createInterfaces(channel, () => document.baseURI);

  for (const [name, constructor] of Object.entries(interfaces)) {
    Object.defineProperty(constructor, 'name', { value: name });
    Object.defineProperty(constructor.prototype, Symbol.toStringTag, { value: name, configurable: true });
    Object.defineProperty(globalThis, name, { value: constructor, writable: true, configurable: true });
  }
  Object.defineProperty(ServiceWorkerRegistration.prototype, 'backgroundFetch', {
    configurable: true,
    enumerable: true,
    get(this: unknown) {
      if (!(this instanceof ServiceWorkerRegistration)) throw new TypeError('Illegal invocation');
      return managerFor(this);
    },
  });
}
