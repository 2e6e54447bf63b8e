// The lifecycle against a real (in-memory) IndexedDB (fake-indexeddb under Dexie): every
// transition from every state, as the person, the site and the engine would ask for it, ends
// in the state the table says or is refused without changing the row.
import { afterEach, describe, expect, it } from 'vitest';
import { db, type StoredRecord, type StoredRegistration } from '../../../shared/db';
import { countFiles } from '../../../shared/file-counts';
import { SpecError } from '../../../shared/spec';
import { storedRecord, storedRegistration } from '../../../../test/unit/fixtures';
import {
  abortPendingRecords,
  allow,
  commitWrites,
  deleteSettled,
  eventHandled,
  lifecycleStateOf,
  markRemoved,
  pause,
  recordDone,
  recordFailed,
  REGISTRATION_EDGES,
  release,
  restartBody,
  resume,
  retry,
  settle,
  undoRemove,
  wait,
  type LifecycleState,
  type RegistrationTransition,
} from '.';

let n = 0;

/** A fetch of one record in `state`, stored; its key. */
async function fetchIn(state: LifecycleState, change: Partial<StoredRegistration> = {}): Promise<string> {
  const key = `life-${++n}`;
  const settled = (result: 'success' | 'failure', failureReason: StoredRegistration['failureReason']) => ({
    active: 0 as const,
    result,
    failureReason,
    settledAt: 1,
  });
  const rows: Record<LifecycleState, [Partial<StoredRegistration>, Partial<StoredRecord>]> = {
    queued: [{}, {}],
    running: [
      { downloaded: 10 },
      { stored: 10, response: { status: 200, statusText: 'OK', headers: [], url: 'https://a.example/0' } },
    ],
    paused: [{ paused: true }, {}],
    offline: [{ waiting: 'offline' }, {}],
    retrying: [{ waiting: 'retrying', retry: { host: 'a.example', attempt: 2, retryAt: 1 } }, {}],
    permission: [{ waiting: 'permission' }, {}],
    succeeded: [
      { ...settled('success', ''), downloaded: 4 },
      { state: 'done', stored: 4 },
    ],
    failed: [settled('failure', 'fetch-error'), { state: 'failed', failure: 'fetch-error' }],
    aborted: [settled('failure', 'aborted'), { state: 'aborted', failure: 'aborted' }],
    removed: [
      { ...settled('success', ''), downloaded: 4, removeAt: Date.now() + 60_000 },
      { state: 'done', stored: 4 },
    ],
  };
  const [regChange, recordChange] = rows[state];
  const record = storedRecord(key, 0, recordChange);
  await db.registrations.put(storedRegistration(key, { ...regChange, files: countFiles([record]), ...change }));
  await db.records.put(record);
  expect(lifecycleStateOf((await db.registrations.get(key))!)).toBe(state);
  return key;
}

/** Asks for `via` as its callers do; true if it was carried out. */
async function apply(key: string, via: Exclude<RegistrationTransition, 'create'>): Promise<boolean> {
  switch (via) {
    case 'allow':
      return allow(key);
    case 'pause':
      return pause(key);
    case 'resume':
      return resume(key);
    case 'waitOffline':
      return wait(key, 'offline', { host: 'a.example', attempt: 2, retryAt: 1 });
    case 'waitRetry':
      return wait(key, 'retrying', { host: 'a.example', attempt: 2, retryAt: 1 });
    case 'proceed':
      return wait(key, null);
    case 'bytes': {
      const record = (await db.records.get([key, 0]))!;
      const [outcome] = await commitWrites(key, [
        { index: 0, start: record.stored, data: new ArrayBuffer(4), last: false },
      ]);
      return !!outcome && !('error' in outcome);
    }
    case 'succeed':
      return settle(key, 'success', '');
    case 'fail':
      return settle(key, 'failure', 'fetch-error');
    case 'abort':
      return settle(key, 'failure', 'aborted');
    case 'retry':
      return retry(key);
    case 'handled': {
      const event = {
        id: `${key}:success`,
        regKey: key,
        storeId: 'default',
        origin: 'https://a.example',
        scope: 'https://a.example/',
        type: 'success' as const,
        createdAt: 1,
        attempts: 0,
      };
      return (await eventHandled(event, { outcome: 'handled', ui: null, listened: true })).ended;
    }
    case 'release':
      return release(key);
    case 'remove':
      return (await markRemoved(key, Date.now() + 8000)) !== undefined;
    case 'undoRemove':
      return undoRemove(key);
    case 'delete':
      return deleteSettled(key);
  }
}

