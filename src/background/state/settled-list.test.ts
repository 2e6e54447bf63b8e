// The background's one row of the settled fetches follows every change to them.
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { BgFetchDb, RUNNING, SETTLED_LIST_ID, type StoredRegistration } from '../../shared/db';
import { startSettledList } from './settled-list';

const row = (key: string, active: 0 | 1) =>
  ({ key, active, origin: 'https://podcast.example', title: key }) as unknown as StoredRegistration;

let stop: (() => void) | undefined;
afterEach(() => stop?.());

async function listed(store: BgFetchDb, expected: string[]): Promise<string[]> {
  let keys: string[] = [];
  for (let tries = 0; tries < 100; tries++) {
    keys = ((await store.lists.get(SETTLED_LIST_ID))?.rows ?? []).map((reg) => reg.key);
    if (JSON.stringify(keys) === JSON.stringify(expected)) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return keys;
}

describe('startSettledList', () => {
  it('builds the list on start and rebuilds it when a fetch settles, changes, is retried or goes', async () => {
    const store = new BgFetchDb('settled-list', { indexedDB: new IDBFactory(), IDBKeyRange });
    await store.registrations.bulkPut([row('a', 0), row('b', 1), row('c', 0)]);
    stop = startSettledList(store).stop;
    expect(await listed(store, ['a', 'c'])).toEqual(['a', 'c']);

    await store.registrations.update('b', { active: 0, result: 'success' });
    expect(await listed(store, ['a', 'b', 'c'])).toEqual(['a', 'b', 'c']);

    await store.registrations.update('a', { released: true });
    await listed(store, ['a', 'b', 'c']);
    for (let tries = 0; tries < 100 && !(await store.lists.get(SETTLED_LIST_ID))?.rows[0]?.released; tries++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await store.lists.get(SETTLED_LIST_ID))?.rows[0]).toMatchObject({ key: 'a', released: true });

    await store.registrations.update('c', { ...RUNNING });
    expect(await listed(store, ['a', 'b'])).toEqual(['a', 'b']);

    await store.registrations.delete('a');
    expect(await listed(store, ['b'])).toEqual(['b']);
  });

  it('a burst of changes ends with the list of the last', async () => {
    const store = new BgFetchDb('settled-burst', { indexedDB: new IDBFactory(), IDBKeyRange });
    stop = startSettledList(store).stop;
    const keys = Array.from({ length: 50 }, (_, n) => `k${String(n).padStart(2, '0')}`);
    for (const key of keys) await store.registrations.put(row(key, 0));
    for (const key of keys.slice(0, 25)) await store.registrations.delete(key);
    expect(await listed(store, keys.slice(25))).toEqual(keys.slice(25));
  });
});
