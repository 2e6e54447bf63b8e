// Releasing bodies once the site's worker took them, against a real (in-memory) IndexedDB.
import browser from 'webextension-polyfill';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { db, type StoredRegistration } from '../../shared/db';
import { releaseBodies, releaseHandledBodies } from './disposal';
import { saveRegistration } from '../save/downloads';
import { serializedRequest } from '../../../test/unit/fixtures';
import { storeFetch, useFreshStore } from '../../../test/unit/engine-harness/store';

/** A settled POST of 3 bytes whose 8-byte answer is stored in two chunks; the site's handler ran. */
const storedFetch = (change: Partial<StoredRegistration> = {}) =>
  storeFetch({
    registration: {
      uploadTotal: 3,
      uploaded: 3,
      downloaded: 8,
      result: 'success',
      recordsAvailable: false,
      active: 0,
      settledAt: 2,
      ...change,
    },
    records: [
      {
        request: serializedRequest('https://a.example/f', { method: 'POST' }),
        state: 'done',
        response: { url: 'https://a.example/f', status: 200, statusText: 'OK', headers: [] },
        stored: 8,
        expectedLength: 8,
      },
    ],
    bodies: { 0: [new Uint8Array([1, 2, 3, 4]), new Uint8Array([5, 6, 7, 8])] },
    uploads: { 0: new Uint8Array([9, 9, 9]) },
  });

useFreshStore();

const counts = async (key: string) => ({
  chunks: await db.chunks.where('regKey').equals(key).count(),
  uploads: await db.uploads.where('regKey').equals(key).count(),
  released: (await db.registrations.get(key))?.released ?? false,
});

describe('releaseBodies', () => {
  beforeEach(() => vi.restoreAllMocks());

  it('keeps everything while the records are available (no handler ran yet)', async () => {
    const key = await storedFetch({ recordsAvailable: true });
    expect(await releaseBodies(key)).toBe(false);
    expect(await counts(key)).toEqual({ chunks: 2, uploads: 1, released: false });
  });

  it('keeps everything of a fetch still running', async () => {
    const key = await storedFetch({ active: 1, result: '' });
    expect(await releaseBodies(key)).toBe(false);
    expect(await counts(key)).toEqual({ chunks: 2, uploads: 1, released: false });
  });

  it('deletes bodies and request bodies of a handled success, keeping the registration and its records', async () => {
    const key = await storedFetch();
    expect(await releaseBodies(key)).toBe(true);
    expect(await counts(key)).toEqual({ chunks: 0, uploads: 0, released: true });
    expect(await db.records.where('regKey').equals(key).count()).toBe(1);
    expect(await releaseBodies(key)).toBe(false);
  });

  it('keeps the request bodies of a failed fetch, so the person can retry it', async () => {
    const key = await storedFetch({ result: 'failure', failureReason: 'bad-status' });
    await releaseBodies(key);
    expect(await counts(key)).toEqual({ chunks: 0, uploads: 1, released: true });
  });

  it('at start-up, finishes the releases a stop interrupted and leaves available ones alone', async () => {
    const handled = await storedFetch();
    const waiting = await storedFetch({ recordsAvailable: true });
    await releaseHandledBodies();
    expect((await counts(handled)).released).toBe(true);
    expect(await counts(waiting)).toEqual({ chunks: 2, uploads: 1, released: false });
  });

  it('waits for a save that is copying the bytes, then releases', async () => {
    const key = await storedFetch();
    let finishDownload!: (id: number) => void;
    const saved: Blob[] = [];
    vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => {
      saved.push(blob as Blob);
      return 'blob:test';
    });
    vi.spyOn(browser.downloads, 'download').mockImplementation(
      () => new Promise((resolve) => (finishDownload = resolve)),
    );
    const saving = saveRegistration(key);
    const releasing = releaseBodies(key);
    await vi.waitFor(() => expect(finishDownload).toBeTypeOf('function'));
    expect(await counts(key)).toMatchObject({ chunks: 2, released: false });
    finishDownload(7);
    expect(await saving).toBe(1);
    expect(await releasing).toBe(true);
    expect(new Uint8Array(await saved[0]!.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    await expect(saveRegistration(key)).rejects.toMatchObject({ specName: 'InvalidStateError' });
  });
});
