// The popup's first answers, read with plain IndexedDB while the popup's modules load: the first
// frame is drawn from them, and Dexie (loaded after that frame, src/popup/data.ts) takes over
// with its live queries. The read starts in a classic script of its own (first-read.iife.ts),
// which the page runs before it evaluates any module. The settled fetches come from the one row
// the background keeps of them (src/background/state/settled-list.ts), not from a thousand rows.
import type { StoredList, StoredRegistration, StoredSetting } from '../shared/db';

/** The list's row (db.ts SETTLED_LIST_ID, not imported: that module brings Dexie). */
const SETTLED_LIST_ID: StoredList['id'] = 'settled';

/** The active (1) and the settled (0) registrations, as Dexie's `where('active').equals(n)` lists them, and the sites' settings. */
export interface FirstAnswers {
  active: StoredRegistration[];
  settled: StoredRegistration[];
  sites: StoredSetting[];
}

/**
 * Reads both lists (once per page: first-read.iife.ts starts it, the list's queries take its
 * answer) in one read-only transaction of the existing store. Resolves with null when
 * there is no store yet (it is never created here: the background's Dexie owns the schema) or
 * anything goes wrong: the live queries then give the first answer, as they always did.
 */
export function readFirstAnswers(): Promise<FirstAnswers | null> {
  const early = (globalThis as EarlyRead)[FIRST_READ_KEY];
  return (started ??= early ?? readRegistrations('bgfetch'));
}

let started: Promise<FirstAnswers | null> | undefined;

/** Where the popup page's first script (first-read.iife.ts) leaves the read it started. */
export const FIRST_READ_KEY = 'bgfetchFirstRead';
export type EarlyRead = { [FIRST_READ_KEY]?: Promise<FirstAnswers | null> };

export function readRegistrations(name: string, factory: IDBFactory = indexedDB): Promise<FirstAnswers | null> {
  return new Promise((resolve) => {
    let request: IDBOpenDBRequest;
    try {
      request = factory.open(name);
    } catch {
      return resolve(null);
    }
    // No store yet: leave it to Dexie, which creates it (aborting here creates nothing).
    request.onupgradeneeded = () => request.transaction?.abort();
    request.onerror = (event) => {
      event.preventDefault();
      resolve(null);
    };
    request.onsuccess = () => {
      const idb = request.result;
      // Never hold up the background's upgrade of the store.
      idb.onversionchange = () => idb.close();
      const done = (answers: FirstAnswers | null) => {
        idb.close();
        resolve(answers);
      };
      try {
        // A store older than version 4 has no list: its settled rows are read one by one.
        const hasList = idb.objectStoreNames.contains('lists');
        const transaction = idb.transaction(
          hasList ? ['registrations', 'sites', 'lists'] : ['registrations', 'sites'],
          'readonly',
        );
        transaction.onerror = (event) => {
          event.preventDefault();
          done(null);
        };
        const index = transaction.objectStore('registrations').index('active');
        const active = index.getAll(1);
        const sites = transaction.objectStore('sites').getAll();
        const answer = (settled: StoredRegistration[]) =>
          done({
            active: active.result as StoredRegistration[],
            settled,
            sites: sites.result as StoredSetting[],
          });
        // Requests in one transaction answer in order: the last one's success ends the read.
        const readSettled = () => {
          const settled = index.getAll(0);
          settled.onsuccess = () => answer(settled.result as StoredRegistration[]);
        };
        if (!hasList) return readSettled();
        const list = transaction.objectStore('lists').get(SETTLED_LIST_ID);
        list.onsuccess = () => {
          const rows = (list.result as StoredList | undefined)?.rows;
          // Not built yet (the background's first start on version 4).
          if (!Array.isArray(rows)) return readSettled();
          // The list may be a change behind the rows: a fetch retried since is active, not settled.
          const activeKeys = new Set((active.result as StoredRegistration[]).map((reg) => reg.key));
          answer(rows.filter((reg) => !activeKeys.has(reg.key)));
        };
      } catch {
        done(null);
      }
    };
  });
}
