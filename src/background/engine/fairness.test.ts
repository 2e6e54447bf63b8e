// One site cannot starve the others (issue 16 item 8), with the engine itself: fetch mocked, the
// store in memory, bodies the test holds open. What is checked is the order in which requests got
// a connection (the mock's hits), never how long anything took.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import browser from 'webextension-polyfill';
import { GLOBAL_SETTINGS_KEY } from '../../shared/protocol';
import { TEST_SWITCHES_KEY } from '../../shared/channels';
import { db } from '../../shared/db';
import type { PageRequestOf } from '../../shared/protocol';
import { createPageHandlers } from '../page-handlers';
import type { Caller } from '../policy';
import { globalConnections, stopTransfers } from './transfer';
import { serializedRequest } from '../../../test/unit/fixtures';

const handlers = createPageHandlers();
const callerOf = (origin: string): Caller => ({ origin, topLevelSite: origin, storeId: 'default', incognito: false, tabId: 1 });

function fetchMessage(origin: string, id: string, count: number): PageRequestOf<'fetch'> {
  return {
    type: 'fetch',
    scope: `${origin}/`,
    id,
    requests: Array.from({ length: count }, (_, i) => ({ ...serializedRequest(`${origin}/${id}/${i}`), body: null })),
    options: { title: '', icons: [], downloadTotal: 0 },
  };
}

/** A body the test feeds; it errors when the request's signal aborts, as fetch's does. */
interface Held {
  push(bytes: number): void;
  close(): void;
}
let hits: { url: string; range: string | null }[] = [];
let bodies = new Map<string, Held>();
const started: string[] = [];
const timers: ReturnType<typeof setInterval>[] = [];

beforeEach(() => {
  vi.spyOn(browser.storage.local, 'get').mockResolvedValue({
    [GLOBAL_SETTINGS_KEY]: { defaultPermission: 'allow', startNotifications: false },
    // A short window for the speed floor, so the test does not wait 10 s; the floor is the default.
    [TEST_SWITCHES_KEY]: { trickleWindowMs: 400 },
  });
  hits = [];
  bodies = new Map();
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init = {}) => {
    const url = String(input instanceof Request ? input.url : input);
    const range = new Headers(init.headers).get('range');
    hits.push({ url, range });
    init.signal?.throwIfAborted();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
    init.signal?.addEventListener('abort', () => controller.error(new DOMException('aborted', 'AbortError')), { once: true });
    bodies.set(url, {
      push: (bytes) => controller.enqueue(new Uint8Array(bytes)),
      close: () => controller.close(),
    });
    return new Response(stream, { headers: { etag: '"held"', 'content-length': String(10 * 1024 * 1024) } });
  });
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  vi.spyOn(console, 'info').mockImplementation(() => undefined);
});

afterEach(async () => {
  for (const timer of timers.splice(0)) clearInterval(timer);
  for (const key of started.splice(0)) await stopTransfers(key, 'test over');
  await Promise.all([db.registrations, db.records, db.chunks, db.uploads].map((table) => table.clear()));
  globalConnections.resize(8);
  vi.restoreAllMocks();
});

async function start(origin: string, id: string, count: number): Promise<void> {
  const { key } = await handlers.fetch(callerOf(origin), fetchMessage(origin, id, count));
  started.push(key);
}

async function until(what: string, ok: () => boolean, limitMs = 15_000): Promise<void> {
  for (const end = Date.now() + limitMs; !ok(); ) {
    if (Date.now() > end) throw new Error(`never: ${what}; hits ${JSON.stringify(hits.map((hit) => hit.url))}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const HOSTILE_A = 'https://hostile-a.example';
const HOSTILE_B = 'https://hostile-b.example';
const OTHER = 'https://other.example';
const isOther = (url: string) => url.startsWith(OTHER);

describe('connections shared between sites', () => {
  it("a site's one request gets a connection within one round, however many another site queued first", async () => {
    globalConnections.resize(2);
    // Two hostile sites queue 12 requests behind 2 connections, then another site asks for one.
    await start(HOSTILE_A, 'a', 6);
    await start(HOSTILE_B, 'b', 6);
    await until('the two connections in use', () => hits.length === 2);
    await start(OTHER, 'one', 1);
    await until('the other site waits', () => globalConnections.othersWaiting(new URL(HOSTILE_A).hostname));
    // Each held request finishes in turn (fast, not trickling); the next ones start.
    const before = hits.length;
    for (const hit of hits.slice(0, 2)) {
      bodies.get(hit.url)!.push(1024);
      bodies.get(hit.url)!.close();
    }
    await until('two more requests started', () => hits.length >= before + 2);
    const next = hits.slice(before, before + 2).map((hit) => hit.url);
    // One scheduling round: the other site is served before any site gets a second turn
    // (first-come would have served the hostile sites' ten waiting requests first).
    expect(next.some(isOther)).toBe(true);
  });

  it('two hostile sites trickling below the floor give their connections up to a waiting site, and resume with Range', async () => {
    globalConnections.resize(2);
    await start(HOSTILE_A, 'slow-a', 1);
    await start(HOSTILE_B, 'slow-b', 1);
    await until('both hostile requests hold a connection', () => hits.length === 2);
    // 1,000 bytes every 100 ms: 10 kB/s, below the 16 KiB/s floor; never finishing.
    timers.push(
      setInterval(() => {
        for (const url of [`${HOSTILE_A}/slow-a/0`, `${HOSTILE_B}/slow-b/0`]) {
          try {
            bodies.get(url)?.push(1000);
          } catch {
            // That attempt gave its slot up; its next attempt has a new body.
          }
        }
      }, 100),
    );
    await start(OTHER, 'waiting', 1);
    await until("the other site's request starts", () => hits.some((hit) => isOther(hit.url)));
    const firstOther = hits.findIndex((hit) => isOther(hit.url));
    // Nothing but the two hostile requests ran before it: no third hostile attempt came first.
    expect(firstOther).toBe(2);
    bodies.get(`${OTHER}/waiting/0`)!.push(2048);
    bodies.get(`${OTHER}/waiting/0`)!.close();
    // The hostile request that gave its slot up comes back, from where it was.
    await until('a hostile request resumes', () => hits.slice(firstOther + 1).some((hit) => !isOther(hit.url)));
    const resumed = hits.slice(firstOther + 1).find((hit) => !isOther(hit.url))!;
    expect(resumed.range).toMatch(/^bytes=[1-9]\d*-$/);
    const regs = await db.registrations.toArray();
    expect(regs.filter((reg) => reg.origin !== OTHER).every((reg) => reg.active === 1 && reg.result === '')).toBe(true);
  });

  it('a slow connection keeps its slot while no other site waits', async () => {
    globalConnections.resize(2);
    await start(HOSTILE_A, 'alone', 1);
    await until('the request holds a connection', () => hits.length === 1);
    timers.push(setInterval(() => bodies.get(`${HOSTILE_A}/alone/0`)?.push(500), 100));
    // Three windows of the floor pass; nobody else waits, so nothing is cut.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(hits).toHaveLength(1);
  });
});
