// Releasing finished bodies. The spec lets the browser drop a fetch's responses once its records
// stop being available, which happens after the site's worker handled backgroundfetchsuccess,
// -fail or -abort: by then the site copied what it wanted (typically into Cache Storage), and
// keeping a second copy of a film would only eat the person's disk. Never earlier: a fetch whose
// event waits for a tab, or whose worker has no handler, keeps its bytes. The registration itself
// stays, for the popup's history, marked `released`.
import { db } from '../../shared/db';
import { release } from '../state/lifecycle';
import { savesDone } from '../save/downloads';

/** Deletes the stored bodies of `regKey` if its records are no longer available. */
export async function releaseBodies(regKey: string): Promise<boolean> {
  // A Save (the person's, or the site's auto-save) copies the bytes first.
  await savesDone(regKey);
  return release(regKey);
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
