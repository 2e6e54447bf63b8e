// Functions run in the bench site (bench/fixtures/site) through page.evaluate: each must be
// self-contained. `t` is the tests' page helper object (test/fixtures/site/helpers.js).

/** One background fetch of `urls`, timed from fetch() to settled. keep: take its records first. */
export async function pageBgFetch(id, urls, timeoutMs, keep = false) {
  const reg = await t.reg();
  const t0 = performance.now();
  const f = await reg.backgroundFetch.fetch(id, urls);
  const regMs = performance.now() - t0;
  // Records stop being available once the site's worker handled the success event: keep them now.
  if (keep) (window.__keep ??= {})[id] = await f.matchAll();
  await t.settled(f, timeoutMs);
  return {
    ms: performance.now() - t0,
    regMs,
    result: f.result,
    failureReason: f.failureReason,
    downloaded: f.downloaded,
  };
}

/**
 * Reads back the bodies of the records pageBgFetch kept, then lets the bench site's worker finish
 * the fetch's event (bench/fixtures/site/sw.js holds it for ids starting with "hold-").
 */
export async function pageReadKept(id) {
  const records = window.__keep[id];
  try {
    const t0 = performance.now();
    let bytes = 0;
    let chunks = 0;
    for (const record of records) {
      const reader = (await record.responseReady).body.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        bytes += value.byteLength;
        chunks++;
      }
    }
    return { ms: performance.now() - t0, bytes, chunks };
  } finally {
    delete window.__keep[id];
    const channel = new BroadcastChannel('bench-hold');
    channel.postMessage(id);
    channel.close();
  }
}

/** The page's own way to keep a download: fetch() streamed into Cache Storage. */
export async function pageCacheBig(url) {
  await caches.delete('bench');
  const cache = await caches.open('bench');
  const t0 = performance.now();
  const response = await fetch(url);
  await cache.put(url, response);
  return { ms: performance.now() - t0 };
}

export async function pageCacheRead(url) {
  const cache = await caches.open('bench');
  const t0 = performance.now();
  const reader = (await cache.match(url)).body.getReader();
  let bytes = 0;
  let chunks = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    chunks++;
  }
  const ms = performance.now() - t0;
  await caches.delete('bench');
  return { ms, bytes, chunks };
}

/** Many files the way a page would: six at a time (a browser's per-host limit), into Cache Storage. */
export async function pageCacheMany(urls) {
  await caches.delete('bench-many');
  const cache = await caches.open('bench-many');
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < urls.length) {
      const url = urls[next++];
      await cache.put(url, await fetch(url));
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  const ms = performance.now() - t0;
  await caches.delete('bench-many');
  return { ms };
}

/**
 * fetch() → registration, fetch() → first progress event with bytes, intervals between progress
 * events; `events` with wall-clock times (timeOrigin + now, comparable across documents).
 */
export async function pageBgProgress(id, url, timeoutMs) {
  const reg = await t.reg();
  const events = [];
  const t0 = performance.now();
  const f = await reg.backgroundFetch.fetch(id, [url]);
  const regMs = performance.now() - t0;
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${id} not settled in ${timeoutMs} ms`)), timeoutMs);
    f.addEventListener('progress', () => {
      const now = performance.now();
      events.push({
        t: now - t0,
        at: performance.timeOrigin + now,
        downloaded: f.downloaded,
        settled: Boolean(f.result),
      });
      if (f.result) {
        clearTimeout(timer);
        resolve(undefined);
      }
    });
  });
  const running = events.filter((e) => e.downloaded > 0);
  // Intervals while bytes arrive: the event that only says the fetch settled is not one.
  const growing = running.filter((e, i) => i === 0 || e.downloaded !== running[i - 1].downloaded);
  const gaps = growing.slice(1).map((e, i) => e.t - growing[i].t);
  return { regMs, firstProgressMs: running[0]?.t ?? NaN, events, gaps, result: f.result, total: f.downloaded };
}

export async function pageFetchLatency(url) {
  const t0 = performance.now();
  const response = await fetch(url);
  const headersMs = performance.now() - t0;
  const reader = response.body.getReader();
  const { value } = await reader.read();
  const firstChunkMs = value ? performance.now() - t0 : NaN;
  for (;;) {
    const { done } = await reader.read();
    if (done) break;
  }
  return { headersMs, firstChunkMs, totalMs: performance.now() - t0 };
}

/** loadEventEnd of the current document; 0 until the load handlers returned. */
export function loadTime() {
  const nav = /** @type {PerformanceNavigationTiming} */ (performance.getEntriesByType('navigation')[0]);
  return nav.loadEventEnd - nav.startTime;
}

/**
 * From the response's first byte to the page's first script (bench/fixtures/plain.html): the
 * part of a load that document_start content scripts delay, without the network's and the load
 * event's noise.
 */
export function firstScriptTime() {
  return (
    window.firstScriptAt -
    /** @type {PerformanceNavigationTiming} */ (performance.getEntriesByType('navigation')[0]).responseStart
  );
}
