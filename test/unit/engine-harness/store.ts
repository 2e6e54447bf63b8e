// The store of the engine's unit tests: the background's own Dexie database on fake-indexeddb
// (test/unit/setup.ts), emptied after each test, and fetches written into it as the engine
// would have left them: a registration, its records, their stored bytes and request bodies.
import { afterEach } from 'vitest';
import { db, type BgFetchDb, type StoredRecord, type StoredRegistration } from '../../../src/shared/db';
import { storedRecord, storedRegistration } from '../fixtures';

/** Every table of `store` (the one on disk unless told), empty. */
export async function emptyStore(store: BgFetchDb = db): Promise<void> {
  await Promise.all(store.tables.map((table) => table.clear()));
}

/** Empties the store after each test of the calling file, so every test starts from nothing. */
export function useFreshStore(): void {
  afterEach(() => emptyStore());
}

export interface FetchFixture {
  /** Its key; a fresh one (`<prefix>-<n>`) unless given. */
  key?: string;
  prefix?: string;
  /** Changes to the registration (storedRegistration: an active, empty fetch of https://a.example). */
  registration?: Partial<StoredRegistration>;
  /** How many pending records, or each record's changes (storedRecord: a pending GET of https://a.example/<index>). */
  records?: number | Partial<StoredRecord>[];
  /** Stored body bytes of a record, by its index: one chunk, or several one after the other. */
  bodies?: Record<number, Uint8Array | Uint8Array[]>;
  /** A record's stored request body, by its index. */
  uploads?: Record<number, Uint8Array>;
  store?: BgFetchDb;
}

let made = 0;

/** Writes a fetch as the engine would have stored it; its key. `recordCount` follows the records unless given. */
export async function storeFetch(fixture: FetchFixture = {}): Promise<string> {
  const store = fixture.store ?? db;
  const key = fixture.key ?? `${fixture.prefix ?? 'fetch'}-${++made}`;
  const records =
    typeof fixture.records === 'number'
      ? Array.from({ length: fixture.records }, () => ({}))
      : (fixture.records ?? [{}]);
  await store.registrations.put(storedRegistration(key, { recordCount: records.length, ...fixture.registration }));
  await store.records.bulkPut(records.map((change, index) => storedRecord(key, index, change)));
  for (const [index, body] of Object.entries(fixture.bodies ?? {})) {
    let start = 0;
    for (const piece of Array.isArray(body) ? body : [body]) {
      await store.chunks.put({ regKey: key, index: Number(index), start, data: arrayBufferOf(piece) });
      start += piece.byteLength;
    }
  }
  for (const [index, body] of Object.entries(fixture.uploads ?? {})) {
    await store.uploads.put({ regKey: key, index: Number(index), data: arrayBufferOf(body) });
  }
  return key;
}

const arrayBufferOf = (bytes: Uint8Array): ArrayBuffer => bytes.slice().buffer as ArrayBuffer;

/** How many rows each table holds. */
export async function tableCounts(store: BgFetchDb = db) {
  return {
    registrations: await store.registrations.count(),
    records: await store.records.count(),
    chunks: await store.chunks.count(),
    uploads: await store.uploads.count(),
  };
}

/** The body bytes stored for a fetch (all its chunks). */
export async function storedBytes(key: string, store: BgFetchDb = db): Promise<number> {
  const chunks = await store.chunks.where('regKey').equals(key).toArray();
  return chunks.reduce((sum, chunk) => sum + (chunk.data instanceof Blob ? chunk.data.size : chunk.data.byteLength), 0);
}
