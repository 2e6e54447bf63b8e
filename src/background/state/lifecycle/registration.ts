// A fetch's transitions (REGISTRATION_EDGES in transitions.ts), each one Dexie transaction that
// reads the row, asks the table whether the transition may leave its state, and writes. A refused
// transition (a stale click, a race with another one) changes nothing and says so: false or
// undefined. What follows a transition outside the store (transfers starting or stopping) is the
// caller's: src/background/engine/control.ts.
import type { Table } from 'dexie';
import {
  RUNNING,
  snapshotOf,
  type BgFetchDb,
  type RetryInfo,
  type StoredRecord,
  type StoredRegistration,
  type StoredSwEvent,
  type StoredUpload,
} from '../../../shared/db';
import { countFiles } from '../../../shared/file-counts';
import type { DeliveryOutcome, SwEventType } from '../../../shared/protocol';
import {
  LIMITS,
  SpecError,
  typeError,
  type BackgroundFetchFailureReason,
  type BackgroundFetchResult,
  type SerializedRequest,
} from '../../../shared/spec';
import { withoutFormatCharacters } from '../../../shared/text';
import { isAsking } from '../../../shared/fetch-state';
import { announceChange } from '../changes';
import { publishProgress } from '../progress';
import { storeOf } from '../stores';
import { abortPendingRecords, NO_BODY, reopenRecords } from './records';
import { lifecycleStateOf, mayLeave, type RegistrationTransition } from './transitions';

/** Reads the row in a transaction over `tables` and runs `change` if `via` may leave its state. */
async function transition<T>(
  regKey: string,
  via: RegistrationTransition,
  tables: (db: BgFetchDb) => Table[],
  change: (reg: StoredRegistration, db: BgFetchDb) => Promise<T>,
): Promise<T | undefined> {
  const db = storeOf(regKey);
  return db.transaction('rw', [db.registrations, ...tables(db)], async () => {
    const reg = await db.registrations.get(regKey);
    if (!reg || !mayLeave(lifecycleStateOf(reg), via)) return undefined;
    return change(reg, db);
  });
}

const none = (): Table[] => [];

/**
 * A new fetch with its records and request bodies, if the site may start it: no other active
 * fetch `clashes` (the same id for the same service-worker registration), and the site's limits
 * hold. Resolves to whether it is the site's only active fetch.
 */
export async function createFetch(
  db: BgFetchDb,
  reg: StoredRegistration,
  records: StoredRecord[],
  uploads: StoredUpload[],
  clashes: (other: StoredRegistration) => boolean,
): Promise<{ firstOfSite: boolean }> {
  // One read-write transaction: two concurrent fetch() calls with one id cannot both pass.
  return db.transaction('rw', db.registrations, db.records, db.uploads, async () => {
    const sameSiteActive = await db.registrations
      .where('[storeId+origin]')
      .equals([reg.storeId, reg.origin])
      .filter((other) => other.active === 1)
      .toArray();
    if (sameSiteActive.some(clashes)) {
      throw typeError(`There is already an active background fetch with the id "${reg.id}".`);
    }
    const sameSite = sameSiteActive.length;
    if (sameSite >= LIMITS.activeFetchesPerSite) {
      throw typeError(`A site may run at most ${LIMITS.activeFetchesPerSite} background fetches at once.`);
    }
    const queued = sameSiteActive.reduce((sum, other) => sum + other.recordCount, 0);
    if (queued + records.length > LIMITS.activeRecordsPerSite) {
      throw typeError(
        `A site may have at most ${LIMITS.activeRecordsPerSite} requests in its active background fetches; ` +
          `it has ${queued}, and this fetch adds ${records.length}.`,
      );
    }
    reg.files = countFiles(records);
    await db.registrations.add(reg);
    await db.records.bulkAdd(records);
    if (uploads.length) await db.uploads.bulkAdd(uploads);
    return { firstOfSite: sameSite === 0 };
  });
}

/** The row of a new fetch: running, or waiting for the person's answer (`ask`). */
export function newRegistration(
  fields: Omit<StoredRegistration, keyof typeof RUNNING | 'downloaded' | 'uploaded' | 'waiting'>,
  ask: boolean,
): StoredRegistration {
  return { ...fields, uploaded: 0, downloaded: 0, ...RUNNING, ...(ask ? { waiting: 'permission' as const } : {}) };
}

/** A new fetch's record: pending, nothing received. */
export function newRecord(regKey: string, index: number, request: SerializedRequest): StoredRecord {
  return { regKey, index, request, state: 'pending', ...NO_BODY, failure: '' };
}

async function thenPublish(reg: StoredRegistration | undefined): Promise<boolean> {
  if (!reg) return false;
  announceChange(reg.key);
  publishProgress(snapshotOf(reg));
  return true;
}

