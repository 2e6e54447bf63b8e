// fetch() through the page handlers against a real (in-memory) IndexedDB: what is stored, what
// is refused (scopes, URLs, blocked sites, quota, limits), asking the person, private windows,
// and the counters on the registration row. The network is the engine harness's fake `fetch`.
import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import browser from 'webextension-polyfill';
import { GLOBAL_SETTINGS_KEY } from '../shared/protocol';
import { db, uploadSize } from '../shared/db';
import { LIMITS, type SpecError } from '../shared/spec';
import type { Caller } from './policy';
import { endPrivateSession, PRIVATE_KEY_PREFIX, storeOf } from './state/stores';
import { storedRegistration } from '../../test/unit/fixtures';
import { isRunning } from './engine/transfer';
import { answerPermission } from './person/consent';
import { countFiles } from '../shared/file-counts';
import {
  caller,
  fetchMessage as fetchMessageOf,
  outgoing,
  rejection,
  SCOPE,
  useEngine,
  type Outgoing,
} from '../../test/unit/engine-harness/engine';
import { heldBody, random, useFakeNetwork } from '../../test/unit/engine-harness/network';
import { tableCounts } from '../../test/unit/engine-harness/store';

const network = useFakeNetwork();
const engine = useEngine();
const { hits } = network;
const { handlers, start, settled, readAll } = engine;
const scope = SCOPE;

/** A fetch() message with the title "T" (the harness's, positional). */
const fetchMessage = (id: string, requests?: Outgoing[], downloadTotal = 0, scopeOf = scope) =>
  fetchMessageOf(id, requests, { downloadTotal, scope: scopeOf, title: 'T' });

