// Hostile input: thousands of malformed messages straight at the bridge, and weird arguments
// through the page API. The background must stay up, earlier registrations intact, and every
// call must end (bounded) with the spec's error types.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'puppeteer-core';
import { browsersUnderTest, launch, useExtensionFor, type Launched } from '../helpers/browsers';
import { openSite, startTestServer, type TestServer } from '../helpers/site';
import { rawBridge } from '../helpers/bridge';

declare const t: any;

const SPEC_ERRORS = [
  'TypeError',
  'InvalidStateError',
  'NotAllowedError',
  'AbortError',
  'QuotaExceededError',
  'SecurityError',
  'NotFoundError',
];

/** Runs in the page: `count` malformed bridge requests from a seeded generator. */
function generate(seed: number, count: number, scope: string): unknown[] {
  let state = seed >>> 0;
  const rnd = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const pick = <T>(items: T[]): T => items[Math.floor(rnd() * items.length)]!;
  const deep = (depth: number): unknown => {
    let value: unknown = 'leaf';
    for (let i = 0; i < depth; i++) value = { a: value, b: [value] };
    return value;
  };
  const junk = (): unknown =>
    pick<() => unknown>([
      () => null,
      () => undefined,
      () => -1,
      () => NaN,
      () => 1e308,
      () => 2 ** 53 + 7,
      () => '',
      () => '\u0000\ud800\u{1F4A9}é',
      () => 'x'.repeat(Math.floor(rnd() * 100_000)),
      () => ({}),
      () => [],
      () => ({ __proto__: { ok: true }, constructor: { prototype: { polluted: 1 } } }),
      () => JSON.parse('{"__proto__": {"polluted": true}}'),
      () => new Uint8Array(16),
      () => deep(Math.floor(rnd() * 50)),
      () => true,
      () => new Date(),
      () => scope,
      () => 'http://127.0.0.1:1/',
    ])();
  const types = [
    'fetch',
    'get',
    'getIds',
    'abort',
    'matchAll',
    'responseHead',
    'readBody',
    'watch',
    'unwatch',
    'admin.setSite',
    'admin.remove',
    'constructor',
    '__proto__',
    'toString',
    '',
    'x'.repeat(300),
  ];
  const fields = [
    'scope',
    'id',
    'key',
    'requests',
    'options',
    'request',
    'index',
    'offset',
    'length',
    'origin',
    'settings',
    '__proto__',
    'constructor',
    'prototype',
  ];
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const message: Record<string, unknown> = { type: rnd() < 0.9 ? pick(types) : junk() };
    const n = Math.floor(rnd() * 6);
    for (let j = 0; j < n; j++) message[pick(fields)] = junk();
    if (rnd() < 0.3) message.scope = scope;
    if (rnd() < 0.2)
      message.id = pick(['\u{1F600}'.repeat(50), 'a'.repeat(2000), '\u202e\u0000', 'constructor', '__proto__']);
    out.push(rnd() < 0.05 ? junk() : message);
  }
  return out;
}

