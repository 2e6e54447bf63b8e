// Body bytes and response heads into the store: the transaction that moves a record's offset,
// marks it done with its last bytes, and counts `downloaded`/`uploaded` and the file counters,
// for a batch of writes at once (the batching and the reading are src/background/engine/chunks.ts).
import type { StoredChunk, StoredRecord } from '../../../shared/db';
import { snapshotOf } from '../../../shared/db';
import { NO_FILES, sameCounts, withChange } from '../../../shared/file-counts';
import type { ResponseHead } from '../../../shared/spec';
import { TransferFailure } from '../../engine/failure';
import { announceChange } from '../changes';
import { publishProgress } from '../progress';
import { isPrivateKey, storeOf } from '../stores';
import { lifecycleStateOf, mayLeave, recordMayLeave } from './transitions';

export const sizeOf = (data: ArrayBuffer | Blob) => (data instanceof Blob ? data.size : data.byteLength);

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
export type Write = { index: number } & (
  { head: HeadWrite } | { start: number; data: ArrayBuffer | Blob; last: boolean }
);

/**
 * In Firefox, chunks from this size on are stored as Blobs, which readers get as they are (no
 * byte through the background); smaller ones stay inline in the database: a Blob each would cost
 * a thousand small files a file each (bench: 1000 × 10 KiB 0.9× → 0.75×).
 */
export const BLOB_BYTES = 1 << 20;

export type Outcome = { done: boolean } | { error: unknown };

/** Thrown inside an optimistic transaction to undo it whole (see `commitWrites`). */
class Refused extends Error {}

const chunkRow = (regKey: string, write: Extract<Write, { data: unknown }>): StoredChunk => ({
  regKey,
  index: write.index,
  start: write.start,
  // A private window's chunks stay ArrayBuffers (see `chunkData` in src/background/engine/chunks.ts).
  data:
    write.data instanceof ArrayBuffer && write.data.byteLength >= BLOB_BYTES && !isPrivateKey(regKey)
      ? new Blob([write.data])
      : write.data,
});
const hasBytes = (write: Write): write is Extract<Write, { data: unknown }> =>
  'data' in write && sizeOf(write.data) > 0;

/**
 * One transaction for `writes` (in order): each is checked against the stored state as the
 * writes before it left it, and applied or refused on its own; the record rows, chunks and the
 * registration's counters are written once.
 *
 * Optimistic: the chunks are handed to the database before the checks, so their bytes travel
 * while an earlier transaction still commits. A refused write (the fetch was stopped or
 * restarted meanwhile) has its row deleted again in the same transaction: no chunk lies at or
 * beyond a record's stored offset, so the row replaced nothing. Only a write behind the stored
 * offset (or two writes at one place) could have replaced stored bytes: then the transaction is
 * undone whole and the batch checked again with the bytes written after the checks.
 */
export async function commitWrites(regKey: string, writes: Write[], optimistic = true): Promise<Outcome[]> {
  const db = storeOf(regKey);
  let result;
  try {
    result = await db.transaction('rw', db.registrations, db.records, db.chunks, async () => {
      const early = optimistic ? writes.filter(hasBytes) : [];
      const put = early.length ? db.chunks.bulkPut(early.map((write) => chunkRow(regKey, write))) : undefined;
      put?.catch(() => undefined); // awaited below, or undone with the transaction
      const indexes = [...new Set(writes.map((write) => write.index))];
      // Requests issued together, answered in order: one round trip to the database, not two.
      const [current, found] = await Promise.all([
        db.registrations.get(regKey),
        db.records.bulkGet(indexes.map((index): [string, number] => [regKey, index])),
      ]);
      const records = new Map(indexes.map((index, i) => [index, found[i]]));
      // Bytes of an attempt still being written when the fetch was paused are kept (REGISTRATION_EDGES).
      const moving = !!current && mayLeave(lifecycleStateOf(current), 'bytes');
      // Each record as it was, for the counters' difference (src/shared/file-counts.ts).
      const before = new Map(indexes.map((index, i) => [index, found[i] && { ...found[i] }]));
      const changed = new Set<StoredRecord>();
      const accepted: Write[] = [];
      /** Rows put early for writes then refused, and whether one may have replaced stored bytes. */
      const strays: [string, number, number][] = [];
      let replaced = new Set(early.map((write) => `${write.index}:${write.start}`)).size !== early.length;
      let downloaded = current?.downloaded ?? 0;
      let uploaded = current?.uploaded ?? 0;
      const refuse = (write: Write, record: StoredRecord | undefined, error: unknown): Outcome => {
        if (early.includes(write as (typeof early)[number]) && 'start' in write) {
          strays.push([regKey, write.index, write.start]);
          if (record && write.start < record.stored) replaced = true;
        }
        return { error };
      };
      const outcomes = writes.map((write): Outcome => {
        const record = records.get(write.index);
        if ('head' in write) {
          // A head for a fetch that stopped meanwhile changes nothing; its bytes will be refused.
          if (!moving || !record) return { done: false };
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
        if (!moving || !record || !recordMayLeave(record, 'bytes') || record.stored !== start) {
          return refuse(write, record, new DOMException('The fetch changed while writing', 'AbortError'));
        }
        if (current.downloadTotal > 0 && downloaded + size > current.downloadTotal) {
          return refuse(
            write,
            record,
            new TransferFailure(
              'download-total-exceeded',
              `Downloaded ${downloaded + size} bytes, more than the downloadTotal of ${current.downloadTotal}`,
            ),
          );
        }
        const end = start + size;
        const done = last && (record.expectedLength === null || end >= record.expectedLength);
        accepted.push(write);
        downloaded += size;
        record.stored = end;
        if (done) record.state = 'done';
        changed.add(record);
        return { done };
      });
      if (strays.length && replaced) throw new Refused();
      let files = current?.files ?? NO_FILES;
      for (const record of changed) files = withChange(files, before.get(record.index), record);
      const counted =
        current &&
        (downloaded !== current.downloaded || uploaded !== current.uploaded || !sameCounts(files, current.files));
      const late = optimistic ? [] : accepted.filter(hasBytes).map((write) => chunkRow(regKey, write));
      await Promise.all([
        put,
        strays.length ? db.chunks.bulkDelete(strays) : undefined,
        late.length ? db.chunks.bulkAdd(late) : undefined,
        changed.size ? db.records.bulkPut([...changed]) : undefined,
        counted ? db.registrations.put({ ...current, downloaded, uploaded, files }) : undefined,
      ]);
      return { outcomes, reg: counted ? { ...current, downloaded, uploaded, files } : undefined };
    });
  } catch (error) {
    if (error instanceof Refused) return commitWrites(regKey, writes, false);
    throw error;
  }
  announceChange(regKey);
  if (result.reg) publishProgress(snapshotOf(result.reg));
  return result.outcomes;
}
