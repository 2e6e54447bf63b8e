// The popup's Dexie connection and its reads. Loaded with import() after the popup's first frame
// (data.ts): Dexie is most of the popup's script, and the first frame is drawn from the plain
// IndexedDB read in first-read.ts (bench popup-render).
import { liveQuery } from 'dexie';
import { BgFetchDb, type StoredIcon, type StoredRecord, type StoredRegistration } from '../shared/db';
import type { SiteSettings } from '../shared/protocol';
import { countedSummaries, type ListData, type RecordSummary } from './model';

export { liveQuery };

/**
 * The popup's own connection, without Dexie's query cache: the popup never writes, so the cache's
 * optimistic updates buy nothing, and with it every answer is deep-cloned before it is handed
 * out (about 9 ms per read of 1,000 registrations in Chromium, bench popup-render).
 */
const db = new BgFetchDb('bgfetch', { cache: 'disabled' });

/** Opened now, not when the first query runs (liveQuery starts it on a timer). */
export function open(): void {
  void db.open().catch(() => undefined);
}

function summarise(records: StoredRecord[]): Map<string, RecordSummary> {
  const summaries = new Map<string, RecordSummary>();
  for (const record of records) {
    let summary = summaries.get(record.regKey);
    if (!summary) summaries.set(record.regKey, (summary = { done: 0, started: false, expected: 0 }));
    if (record.state === 'done') summary.done++;
    if (record.response || record.stored > 0) summary.started = true;
    const length = record.state === 'done' ? record.stored : record.expectedLength;
    summary.expected = summary.expected === null || length === null ? null : summary.expected + length;
  }
  return summaries;
}

/**
 * The active fetches and their summaries. A query of its own: progress changes only these rows, so
 * only this one runs again (the finished ones can be a thousand; bench popup-progress). The
 * summaries come from the rows' own counters (src/shared/file-counts.ts): a progress write reads
 * no record, however many a site queued.
 */
export async function loadActive(): Promise<ListData> {
  const registrations = await db.registrations.where('active').equals(1).toArray();
  const data = { registrations, summaries: countedSummaries(registrations).summaries };
  // Rows written before the counters existed (the store's upgrade counts them; this is a safety
  // net) and not paused: their records are read.
  const uncounted = registrations.filter((reg) => !reg.files && !reg.paused).map((reg) => reg.key);
  if (uncounted.length) for (const [key, summary] of await loadSummaries(uncounted)) data.summaries.set(key, summary);
  return data;
}

/** The records of these fetches, summarised (only for rows without counters). */
export async function loadSummaries(keys: readonly string[]): Promise<Map<string, RecordSummary>> {
  const records = keys.length
    ? await db.records
        .where('regKey')
        .anyOf([...keys])
        .toArray()
    : [];
  return summarise(records);
}

/** The settled fetches: this query runs again only when one settles, changes or goes. */
export async function loadFinished(): Promise<StoredRegistration[]> {
  return db.registrations.where('active').equals(0).toArray();
}

export async function loadSites(): Promise<Map<string, SiteSettings>> {
  const rows = await db.sites.toArray();
  return new Map(rows.map((row) => [row.origin, row.settings]));
}

export async function loadRecords(regKey: string): Promise<StoredRecord[]> {
  return db.records.where('regKey').equals(regKey).sortBy('index');
}

/** The stored icon of the first of these fetches that has one. */
export async function loadIcon(keys: readonly string[]): Promise<StoredIcon | null> {
  for (const key of keys) {
    const stored = await db.icons.get(key);
    if (stored) return stored;
  }
  return null;
}