/** The person allowed the site: the fetch may send its requests. */
export async function allow(regKey: string): Promise<boolean> {
  const next = await transition(regKey, 'allow', none, async (reg, db) => {
    if (!isAsking(reg)) return undefined;
    await db.registrations.update(regKey, { waiting: null });
    return { ...reg, waiting: null };
  });
  return thenPublish(next);
}

/** A pause forgets why the fetch was waiting (its transfers stop), but not that it waits for the person. */
export async function pause(regKey: string): Promise<boolean> {
  const paused = await transition(regKey, 'pause', none, async (reg, db) => {
    await db.registrations.update(regKey, {
      paused: true,
      waiting: reg.waiting === 'permission' ? 'permission' : null,
      retry: null,
    });
    return true;
  });
  if (paused) announceChange(regKey);
  return !!paused;
}

export async function resume(regKey: string): Promise<boolean> {
  const next = await transition(regKey, 'resume', none, async (reg, db) => {
    await db.registrations.update(regKey, { paused: false });
    return { ...reg, paused: false };
  });
  return thenPublish(next);
}

/**
 * Why a moving fetch moves no byte (`offline`, `retrying`, with what the popup says about the
 * next try), or that it moves again (`null`).
 */
export async function wait(regKey: string, why: 'offline' | 'retrying' | null, retry?: RetryInfo): Promise<boolean> {
  const via = why === 'offline' ? 'waitOffline' : why === 'retrying' ? 'waitRetry' : 'proceed';
  const changed = await transition(regKey, via, none, async (_reg, db) => {
    await db.registrations.update(
      regKey,
      why ? (retry ? { waiting: why, retry } : { waiting: why }) : { waiting: null, retry: null },
    );
    return true;
  });
  if (changed) announceChange(regKey);
  return !!changed;
}

/** A worker event of `type` for the fetch, as it waits in the queue (one of each type per fetch). */
export function queuedEvent(reg: StoredRegistration, type: SwEventType): StoredSwEvent {
  return {
    id: `${reg.key}:${type}`,
    regKey: reg.key,
    storeId: reg.storeId,
    origin: reg.origin,
    scope: reg.scope,
    type,
    createdAt: Date.now(),
    attempts: 0,
  };
}

type SettledListener = (reg: StoredRegistration) => void;
const settledListeners: SettledListener[] = [];

/** Badge, notifications and service-worker events hook in here. */
export function onSettled(listener: SettledListener): void {
  settledListeners.push(listener);
}

/**
 * The one place a fetch leaves the active state (spec: "When it settles"), with the site's
 * worker event queued in the same transaction, so a stop right after cannot lose it. Returns
 * false if the transition was refused (settled already, paused, never existed).
 */
export async function settle(
  regKey: string,
  result: Exclude<BackgroundFetchResult, ''>,
  failureReason: BackgroundFetchFailureReason,
): Promise<boolean> {
  const via = failureReason === 'aborted' ? 'abort' : result === 'success' ? 'succeed' : 'fail';
  const settled = await transition(
    regKey,
    via,
    (db) => [db.records, db.swEvents],
    async (current, db) => {
      const next: StoredRegistration = { ...current, active: 0, result, failureReason, settledAt: Date.now() };
      await db.registrations.put(next);
      if (via === 'abort') await abortPendingRecords(db, regKey);
      const type = via === 'abort' ? 'abort' : via === 'succeed' ? 'success' : 'fail';
      await db.swEvents.put(queuedEvent(next, type));
      return next;
    },
  );
  if (!settled) return false;
  await thenPublish(settled);
  for (const listener of settledListeners) {
    try {
      listener(settled);
    } catch (error) {
      console.error('bgfetch: settled listener failed', error);
    }
  }
  return true;
}

/**
 * A failed fetch becomes active again: its failed (and never finished) requests go back to
 * pending, finished ones keep their bytes, and the transfers resume from what is stored. Refused
 * with InvalidStateError when the site started a new fetch of that id meanwhile.
 */
export async function retry(regKey: string): Promise<boolean> {
  const revived = await transition(
    regKey,
    'retry',
    (db) => [db.records],
    async (reg, db) => {
      const clash = await db.registrations
        .where('[storeId+scope+id]')
        .equals([reg.storeId, reg.scope, reg.id])
        .filter((other) => other.active === 1)
        .count();
      if (clash) {
        throw new SpecError(
          'InvalidStateError',
          `The site started a new fetch "${reg.id}"; that one is running instead.`,
        );
      }
      // Once the site's worker took the bodies (release), nothing is kept: every request again.
      await reopenRecords(db, regKey, reg.released === true);
      // The records are live again: the site reads them when the success event arrives.
      const next: StoredRegistration = {
        ...reg,
        files: countFiles(await db.records.where('regKey').equals(regKey).toArray()),
        ...RUNNING,
        released: false,
        ...(reg.released ? { downloaded: 0 } : {}),
      };
      await db.registrations.put(next);
      return next;
    },
  );
  return thenPublish(revived);
}

