// A record's state changes with its fetch's file counters (src/shared/file-counts.ts), in one
// transaction, so the popup can trust the row's counters without reading the records.
import type { BgFetchDb, StoredRecord } from '../../shared/db';
import { countFiles, NO_FILES, withChange } from '../../shared/file-counts';
import { storeOf } from './stores';

/** Applies `changes` to one record and the difference to its registration's counters. */
export async function updateRecord(regKey: string, index: number, changes: Partial<StoredRecord>): Promise<void> {
  const db = storeOf(regKey);
  await db.transaction('rw', db.registrations, db.records, async () => {
    const before = await db.records.get([regKey, index]);
    if (!before) return;
    const after = { ...before, ...changes };
    await db.records.put(after);
    const reg = await db.registrations.get(regKey);
    if (reg) await db.registrations.update(regKey, { files: withChange(reg.files ?? NO_FILES, before, after) });
  });
}

/** Counts the registration's files again from all its records: only after a change of many records at once. */
export async function recountFiles(db: BgFetchDb, regKey: string): Promise<void> {
  const files = countFiles(await db.records.where('regKey').equals(regKey).toArray());
  await db.registrations.update(regKey, { files });
}
