// Functions run in the popup (src/popup/index.html, in a tab) through page.evaluate: each must be
// self-contained. Selectors are the popup's own: li.reg rows, their h3 title and progress bar.

/**
 * Loads a second popup in an iframe and times it from its navigation start to the moment its
 * list holds all `expected` registrations and shows its first page of rows (the popup renders a
 * page of rows, not all of them: `data-total` on its list says how many it holds). An iframe because its parent can watch the new document with a
 * MutationObserver before the popup's own script runs, in both browsers (puppeteer cannot run
 * code ahead of an extension page's scripts in Firefox). The list renders in one Preact commit
 * after an IndexedDB read, so the observer is in place long before; `late` says if it was not.
 */
export async function renderPopupOnce(expected, timeoutMs, src = location.pathname) {
  const frame = document.createElement('iframe');
  // About the size of the toolbar popup.
  frame.style.cssText = 'width: 400px; height: 600px; border: 0';
  frame.src = src;
  document.body.append(frame);
  const blank = frame.contentDocument;
  try {
    return await new Promise((resolve, reject) => {
      const rows = (doc) => doc.querySelectorAll('li.reg').length;
      // The first page: every row when there are fewer than a page (src/popup App PAGE_ROWS).
      const ready = (doc) =>
        Number(doc.querySelector('.list')?.getAttribute('data-total')) >= expected &&
        rows(doc) >= Math.min(expected, 25);
      const timer = setTimeout(
        () => reject(new Error(`popup showed ${rows(frame.contentDocument)} of ${expected} rows`)),
        timeoutMs,
      );
      const attach = () => {
        const doc = frame.contentDocument;
        if (!doc || doc === blank || doc.URL === 'about:blank') return void setTimeout(attach, 0);
        if (ready(doc)) {
          clearTimeout(timer);
          return resolve({ ms: NaN, late: true });
        }
        const observer = new MutationObserver(() => {
          if (!ready(doc)) return;
          const ms = frame.contentWindow.performance.now();
          observer.disconnect();
          clearTimeout(timer);
          const perf = frame.contentWindow.performance;
          const nav = /** @type {PerformanceNavigationTiming | undefined} */ (perf.getEntriesByType('navigation')[0]);
          // Where the time went: the popup's own marks (src/popup: early read started and answered, scripts evaluated, first answers, list shown).
          /** @type {Record<string, number>} */
          const phases = {};
          for (const name of ['read', 'answer', 'script', 'active', 'settled', 'list'])
            phases[name] = perf.getEntriesByName(`popup:${name}`)[0]?.startTime ?? NaN;
          resolve({ ms, domContentLoaded: nav?.domContentLoadedEventEnd ?? NaN, phases, late: false });
        });
        observer.observe(doc, { childList: true, subtree: true });
      };
      attach();
    });
  } finally {
    frame.remove();
  }
}

/** How many registrations the popup's list holds (it renders a page of them). */
export async function rowCount() {
  return Number(document.querySelector('.list')?.getAttribute('data-total') ?? 0);
}

/**
 * Starts recording, in wall-clock time (timeOrigin + now, comparable with other tabs):
 * `notices`, each store change touching registrations as Dexie announces it to the other
 * extension pages (its BroadcastChannel: what the popup's liveQuery acts on), and `shown`, each
 * new value of the progress bar of the row titled `title`. Returns Date.now() minus that clock.
 */
export function startWatch(title) {
  const now = () => performance.timeOrigin + performance.now();
  /** @type {{ notices: number[], shown: unknown[], seen: Set<unknown>, row: Element | null, channel?: BroadcastChannel, observer?: MutationObserver }} */
  const w = (window.__watch = { notices: [], shown: [], seen: new Set(), row: null });
  w.channel = new BroadcastChannel('x-storagemutated-1');
  w.channel.onmessage = (event) => {
    if (Object.keys(event.data ?? {}).some((part) => part.startsWith('idb://bgfetch/registrations/')))
      w.notices.push(now());
  };
  w.observer = new MutationObserver(() => {
    const at = now();
    if (!w.row?.isConnected) {
      w.row =
        [...document.querySelectorAll('li.reg')].find((li) => li.querySelector('h3')?.textContent === title) ?? null;
    }
    const bar = w.row?.querySelector('progress');
    if (!bar?.hasAttribute('value')) return;
    const value = Number(bar.getAttribute('value'));
    if (w.seen.has(value)) return;
    w.seen.add(value);
    w.shown.push({ value, at });
  });
  w.observer.observe(document.getElementById('app'), {
    subtree: true,
    childList: true,
    attributes: true,
    characterData: true,
  });
  return Date.now() - now();
}

export function stopWatch() {
  const w = window.__watch;
  w.observer.disconnect();
  w.channel.close();
  return { notices: w.notices, shown: w.shown };
}
