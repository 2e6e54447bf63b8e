// Response bodies into the store: chunks of at most CHUNK_BYTES, each written with the record's
// offset and the registration's `downloaded` in one transaction, reads overlapping the writes in
// flight.
// Writes of one fetch are batched: see `enqueue`.
import { isPrivateKey } from '../state/stores';
import { BLOB_BYTES, commitWrites, sizeOf, type HeadWrite, type Write } from '../state/lifecycle/body-writes';
import { deleteChunks, restartBody } from '../state/lifecycle';
import { ChunkBuffer, readerOf } from './body-reader';
import { TransferFailure } from './failure';
import { forgetEstimate, isQuotaError, reserveSpace } from './quota';

export { BLOB_BYTES, deleteChunks, type HeadWrite };

// Each transaction costs about the same whatever it carries: 1 → 4 MiB gave +50% in Firefox,
// 4 → 8 MiB +20% in Chromium, 8 → 16 MiB about +10% there (bench: 1 GiB 85 → 92 MiB/s, its
// worker +36 → +48 MiB). A body holds one chunk buffer, reused; the chunks it handed over are
// Blobs (temporary files in Firefox, browser memory in Chromium until written).
export const CHUNK_BYTES = (__TARGET__ === 'chromium' ? 16 : 8) << 20;
/** Chunks of one body handed to the store and not yet confirmed: one commits, one travels. */
const WRITES_IN_FLIGHT = 2;
/** A slow transfer still reports progress (and survives a restart) at least this often. */
const FLUSH_MS = 500;
/**
 * A body's first bytes are stored this soon, so the page's first progress event with bytes comes
 * about as soon as data flows (bench latency: 0.6 s after fetch() with FLUSH_MS alone). A body that
 * arrives whole within it still takes one write.
 */
const FIRST_FLUSH_MS = 100;

/** What `streamBody` reads, where it stores it, and whom it tells. */
export interface BodyStream {
  regKey: string;
  index: number;
  body: ReadableStream<Uint8Array>;
  /** The stored offset the body continues. */
  startOffset: number;
  /** The fetch's own signal (abort, pause): nothing more is written once it aborted. */
  signal: AbortSignal;
  /** Ends the read at once when aborted (abort, pause, stall), whatever the fetch does with it. */
  cut: AbortSignal;
  /** Bytes the store confirmed. */
  onStored(bytes: number): void;
  /** Bytes read from the network. */
  onData(bytes: number): void;
  /** Mark the record done with the last bytes (if they make the whole body). */
  complete: boolean;
}

/**
 * Streams `body` into the store from `startOffset`; resolves to the offset reached.
 *
 * Reading and writing overlap: while two chunks are being written the next one is read, so the
 * network is not left waiting on the disk. That also matters
 * when the connection fails: a browser discards what it received but nobody read yet (Chromium's
 * network pipe), so the more has been read, the less is fetched again.
 */
