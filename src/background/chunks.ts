// Response bodies into the store: chunks of at most 4 MiB, each written with the record's offset
// and the registration's `downloaded` in one transaction, reads overlapping the write in flight.
// Writes of one fetch are batched: see `enqueue`.
import { snapshotOf, type StoredChunk, type StoredRecord } from '../shared/db';
import { storeOf } from './stores';
import type { ResponseHead } from '../shared/spec';
import { announceChange } from './changes';
import { TransferFailure } from './failure';
import { publishProgress } from './progress';
import { forgetEstimate, isQuotaError, reserveSpace } from './quota';

// 4 MiB: a quarter of the transactions and messages of 1 MiB, +50% throughput in Firefox (bench).
const CHUNK_BYTES = 4 << 20;
/** A slow transfer still reports progress (and survives a restart) at least this often. */
const FLUSH_MS = 500;

/**
 * Streams `body` into the store from `startOffset`; resolves to the offset reached.
 *
 * Reading and writing overlap: while one chunk is being written the next one is read, so the
 * network is not left waiting on the disk (at most two chunks are in memory). That also matters
 * when the connection fails: a browser discards what it received but nobody read yet (Chromium's
 * network pipe), so the more has been read, the less is fetched again.
 */
export async function streamBody(
  regKey: string,
  index: number,
  body: ReadableStream<Uint8Array>,
  startOffset: number,
  signal: AbortSignal,
  /** Ends the read at once when aborted (abort, pause, stall), whatever the fetch does with it. */
  cut: AbortSignal,
  onStored: (bytes: number) => void,
  onData: () => void,
  /** Mark the record done with the last bytes (if they make the whole body). */
  complete: boolean,
): Promise<{ stored: number; completed: boolean }> {
  const reader = body.getReader();
  /** End of the bytes handed to writes so far; `stored` is what the store confirmed. */
  let scheduled = startOffset;
  let stored = startOffset;
  let parts: Uint8Array[] = [];
  let buffered = 0;
  let lastFlush = Date.now();
  let writing: Promise<void> | undefined;
  let writeError: { error: unknown } | undefined;
  let completed = false;

  /** Hands the next chunk (at most CHUNK_BYTES, so readers get chunks of that size) to a write. */
  const schedule = (last = false) => {
    if (buffered === 0 && !last) return;
    const size = Math.min(buffered, CHUNK_BYTES);
    const slices: Uint8Array[] = [];
    for (let at = 0; at < size; ) {
      const part = parts[0]!;
      const take = Math.min(part.byteLength, size - at);
      slices.push(part.subarray(0, take));
      at += take;
      if (take === part.byteLength) parts.shift();
      else parts[0] = part.subarray(take);
    }
    buffered -= size;
    // Only the write that ends the body marks the record done.
    last &&= buffered === 0;
    lastFlush = Date.now();
    const start = scheduled;
    scheduled += size;
    writing = appendChunk(regKey, index, start, chunkData(slices, size), last).then(
      (done) => {
        stored = start + size;
        completed = done;
        if (size) onStored(size);
      },
      (error: unknown) => {
        writeError ??= { error };
      },
    );
  };
  /** Waits for the write in flight; rethrows its error. */
  const settled = async () => {
    await writing;
    if (writeError) throw writeError.error;
  };

  const stop = () => void reader.cancel(cut.reason).catch(() => undefined);
  cut.addEventListener('abort', stop, { once: true });
  try {
    for (;;) {
      const { value, done } = await reader.read();
      // A cancelled read ends as if the body were complete: it is not.
      if (cut.aborted) throw cut.reason;
      if (done) break;
      if (writeError) throw writeError.error;
      onData();
      parts.push(value);
      buffered += value.byteLength;
      // A read far larger than a chunk (data that piled up meanwhile) becomes several chunks.
      while (buffered >= CHUNK_BYTES || (buffered > 0 && Date.now() - lastFlush >= FLUSH_MS)) {
        await settled(); // one write at a time, in order
        schedule();
      }
    }
    do {
      await settled();
      schedule(complete);
    } while (buffered > 0);
    await settled();
  } catch (error) {
    // Keep what arrived: the next attempt resumes after it.
    const writable = !signal.aborted && !(error instanceof TransferFailure) && !isQuotaError(error);
    await writing;
    while (writable && !writeError && buffered > 0) {
      schedule();
      await writing;
    }
    await reader.cancel().catch(() => undefined);
    throw writeError && !(error instanceof Error && error.name === 'AbortError') ? writeError.error : error;
  } finally {
    cut.removeEventListener('abort', stop);
    reader.releaseLock();
  }
  return { stored, completed };
}

