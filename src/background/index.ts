// The engine's entry: a Firefox event page or a Chromium service worker. Everything here runs
// on every start, so work interrupted by a stop continues without anyone asking.
//
// All the wiring is here: no other background module adds a listener, sets an alarm or reads the
// browser's state when imported (src/background/wiring.test.ts checks it). Every listener is added
// synchronously on this first turn of the event loop: an event page is only woken for listeners
// added then.
import { createAdminHandlers } from './admin-handlers';
import { startRecordingDocumentPolicies } from './engine/csp';
import { injectBridge, rememberApiSite, syncBridgeRegistration } from './injection/bridge-sites';
import { syncPageScriptRegistration } from './injection/chromium-pages';
import { releaseHandledBodies } from './engine/disposal';
import { createPageHandlers } from './page-handlers';
import { startRouter } from './router';
import { onSettled } from './state/settle';
import { deliverPending } from './sw-events/delivery';
import { startFrameDelivery } from './sw-events/frame-delivery';
import { startInjectingShim } from './injection/sw-inject';
import { startStartNotices } from './person/start-notice';
import { startBadge, startSettledNotifications } from './person/badge';
import { startAutoSave } from './save/auto-save';
import { startDownloadTracking } from './save/downloads';
import { startSettledList } from './state/settled-list';
import { startEndingPrivateSessions } from './state/stores';
import { db } from '../shared/db';
import { startGlobalSettings } from './state/settings';
import { startResumingOnWake } from './keepalive';
import { resumeAllTransfers } from './engine/transfer';
import { startInjectingApiIntoWorkers } from './injection/worker-inject';

const isChromium = __TARGET__ === 'chromium';
const onSitesChanged = isChromium ? syncPageScriptRegistration : async () => undefined;
const resumeTransfers = () =>
  void resumeAllTransfers().catch((error: unknown) => console.error('bgfetch: resume failed', error));

// Listeners.
// Before anything else: documents' CSP headers are recorded as they arrive (csp.ts).
startRecordingDocumentPolicies();
startRouter(createPageHandlers(), createAdminHandlers(onSitesChanged), {
  siteOpened: (origin) => void deliverPending(origin),
  // Chromium registers the bridge with the page API, per site (chromium-pages.ts).
  apiUsed: isChromium ? () => undefined : rememberApiSite,
});
startFrameDelivery();
startStartNotices();
startSettledNotifications();
startDownloadTracking();
startEndingPrivateSessions();
// The wake alarm (set while transfers run) and the browser's start resume what was running.
startResumingOnWake(resumeTransfers);
if (!isChromium) {
  startInjectingShim(
    (url) => void injectBridge(url).catch((error: unknown) => console.error('bgfetch: injecting the bridge', error)),
  );
  startInjectingApiIntoWorkers();
}

// What follows a settled fetch: its worker's event, the badge's mark and the notification
// (startBadge, startSettledNotifications), auto-save.
onSettled((reg) => void deliverPending(reg.origin));
startAutoSave();

// Start-up work: read what is stored, continue what was interrupted.
startGlobalSettings(); // connection limit (engine/transfer.ts), storage cap (engine/quota.ts)
startBadge();
startSettledList(db); // the popup's first frame (src/popup/first-read.ts)
void onSitesChanged().catch((error: unknown) => console.error('bgfetch: page script registration', error));
resumeTransfers();
if (!isChromium) void syncBridgeRegistration();
void deliverPending().catch((error: unknown) => console.error('bgfetch: event delivery', error));
void releaseHandledBodies().catch((error: unknown) => console.error('bgfetch: releasing bodies', error));
