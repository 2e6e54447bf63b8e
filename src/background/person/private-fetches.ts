// What a private window's popup lists: the private session's fetches, which live in the
// background's memory (stores.ts), where the popup's own store reads cannot see them.
//
// The admin channel cannot tell which window asked, so this answers any extension page; what keeps
// the fetches out of a normal window is that only a popup whose window is incognito asks and shows
// them (PrivateFetches.tsx), and that no page can reach admin messages (router.ts).
import type { PrivateFetch } from '../../shared/protocol';
import { stateOf } from '../../shared/fetch-state';
import { everyStore, isPrivateKey, storeOf } from '../state/stores';

/** Every fetch of the private session (none without one), newest first; removed ones are left out. */
export async function privateFetches(): Promise<PrivateFetch[]> {
  const store = everyStore().find((candidate) => candidate !== storeOf(''));
  if (!store) return [];
  const regs = await store.registrations.filter((reg) => isPrivateKey(reg.key) && !reg.removeAt).toArray();
  return regs
    .sort((a, b) => b.createdAt - a.createdAt)
    .map((reg) => ({
      key: reg.key,
      origin: reg.origin,
      title: reg.title,
      downloaded: reg.downloaded,
      downloadTotal: reg.downloadTotal,
      state: stateOf(reg),
      failureReason: reg.failureReason,
    }));
}
