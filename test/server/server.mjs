// Loopback-only HTTP server for the end-to-end tests of the Background Fetch
// extension. It serves deterministic bodies (/gen), static fixture folders and a
// few helpers, and can misbehave on request (throttle, drop, stall, fail, bad
// CORS) so the tests can check how the extension copes. Every request is logged.
// Query options and routes are described in README.md next to this file.

import http from 'node:http';
import { createHash } from 'node:crypto';
import { createGzip } from 'node:zlib';
import path from 'node:path';
import { Readable } from 'node:stream';
import { generatedChunks, generatedBytes, generatedSha256 } from './generated.mjs';
import { resolveStatic, ifRangeMatches, parseRange, pump, writeCounted, sleep, safeDecode } from './resources.mjs';

export { generatedBytes, generatedSha256 };

/** Last-Modified of generated bodies: fixed, so If-Range by date is testable. */
const FIXED_DATE_MS = Date.UTC(2024, 0, 1);

/**
 * @typedef {object} LogRecord
 * @property {number} id
 * @property {number} time  Date.now() when the request arrived
 * @property {string} method
 * @property {string} path  pathname + search
 * @property {string} pathname
 * @property {string | null} host
 * @property {string | null} origin
 * @property {Record<string, string | string[] | undefined>} headers
 * @property {Record<string, string>} cookies
 * @property {{ site: string | null, mode: string | null, dest: string | null }} secFetch  the Sec-Fetch-* request headers
 * @property {{ address: string, port: number }} reachedOn  the local address the request came in on (127.0.0.1 or ::1)
 * @property {string | null} remoteAddress  where it came from
 * @property {string | null} range
 * @property {number | null} status
 * @property {number} bytesSent  body bytes handed to the OS
 * @property {boolean} completed  the response finished normally
 * @property {boolean} closedEarly  the connection closed before the response finished
 * @property {boolean} [dropped]  the server cut the connection on purpose (dropAfter)
 * @property {boolean} [reset]  the server reset the connection before answering (reset=1)
 * @property {number} [uploadLength]
 * @property {string} [uploadSha256]
 */

/**
 * @typedef {(req: http.IncomingMessage, res: http.ServerResponse, url: URL) => void | Promise<void>} RouteHandler
 * @typedef {{ req: http.IncomingMessage, res: http.ServerResponse, url: URL,
 *   q: URLSearchParams, rec: LogRecord, state: State,
 *   head: (status: number, headers?: Record<string, string | number>) => void }} Ctx
 * @typedef {{ log: LogRecord[], spans: Map<LogRecord, {start: number, end?: number}>,
 *   seq: number, nextId: number, inFlight: number, idleWaiters: (() => void)[],
 *   counters: Map<string, number>, changing: number }} State
 * @typedef {import('./resources.mjs').Resource} Resource
 */

/**
 * Start the server on 127.0.0.1 and ::1 (same port).
 * `everyResponse`: headers set on every response (e.g. a site that forbids framing everywhere).
 * @param {{ port?: number, staticDirs?: Record<string, string>, routes?: Record<string, RouteHandler>, everyResponse?: Record<string, string> }} [options]
 */
