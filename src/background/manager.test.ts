// The spec's algorithms against a real (in-memory) IndexedDB: fake-indexeddb under Dexie, with
// the network replaced by a `fetch` mock whose bodies the tests control.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import browser from 'webextension-polyfill';
import { GLOBAL_SETTINGS_KEY } from '../shared/protocol';
import { chunkSize, db, uploadSize, type StoredChunk, type StoredRegistration } from '../shared/db';
import type { PageRequestOf } from '../shared/protocol';
import { LIMITS, SpecError, type SerializedRequest } from '../shared/spec';
import { createPageHandlers, requestMatches } from './manager';
import type { Caller } from './policy';
import { endPrivateSession, PRIVATE_KEY_PREFIX, storeOf } from './stores';
import { serializedRequest, storedRegistration } from '../../test/unit/fixtures';
import { CHUNK_BYTES, discardBody } from './chunks';
import { isRunning, stopTransfers } from './transfer';
import { answerPermission } from './consent';
import { countFiles } from '../shared/file-counts';

const handlers = createPageHandlers();
const caller: Caller = { origin: 'https://a.example', topLevelSite: 'https://a.example', storeId: 'default', incognito: false, tabId: 1 };
const scope = 'https://a.example/';
const MiB = 1 << 20;

// ---------------------------------------------------------------------------------------------
// Requests and messages


type Outgoing = PageRequestOf<'fetch'>['requests'][number];
const outgoing = (url: string, extra: Partial<Outgoing> = {}): Outgoing => ({ ...serializedRequest(url), body: null, ...extra });

function fetchMessage(
  id: string,
  requests: Outgoing[] = [outgoing('https://a.example/file')],
  downloadTotal = 0,
  scopeOf = scope,
): PageRequestOf<'fetch'> {
  return { type: 'fetch', scope: scopeOf, id, requests, options: { title: 'T', icons: [], downloadTotal } };
}

const noOptions = { ignoreSearch: false, ignoreMethod: false, ignoreVary: false };

// ---------------------------------------------------------------------------------------------
// The network

interface Hit {
  url: string;
  init: RequestInit;
}
let hits: Hit[] = [];
let route: (url: string, init: RequestInit, attempt: number) => Response | Promise<Response>;

/** A body the test writes piece by piece; it errors when the fetch's signal aborts, as fetch's does. */
function heldBody() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  return {
    stream,
    push: (bytes: Uint8Array) => controller.enqueue(bytes),
    close: () => controller.close(),
    fail: (error: unknown) => controller.error(error),
  };
}

/** A body of `bytes` in pieces of `piece` bytes, as a network would deliver it. */
function pieces(bytes: Uint8Array, piece = 64 * 1024): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(at, at + piece));
      at += piece;
    },
  });
}

/** Wires a response body to the request's signal the way a real fetch does. */
function abortable(body: ReadableStream<Uint8Array>, signal: AbortSignal | null | undefined) {
  if (!signal) return body;
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const stop = () => {
        try {
          controller.error(signal.reason);
        } catch {
          // already closed
        }
        void reader.cancel().catch(() => undefined);
      };
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
    },
    async pull(controller) {
      const { value, done } = await reader.read();
      if (signal.aborted) return;
      if (done) controller.close();
      else controller.enqueue(value);
    },
  });
}

const random = (length: number) => new Uint8Array(randomBytes(length));

// ---------------------------------------------------------------------------------------------
// Waiting and reading back

const started: string[] = [];

async function start(message: PageRequestOf<'fetch'>, who: Caller = caller) {
  const snapshot = await handlers.fetch(who, message);
  started.push(snapshot.key);
  return snapshot;
}

async function settled(key: string, timeout = 5_000): Promise<StoredRegistration> {
  return vi.waitFor(
    async () => {
      const reg = await db.registrations.get(key);
      if (!reg || reg.active || isRunning(key)) throw new Error(`${key} has not settled`);
      return reg;
    },
    { timeout, interval: 5 },
  );
}

async function readAll(key: string, index: number, who: Caller = caller, scopeOf = scope): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (;;) {
    const reply = await handlers.readBody(who, { type: 'readBody', scope: scopeOf, key, index, offset });
    const data = await bytesOf(reply.parts);
    parts.push(data);
    offset += data.byteLength;
    if (reply.done) break;
    if (data.byteLength === 0) throw new Error('readBody returned nothing and is not done');
  }
  return concat(parts);
}

/** The bytes of body parts (or of stored chunks), in order. */
async function bytesOf(parts: (Blob | ArrayBuffer)[]): Promise<Uint8Array> {
  return new Uint8Array(await new Blob(parts).arrayBuffer());
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/** Byte-for-byte equality; vitest's deep equality walks big arrays element by element. */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array) {
  expect(actual.byteLength).toBe(expected.byteLength);
  expect(Buffer.compare(Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength), Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength))).toBe(0);
}

async function rejection(promise: Promise<unknown>): Promise<SpecError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return error as SpecError;
  }
  throw new Error('expected a rejection');
}

async function tableCounts() {
  return {
    registrations: await db.registrations.count(),
    records: await db.records.count(),
    chunks: await db.chunks.count(),
    uploads: await db.uploads.count(),
  };
}

// ---------------------------------------------------------------------------------------------

