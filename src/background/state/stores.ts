// Where a fetch lives. Normal windows and Firefox containers share the store on disk (each
// registration carries its container's cookieStoreId, and callers only see their own). A private
// window's fetches live in an in-memory IndexedDB (fake-indexeddb under the same Dexie schema,
// so the engine is the same code): nothing of them reaches the disk, normal windows never see
// them, and they vanish when the last private window closes. Their keys say which store holds
// them, so everything keyed by a fetch finds its store without asking.
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import browser from 'webextension-polyfill';
import { BgFetchDb, db } from '../../shared/db';
import { holdAlive } from '../keepalive';

export const PRIVATE_KEY_PREFIX = 'private-';

/** Bytes a private session may hold in memory (bodies and uploads). */
export const PRIVATE_BYTES_LIMIT = 512 * 1024 * 1024;

let memory: { store: BgFetchDb; release: () => void } | undefined;
const endListeners = new Set<(keys: string[]) => Promise<void> | void>();

export const isPrivateKey = (key: string) => key.startsWith(PRIVATE_KEY_PREFIX);

/** What a private key finds once its session ended: an empty store nobody keeps alive. */
let ended: BgFetchDb | undefined;

/** The store that holds the fetch `key`. */
export function storeOf(key: string): BgFetchDb {
  if (!isPrivateKey(key)) return db;
  if (memory) return memory.store;
  return (ended ??= new BgFetchDb('bgfetch-ended', { indexedDB: new IDBFactory(), IDBKeyRange }));
}

/** The store for a caller's new and existing fetches. */
export function storeFor(caller: { incognito: boolean }): BgFetchDb {
  return caller.incognito ? privateStore() : db;
}

/** Every store that exists now (the private one only during a private session). */
export function everyStore(): BgFetchDb[] {
  return memory ? [db, memory.store] : [db];
}

function privateStore(): BgFetchDb {
  if (!memory) {
    // A fresh factory per session: ending the session drops every byte with it. The background
    // must not be suspended meanwhile (a Firefox event page would lose its memory), so it is held
    // alive for as long as the session has a store.
    const store = new BgFetchDb('bgfetch-private', { indexedDB: new IDBFactory(), IDBKeyRange });
    memory = { store, release: holdAlive() };
  }
  return memory.store;
}

/** Runs before a private session's store is dropped, with the keys of its fetches. */
export function onPrivateSessionEnd(listener: (keys: string[]) => Promise<void> | void): void {
  endListeners.add(listener);
}

/** The last private window closed: stop its transfers and forget everything it fetched. */
export async function endPrivateSession(): Promise<void> {
  if (!memory) return;
  const ending = memory;
  memory = undefined;
  const keys = await ending.store.registrations.toCollection().primaryKeys();
  for (const listener of endListeners) await listener(keys);
  ending.store.close();
  ending.release();
}

/** Ends the private session when its last window closes. */
export function startEndingPrivateSessions(): void {
  browser.windows?.onRemoved.addListener(() => {
    if (!memory) return;
    void browser.windows.getAll().then((windows) => {
      if (!windows.some((window) => window.incognito)) return endPrivateSession();
    });
  });
}
