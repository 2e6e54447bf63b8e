// A stored body as a Blob, for saving it to disk. Made where Blob URLs can be made: Firefox's
// event page, Chromium's offscreen document (src/offscreen/); both read the same store.
import { chunkSize, type BgFetchDb } from './db';

/**
 * Chunks read from the store per step: bounds the ArrayBuffers held at once (chunks are up to
 * 8 MiB, 16 in Chromium: CHUNK_BYTES in src/background/engine/chunks.ts). Saving 1 GiB in Chromium 156
 * peaked at about 170 MB of ArrayBuffers in the offscreen document with 16 MiB steps, the rest
 * waiting for collection.
 */
const CHUNKS_PER_PART = 2;

/**
 * The body of record `index` of fetch `regKey`. Built from small Blobs of a few chunks each, so
 * the store's ArrayBuffers can be collected as we go instead of all living until one giant Blob
 * is made (and Chromium's blob system can move the parts to disk).
 */
export async function recordBlob(store: BgFetchDb, regKey: string, index: number, type = ''): Promise<Blob> {
  const parts: Blob[] = [];
  let from = 0;
  for (;;) {
    const chunks = await store.chunks
      .where('[regKey+index+start]')
      .between([regKey, index, from], [regKey, index, Infinity])
      .limit(CHUNKS_PER_PART)
      .toArray();
    if (!chunks.length) break;
    parts.push(new Blob(chunks.map((chunk) => chunk.data)));
    const last = chunks.at(-1)!;
    from = last.start + chunkSize(last);
    if (chunks.length < CHUNKS_PER_PART) break;
  }
  return new Blob(parts, { type });
}
