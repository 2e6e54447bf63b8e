// The page API inside a site's dedicated and shared workers (the spec exposes it to `Worker`):
// Firefox gets this prepended to their scripts (src/background/injection/worker-inject.ts). A worker
// reaches it as a page does, through a ServiceWorkerRegistration (`navigator.serviceWorker.ready`,
// which Firefox gives workers) and its `backgroundFetch`. Inert until the site calls it.
import { exposeInterfaces } from '../api/expose';
import { createInterfaces } from '../api/interfaces';
import { workerChannel } from './worker-channel';

declare const self: WorkerGlobalScope & Record<string | symbol, unknown>;

const INSTALLED = Symbol.for('bgfetch.worker-shim');

if (
  typeof WorkerGlobalScope === 'function' &&
  !('ServiceWorkerGlobalScope' in self) &&
  typeof ServiceWorkerRegistration === 'function' &&
  !(INSTALLED in self) &&
  // Where the browser has its own (Chromium), it stays.
  !('BackgroundFetchManager' in self)
) {
  Object.defineProperty(self, INSTALLED, { value: true });
  const { interfaces, managerFor } = createInterfaces(workerChannel(), () => self.location.href);
  exposeInterfaces(interfaces, managerFor);
}
