// The engine's entry: a Firefox event page or a Chromium service worker. Everything here runs
// on every start, so work interrupted by a stop continues without anyone asking.
import { createAdminHandlers } from './admin';
import { syncPageScriptRegistration } from './chromium-pages';
import { releaseHandledBodies } from './disposal';
import { createPageHandlers } from './manager';
import { listen } from './router';
import { onSettled } from './settle';
import { deliverPending } from './sw-events';
import { injectShimIntoServiceWorkers } from './sw-inject';
import { resumeAllTransfers } from './transfer';
import './ui';

const isChromium = __TARGET__ === 'chromium';
const onSitesChanged = isChromium ? syncPageScriptRegistration : async () => undefined;

listen(
  createPageHandlers(),
  createAdminHandlers(onSitesChanged),
  (origin) => void deliverPending(origin),
);
void onSitesChanged().catch((error: unknown) => console.error('bgfetch: page script registration', error));
void resumeAllTransfers().catch((error: unknown) => console.error('bgfetch: resume failed', error));

if (!isChromium) injectShimIntoServiceWorkers();
onSettled((reg) => void deliverPending(reg.origin));
void deliverPending().catch((error: unknown) => console.error('bgfetch: event delivery', error));
void releaseHandledBodies().catch((error: unknown) => console.error('bgfetch: releasing bodies', error));