for (const name of browsersUnderTest()) {
  describe(`[${name}] fuzz`, () => {
    let server: TestServer;
    let browser: Launched;
    let page: Page;
    let sent = 0;

    before(async () => {
      server = await startTestServer();
      browser = await launch(name);
      await useExtensionFor(browser, [server.originA]);
      page = await openSite(browser, server.originA);
      await page.evaluate('window.__name = (f) => f');
      await page.evaluate(`window.generate = ${generate.toString()}; window.rawBridge = ${rawBridge.toString()};`);
    });
    after(async () => {
      console.log(`[${name}] fuzz: ${sent} malformed messages sent`);
      await browser?.close();
      await server?.close();
    });

    test('malformed messages at the bridge: each answered with a spec error, the engine intact', async () => {
      // An earlier registration that must survive.
      const before = await page.evaluate(
        async (url) => {
          const reg = await t.reg();
          const bf = await reg.backgroundFetch.fetch('survivor', url);
          (window as any).survivor = bf;
          return { scope: reg.scope, id: bf.id };
        },
        `${server.originA}/gen/survivor?size=${2 * 1024 * 1024}&seed=9&throttle=${256 * 1024}`,
      );

      const scope = before.scope;
      const tally = { ok: 0, errors: {} as Record<string, number>, timeouts: 0, unsent: 0 };
      const count = (reply: any) => {
        if (reply === 'timeout') tally.timeouts++;
        else if (reply?.unsent) tally.unsent++;
        else if (reply?.ok) tally.ok++;
        else
          tally.errors[reply?.error?.name ?? 'malformed-reply'] =
            (tally.errors[reply?.error?.name ?? 'malformed-reply'] ?? 0) + 1;
      };
      for (let batch = 0; batch < 6; batch++) {
        const replies = (await page.evaluate(
          async (seed, scope) => {
            const messages = (globalThis as any).generate(seed, 500, scope);
            // A bound for "never answered", not a timing: 500 messages at once take the background
            // several seconds on a busy 2-core machine (386 of 3,027 missed a 15 s bound at load 6).
            return (globalThis as any).rawBridge(messages, 60_000);
          },
          batch + 1,
          scope,
        )) as unknown[];
        replies.forEach(count);
        sent += replies.length;
      }
      // Oversized and extreme single messages.
      const extremes = (await page.evaluate(async (scope) => {
        const request = {
          url: `${location.origin}/gen/x?size=10`,
          method: 'GET',
          headers: [],
          mode: 'cors',
          credentials: 'same-origin',
          cache: 'default',
          redirect: 'follow',
          referrer: '',
          referrerPolicy: '',
          integrity: '',
          body: null,
        };
        const options = { title: '', icons: [], downloadTotal: 0 };
        let deep: unknown = 0;
        for (let i = 0; i < 5000; i++) deep = [deep];
        const messages = [
          {
            type: 'fetch',
            scope,
            id: 'many',
            requests: Array.from({ length: 10_001 }, (_, i) => ({ ...request, url: `${request.url}&i=${i}` })),
            options,
          },
          { type: 'fetch', scope, id: 'x'.repeat(3 * 1024 * 1024), requests: [request], options },
          {
            type: 'fetch',
            scope,
            id: 'hdr',
            requests: [{ ...request, headers: [['X-Big', 'v'.repeat(2 * 1024 * 1024)]] }],
            options,
          },
          {
            type: 'fetch',
            scope,
            id: 'url',
            requests: [{ ...request, url: `${request.url}&${'q'.repeat(4 * 1024 * 1024)}` }],
            options,
          },
          { type: 'get', scope, id: deep },
          {
            type: 'fetch',
            scope,
            id: '\u{1F4A9}\ud800',
            requests: [{ ...request, url: 'file:///etc/passwd' }],
            options,
          },
          {
            type: 'fetch',
            scope,
            id: 'proto',
            requests: [request],
            options: JSON.parse('{"__proto__":{"downloadTotal":1},"title":"","icons":[]}'),
          },
          { type: 'admin.setSite', origin: location.origin, settings: { blocked: true } },
          { type: 'admin.remove', key: 'anything' },
        ];
        return (globalThis as any).rawBridge(messages, 30_000);
      }, scope)) as unknown[];
      extremes.forEach(count);
      sent += extremes.length;
      console.log(`  bridge fuzz tally: ${JSON.stringify(tally)}`);
      assert.equal(tally.timeouts, 0, 'every message answered');
      for (const errorName of Object.keys(tally.errors))
        assert.ok(SPEC_ERRORS.includes(errorName), `error type ${errorName}`);
      // None of the extreme fetches may have been accepted.
      extremes
        .slice(0, 7)
        .forEach((reply: any, i) =>
          assert.ok(
            reply === 'timeout' || reply.unsent || reply.ok === false,
            `extreme ${i}: ${JSON.stringify(reply).slice(0, 200)}`,
          ),
        );
      // Page messages cannot reach the admin handlers.
      extremes.slice(7).forEach((reply: any) => assert.equal(reply.ok, false));

      // The engine is up: the survivor is intact and a normal fetch works.
      const afterwards = await page.evaluate(async (url) => {
        const reg = await t.reg();
        // The fetch made before the fuzzing: still running, or finished, never broken.
        const survivor = (window as any).survivor;
        const fresh = await reg.backgroundFetch.fetch('after-fuzz', url);
        await t.settled(fresh, 30_000);
        await t.settled(survivor, 60_000);
        return { survivor: { result: survivor.result, failureReason: survivor.failureReason }, fresh: fresh.result };
      }, `${server.originA}/gen/after?size=1000&seed=3`);
      assert.deepEqual(afterwards.survivor, { result: 'success', failureReason: '' });
      assert.equal(afterwards.fresh, 'success');
    });

    test('weird arguments through the page API: spec errors, never a hang', async () => {
      const result = await page.evaluate(async () => {
        const reg = await t.reg();
        const bf = reg.backgroundFetch;
        const within = (p: Promise<unknown>) =>
          Promise.race([p, new Promise((_, reject) => setTimeout(() => reject(new Error('hang')), 15_000))]);
        const deep: any = {};
        let cursor = deep;
        for (let i = 0; i < 2000; i++) cursor = cursor.next = {};
        const calls: [string, () => Promise<unknown>][] = [
          ['no args', () => bf.fetch()],
          ['null id', () => bf.fetch(null, '/x')],
          ['symbol id', () => bf.fetch(Symbol('x'), '/x')],
          ['empty list', () => bf.fetch('e', [])],
          [
            '10,000 requests',
            () =>
              bf.fetch(
                'big',
                Array.from({ length: 10_000 }, (_, i) => `/gen/x?i=${i}`),
              ),
          ],
          ['huge id', () => bf.fetch('x'.repeat(3 * 1024 * 1024), '/x')],
          ['lone surrogate id', () => bf.fetch('\ud800', 'data:,x')],
          ['object request', () => bf.fetch('o', deep)],
          ['no-cors', () => bf.fetch('nc', new Request('/x', { mode: 'no-cors' }))],
          ['duplicate', () => bf.fetch('d', ['/gen/d', '/gen/d'])],
          ['bad url', () => bf.fetch('u', 'http://[::1')],
          ['credentials url', () => bf.fetch('c', 'http://a:b@localhost/')],
          ['negative downloadTotal', () => bf.fetch('n', '/gen/x', { downloadTotal: -1 })],
          ['bad icons', () => bf.fetch('i', '/gen/x', { icons: 'nope' })],
          [
            'throwing getter',
            () =>
              bf.fetch('g', '/gen/x', {
                get title() {
                  throw new RangeError('boom');
                },
              }),
          ],
          ['get symbol', () => bf.get(Symbol('s'))],
          ['get huge', () => bf.get('y'.repeat(2 * 1024 * 1024))],
          ['huge header', () => bf.fetch('h', new Request('/gen/x', { headers: { 'X-A': 'v'.repeat(1024 * 1024) } }))],
        ];
        const out: Record<string, string> = {};
        for (const [label, call] of calls) {
          try {
            const value = await within(call());
            out[label] = `resolved ${Object.prototype.toString.call(value)}`;
            if (value && typeof (value as any).abort === 'function') await (value as any).abort();
          } catch (error: any) {
            out[label] = error?.message === 'hang' ? 'HANG' : `${error?.constructor?.name}:${error?.name}`;
          }
        }
        return out;
      });
      sent += Object.keys(result).length;
      console.log(`  page API fuzz: ${JSON.stringify(result)}`);
      for (const [label, outcome] of Object.entries(result)) {
        assert.notEqual(outcome, 'HANG', label);
        if (label === 'throwing getter') assert.match(outcome, /RangeError/, "the page's own exception propagates");
        else if (!outcome.startsWith('resolved'))
          assert.match(outcome, /^(TypeError|DOMException|QuotaExceededError):/, `${label}: ${outcome}`);
      }
    });
  });
}