export async function streamBody({
  regKey,
  index,
  body,
  startOffset,
  signal,
  cut,
  onStored,
  onData,
  complete,
}: BodyStream): Promise<{ stored: number; completed: boolean }> {
  const reader = readerOf(body);
  /** End of the bytes handed to writes so far; `stored` is what the store confirmed. */
  let scheduled = startOffset;
  let stored = startOffset;
  const pending = new ChunkBuffer(CHUNK_BYTES);
  let lastFlush = Date.now() - (FLUSH_MS - FIRST_FLUSH_MS);
  /** Writes handed to the store and not yet confirmed, oldest first. */
  const writing: Promise<void>[] = [];
  /** Settles once the last scheduled chunk is in the write queue (or failed to get there). */
  let handedOver: Promise<unknown> = Promise.resolve();
  let writeError: { error: unknown } | undefined;
  let completed = false;

  /** Hands the bytes read so far (at most one chunk) to a write; `last` if they end the body. */
  const schedule = (last = false) => {
    if (pending.size === 0 && !last) return;
    const size = pending.size;
    // A copy, made now: the chunk buffer takes the next bytes at once.
    const data = chunkData(pending.drain(), isPrivateKey(regKey));
    lastFlush = Date.now();
    const start = scheduled;
    scheduled += size;
    // Chunks reach the write queue in body order, whichever is ready (or reserved) first.
    const ready = handedOver.then(async () => {
      const chunk = await data;
      await reserveRoom(regKey, size);
      return chunk;
    });
    handedOver = ready.catch(() => undefined);
    const write: Promise<void> = ready
      .then((chunk) => enqueue(regKey, { index, start, data: chunk, last }))
      .then(
        (done) => {
          stored = start + size;
          completed = done;
          if (size) onStored(size);
        },
        (error: unknown) => {
          writeError ??= { error };
        },
      )
      .then(() => void writing.splice(writing.indexOf(write), 1));
    writing.push(write);
  };
  /** Waits until fewer than `room` writes are in flight; rethrows a write's error. */
  const settled = async (room = 0) => {
    while (writing.length > room) await writing[0];
    if (writeError) throw writeError.error;
  };

  const stop = () => void reader.cancel(cut.reason).catch(() => undefined);
  cut.addEventListener('abort', stop, { once: true });
  try {
    for (;;) {
      const value = await reader.read();
      // A cancelled read ends as if the body were complete: it is not.
      if (cut.aborted) throw cut.reason;
      if (!value) break;
      if (writeError) throw writeError.error;
      onData(value.byteLength);
      // A read larger than the room left (data that piled up meanwhile) fills several chunks.
      for (let at = 0; ;) {
        at += pending.take(value.subarray(at));
        if (!pending.full && !(pending.size > 0 && Date.now() - lastFlush >= FLUSH_MS)) break;
        // The next write is handed over while the one before commits: the store is never idle.
        await settled(WRITES_IN_FLIGHT - 1);
        schedule();
      }
    }
    await settled(WRITES_IN_FLIGHT - 1);
    schedule(complete);
    await settled();
  } catch (error) {
    // Keep what arrived: the next attempt resumes after it.
    const writable = !signal.aborted && !(error instanceof TransferFailure) && !isQuotaError(error);
    await settled().catch(() => undefined);
    if (writable && !writeError && pending.size > 0) {
      schedule();
      await settled().catch(() => undefined);
    }
    await reader.cancel().catch(() => undefined);
    throw writeError && !(error instanceof Error && error.name === 'AbortError') ? writeError.error : error;
  } finally {
    cut.removeEventListener('abort', stop);
    reader.releaseLock();
  }
  return { stored, completed };
}

interface Queued {
  write: Write;
  resolve(done: boolean): void;
  reject(error: unknown): void;
}

/**
 * What a chunk is stored as: in Firefox a Blob when large, else an ArrayBuffer; a copy of
 * `bytes` either way, made before this returns.
 *
 * Firefox keeps a Blob made in memory (`new Blob(bytes)`) until the garbage collector runs, and
 * the collector does not count what such Blobs hold: a fast transfer left hundreds of MiB of
 * them behind (extension process +731 MiB for 1 GiB). A Blob made by `Response.blob()` goes to a
 * temporary file once past 1 MiB (the browser's MutableBlobStorage). Chromium: `new Blob`, see
 * `collectorHint`.
 *
 * A private window's chunk stays an ArrayBuffer whatever its size: it lives in the in-memory
 * store (stores.ts) and must never become a temporary file, which `Response.blob()` makes.
 */
export function chunkData(bytes: Uint8Array, inMemory: boolean): ArrayBuffer | Blob | Promise<Blob> {
  if (inMemory || bytes.byteLength < BLOB_BYTES) return bytes.slice().buffer;
  // Fetch's "extract a body" copies the bytes when the Response is constructed.
  if (__TARGET__ === 'firefox') return new Response(bytes as BodyInit).blob();
  collectorHint = new ArrayBuffer(bytes.byteLength);
  return new Blob([bytes as BlobPart]);
}

