// Saving finished files to the person's disk. The bytes live in the store; the downloads API
// only takes a URL, so each file becomes a Blob URL made from its stored chunks: by Firefox's
// event page itself, or by an offscreen document in Chromium, whose service worker has no
// URL.createObjectURL (src/background/save/offscreen.ts).
import browser from 'webextension-polyfill';
import { recordBlob } from '../../shared/blobs';
import type { StoredRegistration } from '../../shared/db';
import { isPrivateKey, storeOf } from '../state/stores';
import { SpecError } from '../../shared/spec';
import { savePaths } from '../../shared/filenames';
import { holdAlive } from '../keepalive';
import { offscreenAvailable, offscreenBlobUrl, revokeOffscreenUrl } from './offscreen';

/** Where Blob URLs of stored bodies come from, and how they are let go once their download ended. */
interface BlobUrls {
  make(regKey: string, index: number, type: string): Promise<string>;
  revoke(url: string): Promise<void>;
}

const blobUrls: BlobUrls =
  __TARGET__ === 'chromium'
    ? { make: offscreenBlobUrl, revoke: revokeOffscreenUrl }
    : {
        make: async (regKey, index, type) =>
          URL.createObjectURL(await recordBlob(storeOf(regKey), regKey, index, type)),
        revoke: async (url) => URL.revokeObjectURL(url),
      };

export const canSave = () =>
  __TARGET__ === 'chromium' ? offscreenAvailable() : typeof URL.createObjectURL === 'function';

/** Object URLs handed to the downloads API, revoked once the download ends. */
const pending = new Map<number, { url: string; release: () => void }>();

const ended = (state: string | undefined) => state === 'complete' || state === 'interrupted';

function finish(id: number): void {
  const entry = pending.get(id);
  if (!entry) return;
  pending.delete(id);
  entry.release();
  void blobUrls
    .revoke(entry.url)
    .catch((error: unknown) => console.error("bgfetch: revoking a saved file's URL", error));
}

/** A saved file's Blob URL is revoked once its download ended. */
export function startDownloadTracking(): void {
  browser.downloads.onChanged.addListener((delta) => {
    if (!ended(delta.state?.current)) return;
    if (pending.has(delta.id)) {
      finish(delta.id);
      return;
    }
    // Chromium: a download an earlier run of the worker started; its URL lives in the offscreen
    // document, which closes once no URL of it is live.
    if (__TARGET__ === 'chromium')
      void revokeOrphan(delta.id).catch((error: unknown) =>
        console.error("bgfetch: revoking a saved file's URL", error),
      );
  });
}

async function revokeOrphan(id: number): Promise<void> {
  const [item] = await browser.downloads.search({ id });
  if (item?.url.startsWith(`blob:${browser.runtime.getURL('')}`)) await blobUrls.revoke(item.url);
}

/** Saves still reading a fetch's bodies: disposal waits for them (see disposal.ts). */
const reading = new Map<string, Promise<unknown>>();

/** Resolves once no save is reading the bodies of `regKey` any more. */
export async function savesDone(regKey: string): Promise<void> {
  while (reading.has(regKey)) await reading.get(regKey)!.catch(() => undefined);
}

/**
 * Save the finished files of a fetch (or just `index`), if `wanted` still says so once earlier
 * saves of it are done. Returns how many downloads started. Registered synchronously, so a
 * release that starts after this call waits for it.
 */
export async function saveRegistration(
  regKey: string,
  index?: number,
  wanted?: () => Promise<boolean>,
): Promise<number> {
  const earlier = reading.get(regKey)?.catch(() => undefined);
  const saving = (async () => {
    await earlier;
    if (wanted && !(await wanted())) return 0;
    return startDownloads(regKey, index);
  })();
  reading.set(regKey, saving);
  try {
    return await saving;
  } finally {
    if (reading.get(regKey) === saving) reading.delete(regKey);
  }
}

async function startDownloads(regKey: string, index?: number): Promise<number> {
  if (!canSave()) throw new SpecError('NotSupportedError', 'This browser cannot save files from an extension.');
  if (isPrivateKey(regKey))
    throw new SpecError('NotAllowedError', 'Files of a private window are never written to disk.');
  const db = storeOf(regKey);
  const reg = await db.registrations.get(regKey);
  if (!reg) throw new SpecError('InvalidStateError', 'That background fetch no longer exists.');
  if (reg.released)
    throw new SpecError('InvalidStateError', 'The site took these files; they are no longer stored here.');
  const records = await db.records.where('regKey').equals(regKey).sortBy('index');
  const paths = savePaths(
    reg.origin,
    saveFolderName(reg),
    records.map((record) => record.response?.url || record.request.url),
  );
  let started = 0;
  for (const [i, record] of records.entries()) {
    if (index !== undefined && record.index !== index) continue;
    if (record.state !== 'done') continue;
    const type = record.response?.headers.find(([name]) => name === 'content-type')?.[1] ?? '';
    // Reading a large body into a Blob takes a while: the background stays up meanwhile too.
    const release = holdAlive();
    let url: string;
    try {
      url = await blobUrls.make(regKey, record.index, type);
    } catch (error) {
      release();
      throw error;
    }
    let id: number;
    try {
      id = await browser.downloads.download({ url, filename: paths[i]!, conflictAction: 'uniquify', saveAs: false });
    } catch (error) {
      release();
      await blobUrls.revoke(url).catch(() => undefined);
      throw new SpecError('NotAllowedError', `The browser refused to save ${paths[i]}: ${String(error)}`);
    }
    pending.set(id, { url, release });
    started++;
    // A small file may be done before download() answered, its onChanged already gone by.
    const [item] = await browser.downloads.search({ id }).catch(() => []);
    if (ended(item?.state)) finish(id);
  }
  if (index !== undefined && started === 0) {
    throw new SpecError('InvalidStateError', 'That file has not finished downloading.');
  }
  return started;
}

/** The folder of a fetch: its title when the site gave one, else its id. */
export const saveFolderName = (reg: Pick<StoredRegistration, 'title' | 'id'>) => reg.title.trim() || reg.id;
