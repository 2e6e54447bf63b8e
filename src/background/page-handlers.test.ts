// The page handlers that read and end fetches, against a real (in-memory) IndexedDB: get() and
// getIds(), abort(), matchAll() and requestMatches, and that no caller reaches another's fetch.
// The network is the engine harness's fake `fetch`.
import { describe, expect, it, vi } from 'vitest';
import { db } from '../shared/db';
import type { SerializedRequest } from '../shared/spec';
import { requestMatches } from './page-handlers';
import type { Caller } from './policy';
import { serializedRequest } from '../../test/unit/fixtures';
import { isRunning } from './engine/transfer';
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

const network = useFakeNetwork();
const engine = useEngine();
const { hits } = network;
const { handlers, start, settled } = engine;
const scope = SCOPE;

/** A fetch() message with the title "T" (the harness's, positional). */
const fetchMessage = (id: string, requests?: Outgoing[], downloadTotal = 0, scopeOf = scope) =>
  fetchMessageOf(id, requests, { downloadTotal, scope: scopeOf, title: 'T' });

const noOptions = { ignoreSearch: false, ignoreMethod: false, ignoreVary: false };

describe('get() and getIds()', () => {
  it("list only the caller's active fetches of that scope", async () => {
    const held = heldBody();
    network.route = () => new Response(held.stream);
    const b: Caller = { ...caller, origin: 'https://b.example' };
    const container: Caller = { ...caller, storeId: 'firefox-container-1' };
    const one = await start(fetchMessage('one'));
    await start(fetchMessage('two'));
    await start(fetchMessage('elsewhere', undefined, 0, 'https://a.example/other/'));
    await start(fetchMessage('theirs', [outgoing('https://b.example/f')], 0, 'https://b.example/'), b);
    await start(fetchMessage('contained'), container);

    // Order among fetches created in the same millisecond is not defined.
    expect((await handlers.getIds(caller, { type: 'getIds', scope })).sort()).toEqual(['one', 'two']);
    expect(await handlers.getIds(container, { type: 'getIds', scope })).toEqual(['contained']);
    expect(await handlers.getIds(b, { type: 'getIds', scope: 'https://b.example/' })).toEqual(['theirs']);

    const got = await handlers.get(caller, { type: 'get', scope, id: 'one' });
    expect(got).toMatchObject({ key: one.key, id: 'one', result: '' });
    for (const id of ['theirs', 'contained', 'elsewhere', 'nope']) {
      expect(await handlers.get(caller, { type: 'get', scope, id })).toBeNull();
    }

    // Once settled, a fetch is no longer listed.
    expect(await handlers.abort(caller, { type: 'abort', scope, key: one.key })).toBe(true);
    expect(await handlers.getIds(caller, { type: 'getIds', scope })).toEqual(['two']);
    expect(await handlers.get(caller, { type: 'get', scope, id: 'one' })).toBeNull();
  });

  it("refuse another origin's scope", async () => {
    expect((await rejection(handlers.getIds(caller, { type: 'getIds', scope: 'https://b.example/' }))).specName).toBe(
      'TypeError',
    );
    expect(
      (await rejection(handlers.get(caller, { type: 'get', scope: 'https://b.example/', id: 'x' }))).specName,
    ).toBe('TypeError');
  });
});

