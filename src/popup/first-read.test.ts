// The popup's first store read with plain IndexedDB: the same rows as the live queries' first
// answers, and never a store created or held open by the popup.
import { IDBFactory } from 'fake-indexeddb';
import { beforeAll, describe, expect, it } from 'vitest';
import { BgFetchDb, SETTLED_LIST_ID, type StoredRegistration } from '../shared/db';
import { readRegistrations } from './first-read';
import { startLiveQuery, store } from './data';

function row(key: string, active: 0 | 1): StoredRegistration {
  return { key, active, origin: 'https://podcast.example', title: key } as unknown as StoredRegistration;
}

describe('readRegistrations', () => {
  it('lists the active and the settled registrations as Dexie where(active).equals(n) does', async () => {
    const factory = new IDBFactory();
    const db = new BgFetchDb('first-read-rows', { indexedDB: factory, IDBKeyRange });
    await db.registrations.bulkPut([row('c', 0), row('a', 1), row('b', 0), row('d', 1), row('e', 0)]);
    await db.sites.put({
      origin: 'https://podcast.example',
      settings: {
        origin: 'https://podcast.example',
        blocked: false,
        permission: 'allow',
        autoSave: false,
        useExtension: true,
      },
    });
    const expected = {
      active: await db.registrations.where('active').equals(1).toArray(),
      settled: await db.registrations.where('active').equals(0).toArray(),
      sites: await db.sites.toArray(),
    };
    db.close();
    const answers = await readRegistrations('first-read-rows', factory);
    expect(answers).toEqual(expected);
    expect(answers?.settled.map((reg) => reg.key)).toEqual(['b', 'c', 'e']);
  });

  it("takes the settled fetches from the background's one row of them, without the ones active since", async () => {
    const factory = new IDBFactory();
    const db = new BgFetchDb('first-read-list', { indexedDB: factory, IDBKeyRange });
    // The list is a change behind: 'b' was retried (active again), 'e' settled after it was built.
    await db.registrations.bulkPut([row('a', 1), row('b', 1), row('c', 0), row('e', 0)]);
    await db.lists.put({ id: SETTLED_LIST_ID, rows: [row('b', 0), row('c', 0)], builtAt: 1 });
    db.close();
    const answers = await readRegistrations('first-read-list', factory);
    expect(answers?.active.map((reg) => reg.key)).toEqual(['a', 'b']);
    expect(answers?.settled.map((reg) => reg.key)).toEqual(['c']);
  });

  it('reads the settled rows themselves while the list is not built, or in a store older than the list', async () => {
    const factory = new IDBFactory();
    const db = new BgFetchDb('first-read-unbuilt', { indexedDB: factory, IDBKeyRange });
    await db.registrations.bulkPut([row('a', 1), row('c', 0)]);
    db.close();
    expect((await readRegistrations('first-read-unbuilt', factory))?.settled.map((reg) => reg.key)).toEqual(['c']);

    // Version 3 (Dexie's 30), as a store is before the background's first start on version 4.
    const old = await new Promise<IDBDatabase>((resolve) => {
      const open = factory.open('first-read-v3', 30);
      open.onupgradeneeded = () => {
        open.result.createObjectStore('registrations', { keyPath: 'key' }).createIndex('active', 'active');
        open.result.createObjectStore('sites', { keyPath: 'origin' });
        open.transaction!.objectStore('registrations').put(row('d', 0));
      };
      open.onsuccess = () => resolve(open.result);
    });
    old.close();
    const answers = await readRegistrations('first-read-v3', factory);
    expect(answers?.settled.map((reg) => reg.key)).toEqual(['d']);
  });

  it('answers null and creates nothing when there is no store yet', async () => {
    const factory = new IDBFactory();
    expect(await readRegistrations('never-made', factory)).toBeNull();
    expect((await factory.databases()).map((info) => info.name)).not.toContain('never-made');
    // The background's Dexie still creates its store as usual afterwards.
    const db = new BgFetchDb('never-made', { indexedDB: factory, IDBKeyRange });
    await db.registrations.put(row('a', 1));
    expect(await db.registrations.count()).toBe(1);
    db.close();
  });

  it('closes its connection: an upgrade of the store afterwards is not blocked', async () => {
    const factory = new IDBFactory();
    const db = new BgFetchDb('first-read-upgrade', { indexedDB: factory, IDBKeyRange });
    await db.registrations.put(row('a', 0));
    db.close();
    await readRegistrations('first-read-upgrade', factory);
    const upgraded = await new Promise<number>((resolve, reject) => {
      const request = factory.open('first-read-upgrade', 1000);
      request.onblocked = () => reject(new Error('blocked by the popup'));
      request.onsuccess = () => {
        request.result.close();
        resolve(request.result.version);
      };
    });
    expect(upgraded).toBe(1000);
  });
});

describe('startLiveQuery with an early answer', () => {
  // The live query starts once the popup's Dexie module (store.ts) has loaded.
  beforeAll(() => store());

  it('shows the early answer until the live query answers, then only the live answers', async () => {
    const seen: string[] = [];
    let liveAnswer!: (value: string) => void;
    const source = startLiveQuery(() => new Promise<string>((resolve) => (liveAnswer = resolve)));
    source.subscribe((value) => seen.push(value));
    source.offer('early');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(source.current).toBe('early');
    liveAnswer('live');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(source.current).toBe('live');
    expect(seen).toEqual(['early', 'live']);
  });

  it('ignores an early answer that comes after the live one', async () => {
    const source = startLiveQuery(async () => 'live');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(source.current).toBe('live');
    source.offer('early');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(source.current).toBe('live');
  });

  it('ignores an empty early answer', () => {
    const source = startLiveQuery(() => new Promise<string>(() => undefined));
    source.offer(null);
    expect(source.current).toBeUndefined();
  });
});
