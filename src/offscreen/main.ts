// Chromium's offscreen document for saving files (reason BLOBS): the service worker has no
// URL.createObjectURL, so it asks this page for the Blob URL of a stored body, hands that to
// downloads.download, and tells the page to revoke it once the download ended. The page reads
// the bodies from the extension's store itself (same origin); only URLs cross.
import * as v from 'valibot';
import browser, { type Runtime } from 'webextension-polyfill';
import { OFFSCREEN_CHANNEL } from '../shared/channels';
import { db } from '../shared/db';
import { offscreenRequestSchema, type Reply } from '../shared/protocol';
import { SpecError, type WireError } from '../shared/spec';
import { createOffscreenHandlers } from './urls';
import { fromServiceWorker } from './sender';

const handlers = createOffscreenHandlers(db);
/** The service worker's URL. An offscreen document's runtime API has no getManifest(). */
const workerUrl = fetch(browser.runtime.getURL('manifest.json'))
  .then((response) => response.json() as Promise<{ background?: { service_worker?: unknown } }>)
  .then(({ background }) =>
    typeof background?.service_worker === 'string' ? browser.runtime.getURL(background.service_worker) : null,
  )
  .catch(() => null);

function toWireError(error: unknown): WireError {
  if (error instanceof SpecError) return error.toWire();
  console.error('bgfetch offscreen: internal error', error);
  return { name: 'TypeError', message: 'bgfetch could not read the stored file.' };
}

// Added at once: the worker asks as soon as the document loaded.
browser.runtime.onMessage.addListener((message: unknown, sender: Runtime.MessageSender) => {
  if (typeof message !== 'object' || message === null) return;
  const { channel, request } = message as { channel?: unknown; request?: unknown };
  if (channel !== OFFSCREEN_CHANNEL) return;
  return workerUrl.then((url): Promise<Reply<unknown>> | Reply<unknown> =>
    // Content scripts' messages reach every extension page too: answer the service worker only.
    url !== null && fromServiceWorker(sender, browser.runtime.id, url)
      ? answer(request)
      : { ok: false, error: { name: 'NotAllowedError', message: 'Only the extension may do that.' } },
  );
});

async function answer(raw: unknown): Promise<Reply<unknown>> {
  const parsed = v.safeParse(offscreenRequestSchema, raw);
  if (!parsed.success) {
    return {
      ok: false,
      error: { name: 'TypeError', message: `Malformed message: ${v.summarize(parsed.issues).slice(0, 500)}` },
    };
  }
  const request = parsed.output;
  const handler = handlers[request.type] as (request: unknown) => Promise<unknown>;
  try {
    return { ok: true, value: await handler(request) };
  } catch (error) {
    return { ok: false, error: toWireError(error) };
  }
}
