// Streaming transfers: each response body goes into the store in chunks of about 1 MiB, with
// `downloaded` updated in the same transaction, so a restart resumes from what is stored.
import { db, snapshotOf, type StoredRecord, type StoredRegistration } from '../shared/db';
import { holdAlive } from './keepalive';
import { corsAllows, exposedHeaders, isCrossOrigin, sendsCredentials } from './policy';
import { publishProgress } from './progress';
import { announceChange } from './changes';
import { settle } from './settle';
import { Semaphore } from './semaphore';
import type { BackgroundFetchFailureReason } from '../shared/spec';

const CHUNK_BYTES = 1 << 20;
/** A slow transfer still reports progress (and survives a restart) at least this often. */
const FLUSH_MS = 500;
const MAX_RETRIES = 5;
const PER_FETCH_CONNECTIONS = 4;
const globalConnections = new Semaphore(8);

/** A record that cannot succeed; the registration fails with `reason`. */
export class TransferFailure extends Error {
  constructor(
    readonly reason: Exclude<BackgroundFetchFailureReason, '' | 'aborted'>,
    message: string,
  ) {
    super(message);
  }
}

/** Thrown when stored bytes cannot be continued and the request must start from zero. */
class RestartFromZero extends Error {}

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

/** On every background start: continue whatever was running when it stopped. */
export async function resumeAllTransfers(): Promise<void> {
  const active = await db.registrations.where('active').equals(1).toArray();
  for (const reg of active) if (!reg.paused) startTransfers(reg.key);
}

async function runRegistration(regKey: string, signal: AbortSignal): Promise<void> {
  const reg = await db.registrations.get(regKey);
  if (!reg?.active || reg.paused) return;
  const queue = (await db.records.where('regKey').equals(regKey).toArray()).filter(
    (record) => record.state === 'pending',
  );
  // The first failure stops the other requests of the fetch (spec: "While it runs").
  const inner = new AbortController();
  const stopInner = () => inner.abort(signal.reason);
  signal.addEventListener('abort', stopInner);
  let failure: TransferFailure | undefined;
  const worker = async () => {
    for (let record = queue.shift(); record && !inner.signal.aborted; record = queue.shift()) {
      const slot = await globalConnections.acquire(inner.signal);
      if (!slot) return;
      try {
        await transferWithRetries(reg, record, inner.signal);
      } catch (error) {
        if (inner.signal.aborted) return;
        failure = error instanceof TransferFailure ? error : new TransferFailure('fetch-error', String(error));
        inner.abort(failure);
        await db.records.update([regKey, record.index], { state: 'failed', failure: failure.reason });
      } finally {
        slot.release();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PER_FETCH_CONNECTIONS, queue.length) }, worker));
  signal.removeEventListener('abort', stopInner);
  if (signal.aborted) return;
  if (failure) {
    console.warn('bgfetch: fetch failed', reg.id, failure.reason, failure.message);
    await settle(regKey, 'failure', failure.reason);
  } else {
    await settle(regKey, 'success', '');
  }
}

async function transferWithRetries(reg: StoredRegistration, record: StoredRecord, signal: AbortSignal) {
  for (let attempt = 0; ; attempt++) {
    try {
      await transferOnce(reg, record.index, signal);
      return;
    } catch (error) {
      if (signal.aborted || error instanceof TransferFailure) throw error;
      if (attempt >= MAX_RETRIES) throw new TransferFailure('fetch-error', String(error));
      if (error instanceof RestartFromZero) {
        await discardBody(reg.key, record.index);
        continue;
      }
      await waitUntilOnline(signal);
      await sleep(Math.min(250 * 2 ** attempt, 8000), signal);
    }
  }
}

async function transferOnce(reg: StoredRegistration, index: number, signal: AbortSignal): Promise<void> {
  const record = await db.records.get([reg.key, index]);
  if (!record || record.state !== 'pending') return;
  const { request } = record;
  const headers = new Headers(request.headers);
  const resumeFrom = record.stored;
  if (resumeFrom > 0) {
    if (!record.validator) throw new RestartFromZero();
    headers.set('Range', `bytes=${resumeFrom}-`);
    headers.set('If-Range', record.validator);
  }
  const upload = request.method === 'GET' || request.method === 'HEAD' ? undefined : await db.uploads.get([reg.key, index]);
  const withCredentials = sendsCredentials(reg.origin, request);
  const response = await fetch(request.url, {
    method: request.method,
    headers,
    body: upload?.data,
    credentials: withCredentials ? 'include' : 'omit',
    cache: request.cache === 'only-if-cached' ? 'default' : request.cache,
    redirect: request.redirect,
    integrity: request.integrity || undefined,
    signal,
  });
  if (upload) await addUploaded(reg.key, upload.data.byteLength);

  const crossOrigin = isCrossOrigin(reg.origin, response.url || request.url);
  if (crossOrigin && !corsAllows(reg.origin, response.headers, withCredentials)) {
    throw new TransferFailure('fetch-error', `CORS refused ${response.url} for ${reg.origin}`);
  }
  if (response.type === 'opaqueredirect') {
    throw new TransferFailure('bad-status', `Redirect not followed (redirect: "${request.redirect}")`);
  }

  let offset = 0;
  if (resumeFrom > 0 && response.status === 206) {
    const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
    if (!range || Number(range[1]) !== resumeFrom) throw new RestartFromZero();
    offset = resumeFrom;
  } else if (resumeFrom > 0) {
    // 200 to a range request: the resource changed or ranges are unsupported; start over.
    await discardBody(reg.key, index);
  }
  if (offset === 0) await storeResponseHead(reg, index, response, crossOrigin, withCredentials);

  if (response.body) await streamBody(reg.key, index, response.body, offset, signal);
  if (!response.ok) {
    await db.records.update([reg.key, index], { state: 'failed', failure: 'bad-status' });
    throw new TransferFailure('bad-status', `${request.method} ${request.url} answered ${response.status}`);
  }
  await db.records.update([reg.key, index], { state: 'done' });
  announceChange(reg.key);
}