describe('fetch()', () => {
  it('stores the registration and its records, and answers with a fresh snapshot', async () => {
    const held = heldBody();
    network.route = () => new Response(held.stream);
    const post = outgoing('https://a.example/upload', { method: 'POST', body: new Uint8Array(10) });
    const postBase64 = outgoing('https://a.example/upload2', {
      method: 'PUT',
      body: new TextEncoder().encode('hello'),
    });
    const snapshot = await start(
      fetchMessage('first', [outgoing('https://a.example/a'), post, postBase64, outgoing('https://a.example/a')], 1234),
    );
    expect(snapshot).toEqual({
      key: expect.any(String),
      id: 'first',
      uploadTotal: 15,
      uploaded: 0,
      downloadTotal: 1234,
      downloaded: 0,
      result: '',
      failureReason: '',
      recordsAvailable: true,
    });
    const reg = (await db.registrations.get(snapshot.key))!;
    expect(reg).toMatchObject({
      origin: caller.origin,
      storeId: 'default',
      scope,
      id: 'first',
      active: 1,
      recordCount: 4,
      title: 'T',
    });
    const records = await db.records.where('regKey').equals(snapshot.key).sortBy('index');
    expect(records.map((r) => [r.index, r.request.url, r.request.method, r.state])).toEqual([
      [0, 'https://a.example/a', 'GET', 'pending'],
      [1, 'https://a.example/upload', 'POST', 'pending'],
      [2, 'https://a.example/upload2', 'PUT', 'pending'],
      [3, 'https://a.example/a', 'GET', 'pending'],
    ]);
    expect(records.every((record) => !('body' in record.request))).toBe(true);
    const uploads = await db.uploads.where('regKey').equals(snapshot.key).sortBy('index');
    expect(uploads.map((u) => [u.index, uploadSize(u)])).toEqual([
      [1, 10],
      [2, 5],
    ]);
    // Small bodies stay inline, as small chunks do.
    expect(new TextDecoder().decode(uploads[1]!.data as ArrayBuffer)).toBe('hello');
    // matchAll hands each record's request body out with it (record.request keeps its body).
    const infos = await handlers.matchAll(caller, {
      type: 'matchAll',
      scope,
      key: snapshot.key,
      request: null,
      options: { ignoreSearch: false, ignoreMethod: false, ignoreVary: false },
    });
    expect(await Promise.all(infos.map((info) => info.body?.text()))).toEqual([
      undefined,
      expect.any(String),
      'hello',
      undefined,
    ]);
    await handlers.abort(caller, { type: 'abort', scope, key: snapshot.key });
  });

  it('sends upload bodies and counts them as uploaded', async () => {
    network.route = () => new Response('done');
    const body = random(3000);
    const { key } = await start(fetchMessage('up', [outgoing('https://a.example/u', { method: 'POST', body })]));
    const reg = await settled(key);
    expect(reg).toMatchObject({ result: 'success', uploadTotal: 3000, uploaded: 3000 });
    expect(hits).toHaveLength(1);
    expect(hits[0]!.init.method).toBe('POST');
    expect(new Uint8Array(hits[0]!.init.body as ArrayBuffer)).toEqual(body);
  });

  it('refuses a duplicate active id, and allows it again once the first settled', async () => {
    const held = heldBody();
    network.route = () => new Response(held.stream);
    const first = await start(fetchMessage('dup'));
    const error = await rejection(start(fetchMessage('dup')));
    expect(error.specName).toBe('TypeError');
    expect(await db.registrations.count()).toBe(1);

    held.push(random(10));
    held.close();
    expect((await settled(first.key)).result).toBe('success');
    network.route = () => new Response('again');
    const second = await start(fetchMessage('dup'));
    expect(second.key).not.toBe(first.key);
    await settled(second.key);
  });

  it('lets exactly one of two concurrent fetches with one id through', async () => {
    const held = heldBody();
    network.route = () => new Response(held.stream);
    const results = await Promise.allSettled([start(fetchMessage('race')), start(fetchMessage('race'))]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((rejected.reason as SpecError).specName).toBe('TypeError');
    expect(await db.registrations.where('active').equals(1).count()).toBe(1);
  });

  it('allows the same id in another scope, origin or container', async () => {
    const held = heldBody();
    network.route = () => new Response(held.stream);
    await start(fetchMessage('same'));
    await start(fetchMessage('same', undefined, 0, 'https://a.example/other/'));
    const b: Caller = { ...caller, origin: 'https://b.example' };
    await start(fetchMessage('same', [outgoing('https://b.example/f')], 0, 'https://b.example/'), b);
    await start(fetchMessage('same'), { ...caller, storeId: 'firefox-container-1' });
    expect(await db.registrations.count()).toBe(4);
  });

  it('refuses a scope of another origin, without writing anything', async () => {
    const error = await rejection(start(fetchMessage('x', undefined, 0, 'https://b.example/')));
    expect(error.specName).toBe('TypeError');
    expect(await tableCounts()).toEqual({ registrations: 0, records: 0, chunks: 0, uploads: 0 });
  });

  it.each([
    ['file:', outgoing('file:///etc/passwd')],
    ['moz-extension:', outgoing('moz-extension://abc/x')],
    ['credentials in the URL', outgoing('https://u:p@a.example/')],
    ['no-cors', outgoing('https://a.example/f', { mode: 'no-cors' })],
  ])('refuses a request (%s) with TypeError, without writing anything', async (_name, request) => {
    const error = await rejection(start(fetchMessage('bad', [outgoing('https://a.example/ok'), request])));
    expect(error.specName).toBe('TypeError');
    expect(await tableCounts()).toEqual({ registrations: 0, records: 0, chunks: 0, uploads: 0 });
    expect(hits).toHaveLength(0);
  });

  it('refuses a blocked site with TypeError', async () => {
    await db.sites.put({
      origin: caller.origin,
      settings: { origin: caller.origin, blocked: true, autoSave: false, useExtension: false },
    });
    const error = await rejection(start(fetchMessage('blocked')));
    expect(error.specName).toBe('TypeError');
    expect(error.message).toMatch(/permission/);
    expect(await db.registrations.count()).toBe(0);
    // Another site is not affected.
    const b: Caller = { ...caller, origin: 'https://b.example' };
    network.route = () => new Response('x');
    const { key } = await start(fetchMessage('fine', [outgoing('https://b.example/f')], 0, 'https://b.example/'), b);
    await settled(key);
  });

  it('asks (the default for new sites): resolves at once, fetches nothing until the person answers; Always allow is remembered', async () => {
    vi.spyOn(browser.storage.local, 'get').mockResolvedValue({ [GLOBAL_SETTINGS_KEY]: { startNotifications: false } });
    network.route = () => new Response('x');
    const waiting = await start(fetchMessage('asked'));
    expect(waiting.result).toBe('');
    expect((await db.registrations.get(waiting.key))?.waiting).toBe('permission');
    expect(await handlers.permission(caller, { type: 'permission' })).toBe('prompt');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(hits).toHaveLength(0);
    expect(await answerPermission(waiting.key, 'always')).toBe(1);
    expect((await settled(waiting.key)).result).toBe('success');
    expect(hits).toHaveLength(1);
    expect(await handlers.permission(caller, { type: 'permission' })).toBe('granted');
    const next = await start(fetchMessage('next'));
    expect((await db.registrations.get(next.key))?.waiting ?? null).toBeNull();
    await settled(next.key);
  });

  it('Block on a waiting fetch settles it as aborted, and later fetches reject', async () => {
    vi.spyOn(browser.storage.local, 'get').mockResolvedValue({ [GLOBAL_SETTINGS_KEY]: { startNotifications: false } });
    const waiting = await start(fetchMessage('to-block'));
    expect(await answerPermission(waiting.key, 'block')).toBe(1);
    const reg = await db.registrations.get(waiting.key);
    expect([reg?.result, reg?.failureReason]).toEqual(['failure', 'aborted']);
    expect(hits).toHaveLength(0);
    expect(await handlers.permission(caller, { type: 'permission', known: 'prompt' })).toBe('denied');
    const error = await rejection(start(fetchMessage('after')));
    expect(error.message).toBe('This origin does not have permission to start a fetch.');
  });

  it("keeps a private window's fetch in memory only, apart from normal windows, until the session ends", async () => {
    const inPrivate: Caller = { ...caller, storeId: 'firefox-private', incognito: true };
    const body = randomBytes(3000);
    network.route = () => new Response(body);
    const snapshot = await start(fetchMessage('private'), inPrivate);
    expect(snapshot.key.startsWith(PRIVATE_KEY_PREFIX)).toBe(true);
    expect(await db.registrations.count()).toBe(0);
    expect(await handlers.getIds(inPrivate, { type: 'getIds', scope })).toEqual(['private']);
    expect(await handlers.getIds(caller, { type: 'getIds', scope })).toEqual([]);
    const done = await vi.waitFor(
      async () => {
        const reg = await storeOf(snapshot.key).registrations.get(snapshot.key);
        if (!reg || reg.active || isRunning(snapshot.key)) throw new Error('not settled');
        return reg;
      },
      { timeout: 5_000, interval: 5 },
    );
    expect(done.result).toBe('success');
    expect(await readAll(snapshot.key, 0, inPrivate)).toEqual(new Uint8Array(body));
    // Neither the disk store nor a normal window's caller can reach it.
    expect(await db.chunks.count()).toBe(0);
    const fromNormal = await rejection(
      handlers.matchAll(caller, {
        type: 'matchAll',
        scope,
        key: snapshot.key,
        request: null,
        options: { ignoreSearch: false, ignoreMethod: false, ignoreVary: false },
      }),
    );
    expect(fromNormal.specName).toBe('InvalidStateError');
    await endPrivateSession();
    expect(await handlers.getIds(inPrivate, { type: 'getIds', scope })).toEqual([]);
    const afterEnd = await rejection(
      handlers.matchAll(inPrivate, {
        type: 'matchAll',
        scope,
        key: snapshot.key,
        request: null,
        options: { ignoreSearch: false, ignoreMethod: false, ignoreVary: false },
      }),
    );
    expect(afterEnd.specName).toBe('InvalidStateError');
    await endPrivateSession();
  });

  it('refuses a downloadTotal no storage can hold with QuotaExceededError', async () => {
    const error = await rejection(start(fetchMessage('huge', undefined, Number.MAX_SAFE_INTEGER)));
    expect(error.specName).toBe('QuotaExceededError');
    expect(await db.registrations.count()).toBe(0);
  });

  it('counts what the origin already uses against the quota', async () => {
    vi.spyOn(navigator.storage, 'estimate').mockResolvedValue({ quota: 1000, usage: 900 });
    const error = await rejection(start(fetchMessage('tight', undefined, 101)));
    expect(error.specName).toBe('QuotaExceededError');
    network.route = () => new Response('ok');
    const { key } = await start(fetchMessage('fits', undefined, 100));
    await settled(key);
  });

  it(`refuses more than ${LIMITS.activeFetchesPerSite} active fetches per site`, async () => {
    const now = Date.now();
    await db.registrations.bulkAdd(
      Array.from({ length: LIMITS.activeFetchesPerSite }, (_, i) =>
        storedRegistration(`filler-${i}`, {
          origin: caller.origin,
          scope: i % 2 ? scope : 'https://a.example/other/',
          paused: true,
          recordCount: 0,
          createdAt: now,
        }),
      ),
    );
    const error = await rejection(start(fetchMessage('one-too-many')));
    expect(error.specName).toBe('TypeError');
    // Another container of the same site has its own allowance.
    const held = heldBody();
    network.route = () => new Response(held.stream);
    await start(fetchMessage('other-container'), { ...caller, storeId: 'firefox-container-1' });
  });
});

describe('the counters on the registration row (issue 16 item 9)', () => {
  it(`refuses a fetch that would take a site over ${LIMITS.activeRecordsPerSite} active requests, with a TypeError that says so`, async () => {
    const now = Date.now();
    await db.registrations.bulkAdd(
      Array.from({ length: 2 }, (_, i) =>
        storedRegistration(`queued-${i}`, {
          origin: caller.origin,
          paused: true,
          recordCount: LIMITS.requestsPerFetch,
          createdAt: now,
        }),
      ),
    );
    const error = await rejection(start(fetchMessage('over', [outgoing('https://a.example/one-more')])));
    expect(error.specName).toBe('TypeError');
    expect(error.message).toMatch(/at most 20000 requests/);
    // A settled fetch's records do not count, nor another site's.
    await db.registrations.update('queued-0', { active: 0 });
    network.route = () => new Response('ok');
    const { key } = await start(fetchMessage('fits-now', [outgoing('https://a.example/one-more')]));
    await settled(key);
  });

  it('done, failed and expected bytes follow the records as the fetch runs, without the popup reading a record', async () => {
    network.route = (url) =>
      url.endsWith('/missing')
        ? new Response('no', { status: 404 })
        : new Response('hello', { headers: { 'content-length': '5' } });
    const { key } = await start(
      fetchMessage('counted', [outgoing('https://a.example/a'), outgoing('https://a.example/b')]),
    );
    await settled(key);
    expect((await db.registrations.get(key))?.files).toEqual({
      done: 2,
      failed: 0,
      started: 2,
      unknownLength: 0,
      expectedBytes: 10,
    });

    const failing = await start(fetchMessage('counted-fail', [outgoing('https://a.example/missing')]));
    await settled(failing.key);
    expect((await db.registrations.get(failing.key))?.files).toMatchObject({ done: 0, failed: 1 });
    // The counters equal a count from the records.
    for (const regKey of [key, failing.key]) {
      const records = await db.records.where('regKey').equals(regKey).toArray();
      expect((await db.registrations.get(regKey))?.files).toEqual(countFiles(records));
    }
  });
});
