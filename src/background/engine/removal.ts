// Removing settled fetches from the popup, undoable for a few seconds: a removal first marks the
// fetch (`removeAt`; the popup stops listing it at once), and only when the window has passed
// are its registration, records and bytes deleted. Undo clears the mark, so nothing comes back
// half: bytes and records were never touched. A stop inside the window (idle background, crash)
// leaves the mark; the next start finishes the deletion.
import type { BgFetchDb, StoredRegistration } from '../../shared/db';
import type { RemovalResult } from '../../shared/protocol';
import { announceChange } from '../state/changes';
import { everyStore, storeOf } from '../state/stores';

/** How long a removal can be undone. */
export const UNDO_WINDOW_MS = 8000;

let sweepTimer: ReturnType<typeof setTimeout> | undefined;

/** A settled fetch and everything stored for it, now. */
export async function deleteSettled(key: string): Promise<boolean> {
  const db = storeOf(key);
  return db.transaction('rw', [db.registrations, db.records, db.chunks, db.uploads, db.icons], async () => {
    const reg = await db.registrations.get(key);
    if (!reg || reg.active) return false;
    await db.chunks.where('regKey').equals(key).delete();
    await db.uploads.where('regKey').equals(key).delete();
    await db.records.where('regKey').equals(key).delete();
    await db.icons.delete(key);
    await db.registrations.delete(key);
    return true;
  });
}

/**
 * The site's worker has not had this fetch yet: its final event still waits for a window of the
 * site, or its handler has not finished (the bodies would have been released).
 */
async function undelivered(db: BgFetchDb, reg: StoredRegistration): Promise<boolean> {
  if (await db.swEvents.where('regKey').equals(reg.key).count()) return true;
  return reg.result === 'success' && !reg.released;
}

/** Marks settled fetches removed (active ones are left alone: cancel them first). */
export async function markRemoved(keys: readonly string[]): Promise<RemovalResult> {
  const removeAt = Date.now() + UNDO_WINDOW_MS;
  const removed: string[] = [];
  let notDelivered = 0;
  for (const key of new Set(keys)) {
    const db = storeOf(key);
    const marked = await db.transaction('rw', db.registrations, db.swEvents, async () => {
      const reg = await db.registrations.get(key);
      if (!reg || reg.active || reg.removeAt) return undefined;
      await db.registrations.update(key, { removeAt });
      return undelivered(db, reg);
    });
    if (marked === undefined) continue;
    removed.push(key);
    if (marked) notDelivered++;
    announceChange(key);
  }
  if (removed.length) scheduleSweep(UNDO_WINDOW_MS);
  return { removed, undelivered: notDelivered, undoUntil: removeAt };
}

/** Every settled fetch of `origin` (of every site when undefined), in every store. */
export async function settledKeys(origin?: string): Promise<string[]> {
  const keys: string[] = [];
  for (const db of everyStore()) {
    const settled = origin
      ? db.registrations.where('origin').equals(origin).filter((reg) => !reg.active && !reg.removeAt)
      : db.registrations.where('active').equals(0).filter((reg) => !reg.removeAt);
    keys.push(...(await settled.primaryKeys()));
  }
  return keys;
}

/** Takes back removals whose window has not passed; returns how many came back. */
export async function undoRemoval(keys: readonly string[]): Promise<number> {
  let restored = 0;
  for (const key of new Set(keys)) {
    const db = storeOf(key);
    const undone = await db.transaction('rw', db.registrations, async () => {
      const reg = await db.registrations.get(key);
      if (!reg?.removeAt) return false;
      await db.registrations.update(key, { removeAt: 0 });
      return true;
    });
    if (!undone) continue;
    restored++;
    announceChange(key);
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
  sweepTimer = setTimeout(() => {
    sweepTimer = undefined;
    void sweepRemovals().catch((error: unknown) => console.error('bgfetch: removal sweep failed', error));
  }, Math.max(0, delayMs) + 50);
}
