// Chromium: Blob URLs for saving come from an offscreen document (src/offscreen/), because the
// service worker has no URL.createObjectURL. The document is opened for the first save and closed
// once no save needs it any more: no URL being made, none whose download still runs.
import browser from 'webextension-polyfill';
import { OFFSCREEN_CHANNEL } from '../../shared/channels';
import type {
  OffscreenMessage,
  OffscreenReplies,
  OffscreenRequest,
  OffscreenRequestOf,
  Reply,
} from '../../shared/protocol';
import { SpecError } from '../../shared/spec';

/** A build input of the Chromium target (vite.config.ts). */
const OFFSCREEN_DOCUMENT = 'src/offscreen/index.html';

/** The parts of Chromium's API used here; webextension-polyfill knows neither. */
interface ChromeOffscreenApi {
  offscreen: {
    createDocument(parameters: { url: string; reasons: string[]; justification: string }): Promise<void>;
    closeDocument(): Promise<void>;
  };
  runtime: { getContexts(filter: { contextTypes: string[] }): Promise<unknown[]> };
}

const chromeApi = () => (globalThis as { chrome?: Partial<ChromeOffscreenApi> }).chrome;

export const offscreenAvailable = () => typeof chromeApi()?.offscreen?.createDocument === 'function';

/** Saves between asking for a URL and getting it. */
let making = 0;
/** URLs this run of the worker got and whose download has not ended. */
const live = new Set<string>();
/** Opening and closing the document, one at a time (Chromium allows one document at a time). */
let lifecycle: Promise<unknown> = Promise.resolve();

function serially<T>(work: () => Promise<T>): Promise<T> {
  const run = lifecycle.then(work, work);
  lifecycle = run.catch(() => undefined);
  return run;
}

async function documentOpen(): Promise<boolean> {
  const contexts = await chromeApi()!.runtime!.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT'] });
  return contexts.length > 0;
}

async function openDocument(): Promise<void> {
  // It may outlive a restart of the worker.
  if (await documentOpen()) return;
  await chromeApi()!.offscreen!.createDocument({
    url: OFFSCREEN_DOCUMENT,
    reasons: ['BLOBS'],
    justification: 'Saving a finished download to disk needs a Blob URL of its stored bytes.',
  });
}

async function ask<T extends OffscreenRequest['type']>(request: OffscreenRequestOf<T>): Promise<OffscreenReplies[T]> {
  const message: OffscreenMessage = { channel: OFFSCREEN_CHANNEL, request };
  const reply = (await browser.runtime.sendMessage(message)) as Reply<OffscreenReplies[T]> | undefined;
  if (!reply || typeof reply !== 'object')
    throw new SpecError('NotSupportedError', 'The page that prepares saved files did not answer.');
  if (!reply.ok) throw new SpecError(reply.error.name, reply.error.message);
  return reply.value;
}

/** A Blob URL of the stored body of record `index` of fetch `key`; revoke it with `revokeOffscreenUrl`. */
export async function offscreenBlobUrl(key: string, index: number, contentType: string): Promise<string> {
  making++;
  try {
    await serially(openDocument);
    const url = await ask({ type: 'offscreen.blobUrl', key, index, contentType });
    live.add(url);
    return url;
  } finally {
    making--;
    if (making === 0 && live.size === 0)
      void closeIfIdle().catch((error: unknown) => console.error('bgfetch: closing the offscreen document', error));
  }
}

/**
 * The download of `url` ended (or never started). Also for URLs an earlier run of the worker
 * made: the document says how many of its URLs are still live, so it closes only when none is.
 */
export async function revokeOffscreenUrl(url: string): Promise<void> {
  live.delete(url);
  await closeIfIdle(url);
}

function closeIfIdle(revoke?: string): Promise<void> {
  return serially(async () => {
    if (!(await documentOpen())) return;
    // A URL an earlier run of the worker made may still be downloading: the document knows.
    const remaining = await ask({ type: 'offscreen.revoke', url: revoke });
    if (remaining === 0 && making === 0 && live.size === 0) await chromeApi()!.offscreen!.closeDocument();
  });
}
