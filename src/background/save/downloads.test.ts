// Save (the Firefox build: Blob URLs made here), against a real (in-memory) IndexedDB.
import browser from 'webextension-polyfill';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { saveRegistration } from './downloads';
import { PRIVATE_KEY_PREFIX } from '../state/stores';
import { serializedRequest } from '../../../test/unit/fixtures';
import { storeFetch, useFreshStore } from '../../../test/unit/engine-harness/store';

/** A finished fetch "Pack" of one 3-byte file, a.bin. */
const finishedFetch = (key?: string) =>
  storeFetch({
    key,
    prefix: 'save',
    registration: { title: 'Pack', downloaded: 3, result: 'success', active: 0, settledAt: 2 },
    records: [
      {
        request: serializedRequest('https://a.example/a.bin'),
        state: 'done',
        response: {
          url: 'https://a.example/a.bin',
          status: 200,
          statusText: 'OK',
          headers: [['content-type', 'application/x-test']],
        },
        stored: 3,
        expectedLength: 3,
      },
    ],
    bodies: { 0: new Uint8Array([1, 2, 3]) },
  });

useFreshStore();

describe('saveRegistration', () => {
  let made: Blob[];
  let revoked: string[];

  beforeEach(() => {
    vi.restoreAllMocks();
    made = [];
    revoked = [];
    vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => `blob:test/${made.push(blob as Blob)}`);
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation((url) => void revoked.push(url));
  });

  it('hands the downloads API a Blob URL of the body at <site>/<title>/<file>', async () => {
    const download = vi.spyOn(browser.downloads, 'download').mockResolvedValue(5);
    vi.spyOn(browser.downloads, 'search').mockResolvedValue([{ id: 5, state: 'in_progress' }] as never);
    expect(await saveRegistration(await finishedFetch())).toBe(1);
    expect(download).toHaveBeenCalledWith({
      url: 'blob:test/1',
      filename: 'a.example/Pack/a.bin',
      conflictAction: 'uniquify',
      saveAs: false,
    });
    expect(made[0]!.type).toBe('application/x-test');
    expect(new Uint8Array(await made[0]!.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
    // Still downloading: the URL stays.
    expect(revoked).toEqual([]);
  });

  it('lets the URL go when the download ended before download() answered', async () => {
    vi.spyOn(browser.downloads, 'download').mockResolvedValue(6);
    vi.spyOn(browser.downloads, 'search').mockResolvedValue([{ id: 6, state: 'complete' }] as never);
    expect(await saveRegistration(await finishedFetch())).toBe(1);
    await vi.waitFor(() => expect(revoked).toEqual(['blob:test/1']));
  });

  it('lets the URL go when the browser refuses the download', async () => {
    vi.spyOn(browser.downloads, 'download').mockRejectedValue(new Error('Invalid filename'));
    await expect(saveRegistration(await finishedFetch())).rejects.toMatchObject({ specName: 'NotAllowedError' });
    expect(revoked).toEqual(['blob:test/1']);
  });

  it("never writes a private window's files, nor reads them", async () => {
    const download = vi.spyOn(browser.downloads, 'download');
    await expect(saveRegistration(`${PRIVATE_KEY_PREFIX}x`)).rejects.toMatchObject({ specName: 'NotAllowedError' });
    expect(made).toEqual([]);
    expect(download).not.toHaveBeenCalled();
  });
});
