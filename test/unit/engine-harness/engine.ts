// The engine as a site drives it, for unit tests: fetches started through the page handlers
// (src/background/page-handlers.ts) by an allowed site, waited for until they settle, their
// bodies read back as the page would, and every transfer stopped and the store emptied after
// each test. The network is the fake one (network.ts); time is real unless a test fakes it.
//
//   const network = useFakeNetwork();
//   const engine = useEngine();
//   it('...', async () => {
//     network.route = () => new Response('hello');
//     const { key } = await engine.start(fetchMessage('id'));
//     expect(await engine.settled(key)).toMatchObject({ result: 'success' });
//   });
import { afterEach, beforeEach, expect, vi } from 'vitest';
import browser from 'webextension-polyfill';
import { db, type StoredRegistration } from '../../../src/shared/db';
import { GLOBAL_SETTINGS_KEY, type PageRequestOf } from '../../../src/shared/protocol';
import { SpecError } from '../../../src/shared/spec';
import { createPageHandlers } from '../../../src/background/page-handlers';
import type { Caller } from '../../../src/background/policy';
import { storeOf } from '../../../src/background/state/stores';
import { isRunning, stopTransfers } from '../../../src/background/engine/transfer';
import { serializedRequest } from '../fixtures';
import { emptyStore } from './store';

/** A top-level document of `origin` in tab 1, normal window. */
export const callerOf = (origin: string, change: Partial<Caller> = {}): Caller => ({
  origin,
  topLevelSite: origin,
  storeId: 'default',
  incognito: false,
  tabId: 1,
  ...change,
});

export const SITE = 'https://a.example';
export const SCOPE = `${SITE}/`;
export const caller = callerOf(SITE);

/** A request of a fetch() message, as the page serialises it (no body unless given). */
export type Outgoing = PageRequestOf<'fetch'>['requests'][number];
export const outgoing = (url: string, extra: Partial<Outgoing> = {}): Outgoing => ({
  ...serializedRequest(url),
  body: null,
  ...extra,
});

/** A fetch() message of `id` for `scope` (the caller's: https://a.example/), one GET unless told. */
export function fetchMessage(
  id: string,
  requests: Outgoing[] = [outgoing(`${SITE}/file`)],
  { downloadTotal = 0, scope = SCOPE, title = '' }: { downloadTotal?: number; scope?: string; title?: string } = {},
): PageRequestOf<'fetch'> {
  return { type: 'fetch', scope, id, requests, options: { title, icons: [], downloadTotal } };
}

/**
 * Every site may fetch without asking and nothing is announced (consent.ts asks new sites first;
 * these tests are about what happens once allowed). `more`: other storage.local keys to answer.
 */
export function allowEverySite(more: Record<string, unknown> = {}): void {
  vi.spyOn(browser.storage.local, 'get').mockResolvedValue({
    [GLOBAL_SETTINGS_KEY]: { defaultPermission: 'allow', startNotifications: false },
    ...more,
  });
}

export interface Engine {
  handlers: ReturnType<typeof createPageHandlers>;
  /** fetch() through the page handlers, as `who` (https://a.example unless told); stopped after the test. */
  start(message: PageRequestOf<'fetch'>, who?: Caller): ReturnType<ReturnType<typeof createPageHandlers>['fetch']>;
  /** The registration once it settled and no transfer of it runs (real time). */
  settled(key: string, timeout?: number): Promise<StoredRegistration>;
  /** Advances fake time in steps until the fetch settled (or `limitMs` of fake time passed). */
  runUntilSettled(
    key: string,
    limitMs: number,
    stepMs?: number,
    onStep?: (reg: StoredRegistration) => void,
  ): Promise<StoredRegistration>;
  /** A record's whole body as the page reads it (readBody from offset 0 until done). */
  readAll(key: string, index: number, who?: Caller, scope?: string): Promise<Uint8Array>;
}

/**
 * The engine for each test of the calling file: sites allowed, warnings quiet, and after each
 * test every started transfer stopped, the store emptied, timers real and mocks restored.
 * `storage`: more storage.local keys the background reads (test switches, say).
 */
export function useEngine({ storage = {} as Record<string, unknown> } = {}): Engine {
  const handlers = createPageHandlers();
  const started: string[] = [];
  beforeEach(() => {
    allowEverySite(storage);
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    vi.spyOn(console, 'info').mockImplementation(() => undefined);
  });
  afterEach(async () => {
    vi.useRealTimers();
    // Leave no transfer running into the next test, then empty the store.
    for (const key of started.splice(0)) {
      await stopTransfers(key, 'test over');
      expect(isRunning(key)).toBe(false);
    }
    await emptyStore();
    vi.restoreAllMocks();
  });
  return {
    handlers,
    async start(message, who = caller) {
      const snapshot = await handlers.fetch(who, message);
      started.push(snapshot.key);
      return snapshot;
    },
    settled: (key, timeout = 5_000) =>
      vi.waitFor(
        async () => {
          const reg = await storeOf(key).registrations.get(key);
          if (!reg || reg.active || isRunning(key)) throw new Error(`${key} has not settled`);
          return reg;
        },
        { timeout, interval: 5 },
      ),
    async runUntilSettled(key, limitMs, stepMs = 1000, onStep) {
      for (let elapsed = 0; elapsed <= limitMs; elapsed += stepMs) {
        const reg = (await db.registrations.get(key))!;
        if (!reg.active && !isRunning(key)) return reg;
        onStep?.(reg);
        await vi.advanceTimersByTimeAsync(stepMs);
        await new Promise((resolve) => setImmediate(resolve));
      }
      throw new Error(`not settled within ${limitMs} ms of fake time`);
    },
    async readAll(key, index, who = caller, scope = SCOPE) {
      const parts: Uint8Array[] = [];
      for (let offset = 0; ;) {
        const reply = await handlers.readBody(who, { type: 'readBody', scope, key, index, offset });
        const data = await bytesOf(reply.parts);
        parts.push(data);
        offset += data.byteLength;
        if (reply.done) break;
        if (data.byteLength === 0) throw new Error('readBody returned nothing and is not done');
      }
      return bytesOf(parts);
    },
  };
}

/** The bytes of body parts (or of stored chunks), in order. */
export async function bytesOf(parts: (Blob | ArrayBuffer | Uint8Array)[]): Promise<Uint8Array> {
  return new Uint8Array(await new Blob(parts as BlobPart[]).arrayBuffer());
}

/** Byte-for-byte equality; vitest's deep equality walks big arrays element by element. */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.byteLength).toBe(expected.byteLength);
  expect(
    Buffer.compare(
      Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength),
      Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength),
    ),
  ).toBe(0);
}

/** The SpecError `promise` rejects with (fails the test if it resolves or rejects with anything else). */
export async function rejection(promise: Promise<unknown>): Promise<SpecError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return error as SpecError;
  }
  throw new Error('expected a rejection');
}