/**
 * A queued worker event was delivered: it leaves the queue; a handler's updateUI() changes the
 * title and icons; and once a handler ran for the final event, records stop being available
 * (spec: "When it settles", 4). Resolves to whether that ended the records' availability, whether
 * the bodies may now be released, and the row if its icons changed.
 */
export async function eventHandled(
  event: StoredSwEvent,
  outcome: Exclude<DeliveryOutcome, { outcome: 'no-worker' }>,
): Promise<{ ended: boolean; releasable: boolean; iconChanged?: StoredRegistration }> {
  const db = storeOf(event.regKey);
  const done = await db.transaction('rw', db.swEvents, db.registrations, async () => {
    await db.swEvents.delete(event.id);
    const reg = await db.registrations.get(event.regKey);
    if (!reg) return { ended: false, releasable: false };
    const change: Partial<StoredRegistration> = {};
    // A worker without the shim (Chromium without the opt-in import) ran no handler: the page
    // is the site's only reader then, so its records stay available. A final event of a fetch
    // retried meanwhile (active again) ends nothing.
    if (outcome.outcome === 'handled' && event.type !== 'click' && mayLeave(lifecycleStateOf(reg), 'handled')) {
      change.recordsAvailable = false;
    }
    if (outcome.outcome === 'handled' && outcome.ui) {
      if (outcome.ui.title !== undefined) change.title = withoutFormatCharacters(outcome.ui.title);
      if (outcome.ui.icons !== undefined) change.icons = outcome.ui.icons;
    }
    await db.registrations.update(event.regKey, change);
    // Released only once a handler ran: with none, the page is the site's only reader.
    const releasable = change.recordsAvailable === false && outcome.outcome === 'handled' && outcome.listened;
    return {
      ended: change.recordsAvailable === false,
      releasable,
      ...(change.icons ? { iconChanged: { ...reg, icons: change.icons } } : {}),
    };
  });
  announceChange(event.regKey);
  // Every live registration object of the fetch reads recordsAvailable false from now on.
  const reg = await db.registrations.get(event.regKey);
  if (reg && !reg.recordsAvailable) publishProgress(snapshotOf(reg));
  return done;
}

/** Deletes the stored bodies of a fetch whose records are no longer available; false if refused. */
export async function release(regKey: string): Promise<boolean> {
  const released = await transition(
    regKey,
    'release',
    (db) => [db.chunks, db.uploads],
    async (reg, db) => {
      if (reg.recordsAvailable || reg.released) return false;
      await db.chunks.where('regKey').equals(regKey).delete();
      // A failed fetch keeps its (bounded) request bodies: the person may still retry it.
      const retryable = reg.result === 'failure' && reg.failureReason !== 'aborted';
      if (!retryable) await db.uploads.where('regKey').equals(regKey).delete();
      await db.registrations.update(regKey, { released: true });
      return true;
    },
  );
  if (released) announceChange(regKey);
  return !!released;
}

/**
 * Marks a settled fetch removed until `removeAt` (undoable until then). Resolves to whether the
 * site's worker has not had it yet, or undefined if refused.
 */
export async function markRemoved(regKey: string, removeAt: number): Promise<boolean | undefined> {
  const marked = await transition(
    regKey,
    'remove',
    (db) => [db.swEvents],
    async (reg, db) => {
      await db.registrations.update(regKey, { removeAt });
      // Its final event still waits for a window of the site, or its handler has not finished.
      if (await db.swEvents.where('regKey').equals(reg.key).count()) return true;
      return reg.result === 'success' && !reg.released;
    },
  );
  if (marked !== undefined) announceChange(regKey);
  return marked;
}

export async function undoRemove(regKey: string): Promise<boolean> {
  const undone = await transition(regKey, 'undoRemove', none, async (_reg, db) => {
    await db.registrations.update(regKey, { removeAt: 0 });
    return true;
  });
  if (undone) announceChange(regKey);
  return !!undone;
}

/** A settled fetch and everything stored for it, now. */
export async function deleteSettled(regKey: string): Promise<boolean> {
  const deleted = await transition(
    regKey,
    'delete',
    (db) => [db.records, db.chunks, db.uploads, db.icons],
    async (_reg, db) => {
      await db.chunks.where('regKey').equals(regKey).delete();
      await db.uploads.where('regKey').equals(regKey).delete();
      await db.records.where('regKey').equals(regKey).delete();
      await db.icons.delete(regKey);
      await db.registrations.delete(regKey);
      return true;
    },
  );
  return !!deleted;
}
