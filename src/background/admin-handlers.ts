// What the person does from the popup (and tests through an extension page): never reachable
// from a web page, the router checks the sender first.
import { countFiles } from '../shared/file-counts';
import type { AdminReplies, AdminRequest, AdminRequestOf } from '../shared/protocol';
import { db, RUNNING, snapshotOf, type StoredRegistration } from '../shared/db';
import { SpecError } from '../shared/spec';
import { saveRegistration } from './save/downloads';
import { publishProgress } from './state/progress';
import { queueClick } from './sw-events/delivery';
import { settle } from './state/settle';
import { updateSiteSettings } from './state/sites';
import { announcePermissionChange, answerPermission, applySiteChoice, privateWaiting } from './person/consent';
import { isPrivateKey, storeOf } from './state/stores';
import browser from 'webextension-polyfill';
import { startTransfers, stopTransfers } from './engine/transfer';
import { writeGlobalSettings } from './state/settings';
import { markFailuresSeen } from './person/badge';
import { discardUnfinished } from './engine/cancel';
import { markRemoved, settledKeys, sweepRemovals, undoRemoval } from './engine/removal';

export type AdminHandlers = {
  [T in AdminRequest['type']]: (request: AdminRequestOf<T>) => Promise<AdminReplies[T]>;
};

async function pause(key: string): Promise<boolean> {
  const db = storeOf(key);
  const reg = await db.registrations.get(key);
  if (!reg?.active || reg.paused) return false;
  await db.registrations.update(key, { paused: true });
  await stopTransfers(key, 'paused');
  return true;
}

async function resume(key: string): Promise<boolean> {
  const db = storeOf(key);
  const reg = await db.registrations.get(key);
  if (!reg?.active || !reg.paused) return false;
  await db.registrations.update(key, { paused: false });
  startTransfers(key);
  publishProgress(snapshotOf({ ...reg, paused: false }));
  return true;
}

/**
 * A failed fetch becomes active again: its failed (and never finished) requests go back to
 * pending, finished ones keep their bytes, and the transfers resume from what is stored.
 */
async function retry(key: string): Promise<boolean> {
  const db = storeOf(key);
  const revived = await db.transaction('rw', db.registrations, db.records, async () => {
    const reg = await db.registrations.get(key);
    if (!reg || reg.active || reg.result !== 'failure' || reg.failureReason === 'aborted') return undefined;
    const clash = await db.registrations
      .where('[storeId+scope+id]')
      .equals([reg.storeId, reg.scope, reg.id])
      .filter((other) => other.active === 1)
      .count();
    if (clash) {
      throw new SpecError('InvalidStateError', `The site started a new fetch "${reg.id}"; that one is running instead.`);
    }
    // Once the site's worker took the bodies (disposal.ts), nothing is kept: every request again.
    await db.records
      .where('regKey')
      .equals(key)
      .filter((record) => reg.released === true || record.state === 'failed' || record.state === 'aborted')
      .modify(reg.released ? { state: 'pending', failure: '', response: null, stored: 0, validator: null } : { state: 'pending', failure: '' });
    // The records are live again: the site reads them when the success event arrives.
    const next: StoredRegistration = {
      ...reg,
      files: countFiles(await db.records.where('regKey').equals(key).toArray()),
      ...RUNNING,
      released: false,
      ...(reg.released ? { downloaded: 0 } : {}),
    };
    await db.registrations.put(next);
    return next;
  });
  if (!revived) return false;
  startTransfers(key);
  publishProgress(snapshotOf(revived));
  return true;
}

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
    'admin.pause': ({ key }) => pause(key),
    'admin.resume': ({ key }) => resume(key),
    async 'admin.abort'({ key }) {
      const aborted = await settle(key, 'failure', 'aborted');
      if (aborted) {
        await stopTransfers(key, 'aborted');
        await discardUnfinished(key);
      }
      return aborted;
    },
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
      const running = await db.registrations.where('active').equals(1).filter((reg) => !reg.paused).primaryKeys();
      const done = await Promise.all(running.map(pause));
      return done.filter(Boolean).length;
    },
    async 'admin.resumeAll'() {
      const paused = await db.registrations.where('active').equals(1).filter((reg) => reg.paused).primaryKeys();
      const done = await Promise.all(paused.map(resume));
      return done.filter(Boolean).length;
    },
    'admin.retry': ({ key }) => retry(key),
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