export async function startServer({ port = 0, staticDirs = {}, routes = {}, everyResponse = {} } = {}) {
  /** @type {State} */
  const state = {
    log: [],
    spans: new Map(),
    seq: 0,
    nextId: 0,
    inFlight: 0,
    idleWaiters: [],
    counters: new Map(),
    changing: 0,
  };
  const mounts = Object.entries(staticDirs)
    .map(([prefix, dir]) => [prefix.endsWith('/') ? prefix : `${prefix}/`, path.resolve(dir)])
    .sort((a, b) => b[0].length - a[0].length); // longest prefix wins

  /** @type {http.RequestListener} */
  const listener = (req, res) => {
    for (const [name, value] of Object.entries(everyResponse)) res.setHeader(name, value);
    handle(req, res, state, mounts, routes).catch((err) => {
      console.error('[test server]', err);
      if (!res.headersSent) res.writeHead(500).end(String(err));
      else res.destroy();
    });
  };
  const servers = await listenOnLoopback(port, listener);
  const actualPort = /** @type {import('node:net').AddressInfo} */ (servers[0].address()).port;
  const hosts = servers.map((server) => /** @type {import('node:net').AddressInfo} */ (server.address()).address);
  let paused = false;

  return {
    port: actualPort,
    originA: `http://localhost:${actualPort}`,
    originB: `http://127.0.0.1:${actualPort}`,
    log: state.log,
    clearLog: () => clearLog(state),
    /** @param {string} prefix */
    maxConcurrent: (prefix) => maxConcurrent(state, prefix),
    /** Resolves once no request is in flight (so log records are final). */
    idle: () =>
      new Promise((resolve) =>
        state.inFlight === 0 ? resolve(undefined) : state.idleWaiters.push(() => resolve(undefined)),
      ),
    /** Stop listening and cut every open connection: to clients the server is gone (connection refused). */
    pause: async () => {
      if (paused) return;
      paused = true;
      await Promise.all(servers.map(closeServer));
    },
    /** Listen again on the same port (both loopback addresses). */
    resume: async () => {
      if (!paused) return;
      await Promise.all(servers.map((server, i) => listen(server, actualPort, /** @type {string} */ (hosts[i]))));
      paused = false;
    },
    get paused() {
      return paused;
    },
    close: () => Promise.all(servers.map(closeServer)).then(() => undefined),
  };
}

/**
 * Bind 127.0.0.1 first (it picks the port when port=0), then ::1 on the same
 * port so `localhost` works whichever family the browser resolves it to.
 * @param {number} port @param {http.RequestListener} listener
 */
async function listenOnLoopback(port, listener) {
  for (let attempt = 0; attempt < 10; attempt++) {
    const v4 = await listen(http.createServer(listener), port, '127.0.0.1');
    const actual = /** @type {import('node:net').AddressInfo} */ (v4.address()).port;
    try {
      return [v4, await listen(http.createServer(listener), actual, '::1')];
    } catch (err) {
      const code = /** @type {NodeJS.ErrnoException} */ (err).code;
      if (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT') return [v4]; // no IPv6 loopback here
      await closeServer(v4);
      // A random port may be free on IPv4 but taken on IPv6: try another one.
      if (code !== 'EADDRINUSE' || port !== 0) throw err;
    }
  }
  throw new Error('could not find a port free on both 127.0.0.1 and ::1');
}

/** @param {http.Server} server @param {number} port @param {string} host @returns {Promise<http.Server>} */
function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** @param {http.Server} server @returns {Promise<void>} */
function closeServer(server) {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections(); // don't wait for keep-alive or slow responses
  });
}

// ---------------------------------------------------------------- dispatch

/**
 * @param {http.IncomingMessage} req @param {http.ServerResponse} res @param {State} state
 * @param {string[][]} mounts @param {Record<string, RouteHandler>} routes
 */
async function handle(req, res, state, mounts, routes) {
  const url = new URL(req.url ?? '/', 'http://loopback');
  // The log endpoints are not logged themselves, so reading the log doesn't change it.
  if (url.pathname === '/__log' && req.method === 'GET') {
    const headers = {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
      'Access-Control-Allow-Origin': '*',
    };
    return void res.writeHead(200, headers).end(JSON.stringify(state.log));
  }
  if (url.pathname === '/__log/clear' && req.method === 'POST') return void (clearLog(state), res.writeHead(204).end());

  const rec = track(state, req, res, url);
  const route = routes[url.pathname];
  if (route) return void (await route(req, res, url));

  const q = url.searchParams;
  /** @type {Ctx} */
  const ctx = {
    req,
    res,
    url,
    q,
    rec,
    state,
    head: (status, headers = {}) =>
      void res.writeHead(status, { ...headers, ...corsHeaders(req, q), ...extraHeaders(q) }),
  };

  if (req.method === 'OPTIONS') return preflight(ctx);
  const delay = num(q, 'delay');
  if (delay) await sleep(delay);
  if (res.destroyed) return;

  // `reset=1`: a connection reset before any response (optionally only the first resetTimes).
  if (q.get('reset') === '1' && takeTurn(ctx, 'reset', 'resetTimes')) {
    rec.reset = true;
    return void req.socket.resetAndDestroy();
  }

  const status = num(q, 'status');
  if (status && status !== 200 && url.pathname !== '/redirect' && takeTurn(ctx, 'status', 'statusTimes'))
    return sendStatus(ctx, status);
  if (url.pathname === '/redirect') return redirect(ctx);
  if (url.pathname === '/set-cookie') return setCookie(ctx);
  if (url.pathname.startsWith('/upload') && (req.method === 'POST' || req.method === 'PUT')) return upload(ctx);
  if (url.pathname.startsWith('/gen/')) return serveResource(ctx, generatedResource(q));
  const file = await resolveStatic(mounts, url.pathname);
  if (file?.kind === 'file') return serveResource(ctx, file.resource);
  if (file?.kind === 'redirect') {
    ctx.head(301, { Location: file.location + url.search, 'Content-Length': 0 });
    return void res.end();
  }
  if (file?.kind === 'forbidden') return sendText(ctx, 403, 'forbidden');
  return sendText(ctx, 404, 'not found');
}