/** A record's response head, written once the server answered from the body's first byte. */
export interface HeadWrite {
  response: ResponseHead;
  /** Strong validator for `If-Range` when resuming, if the body can be resumed at all. */
  validator: string | null;
  expectedLength: number | null;
  /** Request body bytes the server received: counted in `uploaded`, once per record. */
  uploadBytes: number;
}

/** One change to one record: its response head, or body bytes appended at `start`. */
type Write = { index: number } & ({ head: HeadWrite } | { start: number; data: ArrayBuffer | Blob; last: boolean });
interface Queued {
  write: Write;
  resolve(done: boolean): void;
  reject(error: unknown): void;
}

/**
 * Chunks from this size on are stored as Blobs, which readers get as they are (no byte through
 * the background); smaller ones stay inline in the database: a Blob each would cost a thousand
 * small files a file each (bench: 1000 × 10 KiB 0.9× → 0.75×).
 */
export const BLOB_BYTES = 1 << 20;

/**
 * What a chunk is stored as: a Blob made straight from the network's buffers when large (one
 * copy, none in between), else one small ArrayBuffer.
 */
function chunkData(slices: Uint8Array[], size: number): ArrayBuffer | Blob {
  if (size >= BLOB_BYTES) return new Blob(slices as BlobPart[]);
  const data = new Uint8Array(size);
  let at = 0;
  for (const slice of slices) {
    data.set(slice, at);
    at += slice.byteLength;
  }
  return data.buffer;
}

const sizeOf = (data: ArrayBuffer | Blob) => (data instanceof Blob ? data.size : data.byteLength);
/** Bounds the bytes one transaction carries when many writes wait. */
const BATCH_BYTES = 32 << 20;
/** Writes waiting, per fetch; a fetch is listed while a transaction takes its writes. */
const queues = new Map<string, Queued[]>();

/**
 * Writes go through one queue per fetch: while a transaction runs, what the other connections
 * of that fetch want to write waits, and the next transaction takes all of it. Each write stays
 * whole (its bytes, the record's offset and `downloaded` commit together), but a fetch of a
 * thousand small files pays a few hundred transactions, not two thousand (bench: 1000 × 10 KiB).
 */
function enqueue(regKey: string, write: Write): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const queue = queues.get(regKey);
    if (queue) return void queue.push({ write, resolve, reject });
    queues.set(regKey, [{ write, resolve, reject }]);
    void drain(regKey);
  });
}

async function drain(regKey: string): Promise<void> {
  for (;;) {
    const queue = queues.get(regKey)!;
    if (!queue.length) {
      queues.delete(regKey);
      return;
    }
    let bytes = 0;
    let take = 0;
    while (take < queue.length && (take === 0 || bytes < BATCH_BYTES)) {
      const write = queue[take++]!.write;
      if ('data' in write) bytes += sizeOf(write.data);
    }
    const batch = queue.splice(0, take);
    try {
      const outcomes = await commit(regKey, batch.map((entry) => entry.write));
      batch.forEach((entry, i) => {
        const outcome = outcomes[i]!;
        if ('error' in outcome) entry.reject(outcome.error);
        else entry.resolve(outcome.done);
      });
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    }
  }
}

type Outcome = { done: boolean } | { error: unknown };

/**
 * One transaction for `writes` (in order): each is checked against the stored state as the
 * writes before it left it, and applied or refused on its own; the record rows, chunks and the
 * registration's counters are written once.
 */
