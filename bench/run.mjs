// `npm run bench`: bgfetch against the browser's own machinery, measured interleaved in the same
// run (several rounds, alternating which goes first), medians and ratios. Never fails on a timing.
//
// Environment: BENCH_BIG_MIB (256), BENCH_ROUNDS (3), BENCH_SMALL_N (1000), BENCH_SMALL_KIB (10),
// BENCH_LOADS (30), BROWSERS (firefox,chromium), BENCH_BUILD=1 to rebuild dist/ first.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { register } from 'tsx/esm/api';

register();
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { launch, admin } = await import('../test/helpers/browsers.ts');
const { openSite } = await import('../test/helpers/site.ts');
const { startServer } = await import('../test/server/server.mjs');
const puppeteer = (await import('puppeteer-core')).default;

const MiB = 1024 * 1024;
const BIG_MIB = Number(process.env.BENCH_BIG_MIB ?? 256);
const BIG = BIG_MIB * MiB;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SMALL_N = Number(process.env.BENCH_SMALL_N ?? 1000);
const SMALL_SIZE = Number(process.env.BENCH_SMALL_KIB ?? 10) * 1024;
const LOADS = Number(process.env.BENCH_LOADS ?? 30);
const LAT_ROUNDS = Math.max(ROUNDS, 5);
const BROWSERS = (process.env.BROWSERS ?? 'firefox,chromium').split(',').map((s) => s.trim());
const BIG_TIMEOUT = Math.max(300_000, BIG_MIB * 1000);

