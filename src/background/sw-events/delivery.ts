// Delivering service-worker events: each queued event goes to the site's worker through a tab of
// that site (the relay, injected into the tab, posts it to the worker; the shim dispatches it).
// An event stays in the store until a handler ran, so one that finds no open tab waits for the
// next to open: a small content script is registered for the sites with waiting events only,
// and tells the background when one of their pages loads. Other pages pay nothing.
import browser from 'webextension-polyfill';
import { RELAY_PATH, SITE_OPENED_PATH } from '../../shared/built-entries';
import { db, snapshotOf, type StoredSwEvent } from '../../shared/db';
import { storeIcon } from '../engine/icons';
import { jarOf } from '../policy';
import { everyStore, isPrivateKey, storeOf } from '../state/stores';
import { deliveryOutcomeFrom, type DeliverEvent, type DeliveryOutcome, type SwEventType } from '../../shared/protocol';
import { eventHandled, queuedEvent } from '../state/lifecycle';
import { releaseBodies } from '../engine/disposal';
import { hostPattern, registerForSites } from '../injection/registered-scripts';
import { deliverThroughFrame, framesAvailable } from './frame-delivery';
import { loadSwitches, switches } from '../switches';

/**
 * Deliveries through a frame (no tab of the site open) that may fail before only a tab of the
 * site is tried: the site forbids framing, is unreachable, or its worker never finishes. Retried
 * after 10 s, 40 s; the event then waits for a tab (site-opened), as before.
 */
export const FRAME_ATTEMPTS = 3;
const FRAME_RETRY_MS = 10_000;

const inFlight = new Set<string>();
/** Events asked for again while a delivery of theirs ran (a page of the site opened meanwhile). */
const askedAgain = new Set<string>();

/**
 * One queued event's name for the site's worker, the same at every delivery of it (a new click
 * is queued anew, with a new time): the shim runs the handlers once per token, so a delivery
 * repeated because the background stopped before it heard the outcome is answered with the
 * first one's (src/sw/once.ts). The site sees the registration's key in every event anyway.
 */
export const deliveryTokenOf = (event: Pick<StoredSwEvent, 'id' | 'createdAt'>): string =>
  `${event.id}@${event.createdAt}`;

const originOf = (url: string | undefined) => {
  try {
    return new URL(url ?? '').origin;
  } catch {
    return undefined;
  }
};

/** Deliver what waits for `origin` (or for every site, at start-up). */
export async function deliverPending(origin?: string): Promise<void> {
  const events: StoredSwEvent[] = [];
  for (const store of everyStore()) {
    events.push(
      ...(origin ? await store.swEvents.where('origin').equals(origin).toArray() : await store.swEvents.toArray()),
    );
  }
  events.sort((a, b) => a.createdAt - b.createdAt);
  await Promise.all(events.map(deliver));
  await publishPendingOrigins();
}

const SITE_OPENED_SCRIPT = 'bgfetch-site-opened';
let registering = Promise.resolve();

/**
 * Only the disk store's sites: a private session's sites are never written down (a registered
 * script persists). Match patterns carry no port: the script may run on a site's other ports,
 * and the background checks the sender's origin against the waiting events.
 */
function publishPendingOrigins(): Promise<void> {
  registering = registering
    .then(async () => {
      const hosts = [...new Set((await db.swEvents.toArray()).map((event) => hostPattern(event.origin)))];
      await registerForSites({
        id: SITE_OPENED_SCRIPT,
        js: [SITE_OPENED_PATH],
        matches: hosts,
        runAt: 'document_idle',
        allFrames: false,
        persistAcrossSessions: true,
      });
    })
    .catch((error: unknown) => console.error('bgfetch: registering the site-opened script', error));
  return registering;
}

/**
 * Runs in the tab's top frame, in the extension's isolated world (serialised by
 * scripting.executeScript: it may use nothing but its arguments).
 */
async function deliverInTab(relayPath: string, message: DeliverEvent): Promise<DeliveryOutcome> {
  const api = ((globalThis as { browser?: unknown }).browser ?? (globalThis as { chrome?: unknown }).chrome) as {
    runtime: { getURL(path: string): string };
  };
  const relay = (await import(
    /* @vite-ignore */ api.runtime.getURL(relayPath)
  )) as typeof import('../../content/relay');
  return relay.deliverToWorker(message);
}

/** The person activated the UI of a fetch (notification, popup): backgroundfetchclick. */
export async function queueClick(regKey: string): Promise<boolean> {
  const reg = await storeOf(regKey).registrations.get(regKey);
  if (!reg) return false;
  await queue(regKey, 'click');
  await deliverPending(reg.origin);
  return true;
}

async function queue(regKey: string, type: SwEventType): Promise<void> {
  const db = storeOf(regKey);
  const reg = await db.registrations.get(regKey);
  if (!reg) return;
  await db.swEvents.put(queuedEvent(reg, type));
}