beforeEach(() => {
  // New sites are asked first (consent.ts); these tests are about what happens once allowed.
  vi.spyOn(browser.storage.local, 'get').mockResolvedValue({ [GLOBAL_SETTINGS_KEY]: { defaultPermission: 'allow', startNotifications: false } });
  hits = [];
  route = () => new Response('ok');
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init = {}) => {
    const url = String(input instanceof Request ? input.url : input);
    hits.push({ url, init });
    // As fetch does: an aborted signal rejects at once.
    init.signal?.throwIfAborted();
    const response = await route(url, init, hits.filter((hit) => hit.url === url).length);
    init.signal?.throwIfAborted();
    if (!response.body) return response;
    return new Response(abortable(response.body, init.signal), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  });
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});

afterEach(async () => {
  // Leave no transfer running into the next test, then empty the store.
  for (const key of started.splice(0)) {
    await stopTransfers(key, 'test over');
    expect(isRunning(key)).toBe(false);
  }
  await Promise.all(db.tables.map((table) => table.clear()));
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('fetch()', () => {
  it('stores the registration and its records, and answers with a fresh snapshot', async () => {
    const held = heldBody();
    route = () => new Response(held.stream);
    const post = outgoing('https://a.example/upload', { method: 'POST', body: new Uint8Array(10) });
    const postBase64 = outgoing('https://a.example/upload2', { method: 'PUT', body: new TextEncoder().encode('hello') });
    const snapshot = await start(
      fetchMessage('first', [outgoing('https://a.example/a'), post, postBase64, outgoing('https://a.example/a')], 1234),
    );
    expect(snapshot).toEqual({
      key: expect.any(String),
      id: 'first',
      uploadTotal: 15,
      uploaded: 0,
      downloadTotal: 1234,
      downloaded: 0,
      result: '',
      failureReason: '',
      recordsAvailable: true,
    });
    const reg = (await db.registrations.get(snapshot.key))!;
    expect(reg).toMatchObject({
      origin: caller.origin,
      storeId: 'default',
      scope,
      id: 'first',
      active: 1,
      recordCount: 4,
      title: 'T',
    });
    const records = await db.records.where('regKey').equals(snapshot.key).sortBy('index');
    expect(records.map((r) => [r.index, r.request.url, r.request.method, r.state])).toEqual([
      [0, 'https://a.example/a', 'GET', 'pending'],
      [1, 'https://a.example/upload', 'POST', 'pending'],
      [2, 'https://a.example/upload2', 'PUT', 'pending'],
      [3, 'https://a.example/a', 'GET', 'pending'],
    ]);
    expect(records.every((record) => !('body' in record.request))).toBe(true);
    const uploads = await db.uploads.where('regKey').equals(snapshot.key).sortBy('index');
    expect(uploads.map((u) => [u.index, uploadSize(u)])).toEqual([
      [1, 10],
      [2, 5],
    ]);
    // Small bodies stay inline, as small chunks do.
    expect(new TextDecoder().decode(uploads[1]!.data as ArrayBuffer)).toBe('hello');
    // matchAll hands each record's request body out with it (record.request keeps its body).
    const infos = await handlers.matchAll(caller, { type: 'matchAll', scope, key: snapshot.key, request: null, options: { ignoreSearch: false, ignoreMethod: false, ignoreVary: false } });
    expect(await Promise.all(infos.map((info) => info.body?.text()))).toEqual([undefined, expect.any(String), 'hello', undefined]);
    await handlers.abort(caller, { type: 'abort', scope, key: snapshot.key });
  });

  it('sends upload bodies and counts them as uploaded', async () => {
    route = () => new Response('done');
    const body = random(3000);
    const { key } = await start(fetchMessage('up', [outgoing('https://a.example/u', { method: 'POST', body })]));
    const reg = await settled(key);
    expect(reg).toMatchObject({ result: 'success', uploadTotal: 3000, uploaded: 3000 });
    expect(hits).toHaveLength(1);
    expect(hits[0]!.init.method).toBe('POST');
    expect(new Uint8Array(hits[0]!.init.body as ArrayBuffer)).toEqual(body);
  });

  it('refuses a duplicate active id, and allows it again once the first settled', async () => {
    const held = heldBody();
    route = () => new Response(held.stream);
    const first = await start(fetchMessage('dup'));
    const error = await rejection(start(fetchMessage('dup')));
    expect(error.specName).toBe('TypeError');
    expect(await db.registrations.count()).toBe(1);

    held.push(random(10));
    held.close();
    expect((await settled(first.key)).result).toBe('success');
    route = () => new Response('again');
    const second = await start(fetchMessage('dup'));
    expect(second.key).not.toBe(first.key);
    await settled(second.key);
  });

  it('lets exactly one of two concurrent fetches with one id through', async () => {
    const held = heldBody();
    route = () => new Response(held.stream);
    const results = await Promise.allSettled([start(fetchMessage('race')), start(fetchMessage('race'))]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((rejected.reason as SpecError).specName).toBe('TypeError');
    expect(await db.registrations.where('active').equals(1).count()).toBe(1);
  });

  it('allows the same id in another scope, origin or container', async () => {
    const held = heldBody();
    route = () => new Response(held.stream);
    await start(fetchMessage('same'));
    await start(fetchMessage('same', undefined, 0, 'https://a.example/other/'));
    const b: Caller = { ...caller, origin: 'https://b.example' };
    await start(fetchMessage('same', [outgoing('https://b.example/f')], 0, 'https://b.example/'), b);
    await start(fetchMessage('same'), { ...caller, storeId: 'firefox-container-1' });
    expect(await db.registrations.count()).toBe(4);
  });

  it('refuses a scope of another origin, without writing anything', async () => {
    const error = await rejection(start(fetchMessage('x', undefined, 0, 'https://b.example/')));
    expect(error.specName).toBe('TypeError');
    expect(await tableCounts()).toEqual({ registrations: 0, records: 0, chunks: 0, uploads: 0 });
  });

  it.each([
    ['file:', outgoing('file:///etc/passwd')],
    ['moz-extension:', outgoing('moz-extension://abc/x')],
    ['credentials in the URL', outgoing('https://u:p@a.example/')],
    ['no-cors', outgoing('https://a.example/f', { mode: 'no-cors' })],
  ])('refuses a request (%s) with TypeError, without writing anything', async (_name, request) => {
    const error = await rejection(start(fetchMessage('bad', [outgoing('https://a.example/ok'), request])));
    expect(error.specName).toBe('TypeError');
    expect(await tableCounts()).toEqual({ registrations: 0, records: 0, chunks: 0, uploads: 0 });
    expect(hits).toHaveLength(0);
  });

  it('refuses a blocked site with TypeError', async () => {
    await db.sites.put({
      origin: caller.origin,
      settings: { origin: caller.origin, blocked: true, autoSave: false, useExtension: false },
    });
    const error = await rejection(start(fetchMessage('blocked')));
    expect(error.specName).toBe('TypeError');
    expect(error.message).toMatch(/permission/);
    expect(await db.registrations.count()).toBe(0);
    // Another site is not affected.
    const b: Caller = { ...caller, origin: 'https://b.example' };
    route = () => new Response('x');
    const { key } = await start(fetchMessage('fine', [outgoing('https://b.example/f')], 0, 'https://b.example/'), b);
    await settled(key);
  });

  it('asks (the default for new sites): resolves at once, fetches nothing until the person answers; Always allow is remembered', async () => {
    vi.spyOn(browser.storage.local, 'get').mockResolvedValue({ [GLOBAL_SETTINGS_KEY]: { startNotifications: false } });
    route = () => new Response('x');
    const waiting = await start(fetchMessage('asked'));
    expect(waiting.result).toBe('');
    expect((await db.registrations.get(waiting.key))?.waiting).toBe('permission');
    expect(await handlers.permission(caller, { type: 'permission' })).toBe('prompt');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(hits).toHaveLength(0);
    expect(await answerPermission(waiting.key, 'always')).toBe(1);
    expect((await settled(waiting.key)).result).toBe('success');
    expect(hits).toHaveLength(1);
    expect(await handlers.permission(caller, { type: 'permission' })).toBe('granted');
    const next = await start(fetchMessage('next'));
    expect((await db.registrations.get(next.key))?.waiting ?? null).toBeNull();
    await settled(next.key);
  });

  it('Block on a waiting fetch settles it as aborted, and later fetches reject', async () => {
    vi.spyOn(browser.storage.local, 'get').mockResolvedValue({ [GLOBAL_SETTINGS_KEY]: { startNotifications: false } });
    const waiting = await start(fetchMessage('to-block'));
    expect(await answerPermission(waiting.key, 'block')).toBe(1);
    const reg = await db.registrations.get(waiting.key);
    expect([reg?.result, reg?.failureReason]).toEqual(['failure', 'aborted']);
    expect(hits).toHaveLength(0);
    expect(await handlers.permission(caller, { type: 'permission', known: 'prompt' })).toBe('denied');
    const error = await rejection(start(fetchMessage('after')));
    expect(error.message).toBe('This origin does not have permission to start a fetch.');
  });

  it("keeps a private window's fetch in memory only, apart from normal windows, until the session ends", async () => {
    const inPrivate: Caller = { ...caller, storeId: 'firefox-private', incognito: true };
    const body = randomBytes(3000);
    route = () => new Response(body);
    const snapshot = await start(fetchMessage('private'), inPrivate);
    expect(snapshot.key.startsWith(PRIVATE_KEY_PREFIX)).toBe(true);
    expect(await db.registrations.count()).toBe(0);
    expect(await handlers.getIds(inPrivate, { type: 'getIds', scope })).toEqual(['private']);
    expect(await handlers.getIds(caller, { type: 'getIds', scope })).toEqual([]);
    const done = await vi.waitFor(
      async () => {
        const reg = await storeOf(snapshot.key).registrations.get(snapshot.key);
        if (!reg || reg.active || isRunning(snapshot.key)) throw new Error('not settled');
        return reg;
      },
      { timeout: 5_000, interval: 5 },
    );
    expect(done.result).toBe('success');
    expect(await readAll(snapshot.key, 0, inPrivate)).toEqual(new Uint8Array(body));
    // Neither the disk store nor a normal window's caller can reach it.
    expect(await db.chunks.count()).toBe(0);
    const fromNormal = await rejection(handlers.matchAll(caller, { type: 'matchAll', scope, key: snapshot.key, request: null, options: { ignoreSearch: false, ignoreMethod: false, ignoreVary: false } }));
    expect(fromNormal.specName).toBe('InvalidStateError');
    await endPrivateSession();
    expect(await handlers.getIds(inPrivate, { type: 'getIds', scope })).toEqual([]);
    const afterEnd = await rejection(handlers.matchAll(inPrivate, { type: 'matchAll', scope, key: snapshot.key, request: null, options: { ignoreSearch: false, ignoreMethod: false, ignoreVary: false } }));
    expect(afterEnd.specName).toBe('InvalidStateError');
    await endPrivateSession();
  });

  it('refuses a downloadTotal no storage can hold with QuotaExceededError', async () => {
    const error = await rejection(start(fetchMessage('huge', undefined, Number.MAX_SAFE_INTEGER)));
    expect(error.specName).toBe('QuotaExceededError');
    expect(await db.registrations.count()).toBe(0);
  });

  it('counts what the origin already uses against the quota', async () => {
    vi.spyOn(navigator.storage, 'estimate').mockResolvedValue({ quota: 1000, usage: 900 });
    const error = await rejection(start(fetchMessage('tight', undefined, 101)));
    expect(error.specName).toBe('QuotaExceededError');
    route = () => new Response('ok');
    const { key } = await start(fetchMessage('fits', undefined, 100));
    await settled(key);
  });

  it(`refuses more than ${LIMITS.activeFetchesPerSite} active fetches per site`, async () => {
    const now = Date.now();
    await db.registrations.bulkAdd(
      Array.from({ length: LIMITS.activeFetchesPerSite }, (_, i) =>
        storedRegistration(`filler-${i}`, {
          origin: caller.origin,
          scope: i % 2 ? scope : 'https://a.example/other/',
          paused: true,
          recordCount: 0,
          createdAt: now,
        }),
      ),
    );
    const error = await rejection(start(fetchMessage('one-too-many')));
    expect(error.specName).toBe('TypeError');
    // Another container of the same site has its own allowance.
    const held = heldBody();
    route = () => new Response(held.stream);
    await start(fetchMessage('other-container'), { ...caller, storeId: 'firefox-container-1' });
  });
});

describe('the counters on the registration row (issue 16 item 9)', () => {
  it(`refuses a fetch that would take a site over ${LIMITS.activeRecordsPerSite} active requests, with a TypeError that says so`, async () => {
    const now = Date.now();
    await db.registrations.bulkAdd(
      Array.from({ length: 2 }, (_, i) =>
        storedRegistration(`queued-${i}`, { origin: caller.origin, paused: true, recordCount: LIMITS.requestsPerFetch, createdAt: now }),
      ),
    );
    const error = await rejection(start(fetchMessage('over', [outgoing('https://a.example/one-more')])));
    expect(error.specName).toBe('TypeError');
    expect(error.message).toMatch(/at most 20000 requests/);
    // A settled fetch's records do not count, nor another site's.
    await db.registrations.update('queued-0', { active: 0 });
    route = () => new Response('ok');
    const { key } = await start(fetchMessage('fits-now', [outgoing('https://a.example/one-more')]));
    await settled(key);
  });

  it('done, failed and expected bytes follow the records as the fetch runs, without the popup reading a record', async () => {
    route = (url) => (url.endsWith('/missing') ? new Response('no', { status: 404 }) : new Response('hello', { headers: { 'content-length': '5' } }));
    const { key } = await start(fetchMessage('counted', [outgoing('https://a.example/a'), outgoing('https://a.example/b')]));
    await settled(key);
    expect((await db.registrations.get(key))?.files).toEqual({ done: 2, failed: 0, started: 2, unknownLength: 0, expectedBytes: 10 });

    const failing = await start(fetchMessage('counted-fail', [outgoing('https://a.example/missing')]));
    await settled(failing.key);
    expect((await db.registrations.get(failing.key))?.files).toMatchObject({ done: 0, failed: 1 });
    // The counters equal a count from the records.
    for (const regKey of [key, failing.key]) {
      const records = await db.records.where('regKey').equals(regKey).toArray();
      expect((await db.registrations.get(regKey))?.files).toEqual(countFiles(records));
    }
  });
});

describe('get() and getIds()', () => {
  it("list only the caller's active fetches of that scope", async () => {
    const held = heldBody();
    route = () => new Response(held.stream);
    const b: Caller = { ...caller, origin: 'https://b.example' };
    const container: Caller = { ...caller, storeId: 'firefox-container-1' };
    const one = await start(fetchMessage('one'));
    await start(fetchMessage('two'));
    await start(fetchMessage('elsewhere', undefined, 0, 'https://a.example/other/'));
    await start(fetchMessage('theirs', [outgoing('https://b.example/f')], 0, 'https://b.example/'), b);
    await start(fetchMessage('contained'), container);

    // Order among fetches created in the same millisecond is not defined.
    expect((await handlers.getIds(caller, { type: 'getIds', scope })).sort()).toEqual(['one', 'two']);
    expect(await handlers.getIds(container, { type: 'getIds', scope })).toEqual(['contained']);
    expect(await handlers.getIds(b, { type: 'getIds', scope: 'https://b.example/' })).toEqual(['theirs']);

    const got = await handlers.get(caller, { type: 'get', scope, id: 'one' });
    expect(got).toMatchObject({ key: one.key, id: 'one', result: '' });
    for (const id of ['theirs', 'contained', 'elsewhere', 'nope']) {
      expect(await handlers.get(caller, { type: 'get', scope, id })).toBeNull();
    }

    // Once settled, a fetch is no longer listed.
    expect(await handlers.abort(caller, { type: 'abort', scope, key: one.key })).toBe(true);
    expect(await handlers.getIds(caller, { type: 'getIds', scope })).toEqual(['two']);
    expect(await handlers.get(caller, { type: 'get', scope, id: 'one' })).toBeNull();
  });

  it("refuse another origin's scope", async () => {
    expect((await rejection(handlers.getIds(caller, { type: 'getIds', scope: 'https://b.example/' }))).specName).toBe(
      'TypeError',
    );
    expect((await rejection(handlers.get(caller, { type: 'get', scope: 'https://b.example/', id: 'x' }))).specName).toBe(
      'TypeError',
    );
  });
});

describe('abort()', () => {
  it('returns true, then false, and the registration ends failure/aborted', async () => {
    const held = heldBody();
    route = () => new Response(held.stream, { headers: { etag: '"v1"' } });
    const { key } = await start(fetchMessage('abort-me', [outgoing('https://a.example/a'), outgoing('https://a.example/b')]));
    held.push(random(100));
    await vi.waitFor(() => expect(hits.length).toBeGreaterThan(0));

    expect(await handlers.abort(caller, { type: 'abort', scope, key })).toBe(true);
    expect(await handlers.abort(caller, { type: 'abort', scope, key })).toBe(false);
    const reg = await settled(key);
    expect(reg).toMatchObject({ active: 0, result: 'failure', failureReason: 'aborted' });
    expect(isRunning(key)).toBe(false);
    const records = await db.records.where('regKey').equals(key).toArray();
    expect(records.every((record) => record.state === 'aborted')).toBe(true);
    // The transfer's signal was aborted.
    expect(hits.every((hit) => hit.init.signal?.aborted)).toBe(true);
    // responseReady rejects with AbortError.
    const error = await rejection(handlers.responseHead(caller, { type: 'responseHead', scope, key, index: 1 }));
    expect(error.specName).toBe('AbortError');
  });

  it('stops a transfer aborted before its first request went out', async () => {
    // Regression: stopTransfers() during the transfer's first reads was lost, so the transfer
    // went on (and stopTransfers, awaiting it, hung while a body stayed open).
    const held = heldBody();
    route = () => new Response(held.stream);
    const { key } = await start(fetchMessage('abort-at-once'));
    expect(await handlers.abort(caller, { type: 'abort', scope, key })).toBe(true);
    expect(isRunning(key)).toBe(false);
    expect(hits.every((hit) => hit.init.signal?.aborted)).toBe(true);
    expect(await settled(key)).toMatchObject({ result: 'failure', failureReason: 'aborted', downloaded: 0 });
  });

  it('returns false for a fetch that already succeeded', async () => {
    route = () => new Response('small');
    const { key } = await start(fetchMessage('done'));
    expect((await settled(key)).result).toBe('success');
    expect(await handlers.abort(caller, { type: 'abort', scope, key })).toBe(false);
    expect((await db.registrations.get(key))!.result).toBe('success');
  });
});

describe('transfers', () => {
  it('complete a body of several chunks; readBody gives it back by offset', async () => {
    const body = random(2 * CHUNK_BYTES + 1.5 * MiB);
    route = () =>
      new Response(pieces(body), {
        headers: { 'content-type': 'application/octet-stream', etag: '"abc"', 'content-length': String(body.byteLength) },
      });
    const { key } = await start(fetchMessage('big', undefined, body.byteLength));
    const reg = await settled(key);
    expect(reg).toMatchObject({ result: 'success', failureReason: '', downloaded: body.byteLength });

    const chunks = await db.chunks.where('regKey').equals(key).sortBy('start');
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    let expectedStart = 0;
    for (const chunk of chunks) {
      // Large chunks are Blobs (see BLOB_BYTES).
      if (chunkSize(chunk) >= MiB) expect(chunk.data).toBeInstanceOf(Blob);
      expect(chunkSize(chunk)).toBeLessThanOrEqual(CHUNK_BYTES);
      expect(chunk.start).toBe(expectedStart);
      expectedStart += chunkSize(chunk);
    }
    expectSameBytes(await bytesOf(chunks.map((chunk) => chunk.data)), body);

    const record = (await db.records.get([key, 0]))!;
    expect(record).toMatchObject({ state: 'done', stored: body.byteLength, validator: '"abc"', expectedLength: body.byteLength });

    expectSameBytes(await readAll(key, 0), body);
    // From the middle of a chunk.
    const offset = MiB + 12345;
    const { parts, done } = await handlers.readBody(caller, { type: 'readBody', scope, key, index: 0, offset });
    // Every stored chunk from there on, in one reply.
    expect(parts.length).toBe(chunks.length);
    const tail = await bytesOf(parts);
    expectSameBytes(tail, body.subarray(offset));
    expect(done).toBe(true);
    // At the end.
    const end = await handlers.readBody(caller, { type: 'readBody', scope, key, index: 0, offset: body.byteLength });
    expect(end.parts).toEqual([]);
    expect(end.done).toBe(true);

    const head = await handlers.responseHead(caller, { type: 'responseHead', scope, key, index: 0 });
    expect(head.status).toBe(200);
    expect(head.headers).toContainEqual(['etag', '"abc"']);
    expect(head.headers).toContainEqual(['content-type', 'application/octet-stream']);
    expect(head.headers.map(([name]) => name)).not.toContain('content-length');
  });

  it('give back bodies an earlier version stored as ArrayBuffers, from any offset', async () => {
    const body = random(3000);
    route = () => new Response(body);
    const { key } = await start(fetchMessage('old-store'));
    await settled(key);
    // Rewrite the stored chunk the way stores before Blob chunks held it, split in two.
    await db.chunks.where('regKey').equals(key).delete();
    const old: StoredChunk[] = [
      { regKey: key, index: 0, start: 0, data: body.slice(0, 1000).buffer },
      { regKey: key, index: 0, start: 1000, data: body.slice(1000).buffer },
    ];
    await db.chunks.bulkAdd(old);
    expectSameBytes(await readAll(key, 0), body);
    const { parts, done } = await handlers.readBody(caller, { type: 'readBody', scope, key, index: 0, offset: 500 });
    expect(parts.map((part) => part.size)).toEqual([500, 2000]);
    expectSameBytes(await bytesOf(parts), body.subarray(500));
    expect(done).toBe(true);
  });

  it('give back what is stored while the body still arrives, and the rest once it came', async () => {
    const held = heldBody();
    route = () => new Response(held.stream);
    const { key } = await start(fetchMessage('arriving'));
    // A whole chunk's worth is written at once.
    const first = random(CHUNK_BYTES);
    held.push(first);
    const early = await handlers.readBody(caller, { type: 'readBody', scope, key, index: 0, offset: 0 });
    expectSameBytes(await bytesOf(early.parts), first);
    expect(early.done).toBe(false);
    const waiting = handlers.readBody(caller, { type: 'readBody', scope, key, index: 0, offset: first.byteLength });
    const rest = random(500);
    held.push(rest);
    held.close();
    const late = await waiting;
    expectSameBytes(await bytesOf(late.parts), rest);
    expect(late.done).toBe(true);
    await settled(key);
  });

  it('fetch several records and keep each body apart', async () => {
    const bodies = new Map([0, 1, 2, 3, 4, 5].map((i) => [`https://a.example/f${i}`, random(1000 * (i + 1))]));
    route = (url) => new Response(pieces(bodies.get(url)!, 700));
    const { key } = await start(fetchMessage('many', [...bodies.keys()].map((url) => outgoing(url))));
    const reg = await settled(key);
    expect(reg.result).toBe('success');
    expect(reg.downloaded).toBe(21_000);
    let index = 0;
    for (const body of bodies.values()) expectSameBytes(await readAll(key, index++), body);
  });

  it('send credentials only where fetch would, and keep cross-origin headers CORS-filtered', async () => {
    route = (url) =>
      new Response('data', {
        headers: url.startsWith('https://cdn.example')
          ? { 'access-control-allow-origin': '*', etag: '"cdn"', 'x-secret': 's', 'content-type': 'text/plain' }
          : { etag: '"own"', 'x-secret': 's' },
      });
    const { key } = await start(
      fetchMessage('cors', [outgoing('https://a.example/own'), outgoing('https://cdn.example/shared')]),
    );
    expect((await settled(key)).result).toBe('success');
    const byUrl = new Map(hits.map((hit) => [hit.url, hit.init]));
    expect(byUrl.get('https://a.example/own')!.credentials).toBe('include');
    expect(byUrl.get('https://cdn.example/shared')!.credentials).toBe('omit');
    const own = await handlers.responseHead(caller, { type: 'responseHead', scope, key, index: 0 });
    expect(own.headers.map(([n]) => n).sort()).toEqual(['content-type', 'etag', 'x-secret']);
    const cdn = await handlers.responseHead(caller, { type: 'responseHead', scope, key, index: 1 });
    expect(cdn.headers.map(([n]) => n)).toEqual(['content-type']);
  });

  it('fail with fetch-error when CORS refuses a cross-origin response', async () => {
    route = () => new Response('secret');
    const { key } = await start(fetchMessage('no-cors-headers', [outgoing('https://b.example/private')]));
    const reg = await settled(key);
    expect(reg).toMatchObject({ result: 'failure', failureReason: 'fetch-error', downloaded: 0 });
    expect(await db.chunks.where('regKey').equals(key).count()).toBe(0);
    expect(hits).toHaveLength(1); // a CORS refusal is not retried
    const error = await rejection(handlers.responseHead(caller, { type: 'responseHead', scope, key, index: 0 }));
    expect(error.specName).toBe('TypeError');
  });

  it('fail with bad-status on a 404 whose head is readable and whose body is empty and not stored (Chromium)', async () => {
    route = () => new Response('not here', { status: 404, statusText: 'Not Found' });
    const { key } = await start(fetchMessage('missing', undefined, 4));
    const reg = await settled(key);
    // 8 bytes of error page against a downloadTotal of 4: not counted, so bad-status stays the reason.
    expect(reg).toMatchObject({ result: 'failure', failureReason: 'bad-status', downloaded: 0 });
    expect(hits).toHaveLength(1); // not retried
    const head = await handlers.responseHead(caller, { type: 'responseHead', scope, key, index: 0 });
    expect(head).toMatchObject({ status: 404, statusText: 'Not Found', type: 'basic', redirected: false });
    expect(await readAll(key, 0)).toHaveLength(0);
    expect(await db.chunks.where('regKey').equals(key).count()).toBe(0);
  });

  it('reject responseReady for a record cut off after its head was stored', async () => {
    route = () => new Response(pieces(random(5000), 1000));
    const { key } = await start(fetchMessage('cut-off', undefined, 1000));
    expect(await settled(key)).toMatchObject({ failureReason: 'download-total-exceeded' });
    const error = await rejection(handlers.responseHead(caller, { type: 'responseHead', scope, key, index: 0 }));
    expect(error.specName).toBe('TypeError');
    expect(error.message).toMatch(/not available/);
  });

  it('stop the other requests at the first failure', async () => {
    const held = heldBody();
    route = (url) => (url.endsWith('/bad') ? new Response('no', { status: 500 }) : new Response(held.stream));
    const { key } = await start(fetchMessage('first-failure', [outgoing('https://a.example/slow'), outgoing('https://a.example/bad')]));
    const reg = await settled(key);
    expect(reg).toMatchObject({ result: 'failure', failureReason: 'bad-status' });
    expect(hits.find((hit) => hit.url.endsWith('/slow'))!.init.signal!.aborted).toBe(true);
  });

  it('fail with download-total-exceeded when more arrives than promised', async () => {
    route = () => new Response(pieces(random(5000), 1000));
    const { key } = await start(fetchMessage('over', undefined, 1000));
    const reg = await settled(key);
    expect(reg).toMatchObject({ result: 'failure', failureReason: 'download-total-exceeded' });
    expect(reg.downloaded).toBeLessThanOrEqual(1000);
    expect(hits).toHaveLength(1);
  });

  it('ignore downloadTotal 0 (unknown size)', async () => {
    route = () => new Response(random(5000));
    const { key } = await start(fetchMessage('unknown', undefined, 0));
    expect(await settled(key)).toMatchObject({ result: 'success', downloaded: 5000 });
  });

  it('waits (offline, retrying with backoff) while the server cannot be reached, instead of failing', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    route = () => Promise.reject(new TypeError('fetch failed'));
    const { key } = await start(fetchMessage('offline-server'));
    for (let i = 0; i < 60; i++) {
      await vi.advanceTimersByTimeAsync(500);
      await new Promise((resolve) => setImmediate(resolve));
    }
    vi.useRealTimers();
    expect(await db.registrations.get(key)).toMatchObject({ active: 1, result: '', waiting: 'offline' });
    expect(hits.length).toBeGreaterThanOrEqual(3);
  });

  it('retry a network error and succeed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    route = (_url, _init, attempt) => (attempt < 3 ? Promise.reject(new TypeError('fetch failed')) : new Response('third time'));
    const { key } = await start(fetchMessage('flaky'));
    for (let i = 0; i < 200 && (await db.registrations.get(key))!.active; i++) {
      await vi.advanceTimersByTimeAsync(250);
      await new Promise((resolve) => setImmediate(resolve));
    }
    vi.useRealTimers();
    const reg = await settled(key);
    expect(reg).toMatchObject({ result: 'success', downloaded: 'third time'.length });
    expect(hits).toHaveLength(3);
    expect(new TextDecoder().decode(await readAll(key, 0))).toBe('third time');
  });

  it('resume an interrupted body with Range and If-Range', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const body = random(1.5 * MiB);
    const cut = MiB + 4096;
    route = (_url, init, attempt) => {
      if (attempt === 1) {
        // A connection that drops after `cut` bytes, each piece read before the error.
        const sent = [body.slice(0, MiB), body.slice(MiB, cut)];
        const dropping = new ReadableStream<Uint8Array>({
          pull(controller) {
            const next = sent.shift();
            if (next) controller.enqueue(next);
            else controller.error(new TypeError('connection reset'));
          },
        });
        return new Response(dropping, { headers: { etag: '"v1"', 'content-length': String(body.byteLength) } });
      }
      const range = new Headers(init.headers).get('range');
      const start = Number(/^bytes=(\d+)-$/.exec(range ?? '')?.[1]);
      return new Response(body.slice(start), {
        status: 206,
        headers: { etag: '"v1"', 'content-range': `bytes ${start}-${body.byteLength - 1}/${body.byteLength}` },
      });
    };
    const { key } = await start(fetchMessage('resume'));
    for (let i = 0; i < 200 && (await db.registrations.get(key))!.active; i++) {
      await vi.advanceTimersByTimeAsync(250);
      await new Promise((resolve) => setImmediate(resolve));
    }
    vi.useRealTimers();
    const reg = await settled(key);
    expect(reg).toMatchObject({ result: 'success', downloaded: body.byteLength });
    expect(hits).toHaveLength(2);
    const retry = new Headers(hits[1]!.init.headers);
    expect(retry.get('range')).toBe(`bytes=${cut}-`);
    expect(retry.get('if-range')).toBe('"v1"');
    expectSameBytes(await readAll(key, 0), body);
    const head = await handlers.responseHead(caller, { type: 'responseHead', scope, key, index: 0 });
    expect(head.status).toBe(200);
  });
});

