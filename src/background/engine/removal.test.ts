// Undoable removal and Cancel freeing bytes, against a real (in-memory) IndexedDB.
import { describe, expect, it } from 'vitest';
import { db, type StoredRegistration } from '../../shared/db';
import { discardUnfinished } from './cancel';
import { markRemoved, settledKeys, sweepRemovals, undoRemoval, UNDO_WINDOW_MS } from './removal';
import { storeFetch, storedBytes as chunkBytes, useFreshStore } from '../../../test/unit/engine-harness/store';

/** A settled fetch whose worker got its event, a record of each state holding 8 of 16 bytes. */
const storedFetch = (change: Partial<StoredRegistration> = {}, states: ('done' | 'pending' | 'aborted')[] = ['done']) =>
  storeFetch({
    prefix: 'rm',
    registration: {
      downloaded: 8 * states.length,
      result: 'success',
      active: 0,
      settledAt: 2,
      released: true,
      ...change,
    },
    records: states.map((state) => ({ state, stored: 8, expectedLength: 16 })),
    bodies: Object.fromEntries(states.map((_, index) => [index, new Uint8Array(8)])),
  });

useFreshStore();

describe('removal with undo', () => {
  it('marks at once, deletes only after the window; undo inside it keeps every byte', async () => {
    const kept = await storedFetch();
    const gone = await storedFetch();
    const result = await markRemoved([kept, gone]);
    expect(result.removed.sort()).toEqual([kept, gone].sort());
    expect(result.undoUntil).toBeGreaterThan(Date.now());
    expect(await undoRemoval([kept])).toBe(1);
    // Inside the window nothing is deleted.
    expect(await sweepRemovals()).toBe(0);
    expect(await chunkBytes(gone)).toBe(8);
    expect(await sweepRemovals(Date.now() + UNDO_WINDOW_MS + 1)).toBe(1);
    expect(await db.registrations.get(gone)).toBeUndefined();
    expect(await chunkBytes(gone)).toBe(0);
    expect((await db.registrations.get(kept))?.removeAt).toBeFalsy();
    expect(await chunkBytes(kept)).toBe(8);
    // Too late: the deleted one cannot come back.
    expect(await undoRemoval([gone])).toBe(0);
  });

  it('never removes an active fetch, and counts what the site has not received', async () => {
    const active = await storedFetch({ active: 1, result: '' });
    const waiting = await storedFetch({ released: false });
    const failed = await storedFetch({ result: 'failure', failureReason: 'bad-status' });
    await db.swEvents.put({
      id: `${failed}:fail`,
      regKey: failed,
      storeId: 'default',
      origin: 'https://a.example',
      scope: 'https://a.example/',
      type: 'fail',
      createdAt: 1,
      attempts: 0,
    });
    const result = await markRemoved([active, waiting, failed]);
    expect(result.removed.sort()).toEqual([waiting, failed].sort());
    expect(result.undelivered).toBe(2);
    expect((await db.registrations.get(active))?.removeAt).toBeFalsy();
  });

  it('settledKeys leaves out active and already removed fetches, and keeps to the site', async () => {
    const a = await storedFetch({ origin: 'https://a.example' });
    await storedFetch({ origin: 'https://a.example', active: 1, result: '' });
    const b = await storedFetch({ origin: 'https://b.example' });
    expect(await settledKeys('https://a.example')).toEqual([a]);
    await markRemoved([b]);
    expect(await settledKeys()).toEqual([a]);
  });
});

describe('Cancel frees partial bytes', () => {
  it('deletes the unfinished files bytes and keeps the finished ones for the abort handler', async () => {
    const key = await storedFetch({ result: 'failure', failureReason: 'aborted', released: false }, [
      'done',
      'aborted',
      'aborted',
    ]);
    expect(await chunkBytes(key)).toBe(24);
    expect(await discardUnfinished(key)).toBe(8);
    expect(await chunkBytes(key)).toBe(8);
    const reg = await db.registrations.get(key);
    expect(reg?.keptBytes).toBe(8);
    expect(reg?.downloaded).toBe(24); // the bar still shows where it stopped
    expect((await db.records.get([key, 1]))?.stored).toBe(0);
  });

  it('leaves a fetch that did not abort alone', async () => {
    const key = await storedFetch({ result: 'failure', failureReason: 'bad-status' }, ['done', 'pending']);
    expect(await discardUnfinished(key)).toBe(0);
    expect(await chunkBytes(key)).toBe(16);
  });
});