const R = 'refused';
type Outcome = LifecycleState | 'gone' | typeof R;
const TRANSITIONS = [
  'allow',
  'pause',
  'resume',
  'waitOffline',
  'waitRetry',
  'proceed',
  'bytes',
  'succeed',
  'fail',
  'abort',
  'retry',
  'handled',
  'release',
  'remove',
  'undoRemove',
  'delete',
] as const satisfies readonly Exclude<RegistrationTransition, 'create'>[];

// prettier-ignore
/** Every (state, transition): the state it leads to from the fixture above, or a refusal. */
const TABLE: Record<LifecycleState, Record<(typeof TRANSITIONS)[number], Outcome>> = {
  //            allow        pause     resume   waitOffline waitRetry   proceed   bytes       succeed      fail      abort      retry    handled      release remove     undoRemove   delete
  queued:     { allow: R, pause: 'paused', resume: R, waitOffline: 'offline', waitRetry: 'retrying', proceed: R, bytes: 'running', succeed: 'succeeded', fail: 'failed', abort: 'aborted', retry: R, handled: R, release: R, remove: R, undoRemove: R, delete: R },
  running:    { allow: R, pause: 'paused', resume: R, waitOffline: 'offline', waitRetry: 'retrying', proceed: R, bytes: 'running', succeed: 'succeeded', fail: 'failed', abort: 'aborted', retry: R, handled: R, release: R, remove: R, undoRemove: R, delete: R },
  paused:     { allow: R, pause: R, resume: 'queued', waitOffline: R, waitRetry: R, proceed: R, bytes: 'paused', succeed: R, fail: R, abort: 'aborted', retry: R, handled: R, release: R, remove: R, undoRemove: R, delete: R },
  offline:    { allow: R, pause: 'paused', resume: R, waitOffline: 'offline', waitRetry: 'retrying', proceed: 'queued', bytes: 'offline', succeed: 'succeeded', fail: 'failed', abort: 'aborted', retry: R, handled: R, release: R, remove: R, undoRemove: R, delete: R },
  retrying:   { allow: R, pause: 'paused', resume: R, waitOffline: 'offline', waitRetry: 'retrying', proceed: 'queued', bytes: 'retrying', succeed: 'succeeded', fail: 'failed', abort: 'aborted', retry: R, handled: R, release: R, remove: R, undoRemove: R, delete: R },
  permission: { allow: 'queued', pause: 'paused', resume: R, waitOffline: R, waitRetry: R, proceed: R, bytes: R, succeed: R, fail: R, abort: 'aborted', retry: R, handled: R, release: R, remove: R, undoRemove: R, delete: R },
  succeeded:  { allow: R, pause: R, resume: R, waitOffline: R, waitRetry: R, proceed: R, bytes: R, succeed: R, fail: R, abort: R, retry: R, handled: 'succeeded', release: R, remove: 'removed', undoRemove: R, delete: 'gone' },
  failed:     { allow: R, pause: R, resume: R, waitOffline: R, waitRetry: R, proceed: R, bytes: R, succeed: R, fail: R, abort: R, retry: 'queued', handled: 'failed', release: R, remove: 'removed', undoRemove: R, delete: 'gone' },
  aborted:    { allow: R, pause: R, resume: R, waitOffline: R, waitRetry: R, proceed: R, bytes: R, succeed: R, fail: R, abort: R, retry: R, handled: 'aborted', release: R, remove: 'removed', undoRemove: R, delete: 'gone' },
  removed:    { allow: R, pause: R, resume: R, waitOffline: R, waitRetry: R, proceed: R, bytes: R, succeed: R, fail: R, abort: R, retry: R, handled: 'removed', release: R, remove: R, undoRemove: 'succeeded', delete: 'gone' },
};

