// Delivering service-worker events: each queued event goes to the site's worker through a tab of
// that site (the bridge posts it to the worker, the shim dispatches it). An event stays in the
// store until a handler ran, so one that finds no open tab waits for the next to open: the sites
// with waiting events are listed in storage.local, where every bridge looks on load.
import browser from 'webextension-polyfill';
import { DELIVER_CHANNEL, PENDING_EVENTS_KEY } from '../shared/channels';
import { db, snapshotOf, type StoredSwEvent } from '../shared/db';
import { jarOf } from './policy';
import { everyStore, isPrivateKey, storeOf } from './stores';
import type { DeliverEvent, DeliveryOutcome, SwEventType } from '../shared/protocol';
import { announceChange } from './changes';
import { releaseBodies } from './disposal';

const inFlight = new Set<string>();

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
    events.push(...(origin ? await store.swEvents.where('origin').equals(origin).toArray() : await store.swEvents.toArray()));
  }
  events.sort((a, b) => a.createdAt - b.createdAt);
  await Promise.all(events.map(deliver));
  await publishPendingOrigins();
}

/** Only the disk store's sites: a private session's sites are never written down. */
async function publishPendingOrigins(): Promise<void> {
  const origins = [...new Set((await db.swEvents.toArray()).map((event) => event.origin))];
  await browser.storage.local.set({ [PENDING_EVENTS_KEY]: origins });
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
  await db.swEvents.put({
    id: `${regKey}:${type}`,
    regKey,
    storeId: reg.storeId,
    origin: reg.origin,
    scope: reg.scope,
    type,
    createdAt: Date.now(),
    attempts: 0,
  });
}

async function deliver(event: StoredSwEvent): Promise<void> {
  if (inFlight.has(event.id)) return;
  inFlight.add(event.id);
  const db = storeOf(event.regKey);
  try {
    const reg = await db.registrations.get(event.regKey);
    if (!reg) {
      await db.swEvents.delete(event.id);
      return;
    }
    const tabs = await browser.tabs.query({});
    const siteTabs = tabs.filter(
      (tab) => tab.id !== undefined && !tab.discarded && originOf(tab.url) === event.origin && jarOf(tab.cookieStoreId) === event.storeId &&
        tab.incognito === isPrivateKey(event.regKey),
    );
    for (const tab of siteTabs) {
      const message: DeliverEvent = { channel: DELIVER_CHANNEL, scope: event.scope, event: event.type, snapshot: snapshotOf(reg) };
      let outcome: DeliveryOutcome | undefined;
      try {
        outcome = (await browser.tabs.sendMessage(tab.id!, message, { frameId: 0 })) as DeliveryOutcome | undefined;
      } catch {
        continue; // No bridge in that tab (loaded before the extension, or not a web page).
      }
      if (!outcome || outcome.outcome === 'no-worker') continue;
      await completed(event, outcome);
      return;
    }
  } catch (error) {
    console.error('bgfetch: event delivery failed', event.id, error);
  } finally {
    inFlight.delete(event.id);
  }
}

/** After the handlers ran: records stop being available (spec: "When it settles", 4). */
async function completed(event: StoredSwEvent, outcome: Exclude<DeliveryOutcome, { outcome: 'no-worker' }>): Promise<void> {
  const db = storeOf(event.regKey);
  const unavailable = await db.transaction('rw', db.swEvents, db.registrations, async () => {
    await db.swEvents.delete(event.id);
    const reg = await db.registrations.get(event.regKey);
    if (!reg) return false;
    const change: Partial<typeof reg> = {};
    // A worker without the shim (Chromium without the opt-in import) ran no handler: the page
    // is the site's only reader then, so its records stay available.
    if (outcome.outcome === 'handled' && event.type !== 'click') change.recordsAvailable = false;
    if (outcome.outcome === 'handled' && outcome.ui) {
      if (outcome.ui.title !== undefined) change.title = outcome.ui.title;
      if (outcome.ui.icons !== undefined) change.icons = outcome.ui.icons;
    }
    await db.registrations.update(event.regKey, change);
    // Released only once a handler ran: with none, the page is the site's only reader.
    return change.recordsAvailable === false && outcome.outcome === 'handled' && outcome.listened;
  });
  announceChange(event.regKey);
  if (unavailable) await releaseBodies(event.regKey);
}
