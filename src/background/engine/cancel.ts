// Cancel from the popup frees the disk at once. An aborted fetch's unfinished files can never be
// read (responseReady rejects with AbortError), so their partial bytes only take room; finished
// files stay until the site's worker handled the abort event (it may still read them), then
// disposal.ts releases them as usual. `downloaded` is left as it was, so the bar shows where the
// fetch stopped; `keptBytes` says what the store still holds.
import { announceChange } from '../state/changes';
import { deleteChunks } from './chunks';
import { forgetEstimate } from './quota';
import { storeOf } from '../state/stores';

export async function discardUnfinished(regKey: string): Promise<number> {
  const db = storeOf(regKey);
  const kept = await db.transaction('rw', [db.registrations, db.records, db.chunks], async () => {
    const reg = await db.registrations.get(regKey);
    if (!reg || reg.active || reg.failureReason !== 'aborted') return undefined;
    let keptBytes = 0;
    for (const record of await db.records.where('regKey').equals(regKey).toArray()) {
      if (record.state === 'done') {
        keptBytes += record.stored;
        continue;
      }
      if (record.stored === 0) continue;
      await deleteChunks(regKey, record.index);
      await db.records.update([regKey, record.index], {
        stored: 0,
        validator: null,
        generation: (record.generation ?? 0) + 1,
      });
    }
    await db.registrations.update(regKey, { keptBytes: reg.released ? 0 : keptBytes });
    return keptBytes;
  });
  if (kept === undefined) return 0;
  forgetEstimate();
  announceChange(regKey);
  return kept;
}
