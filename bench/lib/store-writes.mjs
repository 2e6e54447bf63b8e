// When the background commits a store write that touches registrations, timed in the background
// itself: Dexie dispatches its `x-storagemutated-1` event on the background's global
// synchronously when a write transaction completes. The background differs per browser: Firefox's
// event page is reachable from an extension page (runtime.getBackgroundPage()), Chromium's
// service worker through puppeteer.

const REGISTRATIONS = 'idb://bgfetch/registrations/';

/** In an extension page (Firefox): listens on the background page's global. */
async function watchFromPage(registrations) {
  const bg = await browser.runtime.getBackgroundPage();
  const writes = (window.__benchWrites = []);
  window.__benchUnwatch?.();
  // This page's clock: the same as the popup's observer (this page is the popup).
  const listener = (event) => {
    if (Object.keys(event.detail ?? {}).some((part) => part.startsWith(registrations)))
      writes.push(performance.timeOrigin + performance.now());
  };
  bg.addEventListener('x-storagemutated-1', listener);
  window.__benchUnwatch = () => bg.removeEventListener('x-storagemutated-1', listener);
}

function collectFromPage() {
  window.__benchUnwatch?.();
  window.__benchUnwatch = null;
  return window.__benchWrites;
}

/** In the service worker (Chromium); returns its clock's offset from Date.now(). */
function watchInWorker(registrations) {
  self.__benchWrites = [];
  if (!self.__benchListener) {
    self.__benchListener = (event) => {
      if (Object.keys(event.detail ?? {}).some((part) => part.startsWith(registrations)))
        self.__benchWrites.push(performance.timeOrigin + performance.now());
    };
    self.addEventListener('x-storagemutated-1', self.__benchListener);
  }
  return Date.now() - (performance.timeOrigin + performance.now());
}

const collectInWorker = () => self.__benchWrites ?? [];

/**
 * Starts timing commits; resolves to { clockOffset, collect() }. clockOffset: Date.now() minus
 * the timestamps' clock where the watcher runs, to compare with other documents' clocks.
 */
export async function watchStoreWrites(session, popup) {
  if (session.name === 'firefox') {
    await popup.evaluate(watchFromPage, REGISTRATIONS);
    const clockOffset = await popup.evaluate(() => Date.now() - (performance.timeOrigin + performance.now()));
    return { clockOffset, collect: () => popup.evaluate(collectFromPage) };
  }
  // The service worker may have been stopped and started again since the last round: look it up.
  const target = await session.browser.waitForTarget(
    (t) => t.type() === 'service_worker' && t.url().startsWith(session.launched.extensionBase),
    { timeout: 10_000 },
  );
  const worker = await target.worker();
  const clockOffset = await worker.evaluate(watchInWorker, REGISTRATIONS);
  return { clockOffset, collect: () => worker.evaluate(collectInWorker) };
}
