// Transfers through the page handlers against a real (in-memory) IndexedDB: bodies in chunks and
// read back by offset, CORS and credentials, failures, retries and Range resumption. The
// network is the engine harness's fake `fetch`, whose bodies the tests control.
import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { chunkSize, db, type StoredChunk } from '../shared/db';
import { CHUNK_BYTES, discardBody } from './engine/chunks';
import {
  bytesOf,
  caller,
  expectSameBytes,
  fetchMessage as fetchMessageOf,
  outgoing,
  rejection,
  SCOPE,
  useEngine,
  type Outgoing,
} from '../../test/unit/engine-harness/engine';
import {
  droppingBody,
  heldBody,
  pieces,
  random,
  rangeResponse,
  useFakeNetwork,
} from '../../test/unit/engine-harness/network';

const network = useFakeNetwork();
const engine = useEngine();
const { hits } = network;
const { handlers, start, settled, readAll } = engine;
const scope = SCOPE;
const MiB = 1 << 20;

/** A fetch() message with the title "T" (the harness's, positional). */
const fetchMessage = (id: string, requests?: Outgoing[], downloadTotal = 0, scopeOf = scope) =>
  fetchMessageOf(id, requests, { downloadTotal, scope: scopeOf, title: 'T' });

describe('transfers', () => {
  it('complete a body of several chunks; readBody gives it back by offset', async () => {
    const body = random(2 * CHUNK_BYTES + 1.5 * MiB);
    network.route = () =>
      new Response(pieces(body), {
        headers: {
          'content-type': 'application/octet-stream',
          etag: '"abc"',
          'content-length': String(body.byteLength),
        },
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
    expect(record).toMatchObject({
      state: 'done',
      stored: body.byteLength,
      validator: '"abc"',
      expectedLength: body.byteLength,
    });

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
    network.route = () => new Response(body);
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
    network.route = () => new Response(held.stream);
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
    network.route = (url) => new Response(pieces(bodies.get(url)!, 700));
    const { key } = await start(
      fetchMessage(
        'many',
        [...bodies.keys()].map((url) => outgoing(url)),
      ),
    );
    const reg = await settled(key);
    expect(reg.result).toBe('success');
    expect(reg.downloaded).toBe(21_000);
    let index = 0;
    for (const body of bodies.values()) expectSameBytes(await readAll(key, index++), body);
  });

  it('send credentials only where fetch would, and keep cross-origin headers CORS-filtered', async () => {
    network.route = (url) =>
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
    network.route = () => new Response('secret');
    const { key } = await start(fetchMessage('no-cors-headers', [outgoing('https://b.example/private')]));
    const reg = await settled(key);
    expect(reg).toMatchObject({ result: 'failure', failureReason: 'fetch-error', downloaded: 0 });
    expect(await db.chunks.where('regKey').equals(key).count()).toBe(0);
    expect(hits).toHaveLength(1); // a CORS refusal is not retried
    const error = await rejection(handlers.responseHead(caller, { type: 'responseHead', scope, key, index: 0 }));
    expect(error.specName).toBe('TypeError');
  });

  it('fail with bad-status on a 404 whose head is readable and whose body is empty and not stored (Chromium)', async () => {
    network.route = () => new Response('not here', { status: 404, statusText: 'Not Found' });
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
    network.route = () => new Response(pieces(random(5000), 1000));
    const { key } = await start(fetchMessage('cut-off', undefined, 1000));
    expect(await settled(key)).toMatchObject({ failureReason: 'download-total-exceeded' });
    const error = await rejection(handlers.responseHead(caller, { type: 'responseHead', scope, key, index: 0 }));
    expect(error.specName).toBe('TypeError');
    expect(error.message).toMatch(/not available/);
  });

  it('stop the other requests at the first failure', async () => {
    const held = heldBody();
    network.route = (url) => (url.endsWith('/bad') ? new Response('no', { status: 500 }) : new Response(held.stream));
    const { key } = await start(
      fetchMessage('first-failure', [outgoing('https://a.example/slow'), outgoing('https://a.example/bad')]),
    );
    const reg = await settled(key);
    expect(reg).toMatchObject({ result: 'failure', failureReason: 'bad-status' });
    expect(hits.find((hit) => hit.url.endsWith('/slow'))!.init.signal!.aborted).toBe(true);
  });

  it('fail with download-total-exceeded when more arrives than promised', async () => {
    network.route = () => new Response(pieces(random(5000), 1000));
    const { key } = await start(fetchMessage('over', undefined, 1000));
    const reg = await settled(key);
    expect(reg).toMatchObject({ result: 'failure', failureReason: 'download-total-exceeded' });
    expect(reg.downloaded).toBeLessThanOrEqual(1000);
    expect(hits).toHaveLength(1);
  });

  it('ignore downloadTotal 0 (unknown size)', async () => {
    network.route = () => new Response(random(5000));
    const { key } = await start(fetchMessage('unknown', undefined, 0));
    expect(await settled(key)).toMatchObject({ result: 'success', downloaded: 5000 });
  });

  it('waits (offline, retrying with backoff) while the server cannot be reached, instead of failing', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    network.route = () => Promise.reject(new TypeError('fetch failed'));
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
    network.route = (_url, _init, attempt) =>
      attempt < 3 ? Promise.reject(new TypeError('fetch failed')) : new Response('third time');
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
    network.route = (_url, init, attempt) =>
      attempt === 1
        ? // A connection that drops after `cut` bytes, each piece read before the error.
          new Response(droppingBody(body.slice(0, MiB), body.slice(MiB, cut)), {
            headers: { etag: '"v1"', 'content-length': String(body.byteLength) },
          })
        : rangeResponse(body, init, { etag: '"v1"' });
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
    network.route = () => new Response(first, { headers: { etag: '"v1"' } });
    const { key } = await start(fetchMessage('changing'));
    await settled(key);
    const head = await handlers.responseHead(caller, { type: 'responseHead', scope, key, index: 0 });
    expect(head.generation).toBe(0);
    const start0 = await handlers.readBody(caller, {
      type: 'readBody',
      scope,
      key,
      index: 0,
      offset: 0,
      generation: head.generation,
    });
    expect(await bytesOf(start0.parts)).toEqual(new Uint8Array(first));
    // The resource changed on the server: the stored bytes are discarded, the request starts over.
    await discardBody(key, 0);
    const late = await rejection(
      handlers.readBody(caller, { type: 'readBody', scope, key, index: 0, offset: 1000, generation: head.generation }),
    );
    expect(late.specName).toBe('TypeError');
  });
});