describe('reading while the body restarts from zero', () => {
  it('a reader that began on the old bytes gets a TypeError, not the new bytes after them', async () => {
    const first = randomBytes(3000);
    route = () => new Response(first, { headers: { etag: '"v1"' } });
    const { key } = await start(fetchMessage('changing'));
    await settled(key);
    const head = await handlers.responseHead(caller, { type: 'responseHead', scope, key, index: 0 });
    expect(head.generation).toBe(0);
    const start0 = await handlers.readBody(caller, { type: 'readBody', scope, key, index: 0, offset: 0, generation: head.generation });
    expect(await bytesOf(start0.parts)).toEqual(new Uint8Array(first));
    // The resource changed on the server: the stored bytes are discarded, the request starts over.
    await discardBody(key, 0);
    const late = await rejection(
      handlers.readBody(caller, { type: 'readBody', scope, key, index: 0, offset: 1000, generation: head.generation }),
    );
    expect(late.specName).toBe('TypeError');
  });
});

describe('matchAll()', () => {
  const urls = [
    'https://a.example/a?x=1',
    'https://a.example/a?x=2',
    'https://a.example/b',
    'https://a.example/a?x=1#frag',
  ];
  async function matchFixture() {
    route = () => new Response('r');
    const requests = urls.map((url, i) => outgoing(url, i === 1 ? { method: 'POST', body: new Uint8Array(1) } : {}));
    const { key } = await start(fetchMessage('match', requests));
    await settled(key);
    return key;
  }
  const indexes = async (key: string, request: SerializedRequest | null, options = noOptions) =>
    (await handlers.matchAll(caller, { type: 'matchAll', scope, key, request, options })).map((r) => r.index);

  it('returns every record without a request, with the request each was made with', async () => {
    const key = await matchFixture();
    const all = await handlers.matchAll(caller, { type: 'matchAll', scope, key, request: null, options: noOptions });
    expect(all.map((r) => [r.index, r.request.url, r.request.method])).toEqual([
      [0, urls[0], 'GET'],
      [1, urls[1], 'POST'],
      [2, urls[2], 'GET'],
      [3, urls[3], 'GET'],
    ]);
  });

  it('filters by URL (fragment ignored), ignoreSearch and ignoreMethod', async () => {
    const key = await matchFixture();
    expect(await indexes(key, serializedRequest('https://a.example/a?x=1'))).toEqual([0, 3]);
    expect(await indexes(key, serializedRequest('https://a.example/a?x=1#other'))).toEqual([0, 3]);
    expect(await indexes(key, serializedRequest('https://a.example/a'))).toEqual([]);
    // A GET query does not match the stored POST (record 1) without ignoreMethod (Chromium).
    expect(await indexes(key, serializedRequest('https://a.example/a'), { ...noOptions, ignoreSearch: true })).toEqual([0, 3]);
    expect(await indexes(key, serializedRequest('https://a.example/a'), { ...noOptions, ignoreSearch: true, ignoreMethod: true })).toEqual([0, 1, 3]);
    expect(await indexes(key, serializedRequest('https://a.example/c'), { ...noOptions, ignoreSearch: true })).toEqual([]);
    // A query matches only records of its own method unless ignoreMethod.
    const put = serializedRequest('https://a.example/a?x=2', { method: 'PUT' });
    expect(await indexes(key, put)).toEqual([]);
    expect(await indexes(key, put, { ...noOptions, ignoreMethod: true })).toEqual([1]);
    expect(await indexes(key, serializedRequest('https://a.example/a?x=2', { method: 'POST' }))).toEqual([1]);
  });

  it('refuses once records are no longer available', async () => {
    const key = await matchFixture();
    await db.registrations.update(key, { recordsAvailable: false });
    const error = await rejection(handlers.matchAll(caller, { type: 'matchAll', scope, key, request: null, options: noOptions }));
    expect(error.specName).toBe('InvalidStateError');
  });
});