/**
 * Count a "first k requests for this key" option. Returns true when this
 * request is one of the first k, or when no count limit was given at all.
 * @param {Ctx} ctx @param {string} kind @param {string} timesParam
 */
function takeTurn(ctx, kind, timesParam) {
  const times = num(ctx.q, timesParam);
  if (times === undefined) return true;
  const key = `${kind}:${ctx.q.get('key') ?? ctx.url.pathname}`;
  const count = (ctx.state.counters.get(key) ?? 0) + 1;
  ctx.state.counters.set(key, count);
  return count <= times;
}

// ---------------------------------------------------------------- logging

/** @param {State} state @param {http.IncomingMessage} req @param {http.ServerResponse} res @param {URL} url */
function track(state, req, res, url) {
  /** @type {LogRecord} */
  const rec = {
    id: ++state.nextId,
    time: Date.now(),
    method: req.method ?? 'GET',
    path: url.pathname + url.search,
    pathname: url.pathname,
    host: req.headers.host ?? null,
    origin: req.headers.origin ?? null,
    headers: { ...req.headers },
    cookies: parseCookies(req.headers.cookie),
    secFetch: {
      site: one(req.headers['sec-fetch-site']),
      mode: one(req.headers['sec-fetch-mode']),
      dest: one(req.headers['sec-fetch-dest']),
    },
    reachedOn: { address: req.socket.localAddress ?? '', port: req.socket.localPort ?? 0 },
    remoteAddress: req.socket.remoteAddress ?? null,
    range: req.headers.range ?? null,
    status: null,
    bytesSent: 0,
    completed: false,
    closedEarly: false,
  };
  state.log.push(rec);
  const span = { start: state.seq++, end: /** @type {number | undefined} */ (undefined) };
  state.spans.set(rec, span);
  state.inFlight++;
  res.on('finish', () => {
    rec.status = res.statusCode;
    rec.completed = true;
  });
  res.on('close', () => {
    rec.status = res.statusCode;
    rec.closedEarly = !rec.completed;
    span.end = state.seq++;
    if (--state.inFlight === 0) state.idleWaiters.splice(0).forEach((wake) => wake());
  });
  return rec;
}

/** A header's value as one string (null when absent). @param {string | string[] | undefined} value */
const one = (value) => (value === undefined ? null : Array.isArray(value) ? value.join(', ') : value);

/** Empty the log but keep spans of requests still in flight: they still overlap new ones. @param {State} state */
function clearLog(state) {
  state.log.length = 0; // in place: callers hold a reference to this array
  for (const [rec, span] of state.spans) if (span.end !== undefined) state.spans.delete(rec);
}

/** Sweep over start/end events ordered by sequence number. @param {State} state @param {string} prefix */
function maxConcurrent(state, prefix) {
  /** @type {[number, number][]} */
  const events = [];
  for (const [rec, span] of state.spans) {
    if (!rec.path.startsWith(prefix)) continue;
    events.push([span.start, 1]);
    if (span.end !== undefined) events.push([span.end, -1]);
  }
  events.sort((a, b) => a[0] - b[0]);
  let now = 0,
    max = 0;
  for (const [, delta] of events) max = Math.max(max, (now += delta));
  return max;
}

