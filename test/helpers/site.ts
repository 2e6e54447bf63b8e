// The test site on the loopback server, and helpers to drive the page API from a test.
import path from 'node:path';
import type { Page } from 'puppeteer-core';
// @ts-expect-error plain JS module with JSDoc types
import { startServer } from '../server/server.mjs';
import { ROOT, type Launched } from './browsers';

export interface TestServer {
  port: number;
  originA: string;
  originB: string;
  log: LogRecord[];
  clearLog(): void;
  idle(): Promise<void>;
  maxConcurrent(prefix: string): number;
  /** Stop listening and cut open connections (clients see "connection refused"); resume() listens again. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  readonly paused: boolean;
  close(): Promise<void>;
}

export interface LogRecord {
  method: string;
  path: string;
  pathname: string;
  headers: Record<string, string>;
  cookies: Record<string, string>;
  secFetch: { site: string | null; mode: string | null; dest: string | null };
  /** The local address the request came in on. */
  reachedOn: { address: string; port: number };
  remoteAddress: string | null;
  range: string | null;
  status: number;
  bytesSent: number;
  completed: boolean;
  id: number;
  /** Date.now() when the request arrived. */
  time: number;
  closedEarly: boolean;
  /** The server cut the body on purpose (dropAfter). */
  dropped?: boolean;
  /** The server reset the connection before answering (reset=1). */
  reset?: boolean;
  uploadLength?: number;
  uploadSha256?: string;
}

export async function startTestServer(everyResponse: Record<string, string> = {}): Promise<TestServer> {
  return startServer({
    everyResponse,
    staticDirs: {
      '/site/': path.join(ROOT, 'test/fixtures/site'),
      '/sw-site/': path.join(ROOT, 'test/fixtures/sw-site'),
      '/plain/': path.join(ROOT, 'test/fixtures/plain'),
      '/conformance/': path.join(ROOT, 'test/fixtures/conformance'),
      // The opt-in file, as a site would host a copy of it.
      '/bgfetch/': path.join(ROOT, 'dist/chromium/sw'),
    },
  });
}

/** Opens the test site and waits until its service worker is active. */
export async function openSite(launched: Launched, origin: string): Promise<Page> {
  const page = await launched.browser.newPage();
  await page.goto(`${origin}/site/`);
  await page.evaluate(() => (window as unknown as { swReady: Promise<unknown> }).swReady);
  return page;
}

/** The service-worker test site (test/fixtures/sw-site), with a worker of the given flavour. */
export async function openWorkerSite(
  launched: Launched,
  origin: string,
  worker: 'plain' | 'module' | 'classic' | 'optin' | 'hostile' | 'hashbang' = 'plain',
): Promise<Page> {
  const page = await launched.browser.newPage();
  await page.goto(`${origin}/sw-site/?worker=${worker}`);
  await page.evaluate(() => (window as unknown as { swReady: Promise<unknown> }).swReady);
  return page;
}
