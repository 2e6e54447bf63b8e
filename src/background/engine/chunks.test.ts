// Writing bodies into the store, against a real (in-memory) IndexedDB: the batched writes of one
// fetch each stay whole, and one refused write leaves the others of its batch alone.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { chunkSize, db, type StoredRegistration } from '../../shared/db';
import { appendChunk, BLOB_BYTES, CHUNK_BYTES, streamBody, writeHead, type HeadWrite } from './chunks';
import { TransferFailure } from './failure';
import { reserveSpace } from './quota';

// Room is always there, unless a test makes the browser slow to say so.
vi.mock('./quota', async (original) => ({
  ...(await original<typeof import('./quota')>()),
  reserveSpace: vi.fn(async () => true),
}));
import { storeFetch, useFreshStore } from '../../../test/unit/engine-harness/store';

useFreshStore();
const storedFetch = (records: number, registration: Partial<StoredRegistration> = {}) =>
  storeFetch({ records, registration: { uploadTotal: 10, ...registration } });

const head = (expectedLength: number | null, uploadBytes = 0): HeadWrite => ({
  response: { status: 200, statusText: 'OK', headers: [['content-type', 'text/plain']], url: 'https://a.example/' },
  validator: '"v1"',
  expectedLength,
  uploadBytes,
});
const bytes = (length: number, fill = 1) => new Uint8Array(length).fill(fill).buffer;

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('writing bodies', () => {
  it('writes the head and a whole small body together, marking the record done', async () => {
    const key = await storedFetch(1);
    const [, done] = await Promise.all([writeHead(key, 0, head(5)), appendChunk(key, 0, 0, bytes(5), true)]);
    expect(done).toBe(true);
    const record = await db.records.get([key, 0]);
    expect(record).toMatchObject({ state: 'done', stored: 5, expectedLength: 5, validator: '"v1"' });
    expect(record?.response?.status).toBe(200);
    expect((await db.registrations.get(key))?.downloaded).toBe(5);
    const [chunk] = await db.chunks.where('regKey').equals(key).toArray();
    // Small: inline in the database.
    expect(chunk?.data).toBeInstanceOf(ArrayBuffer);
    expect(chunk && chunkSize(chunk)).toBe(5);
  });

  it('stores large chunks as Blobs, which readers get as they are', async () => {
    const key = await storedFetch(1);
    await appendChunk(key, 0, 0, bytes(BLOB_BYTES - 1));
    await appendChunk(key, 0, BLOB_BYTES - 1, bytes(BLOB_BYTES, 2), true);
    const chunks = await db.chunks.where('regKey').equals(key).sortBy('start');
    expect(chunks.map((chunk) => chunk.data.constructor.name)).toEqual(['ArrayBuffer', 'Blob']);
    expect(chunks.map(chunkSize)).toEqual([BLOB_BYTES - 1, BLOB_BYTES]);
    expect(await db.records.get([key, 0])).toMatchObject({ state: 'done', stored: 2 * BLOB_BYTES - 1 });
  });

  it('batches the writes of many records into few transactions, each record whole', async () => {
    const key = await storedFetch(50);
    const transaction = vi.spyOn(db, 'transaction');
    const done = await Promise.all(
      Array.from({ length: 50 }, async (_, index) => {
        const wrote = writeHead(key, index, head(100));
        const last = await appendChunk(key, index, 0, bytes(100, index), true);
        await wrote;
        return last;
      }),
    );
    expect(done.every(Boolean)).toBe(true);
    expect(transaction.mock.calls.length).toBeLessThan(10);
    const records = await db.records.where('regKey').equals(key).toArray();
    expect(records.every((record) => record.state === 'done' && record.stored === 100)).toBe(true);
    expect((await db.registrations.get(key))?.downloaded).toBe(5000);
    const chunks = await db.chunks.where('regKey').equals(key).sortBy('index');
    const firstBytes = await Promise.all(
      chunks.map(async (chunk) => new Uint8Array(await new Blob([chunk.data]).arrayBuffer())[0]),
    );
    expect(firstBytes).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('appends in order: a record is done only once its body is as long as the server said', async () => {
    const key = await storedFetch(1);
    await writeHead(key, 0, head(8));
    const results = await Promise.all([appendChunk(key, 0, 0, bytes(4)), appendChunk(key, 0, 4, bytes(4), true)]);
    expect(results).toEqual([false, true]);
    expect(await db.records.get([key, 0])).toMatchObject({ state: 'done', stored: 8 });
  });

  it('does not mark a body shorter than Content-Length done', async () => {
    const key = await storedFetch(1);
    await writeHead(key, 0, head(10));
    expect(await appendChunk(key, 0, 0, bytes(4), true)).toBe(false);
    expect(await db.records.get([key, 0])).toMatchObject({ state: 'pending', stored: 4 });
  });

  it('refuses a write that does not continue the stored body, and keeps the others of its batch', async () => {
    const key = await storedFetch(4);
    // Two writes keep the two transactions busy, so the next two share one.
    const fillers = [appendChunk(key, 2, 0, bytes(4), true), appendChunk(key, 3, 0, bytes(4), true)];
    const [wrong, right] = await Promise.allSettled([
      appendChunk(key, 0, 3, bytes(4)),
      appendChunk(key, 1, 0, bytes(4), true),
    ]);
    await Promise.all(fillers);
    expect(wrong).toMatchObject({ status: 'rejected', reason: { name: 'AbortError' } });
    expect(right).toEqual({ status: 'fulfilled', value: true });
    expect(await db.records.get([key, 0])).toMatchObject({ stored: 0, state: 'pending' });
    expect((await db.registrations.get(key))?.downloaded).toBe(12);
    // The refused bytes did not stay in the store.
    const chunks = await db.chunks.where('regKey').equals(key).toArray();
    expect(chunks.map((chunk) => [chunk.index, chunk.start]).sort()).toEqual([
      [1, 0],
      [2, 0],
      [3, 0],
    ]);
  });

  it('never lets a stale write replace stored bytes, even one sent with others', async () => {
    const key = await storedFetch(4);
    await appendChunk(key, 0, 0, bytes(4, 1));
    const fillers = [appendChunk(key, 2, 0, bytes(4), true), appendChunk(key, 3, 0, bytes(4), true)];
    // A second writer at offset 0 of a record that already holds bytes there.
    const [stale, other] = await Promise.allSettled([
      appendChunk(key, 0, 0, bytes(4, 9)),
      appendChunk(key, 1, 0, bytes(4), true),
    ]);
    await Promise.all(fillers);
    expect(stale).toMatchObject({ status: 'rejected', reason: { name: 'AbortError' } });
    expect(other).toEqual({ status: 'fulfilled', value: true });
    const [kept] = await db.chunks.where('[regKey+index+start]').equals([key, 0, 0]).toArray();
    expect([...new Uint8Array(await new Blob([kept!.data]).arrayBuffer())]).toEqual([1, 1, 1, 1]);
    expect(await db.records.get([key, 0])).toMatchObject({ stored: 4 });
    expect((await db.registrations.get(key))?.downloaded).toBe(16);
  });

  it('keeps a body in order while two writes are in flight, even when an earlier chunk waits for room', async () => {
    const key = await storedFetch(1);
    await writeHead(key, 0, head(null));
    // The clock stands still, so only whole chunks and the body's end are written (a busy machine
    // reading slower than the first flush interval would otherwise split the first chunk).
    vi.useFakeTimers({ toFake: ['Date'] });
    // The first chunk's check for room takes longest: the second must still not overtake it.
    vi.mocked(reserveSpace).mockImplementationOnce(() => new Promise((resolve) => setTimeout(() => resolve(true), 50)));
    const body = new Uint8Array(2 * CHUNK_BYTES + 1000).map((_, i) => i % 251);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < body.length; at += 1 << 20) controller.enqueue(body.slice(at, at + (1 << 20)));
        controller.close();
      },
    });
    const never = new AbortController().signal;
    const stored: number[] = [];
    const result = await streamBody({
      regKey: key,
      index: 0,
      body: stream,
      startOffset: 0,
      signal: never,
      cut: never,
      onStored: (n) => stored.push(n),
      onData: () => undefined,
      complete: true,
    });
    expect(result).toEqual({ stored: body.length, completed: true });
    expect(stored).toEqual([CHUNK_BYTES, CHUNK_BYTES, 1000]);
    const chunks = await db.chunks.where('regKey').equals(key).sortBy('start');
    expect(chunks.map((chunk) => [chunk.start, chunkSize(chunk)])).toEqual([
      [0, CHUNK_BYTES],
      [CHUNK_BYTES, CHUNK_BYTES],
      [2 * CHUNK_BYTES, 1000],
    ]);
    const back = new Uint8Array(await new Blob(chunks.map((chunk) => chunk.data)).arrayBuffer());
    expect(back.every((byte, i) => byte === body[i])).toBe(true);
  });

  it("stores a slow body's first bytes soon, and later ones no more often than the flush interval", async () => {
    const key = await storedFetch(1);
    await writeHead(key, 0, head(null));
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new Uint8Array(1000));
        await pause(200);
        controller.enqueue(new Uint8Array(1000));
        await pause(20);
        controller.enqueue(new Uint8Array(1000));
        controller.close();
      },
    });
    const never = new AbortController().signal;
    const stored: number[] = [];
    await streamBody({
      regKey: key,
      index: 0,
      body: stream,
      startOffset: 0,
      signal: never,
      cut: never,
      onStored: (n) => stored.push(n),
      onData: () => undefined,
      complete: true,
    });
    // The read 200 ms in stores what came so far; the next, 20 ms later, waits for the body's end.
    expect(stored).toEqual([2000, 1000]);
  });

  it('refuses bytes beyond downloadTotal with download-total-exceeded, counting only what fits', async () => {
    const key = await storedFetch(2, { downloadTotal: 6 });
    const [first, second] = await Promise.allSettled([
      appendChunk(key, 0, 0, bytes(4), true),
      appendChunk(key, 1, 0, bytes(4), true),
    ]);
    expect(first).toEqual({ status: 'fulfilled', value: true });
    expect(second.status).toBe('rejected');
    expect((second as PromiseRejectedResult).reason).toBeInstanceOf(TransferFailure);
    expect((second as PromiseRejectedResult).reason.reason).toBe('download-total-exceeded');
    expect((await db.registrations.get(key))?.downloaded).toBe(4);
  });

  it('refuses bytes for a fetch that settled, and counts an upload once however often the head is written', async () => {
    const key = await storedFetch(1);
    await writeHead(key, 0, head(null, 10));
    await writeHead(key, 0, head(null, 10));
    expect((await db.registrations.get(key))?.uploaded).toBe(10);
    await db.registrations.update(key, { active: 0 });
    await expect(appendChunk(key, 0, 0, bytes(4), true)).rejects.toMatchObject({ name: 'AbortError' });
    expect(await db.chunks.count()).toBe(0);
  });
});