const started = Date.now();
const log = (...args) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(0)}s]`, ...args);

// ---------- build ----------
const distFiles = ['dist/firefox/manifest.json', 'dist/chromium/manifest.json'];
if (process.env.BENCH_BUILD || distFiles.some((f) => !existsSync(path.join(ROOT, f)))) {
  log('building dist/ (node scripts/build.mjs)');
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
}

// ---------- stats ----------
const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mibps = (bytes, ms) => bytes / MiB / (ms / 1000);
const rows = [];
const notes = [];
/**
 * higherIsBetter: ratio = bgfetch / baseline (throughput), else baseline / bgfetch (time).
 * goal: { ratio: 0.9 } (ratio >= x) or { max: 8192 } (bgfetch <= x) or { maxAdded: 1 } (bgfetch - baseline <= x).
 */
function row(browser, measure, unit, bg, base, { higherIsBetter = true, goal, goalText = '', detail } = {}) {
  const b = median(bg);
  const a = base == null ? NaN : median(base);
  let ratio = NaN;
  if (Number.isFinite(a) && Number.isFinite(b) && a > 0 && b > 0) ratio = higherIsBetter ? b / a : a / b;
  let met = null;
  if (goal?.ratio != null && Number.isFinite(ratio)) met = ratio >= goal.ratio;
  if (goal?.max != null && Number.isFinite(b)) met = b <= goal.max;
  if (goal?.maxAdded != null && Number.isFinite(a) && Number.isFinite(b)) met = b - a <= goal.maxAdded;
  const r = { browser, measure, unit, bgfetch: b, baseline: a, ratio, goal: goalText, met, samples: { bgfetch: bg, baseline: base ?? null }, ...(detail ? { detail } : {}) };
  rows.push(r);
  log(`${browser} ${measure}: bgfetch ${fmt(b)} ${unit}, baseline ${fmt(a)} ${unit}, ratio ${fmt(ratio, 2)}`);
  return r;
}
function fmt(x, digits) {
  if (x == null || !Number.isFinite(x)) return '—';
  if (digits != null) return x.toFixed(digits);
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2);
}

// ---------- process memory (Linux /proc): PSS of a process tree ----------
function children() {
  const byParent = new Map();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!byParent.has(ppid)) byParent.set(ppid, []);
      byParent.get(ppid).push(Number(pid));
    } catch {}
  }
  return byParent;
}
function tree(rootPid) {
  const byParent = children();
  const out = [];
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop();
    out.push(pid);
    stack.push(...(byParent.get(pid) ?? []));
  }
  return out;
}
function pssKiB(pid) {
  try {
    const m = /^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}
function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}
function comm(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}
/** Samples every 250 ms: whole browser tree PSS, and the extension's own process when it can be told apart. */
function memorySampler(rootPid, isExtensionProcess) {
  const pids = tree(rootPid);
  const ext = pids.filter((pid) => isExtensionProcess(cmdline(pid), comm(pid)));
  const sample = () => ({
    total: tree(rootPid).reduce((sum, pid) => sum + pssKiB(pid), 0),
    ext: ext.reduce((sum, pid) => sum + pssKiB(pid), 0),
  });
  const base = sample();
  let peak = { ...base };
  const timer = setInterval(() => {
    const s = sample();
    peak = { total: Math.max(peak.total, s.total), ext: Math.max(peak.ext, s.ext) };
  }, 250);
  return {
    extFound: ext.length > 0,
    stop() {
      clearInterval(timer);
      const s = sample();
      peak = { total: Math.max(peak.total, s.total), ext: Math.max(peak.ext, s.ext) };
      return { totalGrowthMiB: (peak.total - base.total) / 1024, extGrowthMiB: ext.length ? (peak.ext - base.ext) / 1024 : NaN };
    },
  };
}

// ---------- page-side functions (run through page.evaluate) ----------
async function pageBgBig(id, url, timeoutMs) {
  const reg = await t.reg();
  const t0 = performance.now();
  const f = await reg.backgroundFetch.fetch(id, [url]);
  const regMs = performance.now() - t0;
  // Records stop being available once the site's worker handled the success event: keep them now.
  const records = await f.matchAll();
  (window.__keep ??= {})[id] = records;
  await t.settled(f, timeoutMs);
  return { ms: performance.now() - t0, regMs, result: f.result, failureReason: f.failureReason, downloaded: f.downloaded };
}
async function pageReadKept(id) {
  const records = window.__keep[id];
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
  delete window.__keep[id];
  return { ms: performance.now() - t0, bytes, chunks };
}
async function pageCacheBig(url) {
  await caches.delete('bench');
  const cache = await caches.open('bench');
  const t0 = performance.now();
  const response = await fetch(url);
  await cache.put(url, response);
  return { ms: performance.now() - t0 };
}
async function pageCacheRead(url) {
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
async function pageBgMany(id, urls, timeoutMs) {
  const reg = await t.reg();
  const t0 = performance.now();
  const f = await reg.backgroundFetch.fetch(id, urls);
  const regMs = performance.now() - t0;
  await t.settled(f, timeoutMs);
  return { ms: performance.now() - t0, regMs, result: f.result, failureReason: f.failureReason, downloaded: f.downloaded };
}
async function pageCacheMany(urls) {
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
/** fetch() → registration, fetch() → first progress event with bytes, intervals between progress events. */
async function pageBgLatency(id, url, timeoutMs) {
  const reg = await t.reg();
  const events = [];
  const t0 = performance.now();
  const f = await reg.backgroundFetch.fetch(id, [url]);
  const regMs = performance.now() - t0;
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('latency fetch not settled')), timeoutMs);
    f.addEventListener('progress', () => {
      events.push({ t: performance.now() - t0, downloaded: f.downloaded });
      if (f.result) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const first = events.find((e) => e.downloaded > 0);
  const running = events.filter((e) => e.downloaded > 0);
  const gaps = running.slice(1).map((e, i) => e.t - running[i].t);
  return { regMs, firstProgressMs: first ? first.t : NaN, events: events.length, gaps, result: f.result };
}
async function pageFetchLatency(url) {
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
function loadTime() {
  const nav = performance.getEntriesByType('navigation')[0];
  return nav.loadEventEnd - nav.startTime;
}

// ---------- setup ----------
mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
const server = await startServer({
  staticDirs: {
    '/site/': path.join(ROOT, 'test/fixtures/site'),
    '/bench/': path.join(ROOT, 'bench/fixtures'),
  },
});
server.log.length = 0;
// The server keeps a log of every request; 1,000s of small requests per round are fine, but clear it.
const clearLog = () => server.log.splice(0, server.log.length);
const versions = {};
let seedCounter = Date.now() % 1_000_000;
const seed = () => `b${seedCounter++}`;
const gen = (name, size, extra = '') => `/gen/${name}?size=${size}&seed=${seed()}${extra}`;
const order = (round, a, b) => (round % 2 ? [b, a] : [a, b]);

// ---------- 4a. script sizes (no browser) ----------
{
  const files = {
    'page (MAIN world)': 'dist/firefox/src/content/page/page.iife.js',
    bridge: 'dist/firefox/src/content/bridge.iife.js',
  };
  let rawTotal = 0;
  let gzTotal = 0;
  for (const [label, file] of Object.entries(files)) {
    const bytes = readFileSync(path.join(ROOT, file));
    const gz = gzipSync(bytes, { level: 9 }).length;
    rawTotal += bytes.length;
    gzTotal += gz;
    row('both', `injected script: ${label}, minified (gzip ${gz} B)`, 'bytes', [bytes.length], null, { goalText: '—', detail: { file, gzip: gz } });
  }
  const r = row('both', `injected scripts total, minified (gzip ${gzTotal} B)`, 'bytes', [rawTotal], null, { goal: { max: 8192 }, goalText: '≤ 8192 B' });
  r.detail = { gzip: gzTotal };
}

// ---------- Firefox ----------
async function firefox() {
  log('firefox: launching with the extension');
  const ff = await launch('firefox');
  versions.firefox = await ff.browser.version();
  try {
    const page = await openSite(ff, server.originA);
    page.setDefaultTimeout(BIG_TIMEOUT + 60_000);
    const pid = ff.browser.process()?.pid;
    // Firefox puts extensions in their own content process, named "WebExtensions".
    const isExt = (_args, name) => name === 'WebExtensions';

    // 1 + 2 + memory: one large file, interleaved.
    const bg = { ms: [], read: [] };
    const base = { ms: [], read: [] };
    const mem = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const which of order(round, 'bg', 'base')) {
        const url = gen('big', BIG);
        const sampler = round === 0 && pid ? memorySampler(pid, isExt) : null;
        if (which === 'bg') {
          const id = `big-${round}`;
          const got = await page.evaluate(pageBgBig, id, url, BIG_TIMEOUT);
          if (got.result !== 'success') throw new Error(`firefox big bgfetch: ${got.result} ${got.failureReason}`);
          const fetchMem = sampler?.stop();
          const readSampler = round === 0 && pid ? memorySampler(pid, isExt) : null;
          const read = await page.evaluate(pageReadKept, id);
          if (read.bytes !== BIG) throw new Error(`firefox read back ${read.bytes} of ${BIG}`);
          if (fetchMem) mem.bg = { fetch: fetchMem, read: readSampler.stop(), extFound: sampler.extFound };
          bg.ms.push(got.ms);
          bg.read.push(read.ms);
          log(`firefox big round ${round}: bgfetch ${fmt(mibps(BIG, got.ms))} MiB/s, read ${fmt(mibps(BIG, read.ms))} MiB/s (${read.chunks} chunks)`);
        } else {
          const got = await page.evaluate(pageCacheBig, url);
          const fetchMem = sampler?.stop();
          const readSampler = round === 0 && pid ? memorySampler(pid, isExt) : null;
          const read = await page.evaluate(pageCacheRead, url);
          if (read.bytes !== BIG) throw new Error(`firefox cache read ${read.bytes} of ${BIG}`);
          if (fetchMem) mem.base = { fetch: fetchMem, read: readSampler.stop() };
          base.ms.push(got.ms);
          base.read.push(read.ms);
          log(`firefox big round ${round}: cache ${fmt(mibps(BIG, got.ms))} MiB/s, read ${fmt(mibps(BIG, read.ms))} MiB/s (${read.chunks} chunks)`);
        }
        clearLog();
      }
    }
    row('firefox', `throughput, 1 × ${BIG_MIB} MiB (vs page fetch → Cache Storage)`, 'MiB/s',
      bg.ms.map((ms) => mibps(BIG, ms)), base.ms.map((ms) => mibps(BIG, ms)), { goal: { ratio: 0.9 }, goalText: '≥ 0.9×' });
    row('firefox', `read back ${BIG_MIB} MiB via responseReady (vs Cache Storage)`, 'MiB/s',
      bg.read.map((ms) => mibps(BIG, ms)), base.read.map((ms) => mibps(BIG, ms)), { goal: { ratio: 0.8 }, goalText: '≥ 0.8×' });
    if (mem.bg) {
      for (const phase of ['fetch', 'read']) {
        const what = phase === 'fetch' ? 'fetching' : 'reading back';
        row('firefox', `memory growth ${what} ${BIG_MIB} MiB, whole browser PSS (vs cache)`, 'MiB',
          [mem.bg[phase].totalGrowthMiB], [mem.base?.[phase].totalGrowthMiB], { higherIsBetter: false, goalText: '—', detail: phase === 'fetch' ? mem : undefined });
        if (mem.bg.extFound) row('firefox', `memory growth ${what} ${BIG_MIB} MiB, extension process PSS`, 'MiB',
          [mem.bg[phase].extGrowthMiB], null, { higherIsBetter: false, goal: { max: 64 }, goalText: '≤ 64 MiB' });
      }
      if (!mem.bg.extFound) notes.push('firefox: the extension process was not found; memory rows cover the whole browser only');
    }

    // 3. many small files.
    const many = { bg: [], base: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const which of order(round, 'bg', 'base')) {
        const s = seed();
        const urls = Array.from({ length: SMALL_N }, (_, i) => `/gen/s${i}?size=${SMALL_SIZE}&seed=${s}-${i}`);
        if (which === 'bg') {
          const got = await page.evaluate(pageBgMany, `many-${round}`, urls, BIG_TIMEOUT);
          if (got.result !== 'success') throw new Error(`firefox many: ${got.result} ${got.failureReason}`);
          many.bg.push(got.ms);
        } else {
          many.base.push((await page.evaluate(pageCacheMany, urls)).ms);
        }
        clearLog();
      }
      log(`firefox many round ${round}: bgfetch ${fmt(many.bg.at(-1))} ms, cache ${fmt(many.base.at(-1))} ms`);
    }
    row('firefox', `${SMALL_N} × ${SMALL_SIZE / 1024} KiB, one registration (vs 6-way fetch → Cache Storage)`, 'ms',
      many.bg, many.base, { higherIsBetter: false, goal: { ratio: 0.8 }, goalText: '≥ 0.8× (speed)' });

    // 5. latency.
    const lat = await latency(page, 'firefox', null);
    row('firefox', 'fetch() → registration resolved (baseline: page fetch() → headers)', 'ms', lat.bg.reg, lat.base.headers, { higherIsBetter: false, goalText: '—' });
    row('firefox', 'fetch() → first progress event with bytes (baseline: page fetch() → first body chunk)', 'ms', lat.bg.first, lat.base.first, { higherIsBetter: false, goalText: '—' });
    row('firefox', 'interval between progress events, body throttled to 1 MiB/s', 'ms', lat.bg.gaps, null, { higherIsBetter: false, goalText: '—' });
    await page.close();

    // 4b. page-load cost: a plain page with vs without the extension, two instances, interleaved.
    log('firefox: page-load cost (second instance without the extension)');
    const plain = await puppeteer.launch({
      browser: 'firefox', protocol: 'webDriverBiDi', executablePath: process.env.FIREFOX_BIN ?? '/usr/bin/firefox-esr', headless: true,
      extraPrefsFirefox: { 'dom.serviceWorkers.testing.enabled': true },
    });
    try {
      await pageLoads('firefox', ff.browser, plain);
    } finally {
      await plain.close();
    }
  } finally {
    await ff.close();
  }
}

/** Latency rounds on `page` (bgfetch); openNative: a tab using Chromium's own Background Fetch. */
async function latency(page, name, openNative) {
  const out = { bg: { reg: [], first: [], gaps: [] }, base: { headers: [], first: [] }, native: { reg: [], first: [], gaps: [] } };
  const size = MiB;
  const throttle = `&throttle=${MiB}`;
  for (let round = 0; round < LAT_ROUNDS; round++) {
    const runs = [
      async () => {
        const got = await page.evaluate(pageBgLatency, `lat-${round}`, gen('lat', size, throttle), 60_000);
        out.bg.reg.push(got.regMs);
        out.bg.first.push(got.firstProgressMs);
        out.bg.gaps.push(...got.gaps);
      },
      async () => {
        const got = await page.evaluate(pageFetchLatency, gen('lat', size, throttle));
        out.base.headers.push(got.headersMs);
        out.base.first.push(got.firstChunkMs);
      },
    ];
    if (openNative) {
      runs.push(async () => {
        const fresh = await openNative(); // one tab per native fetch: see the big-file runs
        const got = await fresh.evaluate(pageBgLatency, `lat-${round}`, gen('lat', size, throttle), 60_000);
        await fresh.close();
        out.native.reg.push(got.regMs);
        out.native.first.push(got.firstProgressMs);
        out.native.gaps.push(...got.gaps);
      });
    }
    for (const run of round % 2 ? runs.reverse() : runs) await run();
    clearLog();
  }
  log(`${name} latency: reg ${fmt(median(out.bg.reg))} ms, first progress ${fmt(median(out.bg.first))} ms, gap ${fmt(median(out.bg.gaps))} ms`);
  return out;
}

async function pageLoads(name, withExt, without) {
  const url = `${server.originB}/bench/plain.html`;
  const pa = await withExt.newPage();
  const pb = await without.newPage();
  const a = [];
  const b = [];
  // Warm up both (first loads pay for process start-up).
  for (const p of [pa, pb, pa, pb]) await p.goto(url, { waitUntil: 'load' });
  for (let i = 0; i < LOADS; i++) {
    for (const which of order(i, 'a', 'b')) {
      const p = which === 'a' ? pa : pb;
      await p.goto(`${url}?i=${i}`, { waitUntil: 'load' });
      // loadEventEnd is set just after the load handlers return: wait for it.
      let ms = 0;
      for (let tries = 0; tries < 20 && !(ms > 0); tries++) {
        ms = await p.evaluate(loadTime);
        if (!(ms > 0)) await new Promise((r) => setTimeout(r, 20));
      }
      (which === 'a' ? a : b).push(ms);
    }
  }
  const injected = await pa.evaluate(() => 'BackgroundFetchManager' in self);
  await pa.close();
  await pb.close();
  clearLog();
  const r = row(name, `plain page load (loadEventEnd), with vs without the extension, median of ${LOADS}`, 'ms', a, b, { higherIsBetter: false, goal: { maxAdded: 1 }, goalText: '≤ +1 ms' });
  r.detail = { addedMs: r.bgfetch - r.baseline, apiPresentWithExtension: injected };
}

// ---------- Chromium ----------
async function chromium() {
  log('chromium: launching with the extension');
  const cr = await launch('chromium');
  versions.chromium = await cr.browser.version();
  try {
    await admin(cr, { type: 'admin.setSite', origin: server.originA, settings: { useExtension: true } });
    // Chromium asks before a site's second background fetch (a prompt, denied headless): grant it.
    const session = await cr.browser.target().createCDPSession();
    for (const name of ['background-fetch']) {
      await session
        .send('Browser.setPermission', { permission: { name }, setting: 'granted', origin: server.originB })
        .catch((error) => notes.push(`chromium: granting ${name}: ${error.message}`));
    }
    const page = await openSite(cr, server.originA); // bgfetch
    const nativePage = await openSite(cr, server.originB); // Chromium's own Background Fetch
    for (const p of [page, nativePage]) p.setDefaultTimeout(BIG_TIMEOUT + 60_000);
    const nativeIsNative = await nativePage.evaluate(() => String(BackgroundFetchManager).includes('[native code]'));
    const bgIsExtension = await page.evaluate(() => !String(BackgroundFetchManager).includes('[native code]'));
    log(`chromium: originA uses the extension: ${bgIsExtension}; originB native: ${nativeIsNative}`);
    const pid = cr.browser.process()?.pid;
    const isExt = (args) => args.some((a) => a.includes('--extension-process'));

    const bg = { ms: [], read: [] };
    const nat = { ms: [], read: [] };
    const cache = { ms: [], read: [] };
    const mem = {};
    for (let round = 0; round < ROUNDS; round++) {
      const runs = ['bg', 'native', 'cache'];
      for (const which of round % 2 ? runs.reverse() : runs) {
        const url = gen('big', BIG);
        const sampler = round === 0 && pid ? memorySampler(pid, isExt) : null;
        if (which === 'bg' || which === 'native') {
          // Chromium denies a tab's second native background fetch (the multiple-downloads prompt,
          // answered "no" headless): each native fetch gets a fresh tab.
          const p = which === 'bg' ? page : await openSite(cr, server.originB);
          p.setDefaultTimeout(BIG_TIMEOUT + 60_000);
          const into = which === 'bg' ? bg : nat;
          const id = `big-${round}`;
          const got = await p.evaluate(pageBgBig, id, url, BIG_TIMEOUT);
          if (got.result !== 'success') throw new Error(`chromium ${which} big: ${got.result} ${got.failureReason}`);
          const fetchMem = sampler?.stop();
          const readSampler = round === 0 && pid ? memorySampler(pid, isExt) : null;
          let read;
          try {
            read = await p.evaluate(pageReadKept, id);
          } catch (error) {
            read = { ms: NaN, bytes: -1, error: String(error.message ?? error).slice(0, 200) };
          }
          if (fetchMem) mem[which] = { fetch: fetchMem, read: readSampler.stop(), extFound: sampler.extFound };
          into.ms.push(got.ms);
          into.read.push(read.bytes === BIG ? read.ms : NaN);
          if (which === 'native') await p.close();
          if (read.bytes !== BIG) notes.push(`chromium ${which}: reading back gave ${read.bytes} bytes ${read.error ?? ''}`);
          log(`chromium big round ${round} ${which}: ${fmt(mibps(BIG, got.ms))} MiB/s, read ${fmt(mibps(BIG, read.ms))} MiB/s (${read.chunks} chunks)`);
        } else {
          const got = await page.evaluate(pageCacheBig, url);
          const fetchMem = sampler?.stop();
          const readSampler = round === 0 && pid ? memorySampler(pid, isExt) : null;
          const read = await page.evaluate(pageCacheRead, url);
          if (fetchMem) mem.cache = { fetch: fetchMem, read: readSampler.stop() };
          cache.ms.push(got.ms);
          cache.read.push(read.ms);
          log(`chromium big round ${round} cache: ${fmt(mibps(BIG, got.ms))} MiB/s, read ${fmt(mibps(BIG, read.ms))} MiB/s`);
        }
        clearLog();
      }
    }
    const tp = (xs) => xs.map((ms) => mibps(BIG, ms));
    row('chromium', `throughput, 1 × ${BIG_MIB} MiB (vs native Background Fetch)`, 'MiB/s', tp(bg.ms), tp(nat.ms), { goal: { ratio: 1.0 }, goalText: '≥ 1.0×' });
    row('chromium', `throughput, 1 × ${BIG_MIB} MiB (vs page fetch → Cache Storage)`, 'MiB/s', tp(bg.ms), tp(cache.ms), { goalText: '—' });
    row('chromium', `read back ${BIG_MIB} MiB via responseReady (vs Cache Storage)`, 'MiB/s', tp(bg.read), tp(cache.read), { goal: { ratio: 0.8 }, goalText: '≥ 0.8×' });
    row('chromium', `read back ${BIG_MIB} MiB via responseReady (vs native Background Fetch)`, 'MiB/s', tp(bg.read), tp(nat.read), { goalText: '—' });
    if (mem.bg) {
      for (const phase of ['fetch', 'read']) {
        const what = phase === 'fetch' ? 'fetching' : 'reading back';
        row('chromium', `memory growth ${what} ${BIG_MIB} MiB, whole browser PSS (vs native)`, 'MiB',
          [mem.bg[phase].totalGrowthMiB], [mem.native?.[phase].totalGrowthMiB], { higherIsBetter: false, goalText: '—', detail: phase === 'fetch' ? mem : undefined });
        if (mem.bg.extFound) row('chromium', `memory growth ${what} ${BIG_MIB} MiB, extension process PSS`, 'MiB',
          [mem.bg[phase].extGrowthMiB], null, { higherIsBetter: false, goal: { max: 64 }, goalText: '≤ 64 MiB' });
      }
      if (!mem.bg.extFound) notes.push('chromium: the extension process was not found; memory rows cover the whole browser only');
    }

    // 3. many small files: bgfetch vs the page's own 6-way fetch into Cache Storage.
    const many = { bg: [], base: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const which of order(round, 'bg', 'base')) {
        const s = seed();
        const urls = Array.from({ length: SMALL_N }, (_, i) => `/gen/s${i}?size=${SMALL_SIZE}&seed=${s}-${i}`);
        if (which === 'bg') {
          const got = await page.evaluate(pageBgMany, `many-${round}`, urls, BIG_TIMEOUT);
          if (got.result !== 'success') throw new Error(`chromium many: ${got.result} ${got.failureReason}`);
          many.bg.push(got.ms);
        } else {
          many.base.push((await page.evaluate(pageCacheMany, urls)).ms);
        }
        clearLog();
      }
      log(`chromium many round ${round}: bgfetch ${fmt(many.bg.at(-1))} ms, cache ${fmt(many.base.at(-1))} ms`);
    }
    row('chromium', `${SMALL_N} × ${SMALL_SIZE / 1024} KiB, one registration (vs 6-way fetch → Cache Storage)`, 'ms',
      many.bg, many.base, { higherIsBetter: false, goal: { ratio: 0.8 }, goalText: '≥ 0.8× (speed)' });

    const lat = await latency(page, 'chromium', () => openSite(cr, server.originB));
    row('chromium', 'fetch() → registration resolved (vs native Background Fetch)', 'ms', lat.bg.reg, lat.native.reg, { higherIsBetter: false, goalText: '—' });
    row('chromium', 'fetch() → first progress event with bytes (vs native Background Fetch)', 'ms', lat.bg.first, lat.native.first, { higherIsBetter: false, goalText: '—' });
    row('chromium', 'fetch() → first progress event with bytes (vs page fetch() → first body chunk)', 'ms', lat.bg.first, lat.base.first, { higherIsBetter: false, goalText: '—' });
    row('chromium', 'interval between progress events, body throttled to 1 MiB/s (vs native)', 'ms', lat.bg.gaps, lat.native.gaps, { higherIsBetter: false, goalText: '—' });
    await page.close();
    await nativePage.close();

    log('chromium: page-load cost (second instance without the extension)');
    const plain = await puppeteer.launch({
      executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium', headless: true, pipe: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      await pageLoads('chromium', cr.browser, plain);
    } finally {
      await plain.close();
    }
  } finally {
    await cr.close();
  }
}

// ---------- run ----------
const failures = [];
for (const name of BROWSERS) {
  try {
    if (name === 'firefox') await firefox();
    else if (name === 'chromium') await chromium();
  } catch (error) {
    failures.push(`${name}: ${error?.stack ?? error}`);
    log(`${name} FAILED:`, error);
  }
}
await server.close();

// ---------- report ----------
const machine = {
  cpu: os.cpus()[0]?.model,
  cores: os.cpus().length,
  memoryGiB: +(os.totalmem() / 1024 ** 3).toFixed(1),
  os: `${os.type()} ${os.release()}`,
  node: process.version,
  browsers: versions,
  loadavg: os.loadavg().map((x) => +x.toFixed(2)),
};
const config = { bigMiB: BIG_MIB, rounds: ROUNDS, latencyRounds: LAT_ROUNDS, smallFiles: SMALL_N, smallBytes: SMALL_SIZE, pageLoads: LOADS };
const header = ['browser', 'measure', 'bgfetch', 'baseline', 'ratio', 'goal', 'met?'];
const lines = rows.map((r) => [
  r.browser,
  r.measure,
  `${fmt(r.bgfetch)} ${r.unit}`,
  Number.isFinite(r.baseline) ? `${fmt(r.baseline)} ${r.unit}` : '—',
  Number.isFinite(r.ratio) ? `${r.ratio.toFixed(2)}×` : '—',
  r.goal || '—',
  r.met == null ? '—' : r.met ? 'yes' : 'NO',
]);
const table = [header, header.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
const seconds = Math.round((Date.now() - started) / 1000);
console.log(`\nbgfetch benchmarks — ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(', ')}; ${seconds} s`);
console.log(`ratio: bgfetch ÷ baseline for speeds, baseline ÷ bgfetch for times (above 1 = bgfetch better); medians of ${ROUNDS} interleaved rounds (latency ${LAT_ROUNDS}).\n`);
console.log(table);
for (const note of notes) console.log(`note: ${note}`);
for (const failure of failures) console.log(`FAILED ${failure}`);
writeFileSync(
  path.join(ROOT, 'bench/results/latest.json'),
  JSON.stringify({ date: new Date().toISOString(), seconds, machine, config, rows, notes, failures, table }, null, 2) + '\n',
);
console.log('\nwritten to bench/results/latest.json');
