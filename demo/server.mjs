// The demo podcast site: demo/ served at /, plus generated media routes.
//
//   import { startDemoServer } from './demo/server.mjs';
//   const demo = await startDemoServer({ port: 8080, throttleBytesPerSecond: 2 * 1024 * 1024 });
//   console.log(demo.origin); ... await demo.close();
//
// Or from a shell:  node demo/server.mjs [port] [--throttle=<bytes/s>]
//
// Routes (besides the static files in demo/):
//   /ep-5.mp3          the episode: a 30 MiB WAV (audio/wav) generated once per process,
//                      with a strong ETag and byte ranges (206/416, If-Range), optionally
//                      paced to throttleBytesPerSecond so a download visibly takes a while.
//   /ep-5-icon.png     300×300 PNG, the icon passed to backgroundFetch.fetch().
//   /ep-5-artwork.jpg  the episode artwork. It is a PNG served with Content-Type image/png:
//                      Node has no JPEG encoder and browsers go by the content, not the
//                      name. See demo/media.mjs.
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startServer } from '../test/server/server.mjs';
import { makeEpisodeWav, renderArtwork, renderEpisodeIcon } from './media.mjs';

const DEMO_DIR = dirname(fileURLToPath(import.meta.url));

/** @typedef {{ body: Buffer, type: string, etag: string }} Asset */

/** Generated once per process, on first use. @type {Map<string, Asset>} */
const assets = new Map();

function asset(name) {
  let a = assets.get(name);
  if (!a) {
    const make = {
      episode: () => [makeEpisodeWav(), 'audio/wav'],
      icon: () => [renderEpisodeIcon(300), 'image/png'],
      artwork: () => [renderArtwork(600), 'image/png'],
    }[name];
    const [body, type] = make();
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    a = { body, type, etag };
    assets.set(name, a);
  }
  return a;
}

/**
 * Parses a single-range `Range: bytes=…` header against a body of `size` bytes.
 * @returns {{start: number, end: number} | 'unsatisfiable' | null} null: ignore the header
 */
export function parseRange(header, size) {
  const m = /^bytes=(\d*)-(\d*)$/.exec(String(header).trim());
  if (!m || (m[1] === '' && m[2] === '')) return null; // multi-range or garbage: send it all
  let start, end;
  if (m[1] === '') {
    // Suffix range: the last N bytes.
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return null; // invalid: ignore (RFC 9110 14.1.1)
  }
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

/** Resolves on 'drain' or when the response can no longer be written. */
function writable(res) {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Writes body[start..end] to res, at most `rate` bytes/s when rate > 0. */
async function sendBody(res, body, start, end, rate) {
  if (!rate) {
    res.end(body.subarray(start, end + 1));
    return;
  }
  const TICK_MS = 50;
  const slice = Math.max(1024, Math.round((rate * TICK_MS) / 1000));
  const t0 = Date.now();
  let pos = start;
  while (pos <= end) {
    if (res.destroyed || res.writableEnded) return;
    const next = Math.min(end + 1, pos + slice);
    const ok = res.write(body.subarray(pos, next));
    pos = next;
    if (!ok) await writable(res);
    const due = t0 + ((pos - start) / rate) * 1000;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
  }
  if (!res.destroyed) res.end();
}

/** A route handler serving a generated asset with ETag, conditional GET and Range. */
function assetRoute(name, { rate = 0, ranges = false } = {}) {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const { body, type, etag } = asset(name);
    const size = body.length;
    const headers = {
      'Content-Type': type,
      ETag: etag,
      'Cache-Control': 'no-cache',
      // The demo page and a page on the second test origin may both fetch it.
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Expose-Headers': 'Content-Length, Content-Range, ETag, Accept-Ranges',
    };
    if (ranges) headers['Accept-Ranges'] = 'bytes';

    const inm = req.headers['if-none-match'];
    if (inm && inm.split(',').some((t) => t.trim() === etag || t.trim() === '*')) {
      res.writeHead(304, headers).end();
      return;
    }

    let range = null;
    if (ranges && req.headers.range) {
      const ifRange = req.headers['if-range'];
      // If-Range with a different validator (or a date, which we don't issue): full body.
      if (!ifRange || ifRange.trim() === etag) range = parseRange(req.headers.range, size);
    }
    if (range === 'unsatisfiable') {
      res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}`, 'Content-Length': 0 }).end();
      return;
    }
    const { start, end } = range ?? { start: 0, end: size - 1 };
    if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    headers['Content-Length'] = end - start + 1;
    res.writeHead(range ? 206 : 200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    sendBody(res, body, start, end, rate).catch(() => res.destroy());
  };
}

/**
 * Starts the demo site.
 * @param {{ port?: number, throttleBytesPerSecond?: number, pregenerate?: boolean }} [options]
 *   throttleBytesPerSecond paces /ep-5.mp3 (e.g. 2 MiB/s → ~15 s for the 30 MiB episode).
 *   Default: unthrottled.
 *   pregenerate (default true) renders the media before listening (~3 s, once per process)
 *   instead of on the first request, so a download starts moving at once.
 * @returns {Promise<{ origin: string, originB: string, port: number, log: unknown, close: () => Promise<void> }>}
 */
export async function startDemoServer({ port = 0, throttleBytesPerSecond = 0, pregenerate = true } = {}) {
  if (pregenerate) for (const name of ['episode', 'icon', 'artwork']) asset(name);
  const server = await startServer({
    port,
    staticDirs: { '/': DEMO_DIR },
    routes: {
      '/ep-5.mp3': assetRoute('episode', { rate: throttleBytesPerSecond, ranges: true }),
      '/ep-5-icon.png': assetRoute('icon'),
      '/ep-5-artwork.jpg': assetRoute('artwork'),
    },
  });
  return {
    origin: server.originA,
    originB: server.originB,
    port: server.port,
    log: server.log,
    close: () => server.close(),
  };
}

// `node demo/server.mjs [port] [--throttle=bytesPerSecond]`
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const port = Number(args.find((a) => /^\d+$/.test(a)) ?? 8080);
  const throttle = Number(args.find((a) => a.startsWith('--throttle='))?.split('=')[1] ?? 0);
  const demo = await startDemoServer({ port, throttleBytesPerSecond: throttle });
  console.log(`bgfetch demo podcast: ${demo.origin}/${throttle ? `  (episode paced to ${throttle} B/s)` : ''}`);
  const stop = () => demo.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
