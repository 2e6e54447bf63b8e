// The offscreen document's Blob URLs, against a real (in-memory) IndexedDB.
import { describe, expect, it } from 'vitest';
import { BgFetchDb } from '../shared/db';
import { fromServiceWorker } from './sender';
import { createOffscreenHandlers } from './urls';

const store = new BgFetchDb('offscreen-test');

describe('offscreen handlers', () => {
  it('make a Blob URL of a stored body and revoke only their own URLs', async () => {
    await store.chunks.bulkPut([
      { regKey: 'k', index: 0, start: 0, data: new Uint8Array([1, 2]).buffer },
      { regKey: 'k', index: 0, start: 2, data: new Uint8Array([3]).buffer },
    ]);
    const handlers = createOffscreenHandlers(store);
    const url = await handlers['offscreen.blobUrl']({
      type: 'offscreen.blobUrl',
      key: 'k',
      index: 0,
      contentType: 'text/plain',
    });
    const other = await handlers['offscreen.blobUrl']({
      type: 'offscreen.blobUrl',
      key: 'k',
      index: 0,
      contentType: '',
    });
    expect(url).toMatch(/^blob:/);
    const response = await fetch(url);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));

    const foreign = URL.createObjectURL(new Blob(['not theirs']));
    expect(await handlers['offscreen.revoke']({ type: 'offscreen.revoke', url: foreign })).toBe(2);
    expect(await (await fetch(foreign)).text()).toBe('not theirs');
    expect(await handlers['offscreen.revoke']({ type: 'offscreen.revoke' })).toBe(2);
    expect(await handlers['offscreen.revoke']({ type: 'offscreen.revoke', url })).toBe(1);
    await expect(fetch(url)).rejects.toThrow();
    expect(await handlers['offscreen.revoke']({ type: 'offscreen.revoke', url })).toBe(1);
    expect(await handlers['offscreen.revoke']({ type: 'offscreen.revoke', url: other })).toBe(0);
    URL.revokeObjectURL(foreign);
  });
});

describe('fromServiceWorker', () => {
  const id = 'abcdefghijklmnopabcdefghijklmnop';
  const worker = `chrome-extension://${id}/service-worker-loader.js`;

  it("accepts the extension's service worker", () => {
    expect(fromServiceWorker({ id, url: worker }, id, worker)).toBe(true);
  });

  it('refuses content scripts, extension pages and other extensions', () => {
    const tab = { id: 3, index: 0, highlighted: false, active: true, pinned: false, incognito: false };
    expect(fromServiceWorker({ id, url: 'https://evil.example/', tab, frameId: 0 }, id, worker)).toBe(false);
    // A page whose URL pretends to be the worker still comes with its tab.
    expect(fromServiceWorker({ id, url: worker, tab, frameId: 0 }, id, worker)).toBe(false);
    expect(fromServiceWorker({ id, url: `chrome-extension://${id}/src/popup/index.html` }, id, worker)).toBe(false);
    expect(fromServiceWorker({ id: 'someone-else', url: worker }, id, worker)).toBe(false);
    expect(fromServiceWorker({ url: worker }, id, worker)).toBe(false);
  });
});
