// Streaming transfers: each response body goes into the store in chunks of up to 8 MiB (16 in
// Chromium), with `downloaded` updated in the same transaction, so a restart resumes from what is
// stored.
//
// What can happen to a transfer, and what the engine does:
// - The background is stopped (idle timeout, crash, browser closed): on the next start
//   `resumeAllTransfers()` continues every active fetch with `Range` + `If-Range` from the stored
//   offset (keepalive.ts keeps the background alive while transfers run, and wakes it up).
// - The server answers a Range request with 200, a Content-Range that does not continue the stored
//   bytes, or a different validator: the stored bytes are dropped and the request starts over
//   (attempt.ts).
// - No response, or a transient failure after the server answered: waits and retries
//   (retry-policy.ts), the fetch showing why (waiting.ts).
// - Storage runs out: the fetch fails with quota-exceeded and its unfinished bodies are deleted.
import type { StoredRecord, StoredRegistration } from '../../shared/db';
import { DEFAULT_GLOBAL_SETTINGS } from '../../shared/protocol';
import { watchGlobalSettings } from '../state/settings';
import { everyStore, onPrivateSessionEnd, storeOf } from '../state/stores';
import { holdAlive } from '../keepalive';
import { forgetEstimate, isQuotaError } from './quota';
import { failUnfinished, recordFailed, settle } from '../state/lifecycle';
import { Semaphore, type Slot } from './semaphore';
import { FairSemaphore } from './fair-semaphore';
import { siteOf } from '../site';
import { loadSwitches, switches } from '../switches';
import { discardBody } from './chunks';
import { TransferFailure } from './failure';
import { attemptOnce } from './attempt';
import { RestartFromZero, RetryPolicy, sleepUnlessOnline, waitUntilOnline } from './retry-policy';
import { WaitingState } from './waiting';
import { isMoving, stateOf } from '../../shared/fetch-state';

export { TransferFailure };

const PER_FETCH_CONNECTIONS = 6;
// Browsers open at most 6 connections per host anyway.
const PER_SITE_CONNECTIONS = 6;
/** Overall: the person's "Simultaneous connections" setting (popup), shared fairly between sites. */
export const globalConnections = new FairSemaphore(DEFAULT_GLOBAL_SETTINGS.concurrency);
watchGlobalSettings(({ concurrency }) => globalConnections.resize(concurrency));
const siteConnections = new Map<string, Semaphore>();

interface Run {
  controller: AbortController;
  done: Promise<void>;
}
const runs = new Map<string, Run>();

export function isRunning(regKey: string): boolean {
  return runs.has(regKey);
}

/** Start (or continue) the transfers of an active registration. Idempotent. */
export function startTransfers(regKey: string): void {
  if (runs.has(regKey)) return;
  const controller = new AbortController();
  const release = holdAlive();
  const done = runRegistration(regKey, controller.signal)
    .catch((error: unknown) => console.error('bgfetch: transfer crashed', regKey, error))
    .finally(() => {
      runs.delete(regKey);
      release();
    });
  runs.set(regKey, { controller, done });
}

/** Stop the transfers of a fetch (abort, pause); stored bytes stay. */
export async function stopTransfers(regKey: string, reason: string): Promise<void> {
  const run = runs.get(regKey);
  if (!run) return;
  run.controller.abort(reason);
  await run.done;
}

/** On every background start (and wake-up): continue whatever was running when it stopped. */
export async function resumeAllTransfers(): Promise<void> {
  for (const db of everyStore()) {
    const active = await db.registrations.where('active').equals(1).toArray();
    for (const reg of active) if (stateOf(reg) !== 'paused') startTransfers(reg.key);
  }
}

onPrivateSessionEnd(async (keys) => {
  await Promise.all(keys.map((key) => stopTransfers(key, 'the private session ended')));
});

