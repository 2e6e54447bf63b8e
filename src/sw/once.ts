// Each queued service-worker event reaches the site's handlers once, even when it is delivered
// again: the background hands it to the worker, then stops (Firefox's event page is suspended,
// the extension is updated, the browser crashes) before it hears the outcome, and delivers it
// anew at its next start. The worker may still be running the first dispatch then, or have
// finished it long ago. Sites are unmodified, so the shim keeps the tokens it dispatched in
// the worker's own storage: an IndexedDB database of its own (not Cache Storage, which sites
// commonly empty of every cache they do not know). A repeated token gets the first
// dispatch's outcome and runs nothing.
import type { UIOptions } from '../shared/spec';

/** What the bridge hears once an event's handlers ran. */
export interface DispatchOutcome {
  ui: Partial<UIOptions> | null;
  listened: boolean;
}

export interface LedgerEntry {
  token: string;
  /** `running`: the handlers were started; the worker was stopped before they finished if it is still so later. */
  state: 'running' | 'done';
  at: number;
  outcome?: DispatchOutcome;
}

/** Where the dispatched tokens are kept; every call may fail (storage unavailable), never hang for long. */
export interface DispatchLedger {
  get(token: string): Promise<LedgerEntry | undefined>;
  put(entry: LedgerEntry): Promise<void>;
}

/**
 * Handlers cut off by the worker's stop: they ran, so they do not run again; nobody said the
 * site took the bodies, so the extension keeps them (as after Chromium's event timeout).
 */
const CUT_OFF: DispatchOutcome = { ui: null, listened: false };

/**
 * Runs `dispatch` once per token: concurrent deliveries in this worker share the running one,
 * later ones (in this worker or the next) get the recorded outcome. A ledger that fails costs
 * only the check across worker restarts, never the event.
 */
export function dispatchOnce(ledger: DispatchLedger, now: () => number = Date.now) {
  const seen = new Map<string, Promise<DispatchOutcome>>();
  /** `shared`: this worker is running (or ran) the token's dispatch already; `outcome` is that one's. */
  return (
    token: string,
    dispatch: () => Promise<DispatchOutcome>,
  ): { outcome: Promise<DispatchOutcome>; shared: boolean } => {
    const known = seen.get(token);
    if (known) return { outcome: known, shared: true };
    const outcome = (async () => {
      const entry = await ledger.get(token).catch(() => undefined);
      if (entry) {
        return entry.state === 'done' && entry.outcome ? entry.outcome : CUT_OFF;
      }
      // Written before any handler runs: a stop from here on never runs them again.
      await ledger.put({ token, state: 'running', at: now() }).catch(() => undefined);
      const result = await dispatch();
      await ledger.put({ token, state: 'done', at: now(), outcome: result }).catch(() => undefined);
      return result;
    })();
    // Set before anything is awaited: a second delivery in the same task sees it.
    seen.set(token, outcome);
    outcome.catch(() => seen.delete(token));
    return { outcome, shared: false };
  };
}

const DB_NAME = 'bgfetch-shim-dispatched';
const STORE = 'tokens';
/** An event waits in the extension at most this long for a site's tab; older tokens go. */
const KEEP_MS = 90 * 24 * 3600_000;
/** IndexedDB may be blocked (another version open) or slow: the check gives up rather than hold the event. */
const STORAGE_MS = 3000;

const request = <T>(req: IDBRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });

const within = <T>(work: Promise<T>): Promise<T> => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    work,
    new Promise<never>(
      (_, reject) => (timer = setTimeout(() => reject(new Error('IndexedDB did not answer')), STORAGE_MS)),
    ),
  ]).finally(() => clearTimeout(timer));
};

/** The worker's own IndexedDB (first-party, the site's origin); opened when an event first comes. */
export function indexedDbLedger(factory: IDBFactory = indexedDB, now: () => number = Date.now): DispatchLedger {
  let opened: Promise<IDBDatabase> | undefined;
  const database = () =>
    (opened ??= within(
      new Promise<IDBDatabase>((resolve, reject) => {
        const open = factory.open(DB_NAME, 1);
        open.onupgradeneeded = () => open.result.createObjectStore(STORE, { keyPath: 'token' });
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error ?? new Error('IndexedDB open failed'));
      }),
    ).catch((error: unknown) => {
      opened = undefined; // tried again at the next event
      throw error;
    }));
  return {
    async get(token) {
      const db = await database();
      return within(request<LedgerEntry | undefined>(db.transaction(STORE).objectStore(STORE).get(token)));
    },
    async put(entry) {
      const db = await database();
      const tx = db.transaction(STORE, 'readwrite');
      const store = tx.objectStore(STORE);
      store.put(entry);
      if (entry.state === 'done') {
        // Old tokens go with each finished event: a few entries a fetch, never a growing pile.
        const cursor = store.openCursor();
        cursor.onsuccess = () => {
          const at = cursor.result?.value as LedgerEntry | undefined;
          if (!cursor.result) return;
          if (at && now() - at.at > KEEP_MS) cursor.result.delete();
          cursor.result.continue();
        };
      }
      await within(
        new Promise<void>((resolve, reject) => {
          tx.oncomplete = () => resolve();
          tx.onerror = tx.onabort = () => reject(tx.error ?? new Error('IndexedDB write failed'));
        }),
      );
    },
  };
}
