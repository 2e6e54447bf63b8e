// What the offscreen document does for the service worker: Blob URLs of stored bodies, kept
// until the download that reads each one ended.
import { recordBlob } from '../shared/blobs';
import type { BgFetchDb } from '../shared/db';
import type { OffscreenReplies, OffscreenRequest, OffscreenRequestOf } from '../shared/protocol';

export type OffscreenHandlers = {
  [T in OffscreenRequest['type']]: (request: OffscreenRequestOf<T>) => Promise<OffscreenReplies[T]>;
};

export function createOffscreenHandlers(store: BgFetchDb): OffscreenHandlers {
  /** URLs made here and not revoked yet: only these may be revoked. */
  const live = new Set<string>();
  return {
    async 'offscreen.blobUrl'({ key, index, contentType }) {
      const url = URL.createObjectURL(await recordBlob(store, key, index, contentType));
      live.add(url);
      return url;
    },
    async 'offscreen.revoke'({ url }) {
      if (url !== undefined && live.delete(url)) URL.revokeObjectURL(url);
      return live.size;
    },
  };
}
