// Streaming transfers: each response body goes into the store in chunks of up to 8 MiB (16 in
// Chromium), with `downloaded` updated in the same transaction, so a restart resumes from what is
// stored.
//
// What can happen to a transfer, and what the engine does:
// - The background is stopped (idle timeout, crash, browser closed): on the next start
//   `resumeAllTransfers()` continues every active fetch with `Range` + `If-Range` from the stored
//   offset (keepalive.ts keeps the background alive while transfers run, and wakes it up).
// - The server answers a Range request with 200, a Content-Range that does not continue the stored
//   bytes, or a different validator: the stored bytes are dropped and the request starts over.
// - No response at all (server unreachable, network gone): the registration is marked
//   `waiting: 'offline'` and retried with backoff; while `navigator.onLine` is false that wait is
//   unbounded, otherwise it gives up (fetch-error) after `unreachableGiveUpMs`.
// - A transient failure after the server answered (connection reset mid-body, a stall, 429/5xx
//   with Retry-After): `waiting: 'retrying'`, retried with backoff (Retry-After when given) at most
//   `maxRetries` times in a row without progress; any stored byte resets that count.
// - Storage runs out: the fetch fails with quota-exceeded and its unfinished bodies are deleted.
import type { RetryInfo, StoredRecord, StoredRegistration } from '../../shared/db';
import { DEFAULT_GLOBAL_SETTINGS } from '../../shared/protocol';
import { watchGlobalSettings } from '../state/settings';
import { everyStore, onPrivateSessionEnd, storeOf } from '../state/stores';
import { holdAlive } from '../keepalive';
import { exposedHeaders, sendsCredentials } from '../policy';
import { corsFetch, corsVerdict, CorsRefusal } from './cors'; // bgfetch-cors hook
import { announceChange } from '../state/changes';
import { forgetEstimate, isQuotaError } from './quota';
import { settle } from '../state/settle';
import { recountFiles, updateRecord } from '../state/record-update';
import { Semaphore, type Slot } from './semaphore';
import { FairSemaphore } from './fair-semaphore';
import { siteOf } from '../site';
import { loadSwitches, switches } from '../switches';
import { deleteChunks, discardBody, streamBody, writeHead, type HeadWrite } from './chunks';
import { TransferFailure } from './failure';

export { TransferFailure };

/** Backoff caps: a dead server is probed at least this often, a flaky one retried at most this late. */
const UNREACHABLE_RETRY_CAP_MS = 10_000;
const RETRY_CAP_MS = 30_000;
/** A Retry-After further out than this is not waited for: the record fails with bad-status. */
const RETRY_AFTER_MAX_MS = 10 * 60_000;
/** Statuses retried when the server says when to come back (Retry-After). */
const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

const PER_FETCH_CONNECTIONS = 6;
// Browsers open at most 6 connections per host anyway.
const PER_SITE_CONNECTIONS = 6;
/** Overall: the person's "Simultaneous connections" setting (popup), shared fairly between sites. */
export const globalConnections = new FairSemaphore(DEFAULT_GLOBAL_SETTINGS.concurrency);
watchGlobalSettings(({ concurrency }) => globalConnections.resize(concurrency));
const siteConnections = new Map<string, Semaphore>();

/** A slow connection gave its slot up to a waiting site: queued again, not a failure. */
class YieldSlot extends Error {}

/** Thrown when stored bytes cannot be continued and the request must start from zero. */
class RestartFromZero extends Error {}

/** An attempt that failed in a way worth another try. */
class Transient extends Error {
  constructor(
    /** `unreachable`: no response at all; `retrying`: the server answered, then failed. */
    readonly kind: 'unreachable' | 'retrying',
    message: string,
    readonly retryAfterMs?: number,
    readonly status?: number,
  ) {
    super(message);
  }
}

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
    for (const reg of active) if (!reg.paused) startTransfers(reg.key);
  }
}

onPrivateSessionEnd(async (keys) => {
  await Promise.all(keys.map((key) => stopTransfers(key, 'the private session ended')));
});

