// What the person does from the popup (and tests through an extension page): never reachable
// from a web page, the router checks the sender first.
import type { AdminReplies, AdminRequest, AdminRequestOf } from '../shared/protocol';
import { db } from '../shared/db';
import { stateOf } from '../shared/fetch-state';
import { saveRegistration } from './save/downloads';
import { queueClick } from './sw-events/delivery';
import { updateSiteSettings } from './state/sites';
import { announcePermissionChange, answerPermission, applySiteChoice, privateWaiting } from './person/consent';
import { privateFetches } from './person/private-fetches';
import { isPrivateKey, storeOf } from './state/stores';
import browser from 'webextension-polyfill';
import { writeGlobalSettings } from './state/settings';
import { markFailuresSeen } from './person/badge';
import { abortFetch, pauseFetch, resumeFetch, retryFetch } from './engine/control';
import { markRemoved, settledKeys, sweepRemovals, undoRemoval } from './engine/removal';

export type AdminHandlers = {
  [T in AdminRequest['type']]: (request: AdminRequestOf<T>) => Promise<AdminReplies[T]>;
};

async function openSiteIfClosed(key: string): Promise<void> {
  const reg = await storeOf(key).registrations.get(key);
  if (!reg) return;
  const tabs = await browser.tabs.query({});
  const open = tabs.some((tab) => {
    try {
      return !!tab.url && new URL(tab.url).origin === reg.origin && tab.incognito === isPrivateKey(key);
    } catch {
      return false;
    }
  });
  if (!open) await browser.tabs.create({ url: reg.scope });
}

export function createAdminHandlers(onSitesChanged: () => Promise<void>): AdminHandlers {
  // Removals a stop interrupted inside their undo window are finished now.
  void sweepRemovals().catch((error: unknown) => console.error('bgfetch: removal sweep failed', error));
  return {
    async 'admin.setSite'({ origin, settings }) {
      const updated = await updateSiteSettings(new URL(origin).origin, settings);
      if (settings.permission || settings.blocked !== undefined) await applySiteChoice(updated.origin);
      await onSitesChanged();
      return updated;
    },
    'admin.pause': ({ key }) => pauseFetch(key),
    'admin.resume': ({ key }) => resumeFetch(key),
    // The person cancelled it: the unfinished files' bytes go at once.
    'admin.abort': ({ key }) => abortFetch(key, { freeDisk: true }),
    // Undoable for a few seconds (removal.ts): the row goes at once, the bytes when the window passed.
    async 'admin.remove'({ key }) {
      return (await markRemoved([key])).removed.length === 1;
    },
    'admin.removeMany': ({ keys }) => markRemoved(keys),
    async 'admin.clearSite'({ origin }) {
      return markRemoved(await settledKeys(new URL(origin).origin));
    },
    async 'admin.clearAll'() {
      return markRemoved(await settledKeys());
    },
    'admin.undoRemove': ({ keys }) => undoRemoval(keys),
    async 'admin.pauseAll'() {
      const running = await db.registrations
        .where('active')
        .equals(1)
        .filter((reg) => stateOf(reg) !== 'paused')
        .primaryKeys();
      const done = await Promise.all(running.map(pauseFetch));
      return done.filter(Boolean).length;
    },
    async 'admin.resumeAll'() {
      const paused = await db.registrations
        .where('active')
        .equals(1)
        .filter((reg) => stateOf(reg) === 'paused')
        .primaryKeys();
      const done = await Promise.all(paused.map(resumeFetch));
      return done.filter(Boolean).length;
    },
    'admin.retry': ({ key }) => retryFetch(key),
    'admin.save': ({ key, index }) => saveRegistration(key, index),
    async 'admin.removeFinished'({ origin }) {
      const keys = await settledKeys(origin === undefined ? undefined : new URL(origin).origin);
      return (await markRemoved(keys)).removed.length;
    },
    async 'admin.setGlobal'({ settings }) {
      const next = await writeGlobalSettings(settings);
      if (settings.defaultPermission) announcePermissionChange();
      return next;
    },
    'admin.answer': ({ key, answer }) => answerPermission(key, answer),
    'admin.privateWaiting': () => privateWaiting(),
    'admin.privateFetches': () => privateFetches(),
    // "Open site" in the popup: the worker gets backgroundfetchclick in a tab of its site (a new
    // one when none is open; the event waits for it, as after a notification click).
    async 'admin.click'({ key }) {
      const queued = await queueClick(key);
      if (queued) await openSiteIfClosed(key);
      return queued;
    },
    async 'admin.seen'() {
      await markFailuresSeen();
      return true;
    },
  };
}