/**
 * Chromium keeps a Blob's bytes in its browser process for as long as the Blob object lives in
 * the extension's worker, and frees such objects only in a full garbage collection, which V8
 * starts when the memory it is told about grows: a Blob's bytes are not counted. A body read
 * into reused buffers leaves almost no garbage, so no collection came and fetching 1 GiB held
 * +1075 MiB in the browser (a fresh copy per chunk: +206 MiB there, +112 MiB in the worker).
 * One untouched ArrayBuffer of a Blob's size is counted as if it held the bytes, but its pages
 * are never written, so never resident: collections come as they should, and 1 GiB costs the
 * browser +142 MiB, the extension's worker +36 MiB (bench).
 */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- written, never read: holding the buffer is its job
let collectorHint: ArrayBuffer | undefined;

/** Bounds the bytes one transaction carries when many writes wait. */
const BATCH_BYTES = 32 << 20;
/**
 * Transactions of one fetch open at once. The database runs them one after the other in the
 * order they were opened, but the second one's bytes travel to it while the first commits
 * (bench: Chromium 256 MiB +20%).
 */
const TRANSACTIONS_IN_FLIGHT = 2;
/** Writes waiting, and transactions running, per fetch; listed while either is non-zero. */
const pipes = new Map<string, { queue: Queued[]; running: number }>();

/**
 * Writes go through one queue per fetch: while transactions run, what the other connections
 * of that fetch want to write waits, and the next transaction takes all of it. Each write stays
 * whole (its bytes, the record's offset and `downloaded` commit together), but a fetch of a
 * thousand small files pays a few hundred transactions, not two thousand (bench: 1000 × 10 KiB).
 */
function enqueue(regKey: string, write: Write): Promise<boolean> {
  return new Promise((resolve, reject) => {
    let pipe = pipes.get(regKey);
    if (!pipe) pipes.set(regKey, (pipe = { queue: [], running: 0 }));
    pipe.queue.push({ write, resolve, reject });
    pump(regKey, pipe);
  });
}

function pump(regKey: string, pipe: { queue: Queued[]; running: number }): void {
  while (pipe.running < TRANSACTIONS_IN_FLIGHT && pipe.queue.length) {
    let bytes = 0;
    let take = 0;
    while (take < pipe.queue.length && (take === 0 || bytes < BATCH_BYTES)) {
      const write = pipe.queue[take++]!.write;
      if ('data' in write) bytes += sizeOf(write.data);
    }
    const batch = pipe.queue.splice(0, take);
    pipe.running++;
    // Opened now, in queue order: each transaction sees what the ones before it wrote.
    void commitWrites(
      regKey,
      batch.map((entry) => entry.write),
    )
      .then(
        (outcomes) =>
          batch.forEach((entry, i) => {
            const outcome = outcomes[i]!;
            if ('error' in outcome) entry.reject(outcome.error);
            else entry.resolve(outcome.done);
          }),
        (error: unknown) => {
          for (const entry of batch) entry.reject(error);
        },
      )
      .finally(() => {
        pipe.running--;
        if (pipe.running === 0 && !pipe.queue.length) pipes.delete(regKey);
        else pump(regKey, pipe);
      });
  }
}

/** Stores a record's response head (see `enqueue`); resolves once it is in the store. */
export async function writeHead(regKey: string, index: number, head: HeadWrite): Promise<void> {
  await enqueue(regKey, { index, head });
}

/**
 * Appends `data` to the record's body at `start`, with the record's offset and the
 * registration's `downloaded`; with `last`, also marks the record `done` when the stored body is
 * as long as the server said. Resolves to whether it marked the record done.
 */
export async function appendChunk(
  regKey: string,
  index: number,
  start: number,
  data: ArrayBuffer | Blob,
  last = false,
): Promise<boolean> {
  await reserveRoom(regKey, sizeOf(data));
  return enqueue(regKey, { index, start, data, last });
}

/** Claims room in the store for `size` more body bytes, or fails the fetch with quota-exceeded. */
async function reserveRoom(regKey: string, size: number): Promise<void> {
  if (size && !(await reserveSpace(regKey, size))) {
    throw new TransferFailure('quota-exceeded', `No room in the store for ${size} more bytes`);
  }
}

/** Drop a record's stored body (before a restart from zero) and un-count its bytes. */
export async function discardBody(regKey: string, index: number): Promise<void> {
  await restartBody(regKey, index);
  forgetEstimate();
}
