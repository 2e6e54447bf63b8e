// What the person does from the popup (and tests through an extension page): never reachable
// from a web page, the router checks the sender first.
import type { AdminReplies, AdminRequest, AdminRequestOf } from '../shared/protocol';
import { db, snapshotOf } from '../shared/db';
import { publishProgress } from './progress';
import { settle } from './settle';
import { updateSiteSettings } from './sites';
import { startTransfers, stopTransfers } from './transfer';

export type AdminHandlers = {
  [T in AdminRequest['type']]: (request: AdminRequestOf<T>) => Promise<AdminReplies[T]>;
};

export function createAdminHandlers(onSitesChanged: () => Promise<void>): AdminHandlers {
  return {
    async 'admin.setSite'({ origin, settings }) {
      const updated = await updateSiteSettings(new URL(origin).origin, settings);
      await onSitesChanged();
      return updated;
    },
    async 'admin.pause'({ key }) {
      const reg = await db.registrations.get(key);
      if (!reg?.active || reg.paused) return false;
      await db.registrations.update(key, { paused: true });
      await stopTransfers(key, 'paused');
      return true;
    },
    async 'admin.resume'({ key }) {
      const reg = await db.registrations.get(key);
      if (!reg?.active || !reg.paused) return false;
      await db.registrations.update(key, { paused: false });
      startTransfers(key);
      publishProgress(snapshotOf({ ...reg, paused: false }));
      return true;
    },
    async 'admin.abort'({ key }) {
      const aborted = await settle(key, 'failure', 'aborted');
      if (aborted) await stopTransfers(key, 'aborted');
      return aborted;
    },
    async 'admin.remove'({ key }) {
      const reg = await db.registrations.get(key);
      if (!reg || reg.active) return false;
      await db.transaction('rw', [db.registrations, db.records, db.chunks, db.uploads], async () => {
        await db.chunks.where('regKey').equals(key).delete();
        await db.uploads.where('regKey').equals(key).delete();
        await db.records.where('regKey').equals(key).delete();
        await db.registrations.delete(key);
      });
      return true;
    },
  };
}