describe('abort()', () => {
  it('returns true, then false, and the registration ends failure/aborted', async () => {
    const held = heldBody();
    network.route = () => new Response(held.stream, { headers: { etag: '"v1"' } });
    const { key } = await start(
      fetchMessage('abort-me', [outgoing('https://a.example/a'), outgoing('https://a.example/b')]),
    );
    held.push(random(100));
    await vi.waitFor(() => expect(hits.length).toBeGreaterThan(0));

    expect(await handlers.abort(caller, { type: 'abort', scope, key })).toBe(true);
    expect(await handlers.abort(caller, { type: 'abort', scope, key })).toBe(false);
    const reg = await settled(key);
    expect(reg).toMatchObject({ active: 0, result: 'failure', failureReason: 'aborted' });
    expect(isRunning(key)).toBe(false);
    const records = await db.records.where('regKey').equals(key).toArray();
    expect(records.every((record) => record.state === 'aborted')).toBe(true);
    // The transfer's signal was aborted.
    expect(hits.every((hit) => hit.init.signal?.aborted)).toBe(true);
    // responseReady rejects with AbortError.
    const error = await rejection(handlers.responseHead(caller, { type: 'responseHead', scope, key, index: 1 }));
    expect(error.specName).toBe('AbortError');
  });

  it('stops a transfer aborted before its first request went out', async () => {
    // Regression: stopTransfers() during the transfer's first reads was lost, so the transfer
    // went on (and stopTransfers, awaiting it, hung while a body stayed open).
    const held = heldBody();
    network.route = () => new Response(held.stream);
    const { key } = await start(fetchMessage('abort-at-once'));
    expect(await handlers.abort(caller, { type: 'abort', scope, key })).toBe(true);
    expect(isRunning(key)).toBe(false);
    expect(hits.every((hit) => hit.init.signal?.aborted)).toBe(true);
    expect(await settled(key)).toMatchObject({ result: 'failure', failureReason: 'aborted', downloaded: 0 });
  });

  it('returns false for a fetch that already succeeded', async () => {
    network.route = () => new Response('small');
    const { key } = await start(fetchMessage('done'));
    expect((await settled(key)).result).toBe('success');
    expect(await handlers.abort(caller, { type: 'abort', scope, key })).toBe(false);
    expect((await db.registrations.get(key))!.result).toBe('success');
  });
});

describe('matchAll()', () => {
  const urls = [
    'https://a.example/a?x=1',
    'https://a.example/a?x=2',
    'https://a.example/b',
    'https://a.example/a?x=1#frag',
  ];
  async function matchFixture() {
    network.route = () => new Response('r');
    const requests = urls.map((url, i) => outgoing(url, i === 1 ? { method: 'POST', body: new Uint8Array(1) } : {}));
    const { key } = await start(fetchMessage('match', requests));
    await settled(key);
    return key;
  }
  const indexes = async (key: string, request: SerializedRequest | null, options = noOptions) =>
    (await handlers.matchAll(caller, { type: 'matchAll', scope, key, request, options })).map((r) => r.index);

  it('returns every record without a request, with the request each was made with', async () => {
    const key = await matchFixture();
    const all = await handlers.matchAll(caller, { type: 'matchAll', scope, key, request: null, options: noOptions });
    expect(all.map((r) => [r.index, r.request.url, r.request.method])).toEqual([
      [0, urls[0], 'GET'],
      [1, urls[1], 'POST'],
      [2, urls[2], 'GET'],
      [3, urls[3], 'GET'],
    ]);
  });

  it('filters by URL (fragment ignored), ignoreSearch and ignoreMethod', async () => {
    const key = await matchFixture();
    expect(await indexes(key, serializedRequest('https://a.example/a?x=1'))).toEqual([0, 3]);
    expect(await indexes(key, serializedRequest('https://a.example/a?x=1#other'))).toEqual([0, 3]);
    expect(await indexes(key, serializedRequest('https://a.example/a'))).toEqual([]);
    // A GET query does not match the stored POST (record 1) without ignoreMethod (Chromium).
    expect(await indexes(key, serializedRequest('https://a.example/a'), { ...noOptions, ignoreSearch: true })).toEqual([
      0, 3,
    ]);
    expect(
      await indexes(key, serializedRequest('https://a.example/a'), {
        ...noOptions,
        ignoreSearch: true,
        ignoreMethod: true,
      }),
    ).toEqual([0, 1, 3]);
    expect(await indexes(key, serializedRequest('https://a.example/c'), { ...noOptions, ignoreSearch: true })).toEqual(
      [],
    );
    // A query matches only records of its own method unless ignoreMethod.
    const put = serializedRequest('https://a.example/a?x=2', { method: 'PUT' });
    expect(await indexes(key, put)).toEqual([]);
    expect(await indexes(key, put, { ...noOptions, ignoreMethod: true })).toEqual([1]);
    expect(await indexes(key, serializedRequest('https://a.example/a?x=2', { method: 'POST' }))).toEqual([1]);
  });

  it('refuses once records are no longer available', async () => {
    const key = await matchFixture();
    await db.registrations.update(key, { recordsAvailable: false });
    const error = await rejection(
      handlers.matchAll(caller, { type: 'matchAll', scope, key, request: null, options: noOptions }),
    );
    expect(error.specName).toBe('InvalidStateError');
  });
});

