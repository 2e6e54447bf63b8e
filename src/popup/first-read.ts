// The popup's first answers, read with plain IndexedDB while the popup's modules load and Dexie
// opens. Dexie's live queries answer the same two reads 40–70 ms later (bench popup-render:
// loading Dexie, its open and schema check, the live query's first run), and they take over from
// their first answer; this only fills the gap. The read starts in a classic script of its own
// (first-read.iife.ts), which the page runs before it evaluates any module.
import type { StoredRegistration, StoredSetting } from '../shared/db';

/** The active (1) and the settled (0) registrations, as Dexie's `where('active').equals(n)` lists them, and the sites' settings. */
export interface FirstAnswers {
  active: StoredRegistration[];
  settled: StoredRegistration[];
  sites: StoredSetting[];
}

/**
 * Reads both lists (once per page: first-read.iife.ts starts it, the list's queries take its answer) in one read-only transaction of the existing store. Resolves with null when
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
      try {
        const transaction = idb.transaction(['registrations', 'sites'], 'readonly');
        const index = transaction.objectStore('registrations').index('active');
        const active = index.getAll(1);
        const settled = index.getAll(0);
        const sites = transaction.objectStore('sites').getAll();
        // Requests in one transaction answer in order: the last one's success ends the read.
        sites.onsuccess = () => {
          idb.close();
          resolve({
            active: active.result as StoredRegistration[],
            settled: settled.result as StoredRegistration[],
            sites: sites.result as StoredSetting[],
          });
        };
        transaction.onerror = (event) => {
          event.preventDefault();
          idb.close();
          resolve(null);
        };
      } catch {
        idb.close();
        resolve(null);
      }
    };
  });
}