/** @param {string | undefined} header @returns {Record<string, string>} */
function parseCookies(header) {
  /** @type {Record<string, string>} */
  const cookies = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies[part.slice(0, eq).trim()] = safeDecode(part.slice(eq + 1).trim());
  }
  return cookies;
}

// ---------------------------------------------------------------- headers

/** @param {http.IncomingMessage} req @param {URLSearchParams} q @returns {Record<string, string>} */
function corsHeaders(req, q) {
  const origin = req.headers.origin;
  /** @type {Record<string, string>} */
  const h = {};
  switch (q.get('cors') ?? 'none') {
    case 'star':
      h['Access-Control-Allow-Origin'] = '*';
      break;
    case 'wrong':
      h['Access-Control-Allow-Origin'] = 'http://wrong.example';
      break;
    case 'starcred':
      Object.assign(h, { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Credentials': 'true' });
      break;
    case 'credentials':
      h['Access-Control-Allow-Credentials'] = 'true'; // falls through: also echo Origin
    case 'origin':
      if (origin) Object.assign(h, { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' });
      break;
  }
  const expose = q.get('expose');
  if (expose && Object.keys(h).length) h['Access-Control-Expose-Headers'] = expose;
  return h;
}

/** `header=Name:Value`, repeatable, added last so it can override defaults. @param {URLSearchParams} q */
function extraHeaders(q) {
  /** @type {Record<string, string>} */
  const h = {};
  for (const spec of q.getAll('header')) {
    const colon = spec.indexOf(':');
    if (colon > 0) h[spec.slice(0, colon).trim()] = spec.slice(colon + 1).trim();
  }
  return h;
}

/** @param {Ctx} ctx */
function preflight(ctx) {
  const { req, q, res } = ctx;
  if (q.get('preflight') === 'deny') return void res.writeHead(403, { 'Content-Length': 0 }).end();
  /** @type {Record<string, string | number>} */
  const h = { 'Content-Length': 0, 'Access-Control-Max-Age': 0 }; // no preflight caching between tests
  if (['star', 'origin', 'credentials', 'starcred'].includes(q.get('cors') ?? 'none')) {
    h['Access-Control-Allow-Methods'] =
      q.get('allowMethods') ?? req.headers['access-control-request-method'] ?? 'GET, HEAD, POST, PUT';
    const asked = q.get('allowHeaders') ?? req.headers['access-control-request-headers'];
    if (asked) h['Access-Control-Allow-Headers'] = asked;
    if (req.headers['access-control-request-private-network']) h['Access-Control-Allow-Private-Network'] = 'true';
  }
  ctx.head(204, h);
  res.end();
}

// ---------------------------------------------------------------- small routes

/** @param {Ctx} ctx @param {number} status @param {string} text @param {Record<string, string | number>} [headers] */
function sendText(ctx, status, text, headers = {}) {
  const body = Buffer.from(text);
  ctx.head(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
    ...headers,
  });
  if (ctx.req.method !== 'HEAD' && body.length) writeCounted(ctx.res, ctx.rec, body);
  ctx.res.end();
}

/** `status=<code>`: a small body named after the status, e.g. 404 "not found". @param {Ctx} ctx @param {number} status */
function sendStatus(ctx, status) {
  const retryAfter = ctx.q.get('retryAfter');
  sendText(
    ctx,
    status,
    (http.STATUS_CODES[status] ?? `status ${status}`).toLowerCase(),
    retryAfter ? { 'Retry-After': retryAfter } : {},
  );
}

/** @param {Ctx} ctx */
function redirect(ctx) {
  const to = ctx.q.get('to');
  if (!to) return sendText(ctx, 400, 'missing ?to=');
  ctx.head(num(ctx.q, 'status') ?? 302, { Location: to, 'Content-Length': 0, 'Cache-Control': 'no-store' });
  ctx.res.end();
}

/** SameSite=None needs Secure or browsers drop the cookie; localhost counts as secure for that. @param {Ctx} ctx */
function setCookie(ctx) {
  const { q } = ctx;
  const sameSite = q.get('samesite') ?? 'Lax';
  const secure = q.get('secure') === '1' || (sameSite.toLowerCase() === 'none' && q.get('secure') !== '0');
  const cookie = `${q.get('name') ?? 'session'}=${q.get('value') ?? '1'}; Path=/; SameSite=${sameSite}${secure ? '; Secure' : ''}`;
  sendText(ctx, 200, 'ok', { 'Set-Cookie': cookie });
}

/** Hash the request body as it streams in; never hold it in memory. @param {Ctx} ctx */
async function upload(ctx) {
  const hash = createHash('sha256');
  let length = 0;
  for await (const chunk of ctx.req) {
    hash.update(chunk);
    length += chunk.length;
  }
  ctx.rec.uploadLength = length;
  ctx.rec.uploadSha256 = hash.digest('hex');
  const body = JSON.stringify({ length, sha256: ctx.rec.uploadSha256 });
  sendText(ctx, 200, body, { 'Content-Type': 'application/json' });
}

// ---------------------------------------------------------------- bodies

/** `/gen/<name>?size=N&seed=S[&type=...]` @param {URLSearchParams} q @returns {Resource} */
function generatedResource(q) {
  const size = num(q, 'size') ?? 1024;
  const seed = q.get('seed') ?? '1';
  return {
    size,
    etag: `"g-${size}-${seed}"`,
    lastModified: new Date(FIXED_DATE_MS).toUTCString(),
    type: q.get('type') ?? 'application/octet-stream',
    read: (start, end) => generatedChunks(size, seed, start, end),
  };
}

/**
 * Send a body with validators, Range/If-Range and the misbehaviour options.
 * @param {Ctx} ctx @param {Resource} resource
 */
async function serveResource(ctx, resource) {
  const { req, res, q, state } = ctx;
  let { size, etag, lastModified } = resource;
  if (q.get('etag') === 'changing') {
    // A new validator on every request, so a resumed download can't use If-Range.
    const n = ++state.changing;
    etag = `${etag.slice(0, -1)}-c${n}"`;
    lastModified = new Date(FIXED_DATE_MS + n * 1000).toUTCString();
  }
  const gzip = q.get('gzip') === '1';
  const ranges = !gzip && q.get('noRange') !== '1'; // a byte range of a gzip stream would be meaningless
  /** @type {Record<string, string | number>} */
  const headers = {
    'Content-Type': resource.type,
    ETag: etag,
    'Last-Modified': lastModified,
    'Cache-Control': 'no-store',
  };
  if (ranges) headers['Accept-Ranges'] = 'bytes';

  let start = 0,
    end = size,
    status = 200;
  const rangeHeader = req.headers.range;
  if (ranges && rangeHeader && ifRangeMatches(req.headers['if-range']?.toString(), etag, lastModified)) {
    const range = parseRange(rangeHeader, size);
    if (range === 'unsatisfiable')
      return sendText(ctx, 416, 'range not satisfiable', { 'Content-Range': `bytes */${size}` });
    if (range)
      (({ start, end } = range), (status = 206), (headers['Content-Range'] = `bytes ${start}-${end - 1}/${size}`));
  }
  if (gzip) Object.assign(headers, { 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' });
  else headers['Content-Length'] = end - start;
  ctx.head(status, headers);
  if (req.method === 'HEAD') return void res.end();

  let body = resource.read(start, end);
  if (gzip) body = Readable.from(body).pipe(createGzip());
  const dropping = q.has('dropAfter') || q.has('dropTimes');
  const dropAfter =
    dropping && takeTurn(ctx, 'drop', 'dropTimes') ? (num(q, 'dropAfter') ?? Math.floor((end - start) / 2)) : undefined;
  await pump(res, ctx.rec, body, {
    throttle: num(q, 'throttle'),
    dropAfter,
    stallAfter: num(q, 'stallAfter'),
    stallMs: num(q, 'stallMs') ?? 0,
  });
}

// ---------------------------------------------------------------- utilities

/** A non-negative number from the query, or undefined. @param {URLSearchParams} q @param {string} name */
function num(q, name) {
  const raw = q.get(name);
  const value = raw === null || raw === '' ? NaN : Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}
