// The background's one row of the settled fetches follows every change to them.
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { BgFetchDb, RUNNING, SETTLED_LIST_ID, type StoredRegistration } from '../../shared/db';
import { startSettledList } from './settled-list';

const row = (key: string, active: 0 | 1) =>
  ({ key, active, origin: 'https://podcast.example', title: key }) as unknown as StoredRegistration;

let stop: (() => void) | undefined;
afterEach(() => stop?.());

/** The list's rows once `ok` holds for them (or after a second, for the assertion to show). */
async function listWhen(store: BgFetchDb, ok: (rows: StoredRegistration[]) => boolean): Promise<StoredRegistration[]> {
  let rows: StoredRegistration[] = [];
  for (let tries = 0; tries < 100; tries++) {
    rows = (await store.lists.get(SETTLED_LIST_ID))?.rows ?? [];
    if (ok(rows)) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return rows;
}

const keysOf = (rows: StoredRegistration[]) => rows.map((reg) => reg.key);

/** The list's keys once they are `expected`. */
const listed = async (store: BgFetchDb, expected: string[]) =>
  keysOf(await listWhen(store, (rows) => JSON.stringify(keysOf(rows)) === JSON.stringify(expected)));

describe('startSettledList', () => {
  it('builds the list on start and rebuilds it when a fetch settles, changes, is retried or goes', async () => {
    const store = new BgFetchDb('settled-list', { indexedDB: new IDBFactory(), IDBKeyRange });
    await store.registrations.bulkPut([row('a', 0), row('b', 1), row('c', 0)]);
    stop = startSettledList(store).stop;
    expect(await listed(store, ['a', 'c'])).toEqual(['a', 'c']);

    await store.registrations.update('b', { active: 0, result: 'success' });
    expect(await listed(store, ['a', 'b', 'c'])).toEqual(['a', 'b', 'c']);

    await store.registrations.update('a', { released: true });
    expect((await listWhen(store, (rows) => !!rows[0]?.released))[0]).toMatchObject({ key: 'a', released: true });

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