describe('ownership', () => {
  it("refuses every handler a key of another origin's, container's or scope's fetch", async () => {
    const held = heldBody();
    route = () => new Response(held.stream);
    const b: Caller = { ...caller, origin: 'https://b.example' };
    const theirs = await start(fetchMessage('theirs', [outgoing('https://b.example/f')], 0, 'https://b.example/'), b);
    const contained = await start(fetchMessage('contained'), { ...caller, storeId: 'firefox-container-1' });
    const otherScope = await start(fetchMessage('other-scope', undefined, 0, 'https://a.example/other/'));

    for (const key of [theirs.key, contained.key, otherScope.key, 'no-such-key']) {
      const attempts = [
        handlers.abort(caller, { type: 'abort', scope, key }),
        handlers.matchAll(caller, { type: 'matchAll', scope, key, request: null, options: noOptions }),
        handlers.responseHead(caller, { type: 'responseHead', scope, key, index: 0 }),
        handlers.readBody(caller, { type: 'readBody', scope, key, index: 0, offset: 0 }),
      ];
      for (const attempt of attempts) expect((await rejection(attempt)).specName).toBe('InvalidStateError');
    }
    // Naming their scope is refused before the key is even looked up.
    const error = await rejection(handlers.abort(caller, { type: 'abort', scope: 'https://b.example/', key: theirs.key }));
    expect(error.specName).toBe('TypeError');
    // And nothing was aborted.
    for (const { key } of [theirs, contained, otherScope]) expect((await db.registrations.get(key))!.active).toBe(1);
  });

  it('refuses a record index the fetch does not have', async () => {
    route = () => new Response('x');
    const { key } = await start(fetchMessage('one-record'));
    await settled(key);
    const error = await rejection(handlers.responseHead(caller, { type: 'responseHead', scope, key, index: 1 }));
    expect(error.specName).toBe('InvalidStateError');
  });
});

