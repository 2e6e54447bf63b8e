// For the transfer-engine tests (test/e2e/resilience.test.ts): the engine's test-only switches,
// a raw look at its store from an extension page, and what the test server's log says about the
// byte ranges a transfer fetched.
import type { Page } from 'puppeteer-core';
import type Extension from 'webextension-polyfill';
import { extensionPage, type Launched } from './browsers';
import { readTables } from './store-reader';
import type { LogRecord } from './site';

import { TEST_SWITCHES_KEY } from '../../src/shared/channels';
import type { Switches as EngineSwitches } from '../../src/background/switches';

/** Runs `work` in a fresh extension page (it sees browser.* and the extension's IndexedDB). */
export async function inExtensionPage<T>(launched: Launched, work: (page: Page) => Promise<T>): Promise<T> {
  const page = await extensionPage(launched);
  try {
    return await work(page);
  } finally {
    await page.close().catch(() => undefined);
  }
}

/** Sets (or with null removes) the engine's test switches; the background picks them up at once. */
export async function setEngineSwitches(launched: Launched, switches: Partial<EngineSwitches> | null): Promise<void> {
  await inExtensionPage(launched, (page) =>
    page.evaluate(
      async (key, switches) => {
        const { browser, chrome } = globalThis as unknown as { browser?: Extension.Browser; chrome: Extension.Browser };
        const api = browser ?? chrome;
        if (switches) await api.storage.local.set({ [key]: switches });
        else await api.storage.local.remove(key);
      },
      TEST_SWITCHES_KEY,
      switches,
    ),
  );
}

export interface StoreView {
  registrations: {
    key: string;
    id: string;
    origin: string;
    active: number;
    result: string;
    failureReason: string;
    downloaded: number;
    uploaded: number;
    uploadTotal: number;
    waiting: string | null;
  }[];
  records: { regKey: string; index: number; state: string; stored: number; failure: string }[];
  /** Body chunks per registration key: how many, and their bytes. */
  chunks: Record<string, { count: number; bytes: number }>;
}

/** One consistent read of registrations, records and chunk sizes (never the chunk bytes). */
export async function readStore(launched: Launched, page?: Page): Promise<StoreView> {
  const read = async (p: Page): Promise<StoreView> => {
    const tables = await readTables(p, ['registrations', 'records', 'chunks']);
    const chunks: StoreView['chunks'] = {};
    for (const chunk of tables.chunks) {
      const entry = (chunks[chunk.regKey] ??= { count: 0, bytes: 0 });
      entry.count++;
      entry.bytes += chunk.data;
    }
    return {
      registrations: tables.registrations.map((r) => ({
        key: r.key,
        id: r.id,
        origin: r.origin,
        active: r.active,
        result: r.result,
        failureReason: r.failureReason,
        downloaded: r.downloaded,
        uploaded: r.uploaded,
        uploadTotal: r.uploadTotal,
        waiting: r.waiting ?? null,
      })),
      records: tables.records.map((r) => ({
        regKey: r.regKey,
        index: r.index,
        state: r.state,
        stored: r.stored,
        failure: r.failure,
      })),
      chunks,
    };
  };
  return page ? read(page) : inExtensionPage(launched, read);
}

/** The byte range one logged response covered: [start, start + bytesSent). */
export interface Span {
  start: number;
  end: number;
  status: number;
  range: string | null;
}

export function spansOf(records: LogRecord[]): Span[] {
  return records.map((rec) => {
    const start = Number(/^bytes=(\d+)-/.exec(rec.range ?? '')?.[1] ?? 0);
    // A 200 (range ignored, or validator changed) starts at 0 whatever was asked.
    const from = rec.status === 206 ? start : 0;
    return { start: from, end: from + rec.bytesSent, status: rec.status, range: rec.range };
  });
}

/**
 * How often each byte of [0, size) was sent, at most; the bytes sent in all; the bytes sent more
 * than once (`refetched`).
 */
export function coverage(
  spans: Span[],
  size: number,
): { maxTimes: number; sent: number; refetched: number; gaps: number } {
  const events: [number, number][] = [];
  for (const span of spans) {
    if (span.end > span.start) events.push([span.start, 1], [Math.min(span.end, size), -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let depth = 0;
  let maxTimes = 0;
  let last = 0;
  let covered = 0;
  for (const [at, delta] of events) {
    if (depth > 0) covered += at - last;
    depth += delta;
    last = at;
    maxTimes = Math.max(maxTimes, depth);
  }
  const sent = spans.reduce((sum, span) => sum + (span.end - span.start), 0);
  return { maxTimes, sent, refetched: sent - covered, gaps: size - covered };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns something truthy, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs: number,
  everyMs = 200,
): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
