// The settled fetches, kept in one row of the store (`lists`) for the popup's first frame
// (src/popup/first-read.ts). Chromium's IndexedDB costs about 20 µs for each row it reads,
// whatever the row holds: 1,000 registrations take ~33 ms to read, the active ones and this row
// ~15 ms (bench popup-render). The row is derived, never the truth: it is rebuilt from the
// registrations after each change to a settled one, and the popup's live queries replace its
// first frame with the registrations themselves a moment later.
import { liveQuery } from 'dexie';
import { SETTLED_LIST_ID, type BgFetchDb, type StoredRegistration } from '../../shared/db';

/**
 * Keeps `lists` in step with the settled registrations of `store` (the one on disk: a private
 * session's fetches never reach it). A change while a rebuild is being written is written next,
 * once: a burst of removals costs a few writes, not one per fetch.
 */
export function startSettledList(store: BgFetchDb): { stop(): void } {
  let latest: StoredRegistration[] | undefined;
  let writing: Promise<void> | undefined;
  const writeLatest = async () => {
    while (latest) {
      const rows = latest;
      latest = undefined;
      await store.lists
        .put({ id: SETTLED_LIST_ID, rows, builtAt: Date.now() })
        .catch((error: unknown) => console.error('bgfetch: settled list', error));
    }
    writing = undefined;
  };
  const subscription = liveQuery(() => store.registrations.where('active').equals(0).toArray()).subscribe({
    next: (rows) => {
      latest = rows;
      writing ??= writeLatest();
    },
    error: (error: unknown) => console.error('bgfetch: settled list', error),
  });
  return { stop: () => subscription.unsubscribe() };
}