async function storeResponseHead(
  reg: StoredRegistration,
  index: number,
  response: Response,
  crossOrigin: boolean,
  withCredentials: boolean,
): Promise<void> {
  const etag = response.headers.get('etag');
  const strongEtag = etag && !etag.startsWith('W/') ? etag : null;
  const encoded = response.headers.has('content-encoding');
  const length = Number(response.headers.get('content-length') ?? NaN);
  await db.records.update([reg.key, index], {
    response: {
      status: response.status,
      statusText: response.statusText,
      headers: exposedHeaders(response.headers, crossOrigin, withCredentials),
      url: response.url,
    },
    // Ranges address encoded bytes; the store holds decoded ones, so encoded bodies restart.
    validator: encoded || !response.ok ? null : (strongEtag ?? response.headers.get('last-modified')),
    expectedLength: encoded || !Number.isFinite(length) ? null : length,
  });
  announceChange(reg.key);
}

async function streamBody(
  regKey: string,
  index: number,
  body: ReadableStream<Uint8Array>,
  startOffset: number,
  signal: AbortSignal,
): Promise<void> {
  const reader = body.getReader();
  let offset = startOffset;
  let parts: Uint8Array[] = [];
  let buffered = 0;
  let lastFlush = Date.now();
  const flush = async () => {
    if (buffered === 0) return;
    const data = new Uint8Array(buffered);
    let at = 0;
    for (const part of parts) {
      data.set(part, at);
      at += part.byteLength;
    }
    parts = [];
    const length = buffered;
    buffered = 0;
    lastFlush = Date.now();
    await appendChunk(regKey, index, offset, data.buffer);
    offset += length;
  };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parts.push(value);
      buffered += value.byteLength;
      if (buffered >= CHUNK_BYTES || Date.now() - lastFlush >= FLUSH_MS) await flush();
    }
    await flush();
  } catch (error) {
    // Keep what arrived: the next attempt resumes after it.
    if (!signal.aborted) await flush().catch(() => undefined);
    throw error;
  } finally {
    reader.releaseLock();
  }
}

/** One transaction: the bytes, the record's offset and the registration's `downloaded`. */
async function appendChunk(regKey: string, index: number, start: number, data: ArrayBuffer): Promise<void> {
  const reg = await db.transaction('rw', db.registrations, db.records, db.chunks, async () => {
    const current = await db.registrations.get(regKey);
    const record = await db.records.get([regKey, index]);
    if (!current?.active || !record || record.stored !== start) {
      throw new DOMException('The fetch changed while writing', 'AbortError');
    }
    const downloaded = current.downloaded + data.byteLength;
    if (current.downloadTotal > 0 && downloaded > current.downloadTotal) {
      throw new TransferFailure(
        'download-total-exceeded',
        `Downloaded ${downloaded} bytes, more than the downloadTotal of ${current.downloadTotal}`,
      );
    }
    await db.chunks.add({ regKey, index, start, data });
    await db.records.update([regKey, index], { stored: start + data.byteLength });
    await db.registrations.update(regKey, { downloaded });
    return { ...current, downloaded };
  });
  announceChange(regKey);
  publishProgress(snapshotOf(reg));
}

async function addUploaded(regKey: string, bytes: number): Promise<void> {
  const reg = await db.transaction('rw', db.registrations, async () => {
    const current = await db.registrations.get(regKey);
    if (!current) return undefined;
    const uploaded = Math.min(current.uploadTotal, current.uploaded + bytes);
    await db.registrations.update(regKey, { uploaded });
    return { ...current, uploaded };
  });
  if (reg) publishProgress(snapshotOf(reg));
}

/** Drop a record's stored body (before a restart from zero) and un-count its bytes. */
async function discardBody(regKey: string, index: number): Promise<void> {
  await db.transaction('rw', db.registrations, db.records, db.chunks, async () => {
    const record = await db.records.get([regKey, index]);
    const reg = await db.registrations.get(regKey);
    if (!record || !reg) return;
    await db.chunks.where('[regKey+index+start]').between([regKey, index, 0], [regKey, index, Infinity]).delete();
    await db.records.update([regKey, index], { stored: 0, response: null, validator: null, expectedLength: null });
    await db.registrations.update(regKey, { downloaded: Math.max(0, reg.downloaded - record.stored) });
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

async function waitUntilOnline(signal: AbortSignal): Promise<void> {
  while (!navigator.onLine && !signal.aborted) await sleep(1000, signal);
}
