// MAIN world, document_start, every http(s) frame: the Background Fetch interfaces, defined
// before the page's first script so feature detection works. Builds them, and does anything else,
// only when the page first reads one of them.
import { CONNECT_MESSAGE } from '../../shared/channels';
import { bridgePort, portChannel, type Channel } from '../../api/channel';
import { exposeInterfacesLazily } from '../../api/expose';
import { createInterfaces, INTERFACE_NAMES } from '../../api/interfaces';
import { answerPermissionQueries } from './permission';

const ignore = () => undefined;

// Service workers (and so Background Fetch) exist only in secure contexts.
if (typeof ServiceWorkerRegistration === 'function') {
  let channel: Channel | undefined;
  const line = () =>
    (channel ??= portChannel(() =>
      bridgePort(
        (port) => window.postMessage({ type: CONNECT_MESSAGE }, '/', [port]),
        // The site's worker script passes the background on its way (see bridgePort). Failures
        // (no registration, an update check that fails) change nothing: ignored.
        () =>
          void navigator.serviceWorker
            ?.getRegistrations()
            .then((registrations) => registrations.map((registration) => registration.update().catch(ignore)), ignore),
      ),
    ));
  exposeInterfacesLazily(INTERFACE_NAMES, () => createInterfaces(line(), () => document.baseURI));
  answerPermissionQueries(line);
}
