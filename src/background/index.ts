// The engine's entry: a Firefox event page or a Chromium service worker. Everything here runs
// on every start, so work interrupted by a stop continues without anyone asking.
import { createAdminHandlers } from './admin-handlers';
import { recordDocumentPolicies } from './engine/csp';
import { injectBridge, rememberApiSite, syncBridgeRegistration } from './injection/bridge-sites';
import { syncPageScriptRegistration } from './injection/chromium-pages';
import { releaseHandledBodies } from './engine/disposal';
import { createPageHandlers } from './page-handlers';
import { listen } from './router';
import { onSettled } from './state/settle';
import { deliverPending } from './sw-events/delivery';
import { injectShimIntoServiceWorkers } from './injection/sw-inject';
import { listenToStartNotices } from './person/start-notice';
import { resumeAllTransfers } from './engine/transfer';
import './person/badge';
import { injectApiIntoWorkers } from './injection/worker-inject';

const isChromium = __TARGET__ === 'chromium';
const onSitesChanged = isChromium ? syncPageScriptRegistration : async () => undefined;

listenToStartNotices();
// Before anything else: documents' CSP headers are recorded as they arrive (csp.ts).
recordDocumentPolicies();
listen(createPageHandlers(), createAdminHandlers(onSitesChanged), {
  siteOpened: (origin) => void deliverPending(origin),
  // Chromium registers the bridge with the page API, per site (chromium-pages.ts).
  apiUsed: isChromium ? () => undefined : rememberApiSite,
});
void onSitesChanged().catch((error: unknown) => console.error('bgfetch: page script registration', error));
void resumeAllTransfers().catch((error: unknown) => console.error('bgfetch: resume failed', error));

if (!isChromium) {
  void syncBridgeRegistration();
  injectShimIntoServiceWorkers(
    (url) => void injectBridge(url).catch((error: unknown) => console.error('bgfetch: injecting the bridge', error)),
  );
  injectApiIntoWorkers();
}
onSettled((reg) => void deliverPending(reg.origin));
void deliverPending().catch((error: unknown) => console.error('bgfetch: event delivery', error));
void releaseHandledBodies().catch((error: unknown) => console.error('bgfetch: releasing bodies', error));
