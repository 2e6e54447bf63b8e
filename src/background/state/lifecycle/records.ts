// A record's transitions (RECORD_EDGES in transitions.ts), each one transaction with its fetch's
// file counters (src/shared/file-counts.ts), so the popup can trust the row's counters without
// reading the records. Body bytes arriving are body-writes.ts.
import type { BackgroundFetchFailureReason } from '../../../shared/spec';
import type { BgFetchDb, StoredRecord } from '../../../shared/db';
import { countFiles, NO_FILES, withChange } from '../../../shared/file-counts';
import { announceChange } from '../changes';
import { storeOf } from '../stores';
import { recordMayLeave } from './transitions';

/** A record with no body: what a restart from zero, or a reclaimed failure, leaves. */
export const NO_BODY = {
  stored: 0,
  response: null,
  validator: null,
  expectedLength: null,
} as const satisfies Partial<StoredRecord>;

export function deleteChunks(regKey: string, index: number) {
  return storeOf(regKey)
    .chunks.where('[regKey+index+start]')
    .between([regKey, index, 0], [regKey, index, Infinity])
    .delete();
}

/** Counts the registration's files again from all its records: only after a change of many records at once. */
async function recountFiles(db: BgFetchDb, regKey: string): Promise<void> {
  const files = countFiles(await db.records.where('regKey').equals(regKey).toArray());
  await db.registrations.update(regKey, { files });
}

/** One record's change and the difference to its registration's counters; false if refused. */
async function changeRecord(
  regKey: string,
  index: number,
  allowed: (record: StoredRecord) => boolean,
  change: (record: StoredRecord) => Partial<StoredRecord>,
): Promise<StoredRecord | undefined> {
  const db = storeOf(regKey);
  return db.transaction('rw', db.registrations, db.records, async () => {
    const before = await db.records.get([regKey, index]);
    if (!before || !allowed(before)) return undefined;
    const after = { ...before, ...change(before) };
    await db.records.put(after);
    const reg = await db.registrations.get(regKey);
    if (reg) await db.registrations.update(regKey, { files: withChange(reg.files ?? NO_FILES, before, after) });
    return after;
  });
}

/** The whole body is stored (a body that ended without a final chunk write: empty, or HEAD). */
export async function recordDone(regKey: string, index: number): Promise<boolean> {
  return !!(await changeRecord(
    regKey,
    index,
    (record) => recordMayLeave(record, 'done'),
    () => ({ state: 'done' }),
  ));
}

/** The request cannot succeed; the first reason given stays. */
export async function recordFailed(
  regKey: string,
  index: number,
  failure: BackgroundFetchFailureReason,
): Promise<boolean> {
  const failed = await changeRecord(
    regKey,
    index,
    (record) => record.state === 'pending' && recordMayLeave(record, 'fail'),
    () => ({ state: 'failed', failure }),
  );
  return !!failed;
}

/**
 * The stored body is dropped and un-counted, and the record's generation moves on (a reader that
 * began on older bytes must not get newer ones). Resolves to the record as it is now.
 */
export async function restartBody(regKey: string, index: number): Promise<StoredRecord | undefined> {
  const db = storeOf(regKey);
  return db.transaction('rw', db.registrations, db.records, db.chunks, async () => {
    const record = await db.records.get([regKey, index]);
    const reg = await db.registrations.get(regKey);
    if (!record || !reg || !recordMayLeave(record, 'restartBody')) return undefined;
    await deleteChunks(regKey, index);
    const after: StoredRecord = { ...record, ...NO_BODY, generation: (record.generation ?? 0) + 1 };
    await db.records.put(after);
    await db.registrations.update(regKey, {
      downloaded: Math.max(0, reg.downloaded - record.stored),
      files: withChange(reg.files ?? NO_FILES, record, after),
    });
    return after;
  });
}

/**
 * After a failure the other requests of the fetch were stopped: they will never complete, so
 * their records fail too (responseReady rejects instead of waiting forever). With `reclaim`
 * (out of storage) their partial bodies are deleted at once to give the space back; otherwise
 * they stay, so that retrying the fetch from the popup resumes them.
 */
export async function failUnfinished(
  regKey: string,
  reason: BackgroundFetchFailureReason,
  reclaim: boolean,
): Promise<void> {
  const db = storeOf(regKey);
  await db.transaction('rw', db.registrations, db.records, db.chunks, async () => {
    const records = await db.records.where('regKey').equals(regKey).toArray();
    for (const record of records) {
      const unfinished = record.state === 'pending' || (record.state === 'failed' && record.failure !== 'bad-status');
      if (!unfinished || !recordMayLeave(record, 'fail')) continue;
      const changes: Partial<StoredRecord> = {
        state: 'failed',
        failure: record.state === 'failed' ? record.failure : reason,
      };
      if (reclaim && record.stored > 0) {
        await deleteChunks(regKey, record.index);
        Object.assign(changes, NO_BODY);
      }
      await db.records.update([regKey, record.index], changes);
    }
    await recountFiles(db, regKey);
  });
  announceChange(regKey);
}

/**
 * Cancel from the popup frees the disk at once. An aborted fetch's unfinished files can never be
 * read (responseReady rejects with AbortError), so their partial bytes only take room; finished
 * files stay until the site's worker handled the abort event (it may still read them), then
 * they are released as usual. `downloaded` is left as it was, so the bar shows where the fetch
 * stopped; `keptBytes` says what the store still holds. Resolves to that, or undefined if the
 * fetch is not aborted.
 */
export async function discardUnfinished(regKey: string): Promise<number | undefined> {
  const db = storeOf(regKey);
  const kept = await db.transaction('rw', [db.registrations, db.records, db.chunks], async () => {
    const reg = await db.registrations.get(regKey);
    if (!reg || reg.active || reg.failureReason !== 'aborted') return undefined;
    let keptBytes = 0;
    for (const record of await db.records.where('regKey').equals(regKey).toArray()) {
      if (record.state === 'done') {
        keptBytes += record.stored;
        continue;
      }
      if (record.stored === 0 || !recordMayLeave(record, 'discard')) continue;
      await deleteChunks(regKey, record.index);
      await db.records.update([regKey, record.index], {
        stored: 0,
        validator: null,
        generation: (record.generation ?? 0) + 1,
      });
    }
    await db.registrations.update(regKey, { keptBytes: reg.released ? 0 : keptBytes });
    return keptBytes;
  });
  if (kept !== undefined) announceChange(regKey);
  return kept;
}

/** Retry from the popup: records that did not finish (every one, once its bodies were released) go back to pending. */
export async function reopenRecords(db: BgFetchDb, regKey: string, released: boolean): Promise<void> {
  await db.records
    .where('regKey')
    .equals(regKey)
    .filter(
      (record) =>
        recordMayLeave(record, 'retry') && (released || record.state === 'failed' || record.state === 'aborted'),
    )
    .modify(released ? { state: 'pending', failure: '', ...NO_BODY } : { state: 'pending', failure: '' });
}

/** Abort: the requests still pending will never complete. */
export async function abortPendingRecords(db: BgFetchDb, regKey: string): Promise<void> {
  await db.records
    .where('regKey')
    .equals(regKey)
    .filter((record) => record.state === 'pending' && recordMayLeave(record, 'abort'))
    .modify({ state: 'aborted', failure: 'aborted' });
}