async function runRegistration(regKey: string, signal: AbortSignal): Promise<void> {
  // The first failure stops the other requests of the fetch (spec: "While it runs"). Linked
  // before anything is awaited: a fetch aborted or paused right after it started stops too.
  const inner = new AbortController();
  const stopInner = () => inner.abort(signal.reason);
  signal.addEventListener('abort', stopInner, { once: true });
  await loadSwitches();
  const db = storeOf(regKey);
  const reg = await db.registrations.get(regKey);
  // Paused, settled, or waiting for the person's permission: not one request (consent.ts).
  const state = reg && stateOf(reg);
  if (!reg || !state || !isMoving(state) || signal.aborted) return;
  const queue = (await db.records.where('regKey').equals(regKey).toArray()).filter(
    (record) => record.state === 'pending',
  );
  const waiting = new WaitingState(regKey, state === 'offline' || state === 'retrying' ? state : null);
  let failure: TransferFailure | undefined;
  const worker = async () => {
    for (let record = queue.shift(); record && !inner.signal.aborted; record = queue.shift()) {
      try {
        await transferWithRetries(reg, record, inner.signal, waiting);
      } catch (error) {
        if (inner.signal.aborted) return;
        failure = error instanceof TransferFailure ? error : new TransferFailure('fetch-error', String(error));
        inner.abort(failure);
        await recordFailed(regKey, record.index, failure.reason);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PER_FETCH_CONNECTIONS, queue.length) }, worker));
  signal.removeEventListener('abort', stopInner);
  await waiting.clear();
  if (signal.aborted) return;
  if (failure) {
    console.warn('bgfetch: fetch failed', reg.id, failure.reason, failure.message);
    await closeUnfinished(regKey, failure.reason);
    await settle(regKey, 'failure', failure.reason);
  } else {
    await settle(regKey, 'success', '');
  }
}

/** After a failure the other requests will never complete (lifecycle: failUnfinished); out of storage, their bytes go at once. */
async function closeUnfinished(regKey: string, reason: TransferFailure['reason']): Promise<void> {
  const reclaim = reason === 'quota-exceeded';
  await failUnfinished(regKey, reason, reclaim);
  if (reclaim) forgetEstimate();
}

function siteSlots(origin: string): Semaphore {
  let slots = siteConnections.get(origin);
  if (!slots) siteConnections.set(origin, (slots = new Semaphore(PER_SITE_CONNECTIONS)));
  return slots;
}

/** A connection slot for the site and one overall; undefined if `signal` aborted first. */
async function acquireConnection(origin: string, signal: AbortSignal): Promise<Slot | undefined> {
  const site = await siteSlots(origin).acquire(signal);
  if (!site) return undefined;
  // Shared by site (registrable domain): a site's many subdomains count as one.
  const global = await globalConnections.acquire(siteOf(origin), signal);
  if (!global) {
    site.release();
    return undefined;
  }
  return {
    release() {
      global.release();
      site.release();
    },
  };
}

async function transferWithRetries(
  reg: StoredRegistration,
  record: StoredRecord,
  signal: AbortSignal,
  waiting: WaitingState,
): Promise<void> {
  const policy = new RetryPolicy(record.request.url);
  // The record as the run read it is current for the first attempt; a retry reads it again.
  let known: StoredRecord | undefined = record;
  for (;;) {
    if (!navigator.onLine) {
      waiting.set(record.index, 'offline');
      await waitUntilOnline(signal);
      policy.online();
    }
    const limits = switches();
    let stored = 0;
    const slot = await acquireConnection(reg.origin, signal);
    if (!slot) throw signal.reason;
    let error: unknown;
    try {
      await attemptOnce({
        reg,
        record: known ?? record.index,
        signal,
        onStored: (bytes) => {
          stored += bytes;
          waiting.set(record.index, null);
        },
        mayRetryStatus: policy.mayRetryStatus(limits),
        connections: globalConnections,
      });
      waiting.set(record.index, null);
      return;
    } catch (caught) {
      error = caught;
    } finally {
      slot.release();
      known = undefined;
    }
    if (signal.aborted) throw signal.reason;
    if (isQuotaError(error)) throw new TransferFailure('quota-exceeded', `The store is full: ${String(error)}`);
    if (error instanceof RestartFromZero) await discardBody(reg.key, record.index);
    const next = policy.next(error, stored, limits);
    if (next.now) continue;
    waiting.set(record.index, next.waiting, next.retry);
    console.info('bgfetch: retrying', record.request.url, `in ${next.delay} ms:`, String(error));
    await sleepUnlessOnline(next.delay, signal);
  }
}