async function deliver(event: StoredSwEvent): Promise<void> {
  if (inFlight.has(event.id)) {
    askedAgain.add(event.id);
    return;
  }
  inFlight.add(event.id);
  const db = storeOf(event.regKey);
  try {
    const reg = await db.registrations.get(event.regKey);
    if (!reg) {
      await db.swEvents.delete(event.id);
      return;
    }
    // Only the site's tabs: without the `tabs` permission a query by URL needs the host permission alone.
    const tabs = await browser.tabs.query({ url: hostPattern(event.origin) });
    const siteTabs = tabs.filter(
      (tab) =>
        tab.id !== undefined &&
        !tab.discarded &&
        originOf(tab.url) === event.origin &&
        jarOf(tab.cookieStoreId) === event.storeId &&
        tab.incognito === isPrivateKey(event.regKey),
    );
    for (const tab of siteTabs) {
      const message: DeliverEvent = {
        scope: event.scope,
        event: event.type,
        snapshot: snapshotOf(reg),
        token: deliveryTokenOf(event),
      };
      let outcome: DeliveryOutcome | undefined;
      try {
        const [injection] = await withinLimit(
          browser.scripting.executeScript({
            target: { tabId: tab.id!, frameIds: [0] },
            func: deliverInTab,
            args: [RELAY_PATH, message],
          }),
          tab.id!,
        );
        // What the tab and the site's worker report is checked like a page's fetch() options.
        outcome = deliveryOutcomeFrom(injection?.result);
      } catch {
        continue; // Not a page the extension may enter (still loading, an error page).
      }
      if (!outcome || outcome.outcome === 'no-worker') continue;
      await completed(event, outcome);
      return;
    }
    // No tab took it: a frame of the site in the event page, for the normal store only (the
    // event page is in no container and not private, so its frame reaches only the default
    // partition's worker; those events wait for a tab of theirs). Never a click: the person
    // asked for the site, whose tab is being opened for it (ui.ts, admin.ts), and the handler's
    // clients.openWindow() and focus() need that window; the tab's site-opened script brings it.
    if (
      event.type === 'click' ||
      !framesAvailable() ||
      !(await loadSwitches(), switches().frameDelivery) ||
      event.storeId !== 'default' ||
      isPrivateKey(event.regKey) ||
      event.attempts >= FRAME_ATTEMPTS
    )
      return;
    const result = await deliverThroughFrame({
      scope: event.scope,
      event: event.type,
      snapshot: snapshotOf(reg),
      token: deliveryTokenOf(event),
    });
    if (typeof result === 'object' && result.outcome !== 'no-worker') {
      await completed(event, result);
      return;
    }
    await frameFailed(event, typeof result === 'object' ? result.outcome : result);
  } catch (error) {
    console.error('bgfetch: event delivery failed', event.id, error);
  } finally {
    inFlight.delete(event.id);
    // The page that asked meanwhile (say, the window a click handler's openWindow() navigated:
    // the tab that carried the event) gets it now; a handled event is gone from the store by then.
    if (askedAgain.delete(event.id)) void deliverPending(event.origin);
  }
}

/**
 * A worker whose waitUntil() never settles must not hold the event (and every later one, through
 * `inFlight`) forever: past Firefox's own limit the tab's delivery counts as none.
 */
async function withinLimit<T>(work: Promise<T[]>, tabId: number): Promise<(T | undefined)[]> {
  await loadSwitches();
  const { swEventLimitMs } = switches(); // the values now, not those first read
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<undefined[]>((resolve) => (timer = setTimeout(() => resolve([undefined]), swEventLimitMs)));
  // A tab that navigates away never answers (Firefox leaves the script's promise pending): its
  // delivery counts as none at once, and the event goes to the page it navigated to.
  let navigated: ((id: number, change: { url?: string; status?: string }) => void) | undefined;
  const away = new Promise<undefined[]>((resolve) => {
    navigated = (id, change) => {
      if (id === tabId && (change.url !== undefined || change.status === 'loading')) resolve([undefined]);
    };
    browser.tabs.onUpdated.addListener(navigated);
  });
  try {
    return await Promise.race([work, limit, away]);
  } finally {
    clearTimeout(timer);
    if (navigated) browser.tabs.onUpdated.removeListener(navigated);
  }
}

/** Recorded on the event; retried later while attempts are left (a tab of the site may come first). */
async function frameFailed(event: StoredSwEvent, reason: string): Promise<void> {
  const attempts = event.attempts + 1;
  const updated = await storeOf(event.regKey).swEvents.update(event.id, {
    attempts,
    lastFailure: { reason, at: Date.now() },
  });
  console.warn('bgfetch: delivery through a frame failed', event.id, reason, `attempt ${attempts}/${FRAME_ATTEMPTS}`);
  if (updated && attempts < FRAME_ATTEMPTS) {
    setTimeout(() => void deliverPending(event.origin).catch(() => undefined), FRAME_RETRY_MS * 4 ** (attempts - 1));
  }
}

/** After the handlers ran: records stop being available (spec: "When it settles", 4). */
async function completed(
  event: StoredSwEvent,
  outcome: Exclude<DeliveryOutcome, { outcome: 'no-worker' }>,
): Promise<void> {
  const { releasable, iconChanged } = await eventHandled(event, outcome);
  // updateUI() gave new icons: the stored copy follows (fetched once, without cookies).
  if (iconChanged) void storeIcon(iconChanged);
  if (releasable) await releaseBodies(event.regKey);
}