/** Refusals the state allows but the row's other flags do not (each has its own test below). */
const REFUSED_BY_FLAGS: Partial<Record<LifecycleState, readonly RegistrationTransition[]>> = {
  // Not asking: allow only ends the asking of a fetch paused while asking.
  paused: ['allow'],
  // The fixtures' records are still available: nothing to release yet.
  succeeded: ['release'],
  failed: ['release'],
  aborted: ['release'],
  removed: ['release'],
};

afterEach(async () => {
  await Promise.all(db.tables.map((table) => table.clear()));
});

describe('the lifecycle, every state × every transition', () => {
  it('the table agrees with the transitions the code allows (REGISTRATION_EDGES)', () => {
    for (const [state, row] of Object.entries(TABLE) as [LifecycleState, Record<string, Outcome>][]) {
      for (const [via, outcome] of Object.entries(row)) {
        const targets = REGISTRATION_EDGES.filter((edge) => edge.from === state && edge.via === via).map(
          (edge) => edge.to,
        );
        if (outcome !== R) expect(targets, `${state} × ${via}`).toContain(outcome);
        else if (!REFUSED_BY_FLAGS[state]?.includes(via as RegistrationTransition))
          expect(targets, `${state} × ${via}`).toEqual([]);
      }
    }
  });

  for (const [state, row] of Object.entries(TABLE) as [
    LifecycleState,
    Record<(typeof TRANSITIONS)[number], Outcome>,
  ][]) {
    for (const via of TRANSITIONS) {
      const expected = row[via];
      it(`${state} × ${via} → ${expected}`, async () => {
        const key = await fetchIn(state);
        const before = { reg: await db.registrations.get(key), records: await db.records.toArray() };
        const done = await apply(key, via);
        const after = await db.registrations.get(key);
        if (expected === R) {
          expect(done).toBe(false);
          expect({ reg: after, records: await db.records.toArray() }).toEqual(before);
        } else {
          expect(done).toBe(true);
          expect(after ? lifecycleStateOf(after) : 'gone').toBe(expected);
        }
      });
    }
  }
});

