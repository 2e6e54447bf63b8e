// A record's request body for the site that reads `record.request` again (issue 19, item 7):
// Chromium keeps it, so bgfetch hands out the stored upload with the record. As a Blob: the
// store's own where it keeps one (large bodies outside private windows), so no byte passes
// through the background; a private window's stays in memory, as everything of it does.
import type { StoredRecord } from '../../shared/db';
import { storeOf } from '../state/stores';

const HAS_NO_BODY = new Set(['GET', 'HEAD']);

/** The body of each record's request (undefined where it had none, or it is no longer stored). */
export async function requestBodies(regKey: string, records: readonly StoredRecord[]): Promise<(Blob | undefined)[]> {
  const withBody = records.filter((record) => !HAS_NO_BODY.has(record.request.method.toUpperCase()));
  if (!withBody.length) return records.map(() => undefined);
  const uploads = await storeOf(regKey).uploads.bulkGet(
    withBody.map((record) => [regKey, record.index] as [string, number]),
  );
  const byIndex = new Map(uploads.flatMap((upload) => (upload ? [[upload.index, upload.data] as const] : [])));
  return records.map((record) => {
    const data = byIndex.get(record.index);
    return data === undefined ? undefined : data instanceof Blob ? data : new Blob([data]);
  });
}
