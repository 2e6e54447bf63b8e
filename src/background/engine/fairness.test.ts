// One site cannot starve the others (issue 16 item 8), with the engine itself: fetch mocked, the
// store in memory, bodies the test holds open. What is checked is the order in which requests got
// a connection (the mock's hits), never how long anything took.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_SWITCHES_KEY } from '../../shared/channels';
import { db } from '../../shared/db';
import { globalConnections } from './transfer';
import { callerOf, fetchMessage, outgoing, useEngine } from '../../../test/unit/engine-harness/engine';
import { heldBody, useFakeNetwork, type HeldBody } from '../../../test/unit/engine-harness/network';

const network = useFakeNetwork();
// A short window for the speed floor, so the test does not wait 10 s; the floor is the default.
const engine = useEngine({ storage: { [TEST_SWITCHES_KEY]: { trickleWindowMs: 400 } } });
const { hits } = network;

/** The body of each request, by URL: held open until the test feeds it; it errors when the request aborts. */
let bodies = new Map<string, HeldBody>();
const timers: ReturnType<typeof setInterval>[] = [];

beforeEach(() => {
  bodies = new Map();
  network.route = (url) => {
    const body = heldBody();
    bodies.set(url, body);
    return new Response(body.stream, { headers: { etag: '"held"', 'content-length': String(10 * 1024 * 1024) } });
  };
});

afterEach(() => {
  for (const timer of timers.splice(0)) clearInterval(timer);
  globalConnections.resize(8);
});

async function start(origin: string, id: string, count: number): Promise<void> {
  const requests = Array.from({ length: count }, (_, i) => outgoing(`${origin}/${id}/${i}`));
  await engine.start(fetchMessage(id, requests, { scope: `${origin}/` }), callerOf(origin));
}

async function until(what: string, ok: () => boolean, limitMs = 15_000): Promise<void> {
  for (const end = Date.now() + limitMs; !ok();) {
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
