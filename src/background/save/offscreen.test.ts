// Chromium's offscreen document for Save: opened for the first save, closed once no save needs it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Browser } from 'webextension-polyfill';
import type { OffscreenMessage } from '../../shared/protocol';

/** A stand-in for Chromium's offscreen API and the document's answers. */
function fakeChromium(browser: Browser) {
  const state = { open: false, created: 0, closed: 0, live: new Set<string>(), next: 0, fail: false };
  const chrome = {
    offscreen: {
      createDocument: vi.fn(async ({ url, reasons }: { url: string; reasons: string[] }) => {
        expect(url).toBe('src/offscreen/index.html');
        expect(reasons).toEqual(['BLOBS']);
        if (state.open) throw new Error('Only a single offscreen document may be created.');
        state.open = true;
        state.created++;
      }),
      closeDocument: vi.fn(async () => {
        if (!state.open) throw new Error('No current offscreen document.');
        state.open = false;
        state.closed++;
        state.live.clear();
      }),
    },
    runtime: { getContexts: vi.fn(async () => (state.open ? [{ contextType: 'OFFSCREEN_DOCUMENT' }] : [])) },
  };
  vi.stubGlobal('chrome', chrome);
  vi.spyOn(browser.runtime, 'sendMessage').mockImplementation(async (raw: unknown) => {
    const { channel, request } = raw as OffscreenMessage;
    expect(channel).toBe('bgfetch:offscreen');
    if (!state.open) throw new Error('Could not establish connection. Receiving end does not exist.');
    if (request.type === 'offscreen.blobUrl') {
      if (state.fail)
        return { ok: false, error: { name: 'TypeError', message: 'bgfetch could not read the stored file.' } };
      const url = `blob:chrome-extension://x/${++state.next}`;
      state.live.add(url);
      return { ok: true, value: url };
    }
    if (request.url !== undefined) state.live.delete(request.url);
    return { ok: true, value: state.live.size };
  });
  return state;
}

/** The module fresh (its state is per run of the worker), with the Chromium stand-in it talks to. */
async function freshModule() {
  vi.resetModules();
  const { default: browser } = await import('webextension-polyfill');
  return { ...(await import('./offscreen')), browser };
}

describe('offscreen document', () => {
  beforeEach(() => vi.restoreAllMocks());
  afterEach(() => vi.unstubAllGlobals());

  it('is available only where Chromium offers the API', async () => {
    const { offscreenAvailable, browser } = await freshModule();
    expect(offscreenAvailable()).toBe(false);
    fakeChromium(browser);
    expect(offscreenAvailable()).toBe(true);
  });

  it('opens once for saves at the same time and closes when the last download ended', async () => {
    const { offscreenBlobUrl, revokeOffscreenUrl, browser } = await freshModule();
    const state = fakeChromium(browser);
    const [a, b] = await Promise.all([offscreenBlobUrl('k', 0, ''), offscreenBlobUrl('k', 1, 'audio/mpeg')]);
    expect(state.created).toBe(1);
    expect(new Set([a, b]).size).toBe(2);
    await revokeOffscreenUrl(a);
    expect(state).toMatchObject({ open: true, closed: 0 });
    expect([...state.live]).toEqual([b]);
    await revokeOffscreenUrl(b);
    expect(state).toMatchObject({ open: false, closed: 1 });

    // The next save opens it again.
    const c = await offscreenBlobUrl('k', 0, '');
    expect(state).toMatchObject({ open: true, created: 2 });
    await revokeOffscreenUrl(c);
    expect(state).toMatchObject({ open: false, closed: 2 });
  });

  it('stays open while a URL an earlier run of the worker made is still downloading', async () => {
    const { revokeOffscreenUrl, browser } = await freshModule();
    const state = fakeChromium(browser);
    state.open = true;
    state.live.add('blob:chrome-extension://x/old-1').add('blob:chrome-extension://x/old-2');
    await revokeOffscreenUrl('blob:chrome-extension://x/old-1');
    expect(state).toMatchObject({ open: true, closed: 0 });
    await revokeOffscreenUrl('blob:chrome-extension://x/old-2');
    expect(state).toMatchObject({ open: false, closed: 1 });
    // Nothing open: nothing to do.
    await revokeOffscreenUrl('blob:chrome-extension://x/old-2');
    expect(state.closed).toBe(1);
  });

  it("passes the document's error on and closes it when nothing else is live", async () => {
    const { offscreenBlobUrl, browser } = await freshModule();
    const state = fakeChromium(browser);
    state.fail = true;
    await expect(offscreenBlobUrl('k', 0, '')).rejects.toMatchObject({ specName: 'TypeError' });
    await vi.waitFor(() => expect(state).toMatchObject({ open: false, closed: 1 }));
  });

  it('does not close under a save that is still making its URL', async () => {
    const { offscreenBlobUrl, revokeOffscreenUrl, browser } = await freshModule();
    const state = fakeChromium(browser);
    const first = await offscreenBlobUrl('k', 0, '');
    const second = offscreenBlobUrl('k', 1, '');
    await revokeOffscreenUrl(first);
    const url = await second;
    expect(state).toMatchObject({ open: true, created: 1, closed: 0 });
    expect(state.live.has(url)).toBe(true);
    await revokeOffscreenUrl(url);
    expect(state).toMatchObject({ open: false, closed: 1 });
  });
});