async function commit(regKey: string, writes: Write[]): Promise<Outcome[]> {
  const db = storeOf(regKey);
  const result = await db.transaction('rw', db.registrations, db.records, db.chunks, async () => {
    const current = await db.registrations.get(regKey);
    const indexes = [...new Set(writes.map((write) => write.index))];
    const found = await db.records.bulkGet(indexes.map((index): [string, number] => [regKey, index]));
    const records = new Map(indexes.map((index, i) => [index, found[i]]));
    const changed = new Set<StoredRecord>();
    const chunks: StoredChunk[] = [];
    let downloaded = current?.downloaded ?? 0;
    let uploaded = current?.uploaded ?? 0;
    const outcomes = writes.map((write): Outcome => {
      const record = records.get(write.index);
      if ('head' in write) {
        // A head for a fetch that stopped meanwhile changes nothing; its bytes will be refused.
        if (!current?.active || !record) return { done: false };
        const { response, validator, expectedLength, uploadBytes } = write.head;
        Object.assign(record, { response, validator, expectedLength });
        if (uploadBytes > 0 && !record.uploadCounted) {
          record.uploadCounted = true;
          uploaded = Math.min(current.uploadTotal, uploaded + uploadBytes);
        }
        changed.add(record);
        return { done: false };
      }
      const { start, data, last } = write;
      const size = sizeOf(data);
      if (!current?.active || !record || record.stored !== start) {
        return { error: new DOMException('The fetch changed while writing', 'AbortError') };
      }
      if (current.downloadTotal > 0 && downloaded + size > current.downloadTotal) {
        return {
          error: new TransferFailure(
            'download-total-exceeded',
            `Downloaded ${downloaded + size} bytes, more than the downloadTotal of ${current.downloadTotal}`,
          ),
        };
      }
      const end = start + size;
      const done = last && (record.expectedLength === null || end >= record.expectedLength);
      if (size) chunks.push({ regKey, index: write.index, start, data: data instanceof ArrayBuffer && size >= BLOB_BYTES ? new Blob([data]) : data });
      downloaded += size;
      record.stored = end;
      if (done) record.state = 'done';
      changed.add(record);
      return { done };
    });
    if (chunks.length) await db.chunks.bulkAdd(chunks);
    if (changed.size) await db.records.bulkPut([...changed]);
    const counted = current && (downloaded !== current.downloaded || uploaded !== current.uploaded);
    if (counted) await db.registrations.put({ ...current, downloaded, uploaded });
    return { outcomes, reg: counted ? { ...current, downloaded, uploaded } : undefined };
  });
  announceChange(regKey);
  if (result.reg) publishProgress(snapshotOf(result.reg));
  return result.outcomes;
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
export async function appendChunk(regKey: string, index: number, start: number, data: ArrayBuffer | Blob, last = false): Promise<boolean> {
  const size = sizeOf(data);
  if (size && !(await reserveSpace(regKey, size))) {
    throw new TransferFailure('quota-exceeded', `No room in the store for ${size} more bytes`);
  }
  return enqueue(regKey, { index, start, data, last });
}

export function deleteChunks(regKey: string, index: number) {
  return storeOf(regKey).chunks.where('[regKey+index+start]').between([regKey, index, 0], [regKey, index, Infinity]).delete();
}

/** Drop a record's stored body (before a restart from zero) and un-count its bytes. */
export async function discardBody(regKey: string, index: number): Promise<void> {
  const db = storeOf(regKey);
  await db.transaction('rw', db.registrations, db.records, db.chunks, async () => {
    const record = await db.records.get([regKey, index]);
    const reg = await db.registrations.get(regKey);
    if (!record || !reg) return;
    await deleteChunks(regKey, index);
    await db.records.update([regKey, index], {
      stored: 0,
      response: null,
      validator: null,
      expectedLength: null,
      generation: (record.generation ?? 0) + 1,
    });
    await db.registrations.update(regKey, { downloaded: Math.max(0, reg.downloaded - record.stored) });
  });
  forgetEstimate();
}

