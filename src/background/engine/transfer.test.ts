// The transfer engine's retry rules against a real (in-memory) IndexedDB, with `fetch` mocked and
// timers faked: what an unreachable server, a flaky connection and a busy server lead to. The same
// behaviour in real browsers, with a real server: test/e2e/resilience.test.ts.
import { describe, expect, it, vi } from 'vitest';
import { isRunning, stopTransfers } from './transfer';
import { DEFAULT_SWITCHES } from '../switches';
import { caller, fetchMessage, outgoing, SCOPE as scope, useEngine } from '../../../test/unit/engine-harness/engine';
import { droppingBody, rangeStart, unreachable, useFakeNetwork } from '../../../test/unit/engine-harness/network';

const network = useFakeNetwork();
const engine = useEngine();
const { hits } = network;
const handlers = engine.handlers;

async function start(id: string): Promise<string> {
  const { key } = await engine.start(fetchMessage(id, [outgoing('https://a.example/file')]));
  return key;
}

describe('retries', () => {
  it('wait for an unreachable server, marked offline, and fail with fetch-error only after the give-up budget', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    network.route = () => unreachable();
    const key = await start('unreachable');
    const seen = new Set<string | null | undefined>();
    const reg = await engine.runUntilSettled(key, DEFAULT_SWITCHES.unreachableGiveUpMs + 60_000, 10_000, (r) =>
      seen.add(r.waiting),
    );
    expect(reg).toMatchObject({ result: 'failure', failureReason: 'fetch-error', waiting: null });
    expect(seen).toContain('offline');
    // Probed every 10 s at most once the backoff grew: about 180 attempts in 30 minutes.
    expect(hits.length).toBeGreaterThan(100);
    expect(hits.length).toBeLessThan(250);
    // Some 200 steps of fake time: CPU-bound, seconds on a busy machine.
  }, 30_000);

  it('come back when the server does, and resume', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    network.route = (_url, _init, attempt) => (attempt <= 4 ? unreachable('NetworkError') : new Response('back again'));
    const key = await start('back');
    const reg = await engine.runUntilSettled(key, 60_000);
    expect(reg).toMatchObject({ result: 'success', downloaded: 'back again'.length, waiting: null });
    expect(hits).toHaveLength(5);
  });

  it('do not count a failed attempt that stored bytes against maxRetries', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const piece = 1000;
    const drops = DEFAULT_SWITCHES.maxRetries + 3;
    network.route = (_url, init, attempt) => {
      const from = rangeStart(init);
      const total = piece * (drops + 1);
      const headers = { etag: '"v"', 'content-length': String(total - from) };
      if (attempt <= drops) {
        const status = from ? 206 : 200;
        return new Response(droppingBody(new Uint8Array(piece).fill(7)), {
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
    const reg = await engine.runUntilSettled(key, 120_000);
    expect(reg).toMatchObject({ result: 'success', downloaded: piece * (drops + 1) });
    expect(hits).toHaveLength(drops + 1);
    expect(hits.slice(1).map((hit) => new Headers(hit.init.headers).get('range'))).toEqual(
      Array.from({ length: drops }, (_, i) => `bytes=${piece * (i + 1)}-`),
    );
  });

  it('retry a 503 after its Retry-After, and once retries are used up fail with bad-status, the response readable', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    network.route = () => new Response('busy', { status: 503, headers: { 'retry-after': '7' } });
    const key = await start('busy');
    const reg = await engine.runUntilSettled(key, 120_000, 500);
    expect(reg).toMatchObject({ result: 'failure', failureReason: 'bad-status' });
    expect(hits).toHaveLength(DEFAULT_SWITCHES.maxRetries + 1);
    const head = await handlers.responseHead(caller, { type: 'responseHead', scope, key, index: 0 });
    expect(head.status).toBe(503);
  });

  it('stop a fetch stopped right after it started (before its first request)', async () => {
    let resolveFetch!: (response: Response) => void;
    network.route = () => new Promise<Response>((resolve) => (resolveFetch = resolve));
    const key = await start('stopped-early');
    await stopTransfers(key, 'paused');
    expect(isRunning(key)).toBe(false);
    resolveFetch?.(new Response('late'));
    expect(hits.every((hit) => hit.init.signal?.aborted)).toBe(true);
  });
});