describe('ownership', () => {
  it("refuses every handler a key of another origin's, container's or scope's fetch", async () => {
    const held = heldBody();
    network.route = () => new Response(held.stream);
    const b: Caller = { ...caller, origin: 'https://b.example' };
    const theirs = await start(fetchMessage('theirs', [outgoing('https://b.example/f')], 0, 'https://b.example/'), b);
    const contained = await start(fetchMessage('contained'), { ...caller, storeId: 'firefox-container-1' });
    const otherScope = await start(fetchMessage('other-scope', undefined, 0, 'https://a.example/other/'));

    for (const key of [theirs.key, contained.key, otherScope.key, 'no-such-key']) {
      const attempts = [
        handlers.abort(caller, { type: 'abort', scope, key }),
        handlers.matchAll(caller, { type: 'matchAll', scope, key, request: null, options: noOptions }),
        handlers.responseHead(caller, { type: 'responseHead', scope, key, index: 0 }),
        handlers.readBody(caller, { type: 'readBody', scope, key, index: 0, offset: 0 }),
      ];
      for (const attempt of attempts) expect((await rejection(attempt)).specName).toBe('InvalidStateError');
    }
    // Naming their scope is refused before the key is even looked up.
    const error = await rejection(
      handlers.abort(caller, { type: 'abort', scope: 'https://b.example/', key: theirs.key }),
    );
    expect(error.specName).toBe('TypeError');
    // And nothing was aborted.
    for (const { key } of [theirs, contained, otherScope]) expect((await db.registrations.get(key))!.active).toBe(1);
  });

  it('refuses a record index the fetch does not have', async () => {
    network.route = () => new Response('x');
    const { key } = await start(fetchMessage('one-record'));
    await settled(key);
    const error = await rejection(handlers.responseHead(caller, { type: 'responseHead', scope, key, index: 1 }));
    expect(error.specName).toBe('InvalidStateError');
  });
});

describe('requestMatches', () => {
  const options = (extra: Partial<typeof noOptions> = {}) => ({ ...noOptions, ...extra });

  it('compares URLs without fragments', () => {
    expect(
      requestMatches(serializedRequest('https://a.example/x#1'), serializedRequest('https://a.example/x#2'), options()),
    ).toBe(true);
    expect(
      requestMatches(serializedRequest('https://a.example/x'), serializedRequest('https://a.example/y'), options()),
    ).toBe(false);
    expect(
      requestMatches(serializedRequest('https://a.example/x'), serializedRequest('https://b.example/x'), options()),
    ).toBe(false);
    expect(
      requestMatches(serializedRequest('https://a.example/x?q'), serializedRequest('https://a.example/x'), options()),
    ).toBe(false);
  });

  it('ignoreSearch drops the query on both sides', () => {
    const o = options({ ignoreSearch: true });
    expect(
      requestMatches(serializedRequest('https://a.example/x?q=1'), serializedRequest('https://a.example/x?q=2'), o),
    ).toBe(true);
    expect(
      requestMatches(serializedRequest('https://a.example/x'), serializedRequest('https://a.example/x?q=2'), o),
    ).toBe(true);
    expect(
      requestMatches(serializedRequest('https://a.example/x?q=1'), serializedRequest('https://a.example/y?q=1'), o),
    ).toBe(false);
  });

  it('ignoreMethod lets any method match', () => {
    const post = serializedRequest('https://a.example/x', { method: 'POST' });
    const put = serializedRequest('https://a.example/x', { method: 'PUT' });
    expect(requestMatches(post, post, options())).toBe(true);
    expect(requestMatches(put, post, options())).toBe(false);
    expect(requestMatches(put, post, options({ ignoreMethod: true }))).toBe(true);
    const get = serializedRequest('https://a.example/x');
    expect(requestMatches(get, post, options())).toBe(false);
    expect(requestMatches(get, post, options({ ignoreMethod: true }))).toBe(true);
  });

  it('normalises URLs before comparing', () => {
    expect(
      requestMatches(serializedRequest('https://A.EXAMPLE:443/x'), serializedRequest('https://a.example/x'), options()),
    ).toBe(true);
  });
});
