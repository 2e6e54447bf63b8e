// A site's dedicated and shared workers (test/fixtures/conformance/worker.js), driven from its page:
// each call starts a new worker (a URL of its own, so no cached script is reused) and returns its answer.
import type { Page } from 'puppeteer-core';
import { waitFor } from './engine';

export type WorkerKind = 'dedicated' | 'shared';

export function askWorker(page: Page, kind: WorkerKind, command: Record<string, unknown>): Promise<any> {
  return page.evaluate(
    (kind, command) => {
      const url = `/conformance/worker.js?worker=${kind}-${Math.random()}`;
      const answer = new Promise((resolve) => {
        if (kind === 'dedicated') {
          const worker = new Worker(url);
          worker.onmessage = (event) => resolve(event.data);
          worker.onerror = (event) => resolve({ workerError: String(event.message) });
          worker.postMessage(command);
        } else {
          const worker = new SharedWorker(url);
          worker.port.onmessage = (event) => resolve(event.data);
          worker.onerror = (event) => resolve({ workerError: String((event as ErrorEvent).message) });
          worker.port.start();
          worker.port.postMessage(command);
        }
      });
      return Promise.race([
        answer,
        new Promise((resolve) => setTimeout(() => resolve({ workerError: 'no answer in 30 s' }), 30_000)),
      ]);
    },
    kind,
    command,
  );
}

/**
 * Firefox covers a site's dedicated workers once the site used the API (worker-inject.ts): the
 * page uses it (getIds), then the test waits until a new worker has the interfaces.
 */
export async function siteUsedApi(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const registration = await (
      window as unknown as {
        swReady: Promise<ServiceWorkerRegistration & { backgroundFetch: { getIds(): Promise<string[]> } }>;
      }
    ).swReady;
    await registration.backgroundFetch.getIds();
  });
  await waitFor(
    'a dedicated worker with the API',
    async () => (await askWorker(page, 'dedicated', { kind: 'exposed' })).exposed === true,
    15_000,
    300,
  );
}