describe('requestMatches', () => {
  const options = (extra: Partial<typeof noOptions> = {}) => ({ ...noOptions, ...extra });

  it('compares URLs without fragments', () => {
    expect(requestMatches(serializedRequest('https://a.example/x#1'), serializedRequest('https://a.example/x#2'), options())).toBe(true);
    expect(requestMatches(serializedRequest('https://a.example/x'), serializedRequest('https://a.example/y'), options())).toBe(false);
    expect(requestMatches(serializedRequest('https://a.example/x'), serializedRequest('https://b.example/x'), options())).toBe(false);
    expect(requestMatches(serializedRequest('https://a.example/x?q'), serializedRequest('https://a.example/x'), options())).toBe(false);
  });

  it('ignoreSearch drops the query on both sides', () => {
    const o = options({ ignoreSearch: true });
    expect(requestMatches(serializedRequest('https://a.example/x?q=1'), serializedRequest('https://a.example/x?q=2'), o)).toBe(true);
    expect(requestMatches(serializedRequest('https://a.example/x'), serializedRequest('https://a.example/x?q=2'), o)).toBe(true);
    expect(requestMatches(serializedRequest('https://a.example/x?q=1'), serializedRequest('https://a.example/y?q=1'), o)).toBe(false);
  });

  it('ignoreMethod lets any method match', () => {
    const post = serializedRequest('https://a.example/x', { method: 'POST' });
    const put = serializedRequest('https://a.example/x', { method: 'PUT' });
    expect(requestMatches(post, post, options())).toBe(true);
    expect(requestMatches(put, post, options())).toBe(false);
    expect(requestMatches(put, post, options({ ignoreMethod: true }))).toBe(true);
    const get = serializedRequest('https://a.example/x');
    expect(requestMatches(get, post, options())).toBe(false);
    expect(requestMatches(get, post, options({ ignoreMethod: true }))).toBe(true);
  });

  it('normalises URLs before comparing', () => {
    expect(requestMatches(serializedRequest('https://A.EXAMPLE:443/x'), serializedRequest('https://a.example/x'), options())).toBe(true);
  });
});