/** `waiting` on the registration: what the popup shows while no byte moves. */
class WaitingState {
  readonly #byRecord = new Map<number, 'offline' | 'retrying'>();
  #written: 'offline' | 'retrying' | null;
  #writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly regKey: string,
    initial: 'offline' | 'retrying' | null,
  ) {
    this.#written = initial;
  }

  /** `retry`: what the popup says about the wait (written at every retry, not only on a change). */
  set(index: number, state: 'offline' | 'retrying' | null, retry?: RetryInfo): void {
    if (state) this.#byRecord.set(index, state);
    else if (!this.#byRecord.delete(index)) return;
    const states = [...this.#byRecord.values()];
    const next = states.includes('offline') ? 'offline' : states.length ? 'retrying' : null;
    if (next === this.#written && !retry) return;
    this.#written = next;
    const changes: Partial<StoredRegistration> = next ? (retry ? { waiting: next, retry } : { waiting: next }) : { waiting: null, retry: null };
    this.#writes = this.#writes
      .then(() => storeOf(this.regKey).registrations.update(this.regKey, changes))
      .then(() => announceChange(this.regKey))
      .catch(() => undefined);
  }

  /** Clears the state and waits until the store says so. */
  async clear(): Promise<void> {
    this.#byRecord.clear();
    if (this.#written !== null) {
      this.#written = null;
      this.#writes = this.#writes
        .then(() => storeOf(this.regKey).registrations.update(this.regKey, { waiting: null, retry: null }))
        .then(() => undefined);
    }
    await this.#writes.catch(() => undefined);
  }
}

async function runRegistration(regKey: string, signal: AbortSignal): Promise<void> {
  // The first failure stops the other requests of the fetch (spec: "While it runs"). Linked
  // before anything is awaited: a fetch aborted or paused right after it started stops too.
  const inner = new AbortController();
  const stopInner = () => inner.abort(signal.reason);
  signal.addEventListener('abort', stopInner, { once: true });
  await loadSwitches();
  const db = storeOf(regKey);
  const reg = await db.registrations.get(regKey);
  // Waiting for the person's permission: not one request until they allow (consent.ts).
  if (!reg?.active || reg.paused || reg.waiting === 'permission' || signal.aborted) return;
  const queue = (await db.records.where('regKey').equals(regKey).toArray()).filter(
    (record) => record.state === 'pending',
  );
  const waiting = new WaitingState(regKey, reg.waiting ?? null);
  let failure: TransferFailure | undefined;
  const worker = async () => {
    for (let record = queue.shift(); record && !inner.signal.aborted; record = queue.shift()) {
      try {
        await transferWithRetries(reg, record, inner.signal, waiting);
      } catch (error) {
        if (inner.signal.aborted) return;
        failure = error instanceof TransferFailure ? error : new TransferFailure('fetch-error', String(error));
        inner.abort(failure);
        await updateRecord(regKey, record.index, { state: 'failed', failure: failure.reason });
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

/**
 * After a failure the other requests of the fetch were stopped: they will never complete, so
 * their records fail too (responseReady rejects instead of waiting forever). Out of storage,
 * their partial bodies are deleted at once to give the space back; after other failures they
 * stay, so that retrying the fetch from the popup resumes them.
 */
async function closeUnfinished(regKey: string, reason: TransferFailure['reason']): Promise<void> {
  const reclaim = reason === 'quota-exceeded';
  const db = storeOf(regKey);
  await db.transaction('rw', db.registrations, db.records, db.chunks, async () => {
    const records = await db.records.where('regKey').equals(regKey).toArray();
    for (const record of records) {
      const unfinished = record.state === 'pending' || (record.state === 'failed' && record.failure !== 'bad-status');
      if (!unfinished) continue;
      const changes: Partial<StoredRecord> = { state: 'failed', failure: record.state === 'failed' ? record.failure : reason };
      if (reclaim && record.stored > 0) {
        await deleteChunks(regKey, record.index);
        Object.assign(changes, { stored: 0, response: null, validator: null, expectedLength: null });
      }
      await db.records.update([regKey, record.index], changes);
    }
    await recountFiles(db, regKey);
  });
  if (reclaim) forgetEstimate();
  announceChange(regKey);
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

/** Bytes this attempt stored, so a retry knows whether it made progress. */
interface Attempt {
  stored: number;
}

async function transferWithRetries(
  reg: StoredRegistration,
  record: StoredRecord,
  signal: AbortSignal,
  waiting: WaitingState,
): Promise<void> {
  let failures = 0; // transient failures in a row without a stored byte
  let unreachableTries = 0;
  // Time spent waiting for an unreachable server, counted in retry delays rather than by the
  // clock: a computer asleep for a night has not been waiting for the server all that time.
  let unreachableWaited = 0;
  // The record as the run read it is current for the first attempt; a retry reads it again.
  let known: StoredRecord | undefined = record;
  for (;;) {
    if (!navigator.onLine) {
      waiting.set(record.index, 'offline');
      await waitUntilOnline(signal);
      unreachableWaited = 0;
    }
    const { maxRetries, retryBaseMs, unreachableGiveUpMs } = switches();
    const attempt: Attempt = { stored: 0 };
    const slot = await acquireConnection(reg.origin, signal);
    if (!slot) throw signal.reason;
    let error: unknown;
    try {
      await transferOnce(reg, known ?? record.index, signal, attempt, waiting, failures < maxRetries);
      waiting.set(record.index, null);
      return;
    } catch (caught) {
      error = caught;
    } finally {
      slot.release();
      known = undefined;
    }
    if (signal.aborted) throw signal.reason;
    // Gave its slot to another site: straight back into the queue (resumes with Range).
    if (error instanceof YieldSlot) continue;
    if (error instanceof TransferFailure) throw error;
    if (isQuotaError(error)) throw new TransferFailure('quota-exceeded', `The store is full: ${String(error)}`);
    if (attempt.stored > 0) {
      failures = 0;
      unreachableTries = 0;
      unreachableWaited = 0;
    }
    if (error instanceof RestartFromZero) {
      await discardBody(reg.key, record.index);
      if (++failures > maxRetries) throw new TransferFailure('fetch-error', `Gave up restarting ${record.request.url}`);
      continue;
    }
    let delay: number;
    if (error instanceof Transient && error.kind === 'unreachable') {
      if (!navigator.onLine) continue; // offline: wait for the network, whatever it takes
      if (unreachableWaited >= unreachableGiveUpMs) {
        throw new TransferFailure('fetch-error', `${record.request.url} unreachable: ${error.message}`);
      }
      delay = Math.min(retryBaseMs * 2 ** unreachableTries++, UNREACHABLE_RETRY_CAP_MS);
      unreachableWaited += delay;
      waiting.set(record.index, 'offline', { host: hostOf(record.request.url), attempt: unreachableTries + 1, retryAt: Date.now() + delay });
    } else {
      if (++failures > maxRetries) throw new TransferFailure('fetch-error', `${record.request.url}: ${String(error)}`);
      const retryAfter = error instanceof Transient ? error.retryAfterMs : undefined;
      delay = retryAfter ?? Math.min(retryBaseMs * 2 ** (failures - 1), RETRY_CAP_MS);
      const status = error instanceof Transient ? error.status : undefined;
      waiting.set(record.index, 'retrying', {
        host: hostOf(record.request.url),
        attempt: failures + 1,
        retryAt: Date.now() + delay,
        ...(status ? { status } : {}),
      });
    }
    console.info('bgfetch: retrying', record.request.url, `in ${delay} ms:`, String(error));
    await sleepUnlessOnline(delay, signal);
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}

async function transferOnce(
  reg: StoredRegistration,
  /** The record, if the caller holds a current copy; else its index, to read it. */
  which: StoredRecord | number,
  outer: AbortSignal,
  attempt: Attempt,
  waiting: WaitingState,
  mayRetryStatus: boolean,
): Promise<void> {
  const db = storeOf(reg.key);
  let record = typeof which === 'number' ? await db.records.get([reg.key, which]) : which;
  if (!record || record.state !== 'pending') return;
  const { index } = record;
  const { request } = record;
  const resumable = request.method === 'GET';
  if (record.stored > 0 && (!resumable || !record.validator)) {
    // Nothing to resume from: no validator, or a request that must be sent again whole.
    await discardBody(reg.key, index);
    record = { ...record, stored: 0, response: null, validator: null, expectedLength: null };
  }
  const headers = new Headers(request.headers);
  const resumeFrom = record.stored;
  if (resumeFrom > 0) {
    headers.set('Range', `bytes=${resumeFrom}-`);
    headers.set('If-Range', record.validator!);
  }
  const upload = resumable || request.method === 'HEAD' ? undefined : await db.uploads.get([reg.key, index]);
  const withCredentials = sendsCredentials(reg.origin, request);

  // Cut the attempt when nothing arrives for `stallMs` (headers or body), then retry it.
  const stall = new AbortController();
  const signal = AbortSignal.any([outer, stall.signal]);
  const { stallMs, trickleFloorBytesPerSec, trickleWindowMs } = switches();
  let lastActivity = Date.now();
  // The speed floor: bytes received in the current window, from when it began.
  let windowStart = Date.now();
  let windowBytes = 0;
  const group = siteOf(reg.origin);
  // While a request body is being sent nothing is received: the floor applies from the answer on.
  let answered = !upload;
  const watchdog = setInterval(() => {
    const now = Date.now();
    if (now - lastActivity >= stallMs) stall.abort(new Transient('retrying', `nothing received for ${stallMs} ms`));
    if (!answered) windowStart = now;
    if (now - windowStart < trickleWindowMs) return;
    const floor = (trickleFloorBytesPerSec * (now - windowStart)) / 1000;
    if (windowBytes < floor && globalConnections.othersWaiting(group)) {
      stall.abort(new YieldSlot(`${request.url}: ${windowBytes} bytes in ${now - windowStart} ms while another site waits`));
    }
    windowStart = now;
    windowBytes = 0;
  }, Math.max(100, Math.min(1000, stallMs / 4, trickleWindowMs / 4)));
  const touch = (bytes = 0) => {
    lastActivity = Date.now();
    windowBytes += bytes;
  };
  const stalled = () => (stall.signal.aborted && !outer.aborted ? (stall.signal.reason as Transient | YieldSlot) : undefined);

  try {
    let response: Response;
    try {
      // bgfetch-cors hook (policy.ts/cors.ts owner): a CORS request from the site's origin.
      response = await corsFetch(
        reg.origin,
        request,
        {
          method: request.method,
          headers,
          body: upload?.data,
          credentials: withCredentials ? 'include' : 'omit',
          // The background's HTTP cache is the default jar's, on disk: a container or private
          // window neither reads it (what it holds is not theirs) nor writes to it.
          cache: reg.storeId !== 'default' ? 'no-store' : request.cache === 'only-if-cached' ? 'default' : request.cache,
          redirect: request.redirect,
          integrity: request.integrity || undefined,
          signal,
        },
        reg.storeId,
        reg.topLevelSite,
        reg.connectSrc,
      );
    } catch (error) {
      if (outer.aborted) throw error;
      if (error instanceof CorsRefusal) throw new TransferFailure('fetch-error', error.message); // bgfetch-cors hook
      const timedOut = stalled();
      if (timedOut) throw timedOut;
      // Subresource integrity failures reject too; they are not a network that went away.
      if (request.integrity || request.redirect === 'error') throw new Transient('retrying', String(error));
      throw new Transient('unreachable', String(error));
    }
    touch();
    answered = true;

    // bgfetch-cors hook: every hop CORS-checked (cors.ts); `credentialed` as fetch() decided it.
    const verdict = corsVerdict(reg.origin, request, response, withCredentials);
    const { crossOrigin, withCredentials: credentialed } = verdict;
    if (!verdict.allowed) {
      await response.body?.cancel().catch(() => undefined);
      throw new TransferFailure('fetch-error', verdict.why ?? `CORS refused ${response.url} for ${reg.origin}`);
    }
    if (response.type === 'opaqueredirect') {
      throw new TransferFailure('bad-status', `Redirect not followed (redirect: "${request.redirect}")`);
    }

    // Asked to come back later: not a final answer while retries remain.
    const retryAfter = retryAfterMs(response);
    if (RETRYABLE_STATUSES.has(response.status) && retryAfter !== undefined && mayRetryStatus) {
      await response.body?.cancel().catch(() => undefined);
      throw new Transient('retrying', `${request.url} answered ${response.status}`, retryAfter, response.status);
    }

    let offset = 0;
    if (resumeFrom > 0 && response.status === 206) {
      if (!continuesStored(record, response)) {
        await response.body?.cancel().catch(() => undefined);
        throw new RestartFromZero(`${request.url}: the 206 does not continue the stored bytes`);
      }
      offset = resumeFrom;
    } else if (resumeFrom > 0 && response.status === 416) {
      await response.body?.cancel().catch(() => undefined);
      throw new RestartFromZero(`${request.url}: the stored range is no longer satisfiable`);
    } else if (resumeFrom > 0) {
      // 200 to a range request: the resource changed or ranges are unsupported; start over.
      await discardBody(reg.key, index);
    }
    // Not awaited: the head joins the body's first write when that comes soon (small files).
    const headStored = offset === 0
      ? writeHead(reg.key, index, responseHead(response, crossOrigin, credentialed, upload?.data.byteLength ?? 0))
      : undefined;
    headStored?.catch(() => undefined);

    let stored = offset;
    let completed = false;
    if (!response.ok) {
      // Chromium keeps no byte of a failed request: its record's body is empty, and what the
      // server said does not count against downloadTotal.
      await response.body?.cancel().catch(() => undefined);
    } else if (response.body) {
      const onStored = (bytes: number) => {
        attempt.stored += bytes;
        waiting.set(index, null);
      };
      // A good response is marked done in the same transaction as its last bytes.
      ({ stored, completed } = await streamBody(reg.key, index, response.body, offset, outer, signal, onStored, touch, response.ok));
    }
    await headStored;
    if (!response.ok) {
      await updateRecord(reg.key, index, { state: 'failed', failure: 'bad-status' });
      throw new TransferFailure('bad-status', `${request.method} ${request.url} answered ${response.status}`);
    }
    if (!completed) {
      // A connection closed early can look like a complete body: check against Content-Length.
      const expected = (await db.records.get([reg.key, index]))?.expectedLength;
      if (response.body && request.method !== 'HEAD' && expected != null && stored < expected) {
        throw new Transient('retrying', `${request.url} ended after ${stored} of ${expected} bytes`);
      }
      await updateRecord(reg.key, index, { state: 'done' });
    }
    announceChange(reg.key);
  } catch (error) {
    throw stalled() ?? error;
  } finally {
    clearInterval(watchdog);
  }
}

/** A 206 continues the stored bytes when it starts there, has the same total and validator. */
function continuesStored(record: StoredRecord, response: Response): boolean {
  const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
  if (!range || Number(range[1]) !== record.stored) return false;
  if (record.expectedLength !== null && range[3] !== '*' && Number(range[3]) !== record.expectedLength) return false;
  const etag = response.headers.get('etag');
  if (etag && record.validator?.startsWith('"') && etag !== record.validator) return false;
  return true;
}

/** Retry-After in ms (seconds or an HTTP date), if present and not absurdly far away. */
function retryAfterMs(response: Response): number | undefined {
  const value = response.headers.get('retry-after')?.trim();
  if (!value) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - Date.now();
  if (!Number.isFinite(ms) || ms > RETRY_AFTER_MAX_MS) return undefined;
  return Math.max(0, ms);
}

/** What the store keeps of a response: CORS-filtered head, validator and length for resuming. */
function responseHead(response: Response, crossOrigin: boolean, withCredentials: boolean, uploadBytes: number): HeadWrite {
  const etag = response.headers.get('etag');
  const strongEtag = etag && !etag.startsWith('W/') ? etag : null;
  const encoded = response.headers.has('content-encoding');
  const length = Number(response.headers.get('content-length') ?? NaN);
  return {
    response: {
      status: response.status,
      statusText: response.statusText,
      headers: exposedHeaders(response.headers, crossOrigin, withCredentials),
      url: response.url,
      type: crossOrigin ? 'cors' : 'basic',
      redirected: response.redirected,
    },
    // Ranges address encoded bytes; the store holds decoded ones, so encoded bodies restart.
    validator: encoded || !response.ok ? null : (strongEtag ?? response.headers.get('last-modified')),
    expectedLength: encoded || !Number.isFinite(length) ? null : length,
    // The server answered, so it received the whole request body: count it, once per record.
    uploadBytes,
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', stop);
    };
    const stop = () => {
      done();
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      done();
      resolve();
    }, ms);
    signal.addEventListener('abort', stop, { once: true });
  });
}

/** A retry delay that ends early when the browser comes back online. */
function sleepUnlessOnline(ms: number, signal: AbortSignal): Promise<void> {
  const online = new AbortController();
  const wake = () => online.abort();
  globalThis.addEventListener?.('online', wake);
  return sleep(ms, AbortSignal.any([signal, online.signal]))
    .catch((error: unknown) => {
      if (signal.aborted) throw error;
    })
    .finally(() => globalThis.removeEventListener?.('online', wake));
}

async function waitUntilOnline(signal: AbortSignal): Promise<void> {
  while (!navigator.onLine && !signal.aborted) await sleepUnlessOnline(5000, signal);
  if (signal.aborted) throw signal.reason;
}
