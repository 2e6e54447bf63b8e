// Removing settled fetches from the popup, undoable for a few seconds: a removal first marks the
// fetch (`removeAt`; the popup stops listing it at once), and only when the window has passed
// are its registration, records and bytes deleted. Undo clears the mark, so nothing comes back
// half: bytes and records were never touched. A stop inside the window (idle background, crash)
// leaves the mark; the next start finishes the deletion.
import type { RemovalResult } from '../../shared/protocol';
import { announceChange } from '../state/changes';
import { deleteSettled, markRemoved as mark, undoRemove } from '../state/lifecycle';
import { everyStore } from '../state/stores';

export { deleteSettled };

/** How long a removal can be undone. */
export const UNDO_WINDOW_MS = 8000;

let sweepTimer: ReturnType<typeof setTimeout> | undefined;

/** Marks settled fetches removed (active ones are left alone: cancel them first). */
export async function markRemoved(keys: readonly string[]): Promise<RemovalResult> {
  const removeAt = Date.now() + UNDO_WINDOW_MS;
  const removed: string[] = [];
  let notDelivered = 0;
  for (const key of new Set(keys)) {
    // Whether the site's worker has not had it yet comes back (the popup warns).
    const marked = await mark(key, removeAt);
    if (marked === undefined) continue;
    removed.push(key);
    if (marked) notDelivered++;
  }
  if (removed.length) scheduleSweep(UNDO_WINDOW_MS);
  return { removed, undelivered: notDelivered, undoUntil: removeAt };
}

/** Every settled fetch of `origin` (of every site when undefined), in every store. */
export async function settledKeys(origin?: string): Promise<string[]> {
  const keys: string[] = [];
  for (const db of everyStore()) {
    const settled = origin
      ? db.registrations
          .where('origin')
          .equals(origin)
          .filter((reg) => !reg.active && !reg.removeAt)
      : db.registrations
          .where('active')
          .equals(0)
          .filter((reg) => !reg.removeAt);
    keys.push(...(await settled.primaryKeys()));
  }
  return keys;
}

/** Takes back removals whose window has not passed; returns how many came back. */
export async function undoRemoval(keys: readonly string[]): Promise<number> {
  let restored = 0;
  for (const key of new Set(keys)) {
    if (await undoRemove(key)) restored++;
  }
  return restored;
}

/** Deletes every fetch whose undo window has passed; returns how many. */
export async function sweepRemovals(now = Date.now()): Promise<number> {
  let deleted = 0;
  let next = Infinity;
  for (const db of everyStore()) {
    const marked = await db.registrations.filter((reg) => !!reg.removeAt).toArray();
    for (const reg of marked) {
      if (reg.removeAt! > now) next = Math.min(next, reg.removeAt!);
      else if (await deleteSettled(reg.key)) {
        deleted++;
        announceChange(reg.key);
      }
    }
  }
  if (next < Infinity) scheduleSweep(next - now);
  return deleted;
}

function scheduleSweep(delayMs: number): void {
  if (sweepTimer !== undefined) clearTimeout(sweepTimer);
  sweepTimer = setTimeout(
    () => {
      sweepTimer = undefined;
      void sweepRemovals().catch((error: unknown) => console.error('bgfetch: removal sweep failed', error));
    },
    Math.max(0, delayMs) + 50,
  );
}
