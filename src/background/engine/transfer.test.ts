// The transfer engine's retry rules against a real (in-memory) IndexedDB, with `fetch` mocked and
// timers faked: what an unreachable server, a flaky connection and a busy server lead to. The same
// behaviour in real browsers, with a real server: test/e2e/resilience.test.ts.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import browser from 'webextension-polyfill';
import { GLOBAL_SETTINGS_KEY } from '../../shared/protocol';
import { db, type StoredRegistration } from '../../shared/db';
import type { PageRequestOf } from '../../shared/protocol';
import { createPageHandlers } from '../page-handlers';
import type { Caller } from '../policy';
import { isRunning, stopTransfers } from './transfer';
import { DEFAULT_SWITCHES } from '../switches';import { serializedRequest } from '../../../test/unit/fixtures';


const handlers = createPageHandlers();
const caller: Caller = { origin: 'https://a.example', topLevelSite: 'https://a.example', storeId: 'default', incognito: false, tabId: 1 };
const scope = 'https://a.example/';

function fetchMessage(id: string, url = 'https://a.example/file'): PageRequestOf<'fetch'> {
  return {
    type: 'fetch',
    scope,
    id,
    requests: [
      { ...serializedRequest(url), body: null },
    ],
    options: { title: '', icons: [], downloadTotal: 0 },
  };
}

let hits: { url: string; init: RequestInit; at: number }[] = [];
let route: (attempt: number, init: RequestInit) => Response | Promise<Response>;
const started: string[] = [];

beforeEach(() => {
  // New sites are asked first (consent.ts); these tests are about what happens once allowed.
  vi.spyOn(browser.storage.local, 'get').mockResolvedValue({ [GLOBAL_SETTINGS_KEY]: { defaultPermission: 'allow', startNotifications: false } });
  hits = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init = {}) => {
    const url = String(input instanceof Request ? input.url : input);
    hits.push({ url, init, at: Date.now() });
    init.signal?.throwIfAborted();
    return route(hits.length, init);
  });
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  vi.spyOn(console, 'info').mockImplementation(() => undefined);
});

afterEach(async () => {
  vi.useRealTimers();
  for (const key of started.splice(0)) await stopTransfers(key, 'test over');
  await Promise.all([db.registrations, db.records, db.chunks, db.uploads].map((table) => table.clear()));
  vi.restoreAllMocks();
});

async function start(id: string): Promise<string> {
  const { key } = await handlers.fetch(caller, fetchMessage(id));
  started.push(key);
  return key;
}

/** Advances fake time in steps until the fetch settled (or `limitMs` passed). */
async function runUntilSettled(key: string, limitMs: number, stepMs = 1000, onStep?: (reg: StoredRegistration) => void) {
  for (let elapsed = 0; elapsed <= limitMs; elapsed += stepMs) {
    const reg = (await db.registrations.get(key))!;
    if (!reg.active && !isRunning(key)) return reg;
    onStep?.(reg);
    await vi.advanceTimersByTimeAsync(stepMs);
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`not settled within ${limitMs} ms of fake time`);
}

/** A body that delivers `bytes` bytes, then fails as a dropped connection does. */
function droppingBody(bytes: number): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent) return controller.error(new TypeError('connection reset'));
      sent = true;
      controller.enqueue(new Uint8Array(bytes).fill(7));
    },
  });
}

describe('retries', () => {
  it('wait for an unreachable server, marked offline, and fail with fetch-error only after the give-up budget', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    route = () => Promise.reject(new TypeError('NetworkError when attempting to fetch resource.'));
    const key = await start('unreachable');
    const seen = new Set<string | null | undefined>();
    const reg = await runUntilSettled(key, DEFAULT_SWITCHES.unreachableGiveUpMs + 60_000, 10_000, (r) => seen.add(r.waiting));
    expect(reg).toMatchObject({ result: 'failure', failureReason: 'fetch-error', waiting: null });
    expect(seen).toContain('offline');
    // Probed every 10 s at most once the backoff grew: about 180 attempts in 30 minutes.
    expect(hits.length).toBeGreaterThan(100);
    expect(hits.length).toBeLessThan(250);
  });

  it('come back when the server does, and resume', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    route = (attempt) => (attempt <= 4 ? Promise.reject(new TypeError('NetworkError')) : new Response('back again'));
    const key = await start('back');
    const reg = await runUntilSettled(key, 60_000);
    expect(reg).toMatchObject({ result: 'success', downloaded: 'back again'.length, waiting: null });
    expect(hits).toHaveLength(5);
  });

  it('do not count a failed attempt that stored bytes against maxRetries', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const piece = 1000;
    const drops = DEFAULT_SWITCHES.maxRetries + 3;
    route = (attempt, init) => {
      const range = new Headers(init.headers).get('range');
      const from = Number(/^bytes=(\d+)-$/.exec(range ?? '')?.[1] ?? 0);
      const total = piece * (drops + 1);
      const headers = { etag: '"v"', 'content-length': String(total - from) };
      if (attempt <= drops) {
        const status = from ? 206 : 200;
        return new Response(droppingBody(piece), {
          status,
          headers: from ? { ...headers, 'content-range': `bytes ${from}-${total - 1}/${total}` } : headers,
        });
      }
      return new Response(new Uint8Array(total - from).fill(7), {
        status: 206,
        headers: { ...headers, 'content-range': `bytes ${from}-${total - 1}/${total}` },
      });
    };
    const key = await start('flaky');
    const reg = await runUntilSettled(key, 120_000);
    expect(reg).toMatchObject({ result: 'success', downloaded: piece * (drops + 1) });
    expect(hits).toHaveLength(drops + 1);
    expect(hits.slice(1).map((hit) => new Headers(hit.init.headers).get('range'))).toEqual(
      Array.from({ length: drops }, (_, i) => `bytes=${piece * (i + 1)}-`),
    );
  });

  it('retry a 503 after its Retry-After, and once retries are used up fail with bad-status, the response readable', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    route = () => new Response('busy', { status: 503, headers: { 'retry-after': '7' } });
    const key = await start('busy');
    const reg = await runUntilSettled(key, 120_000, 500);
    expect(reg).toMatchObject({ result: 'failure', failureReason: 'bad-status' });
    expect(hits).toHaveLength(DEFAULT_SWITCHES.maxRetries + 1);
    const head = await handlers.responseHead(caller, { type: 'responseHead', scope, key, index: 0 });
    expect(head.status).toBe(503);
  });

  it('stop a fetch stopped right after it started (before its first request)', async () => {
    let resolveFetch!: (response: Response) => void;
    route = () => new Promise<Response>((resolve) => (resolveFetch = resolve));
    const key = await start('stopped-early');
    await stopTransfers(key, 'paused');
    expect(isRunning(key)).toBe(false);
    resolveFetch?.(new Response('late'));
    expect(hits.every((hit) => hit.init.signal?.aborted)).toBe(true);
  });
});
