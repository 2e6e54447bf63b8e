// The engine's entry: a Firefox event page or a Chromium service worker. Everything here runs
// on every start, so work interrupted by a stop continues without anyone asking.
import { createAdminHandlers } from './admin';
import { recordDocumentPolicies } from './csp';
import { injectBridge, rememberApiSite, syncBridgeRegistration } from './bridge-sites';
import { syncPageScriptRegistration } from './chromium-pages';
import { releaseHandledBodies } from './disposal';
import { createPageHandlers } from './manager';
import { listen } from './router';
import { onSettled } from './settle';
import { deliverPending } from './sw-events';
import { injectShimIntoServiceWorkers } from './sw-inject';
import { injectApiIntoWorkers } from './worker-inject';
import { listenToStartNotices } from './start-notice';
import { resumeAllTransfers } from './transfer';
import './ui';

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