describe('guards', () => {
  it('resume of a settled fetch refuses, whatever it was', async () => {
    for (const state of ['succeeded', 'failed', 'aborted'] as const)
      expect(await resume(await fetchIn(state, { paused: true }))).toBe(false);
  });

  it('a second settle is refused: one result, one worker event', async () => {
    const key = await fetchIn('running');
    expect(await settle(key, 'success', '')).toBe(true);
    expect(await settle(key, 'failure', 'aborted')).toBe(false);
    expect(await db.registrations.get(key)).toMatchObject({ result: 'success', failureReason: '' });
    expect((await db.swEvents.toArray()).map((event) => event.type)).toEqual(['success']);
  });

  it('abort marks the pending records aborted, and leaves finished ones', async () => {
    const key = await fetchIn('running');
    await db.records.put(storedRecord(key, 1, { state: 'done', stored: 3 }));
    expect(await settle(key, 'failure', 'aborted')).toBe(true);
    expect((await db.records.where('regKey').equals(key).sortBy('index')).map((record) => record.state)).toEqual([
      'aborted',
      'done',
    ]);
    await abortPendingRecords(db, key); // nothing pending any more
  });

  it('pause forgets a wait for the network, but not that the person is asked', async () => {
    const offline = await fetchIn('offline');
    expect(await pause(offline)).toBe(true);
    expect(await db.registrations.get(offline)).toMatchObject({ paused: true, waiting: null, retry: null });
    const asking = await fetchIn('permission');
    expect(await pause(asking)).toBe(true);
    expect(await resume(asking)).toBe(true);
    expect(lifecycleStateOf((await db.registrations.get(asking))!)).toBe('permission');
  });

  it('allow of a fetch paused while asking ends the asking and keeps it paused', async () => {
    const key = await fetchIn('permission');
    await pause(key);
    expect(await allow(key)).toBe(true);
    expect(await db.registrations.get(key)).toMatchObject({ paused: true, waiting: null });
    expect(await allow(key)).toBe(false);
  });

  it('retry: an aborted fetch refuses; a failed one whose id runs again throws InvalidStateError', async () => {
    expect(await retry(await fetchIn('aborted'))).toBe(false);
    const failed = await fetchIn('failed');
    await fetchIn('queued', { id: (await db.registrations.get(failed))!.id });
    await expect(retry(failed)).rejects.toBeInstanceOf(SpecError);
    expect(lifecycleStateOf((await db.registrations.get(failed))!)).toBe('failed');
  });

  it('retry of a released fetch starts every request from zero', async () => {
    const key = await fetchIn('failed', { released: true, downloaded: 4 });
    await db.records.put(storedRecord(key, 1, { state: 'done', stored: 4, expectedLength: 4 }));
    expect(await retry(key)).toBe(true);
    const records = await db.records.where('regKey').equals(key).toArray();
    expect(records.map(({ state, stored, expectedLength }) => ({ state, stored, expectedLength }))).toEqual([
      { state: 'pending', stored: 0, expectedLength: null },
      { state: 'pending', stored: 0, expectedLength: null },
    ]);
    expect(await db.registrations.get(key)).toMatchObject({ active: 1, released: false, downloaded: 0 });
  });

  it('release waits until records stop being available, and happens once', async () => {
    const key = await fetchIn('succeeded');
    expect(await release(key)).toBe(false);
    await db.transaction('rw', db.registrations, () => db.registrations.update(key, { recordsAvailable: false }));
    expect(await release(key)).toBe(true);
    expect(await release(key)).toBe(false);
    expect((await db.registrations.get(key))?.released).toBe(true);
  });

  it('a final event handled after the fetch was retried ends nothing: the active fetch keeps its records', async () => {
    const key = await fetchIn('queued');
    const event = {
      id: `${key}:fail`,
      regKey: key,
      storeId: 'default',
      origin: 'https://a.example',
      scope: 'https://a.example/',
      type: 'fail' as const,
      createdAt: 1,
      attempts: 0,
    };
    expect((await eventHandled(event, { outcome: 'handled', ui: { title: 'New' }, listened: true })).ended).toBe(false);
    expect(await db.registrations.get(key)).toMatchObject({ recordsAvailable: true, title: 'New' });
  });

  it('remove twice, undo twice: the second of each is refused', async () => {
    const key = await fetchIn('succeeded');
    expect(await markRemoved(key, Date.now() + 8000)).toBe(true); // the site's worker has not had it
    expect(await markRemoved(key, Date.now() + 8000)).toBeUndefined();
    expect(await undoRemove(key)).toBe(true);
    expect(await undoRemove(key)).toBe(false);
  });
});

describe('record transitions', () => {
  it('done and failed only leave pending; the first failure reason stays', async () => {
    const key = await fetchIn('running');
    expect(await recordFailed(key, 0, 'bad-status')).toBe(true);
    expect(await recordFailed(key, 0, 'fetch-error')).toBe(false);
    expect(await recordDone(key, 0)).toBe(false);
    expect(await db.records.get([key, 0])).toMatchObject({ state: 'failed', failure: 'bad-status' });
    expect((await db.registrations.get(key))?.files).toMatchObject({ failed: 1, done: 0 });
  });

  it('restarting a body drops its bytes, un-counts them and moves the generation on; an aborted record refuses', async () => {
    const key = await fetchIn('running');
    const after = await restartBody(key, 0);
    expect(after).toMatchObject({ stored: 0, response: null, validator: null, expectedLength: null, generation: 1 });
    expect((await db.registrations.get(key))?.downloaded).toBe(0);
    const aborted = await fetchIn('aborted');
    expect(await restartBody(aborted, 0)).toBeUndefined();
  });

  it('bytes at another offset than the stored one are refused', async () => {
    const key = await fetchIn('running');
    const [outcome] = await commitWrites(key, [{ index: 0, start: 0, data: new ArrayBuffer(4), last: false }]);
    expect(outcome && 'error' in outcome).toBe(true);
    expect(await db.records.get([key, 0])).toMatchObject({ stored: 10 });
  });
});
