// Releasing finished bodies. The spec lets the browser drop a fetch's responses once its records
// stop being available, which happens after the site's worker handled backgroundfetchsuccess,
// -fail or -abort: by then the site copied what it wanted (typically into Cache Storage), and
// keeping a second copy of a film would only eat the person's disk. Never earlier: a fetch whose
// event waits for a tab, or whose worker has no handler, keeps its bytes. The registration itself
// stays, for the popup's history, marked `released`.
import { db } from '../../shared/db';
import { storeOf } from '../state/stores';
import { announceChange } from '../state/changes';
import { savesDone } from '../save/downloads';

/** Deletes the stored bodies of `regKey` if its records are no longer available. */
export async function releaseBodies(regKey: string): Promise<boolean> {
  // A Save (the person's, or the site's auto-save) copies the bytes first.
  await savesDone(regKey);
  const db = storeOf(regKey);
  const released = await db.transaction('rw', [db.registrations, db.chunks, db.uploads], async () => {
    const reg = await db.registrations.get(regKey);
    if (!reg || reg.active || reg.recordsAvailable || reg.released) return false;
    await db.chunks.where('regKey').equals(regKey).delete();
    // A failed fetch keeps its (bounded) request bodies: the person may still retry it.
    const retryable = reg.result === 'failure' && reg.failureReason !== 'aborted';
    if (!retryable) await db.uploads.where('regKey').equals(regKey).delete();
    await db.registrations.update(regKey, { released: true });
    return true;
  });
  if (released) announceChange(regKey);
  return released;
}

/** At start-up: finishes releases a stop interrupted. */
export async function releaseHandledBodies(): Promise<void> {
  const keys = await db.registrations
    .where('active')
    .equals(0)
    .filter((reg) => !reg.recordsAvailable && !reg.released)
    .primaryKeys();
  for (const key of keys) await releaseBodies(key);
}
