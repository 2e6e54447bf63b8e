// Where response bodies come from (static files) and how they are sent:
// byte ranges, If-Range, and a writer that honours backpressure while it
// throttles, stalls or drops the connection on request.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * @typedef {import('node:http').ServerResponse} ServerResponse
 * @typedef {{ bytesSent: number, dropped?: boolean }} Counters  the parts of a log record the writer updates
 * @typedef {{ size: number, etag: string, lastModified: string, type: string,
 *   read: (start: number, end: number) => AsyncIterable<Buffer> | Iterable<Buffer> }} Resource
 */

/** @type {Record<string, string>} */
const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Map a URL path to a file under one of the static mounts, refusing anything
 * that resolves outside the mount (encoded `..`, backslashes, NUL bytes).
 * @param {string[][]} mounts @param {string} pathname
 * @returns {Promise<null | {kind: 'file', resource: Resource} | {kind: 'redirect', location: string} | {kind: 'forbidden'}>}
 */
export async function resolveStatic(mounts, pathname) {
  const mount = mounts.find(([prefix]) => pathname.startsWith(prefix) || `${pathname}/` === prefix);
  if (!mount) return null;
  const [prefix, root] = /** @type {[string, string]} */ (mount);
  if (`${pathname}/` === prefix) return { kind: 'redirect', location: prefix };
  const rel = safeDecode(pathname.slice(prefix.length));
  let file = path.join(root, rel);
  if (rel.includes('\0') || (file !== root && !file.startsWith(root + path.sep))) return { kind: 'forbidden' };
  let info = await stat(file).catch(() => null);
  if (info?.isDirectory()) {
    // Without the trailing slash, relative links in index.html would resolve one level up.
    if (!pathname.endsWith('/')) return { kind: 'redirect', location: `${pathname}/` };
    file = path.join(file, 'index.html');
    info = await stat(file).catch(() => null);
  }
  if (!info?.isFile()) return null;
  return {
    kind: 'file',
    resource: {
      size: info.size,
      etag: `"s-${info.size}-${Math.floor(info.mtimeMs)}"`,
      lastModified: info.mtime.toUTCString(),
      type: MIME_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      read: (start, end) => (end > start ? createReadStream(file, { start, end: end - 1 }) : []),
    },
  };
}

/** RFC 9110 If-Range: an entity tag must match strongly, a date exactly. @param {string | undefined} value @param {string} etag @param {string} lastModified */
export function ifRangeMatches(value, etag, lastModified) {
  if (value === undefined) return true;
  if (value.startsWith('"') || value.startsWith('W/')) return value === etag;
  return Date.parse(value) === Date.parse(lastModified);
}

/**
 * Single ranges only (`a-b`, `a-`, `-n`). Anything else is ignored, which per
 * RFC 9110 means sending the whole body.
 * @param {string} header @param {number} size
 * @returns {null | 'unsatisfiable' | {start: number, end: number}}
 */
export function parseRange(header, size) {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    // suffix: the last n bytes
    const n = Number(m[2]);
    return n === 0 || size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - n), end: size };
  }
  const start = Number(m[1]);
  if (m[2] !== '' && Number(m[2]) < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end: m[2] === '' ? size : Math.min(size, Number(m[2]) + 1) };
}

/**
 * Write the body honouring backpressure, and apply throttle / stall / drop.
 * Pieces are cut at the stall and drop offsets so those happen at exact byte counts.
 * @param {ServerResponse} res @param {Counters} rec @param {AsyncIterable<Buffer> | Iterable<Buffer>} body
 * @param {{ throttle?: number, dropAfter?: number, stallAfter?: number, stallMs: number }} plan
 */
export async function pump(res, rec, body, { throttle, dropAfter, stallAfter, stallMs }) {
  // Small pieces keep a throttled stream smooth (about ten writes per second).
  const pieceSize = throttle ? Math.max(1, Math.min(16 * 1024, Math.floor(throttle / 10))) : Infinity;
  const started = performance.now();
  let sent = 0;
  let stallPending = stallAfter !== undefined;
  /** @type {Promise<void>} */
  let lastWrite = Promise.resolve();
  for await (let chunk of body) {
    while (chunk.length > 0) {
      if (res.destroyed) return;
      if (dropAfter !== undefined && sent >= dropAfter) return drop(res, rec, lastWrite);
      if (stallPending && sent >= /** @type {number} */ (stallAfter)) {
        stallPending = false;
        res.flushHeaders(); // let the client see the headers while we stall
        await sleep(stallMs);
        continue;
      }
      let n = Math.min(chunk.length, pieceSize);
      if (dropAfter !== undefined) n = Math.min(n, dropAfter - sent);
      if (stallPending) n = Math.min(n, /** @type {number} */ (stallAfter) - sent);
      if (throttle) await sleep(started + (sent / throttle) * 1000 - performance.now());
      if (res.destroyed) return;
      lastWrite = writeCounted(res, rec, chunk.subarray(0, n));
      chunk = chunk.subarray(n);
      sent += n;
      if (res.writableNeedDrain) await drainOrClose(res);
    }
  }
  if (!res.destroyed) res.end();
}

/**
 * Write one piece; the promise settles once it reached the OS. bytesSent only
 * counts what really got there, not what was queued.
 * @param {ServerResponse} res @param {Counters} rec @param {Buffer} piece @returns {Promise<void>}
 */
export function writeCounted(res, rec, piece) {
  return new Promise((resolve) => {
    res.write(piece, (err) => {
      if (!err) rec.bytesSent += piece.length;
      resolve();
    });
  });
}

/** Cut the connection mid-body: flush what was written, then FIN, so exactly n bytes arrive. @param {ServerResponse} res @param {Counters} rec @param {Promise<void>} lastWrite */
async function drop(res, rec, lastWrite) {
  rec.dropped = true;
  res.flushHeaders(); // dropAfter=0 still sends the headers
  await lastWrite;
  const socket = res.socket;
  if (!socket) return;
  socket.end();
  setTimeout(() => socket.destroy(), 1000).unref(); // in case the client never closes its side
}

/** @param {ServerResponse} res @returns {Promise<void>} */
function drainOrClose(res) {
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

/** Unref'd so a pending stall never keeps the process alive after close(). @param {number} ms @returns {Promise<void>} */
export function sleep(ms) {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms).unref()) : Promise.resolve();
}

/** @param {string} s */
export function safeDecode(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
