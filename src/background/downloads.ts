// Saving finished files to the person's disk. The bytes live in the store; the downloads API
// only takes a URL, so each file becomes a Blob URL made from its stored chunks. Firefox's event
// page has URL.createObjectURL; Chromium's service worker does not (it would need an offscreen
// document), so there saving answers NotSupportedError.
import browser from 'webextension-polyfill';
import { chunkSize, db, type StoredRegistration } from '../shared/db';
import { SpecError } from '../shared/spec';
import { savePaths } from '../shared/filenames';
import { holdAlive } from './keepalive';

/** Chunks read from the store per step: bounds the ArrayBuffers held at once (about 1 MiB each). */
const CHUNKS_PER_PART = 16;

/** Object URLs handed to the downloads API, revoked once the download ends. */
const pending = new Map<number, { url: string; release: () => void }>();

browser.downloads.onChanged.addListener((delta) => {
  const state = delta.state?.current;
  if (state !== 'complete' && state !== 'interrupted') return;
  const entry = pending.get(delta.id);
  if (!entry) return;
  pending.delete(delta.id);
  URL.revokeObjectURL(entry.url);
  entry.release();
});

export const canSave = () => __TARGET__ === 'firefox' && typeof URL.createObjectURL === 'function';

/**
 * A record's body as a Blob. Built from small Blobs of a few chunks each, so the store's
 * ArrayBuffers can be collected as we go instead of all living until one giant Blob is made.
 */
export async function recordBlob(regKey: string, index: number, type = ''): Promise<Blob> {
  const parts: Blob[] = [];
  let from = 0;
  for (;;) {
    const chunks = await db.chunks
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
export async function saveRegistration(regKey: string, index?: number, wanted?: () => Promise<boolean>): Promise<number> {
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
  if (!canSave()) {
    throw new SpecError('NotSupportedError', 'Saving files is available in Firefox only for now.');
  }
  const reg = await db.registrations.get(regKey);
  if (!reg) throw new SpecError('InvalidStateError', 'That background fetch no longer exists.');
  if (reg.released) throw new SpecError('InvalidStateError', 'The site took these files; they are no longer stored here.');
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
    const blob = await recordBlob(regKey, record.index, type);
    const url = URL.createObjectURL(blob);
    const release = holdAlive();
    try {
      const id = await browser.downloads.download({ url, filename: paths[i]!, conflictAction: 'uniquify', saveAs: false });
      pending.set(id, { url, release });
      started++;
    } catch (error) {
      URL.revokeObjectURL(url);
      release();
      throw new SpecError('NotAllowedError', `The browser refused to save ${paths[i]}: ${String(error)}`);
    }
  }
  if (index !== undefined && started === 0) {
    throw new SpecError('InvalidStateError', 'That file has not finished downloading.');
  }
  return started;
}

/** The folder of a fetch: its title when the site gave one, else its id. */
export const saveFolderName = (reg: Pick<StoredRegistration, 'title' | 'id'>) => reg.title.trim() || reg.id;
