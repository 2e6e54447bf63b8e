// Tests for the e2e test server: run with `node --test test/server/`.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, writeFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, generatedBytes, generatedSha256 } from './server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
let tmp = '';
let base = '';
const APP_JS = 'export const answer = 42;\n';
const DATA = generatedBytes(10_000, 'static');

before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'bgfetch-server-'));
  const site = path.join(tmp, 'site');
  await mkdir(path.join(site, 'sub'), { recursive: true });
  await writeFile(path.join(site, 'index.html'), '<h1>root</h1>');
  await writeFile(path.join(site, 'sub', 'index.html'), '<h1>sub</h1>');
  await writeFile(path.join(site, 'app.js'), APP_JS);
  await writeFile(path.join(site, 'data.bin'), DATA);
  await writeFile(path.join(tmp, 'secret.txt'), 'TOP SECRET');
  server = await startServer({
    staticDirs: { '/static/': site },
    routes: {
      '/custom': (_req, res, url) => void res.end(`custom ${url.searchParams.get('x')}`),
      '/gen/overridden': (_req, res) => void res.end('mine'),
    },
  });
  base = server.originB;
});

after(async () => {
  await server.close();
  await rm(tmp, { recursive: true, force: true });
});

/**
 * Plain http.request so we see raw headers (fetch hides some and decodes gzip)
 * and can count the bytes of a body that was cut short.
 * @param {string} url
 * @param {{ method?: string, headers?: Record<string, string>, body?: Buffer | string }} [options]
 * @returns {Promise<{ status: number, headers: http.IncomingHttpHeaders, body: Buffer, complete: boolean }>}
 */
function raw(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve) => {
    /** @type {Buffer[]} */
    const chunks = [];
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      res.on('data', (c) => chunks.push(c));
      res.on('error', () => {}); // a cut body shows up as complete=false
      res.on('close', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
          complete: res.complete,
        }),
      );
    });
    req.on('error', () => resolve({ status: 0, headers: {}, body: Buffer.concat(chunks), complete: false }));
    req.end(body);
  });
}

/** The log record of the most recent request whose path starts with `prefix`. @param {string} prefix */
async function lastRecord(prefix) {
  await server.idle();
  const rec = server.log.findLast((r) => r.path.startsWith(prefix));
  assert.ok(rec, `no log record for ${prefix}`);
  return rec;
}

const sha256 = (/** @type {Buffer} */ b) => createHash('sha256').update(b).digest('hex');

test('generatedBytes: deterministic, any range equals the slice of the whole', () => {
  const full = generatedBytes(200_000, 'a');
  assert.equal(full.length, 200_000);
  assert.ok(full.equals(generatedBytes(200_000, 'a')));
  assert.ok(!full.equals(generatedBytes(200_000, 'b')), 'seed changes the bytes');
  assert.ok(!full.subarray(0, 1000).equals(generatedBytes(300_000, 'a', 0, 1000)), 'size changes the bytes');
  for (const [s, e] of [
    [0, 1],
    [7, 23],
    [65_535, 65_537],
    [100_001, 199_999],
    [199_999, 200_000],
  ]) {
    assert.ok(generatedBytes(200_000, 'a', s, e).equals(full.subarray(s, e)), `range ${s}-${e}`);
  }
  assert.equal(generatedBytes(10, 'a', 20, 30).length, 0);
  assert.equal(generatedSha256(200_000, 'a'), sha256(full));
});

test('generatedSha256 streams fast (64 MiB)', (t) => {
  const started = performance.now();
  generatedSha256(64 * 1024 * 1024, 'speed');
  const mbps = (64 * 1.048576) / ((performance.now() - started) / 1000);
  t.diagnostic(`${mbps.toFixed(0)} MB/s generate+hash`);
  assert.ok(mbps > 100);
});

test('listens on localhost and 127.0.0.1 with one port', async () => {
  assert.equal(server.originA, `http://localhost:${server.port}`);
  assert.equal(server.originB, `http://127.0.0.1:${server.port}`);
  for (const origin of [server.originA, server.originB]) {
    assert.equal((await fetch(`${origin}/custom?x=1`)).status, 200);
  }
  const v6 = await raw(`http://[::1]:${server.port}/custom?x=6`);
  if (v6.status !== 0) assert.equal(v6.body.toString(), 'custom 6'); // skipped where there is no IPv6 loopback
});

test('/gen serves the whole body with validators', async () => {
  const res = await fetch(`${base}/gen/file.bin?size=100000&seed=s1`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-length'), '100000');
  assert.equal(res.headers.get('content-type'), 'application/octet-stream');
  assert.equal(res.headers.get('etag'), '"g-100000-s1"');
  assert.equal(res.headers.get('last-modified'), 'Mon, 01 Jan 2024 00:00:00 GMT');
  assert.equal(res.headers.get('accept-ranges'), 'bytes');
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(generatedBytes(100000, 's1')));
  const typed = await fetch(`${base}/gen/x?size=3&type=audio/mpeg`);
  assert.equal(typed.headers.get('content-type'), 'audio/mpeg');
  await typed.arrayBuffer();
});

test('/gen streams a large body intact', async (t) => {
  const size = 128 * 1024 * 1024;
  const started = performance.now();
  const res = await fetch(`${base}/gen/big?size=${size}&seed=big`);
  const hash = createHash('sha256');
  let length = 0;
  for await (const chunk of /** @type {AsyncIterable<Uint8Array>} */ (res.body)) {
    hash.update(chunk);
    length += chunk.length;
  }
  t.diagnostic(`${(size / 1e6 / ((performance.now() - started) / 1000)).toFixed(0)} MB/s over loopback`);
  assert.equal(length, size);
  assert.equal(hash.digest('hex'), generatedSha256(size, 'big'));
  assert.equal((await lastRecord('/gen/big')).bytesSent, size);
});

test('Range requests return the matching slice', async () => {
  const url = `${base}/gen/r?size=50000&seed=r`;
  const full = generatedBytes(50000, 'r');
  const cases = [
    ['bytes=0-0', 0, 1],
    ['bytes=100-199', 100, 200],
    ['bytes=49000-', 49000, 50000],
    ['bytes=-500', 49500, 50000],
    ['bytes=49990-99999', 49990, 50000],
  ];
  for (const [range, start, end] of /** @type {[string, number, number][]} */ (cases)) {
    const res = await raw(url, { headers: { Range: range } });
    assert.equal(res.status, 206, range);
    assert.equal(res.headers['content-range'], `bytes ${start}-${end - 1}/50000`);
    assert.equal(res.headers['content-length'], String(end - start));
    assert.ok(res.body.equals(full.subarray(start, end)), range);
  }
  const unsatisfiable = await raw(url, { headers: { Range: 'bytes=50000-' } });
  assert.equal(unsatisfiable.status, 416);
  assert.equal(unsatisfiable.headers['content-range'], 'bytes */50000');
  const multi = await raw(url, { headers: { Range: 'bytes=0-1,5-6' } });
  assert.equal(multi.status, 200, 'unsupported range forms are ignored');
});

test('If-Range: match gives 206, mismatch gives the full 200', async () => {
  const url = `${base}/gen/ir?size=1000&seed=ir`;
  const byTag = await raw(url, { headers: { Range: 'bytes=10-', 'If-Range': '"g-1000-ir"' } });
  assert.equal(byTag.status, 206);
  const byDate = await raw(url, { headers: { Range: 'bytes=10-', 'If-Range': 'Mon, 01 Jan 2024 00:00:00 GMT' } });
  assert.equal(byDate.status, 206);
  for (const ifRange of ['"g-1000-other"', 'W/"g-1000-ir"', 'Tue, 02 Jan 2024 00:00:00 GMT']) {
    const res = await raw(url, { headers: { Range: 'bytes=10-', 'If-Range': ifRange } });
    assert.equal(res.status, 200, ifRange);
    assert.ok(res.body.equals(generatedBytes(1000, 'ir')));
  }
});

test('etag=changing: validators change each time, so If-Range never matches', async () => {
  const url = `${base}/gen/c?size=1000&seed=c&etag=changing`;
  const first = await raw(url);
  const second = await raw(url, { headers: { Range: 'bytes=500-', 'If-Range': String(first.headers.etag) } });
  assert.notEqual(second.headers.etag, first.headers.etag);
  assert.notEqual(second.headers['last-modified'], first.headers['last-modified']);
  assert.equal(second.status, 200);
  const byDate = await raw(url, {
    headers: { Range: 'bytes=500-', 'If-Range': String(second.headers['last-modified']) },
  });
  assert.equal(byDate.status, 200);
});

test('noRange=1 ignores Range and does not advertise it', async () => {
  const res = await raw(`${base}/gen/n?size=1000&seed=n&noRange=1`, { headers: { Range: 'bytes=10-' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers['accept-ranges'], undefined);
  assert.equal(res.body.length, 1000);
});

test('HEAD sends headers only', async () => {
  const res = await raw(`${base}/gen/h?size=1234`, { method: 'HEAD' });
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-length'], '1234');
  assert.equal(res.body.length, 0);
});

test('dropAfter cuts the body at exactly n bytes, counted from the response start', async () => {
  const full = await raw(`${base}/gen/d?size=200000&seed=d&dropAfter=70000`);
  assert.equal(full.status, 200);
  assert.equal(full.complete, false);
  assert.equal(full.body.length, 70000);
  assert.ok(full.body.equals(generatedBytes(200000, 'd', 0, 70000)));
  const rec = await lastRecord('/gen/d');
  assert.equal(rec.bytesSent, 70000);
  assert.equal(rec.closedEarly, true);
  assert.equal(rec.completed, false);
  assert.equal(rec.dropped, true);

  const ranged = await raw(`${base}/gen/d?size=200000&seed=d&dropAfter=1000`, { headers: { Range: 'bytes=5000-' } });
  assert.equal(ranged.status, 206);
  assert.equal(ranged.complete, false);
  assert.ok(ranged.body.equals(generatedBytes(200000, 'd', 5000, 6000)));

  const zero = await raw(`${base}/gen/d?size=1000&dropAfter=0`);
  assert.equal(zero.status, 200, 'headers still arrive');
  assert.equal(zero.body.length, 0);
  assert.equal(zero.complete, false);

  await assert.rejects(async () => (await fetch(`${base}/gen/d?size=100000&dropAfter=10`)).arrayBuffer());
});

test('dropTimes drops exactly k requests per key, then serves normally', async () => {
  const url = (/** @type {string} */ key) => `${base}/gen/dt?size=100000&seed=dt&dropAfter=5000&dropTimes=2&key=${key}`;
  const results = [];
  for (let i = 0; i < 4; i++) results.push(await raw(url('k1')));
  assert.deepEqual(
    results.map((r) => r.complete),
    [false, false, true, true],
  );
  assert.deepEqual(
    results.map((r) => r.body.length),
    [5000, 5000, 100000, 100000],
  );
  assert.equal((await raw(url('k2'))).complete, false, 'a new key has its own count');
  // Without dropAfter it drops halfway through.
  const half = await raw(`${base}/gen/dt?size=1000&dropTimes=1&key=half`);
  assert.equal(half.body.length, 500);
});

test('reset=1 resets the connection before answering; resetTimes counts per key', async () => {
  const url = `${base}/gen/rs?size=1000&seed=rs&reset=1&resetTimes=1&key=rs`;
  const first = await raw(url);
  assert.equal(first.status, 0, 'no response at all');
  assert.equal((await lastRecord('/gen/rs')).reset, true);
  const second = await raw(url);
  assert.equal(second.status, 200);
  assert.ok(second.body.equals(generatedBytes(1000, 'rs')));
});

test('pause() refuses connections and cuts open ones; resume() serves on the same port', async () => {
  const own = await startServer();
  try {
    const slow = raw(`${own.originB}/gen/p?size=100000&throttle=10000`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await own.pause();
    assert.equal(own.paused, true);
    assert.equal((await slow).complete, false, 'the running response was cut');
    assert.equal((await raw(`${own.originB}/gen/p?size=10`)).status, 0, 'connection refused');
    await own.resume();
    assert.equal(own.paused, false);
    for (const origin of [own.originA, own.originB]) {
      const again = await raw(`${origin}/gen/p?size=10&seed=p`);
      assert.equal(again.status, 200);
      assert.ok(again.body.equals(generatedBytes(10, 'p')));
    }
  } finally {
    await own.close();
  }
});

test('throttle paces the body (64 KiB at 32 KiB/s takes about 2 s)', async () => {
  const started = performance.now();
  const res = await raw(`${base}/gen/t?size=65536&seed=t&throttle=32768`);
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 1500, `took ${elapsed} ms`);
  assert.ok(elapsed < 4000, `took ${elapsed} ms`);
  assert.ok(res.body.equals(generatedBytes(65536, 't')));
});

test('stallAfter pauses mid-body, then finishes intact', async () => {
  const started = performance.now();
  const res = await raw(`${base}/gen/s?size=20000&seed=s&stallAfter=1000&stallMs=400`);
  assert.ok(performance.now() - started >= 380);
  assert.equal(res.complete, true);
  assert.ok(res.body.equals(generatedBytes(20000, 's')));
});

test('delay holds back the headers', async () => {
  const started = performance.now();
  const res = await fetch(`${base}/gen/dl?size=10&delay=300`);
  assert.ok(performance.now() - started >= 280);
  assert.equal(res.status, 200);
  await res.arrayBuffer();
});

test('status=, retryAfter= and statusTimes=', async () => {
  const notFound = await fetch(`${base}/gen/x?size=10&status=404`);
  assert.equal(notFound.status, 404);
  assert.equal(await notFound.text(), 'not found');
  const busy = await fetch(`${base}/gen/x?status=503&retryAfter=7`);
  assert.equal(busy.status, 503);
  assert.equal(busy.headers.get('retry-after'), '7');
  await busy.text();
  const url = `${base}/gen/x?size=10&status=500&statusTimes=1&key=st`;
  assert.equal((await raw(url)).status, 500);
  assert.equal((await raw(url)).status, 200);
});

test('gzip=1 compresses without Content-Length', async () => {
  const url = `${base}/gen/z?size=30000&seed=z&gzip=1&type=text/plain`;
  const rawRes = await raw(url, { headers: { Range: 'bytes=0-9' } });
  assert.equal(rawRes.status, 200, 'no ranges over a gzip stream');
  assert.equal(rawRes.headers['content-encoding'], 'gzip');
  assert.equal(rawRes.headers['content-length'], undefined);
  const res = await fetch(url);
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(generatedBytes(30000, 'z')));
});

test('header= adds (and overrides) response headers', async () => {
  const res = await raw(`${base}/gen/x?size=1&header=X-Secret:abc&header=Cache-Control:max-age=60`);
  assert.equal(res.headers['x-secret'], 'abc');
  assert.equal(res.headers['cache-control'], 'max-age=60');
});

test('CORS variants', async () => {
  const origin = 'http://page.example';
  /** @param {string} q */
  const get = async (q) => (await raw(`${base}/gen/x?size=1&${q}`, { headers: { Origin: origin } })).headers;
  const none = await get('');
  assert.equal(none['access-control-allow-origin'], undefined);
  assert.equal((await get('cors=star'))['access-control-allow-origin'], '*');
  const echo = await get('cors=origin');
  assert.equal(echo['access-control-allow-origin'], origin);
  assert.equal(echo.vary, 'Origin');
  assert.equal(echo['access-control-allow-credentials'], undefined);
  assert.equal((await get('cors=wrong'))['access-control-allow-origin'], 'http://wrong.example');
  const cred = await get('cors=credentials');
  assert.equal(cred['access-control-allow-origin'], origin);
  assert.equal(cred['access-control-allow-credentials'], 'true');
  const starcred = await get('cors=starcred');
  assert.equal(starcred['access-control-allow-origin'], '*');
  assert.equal(starcred['access-control-allow-credentials'], 'true');
  assert.equal((await get('cors=star&expose=X-A,X-B'))['access-control-expose-headers'], 'X-A,X-B');
  assert.equal((await get('cors=star&status=404'))['access-control-allow-origin'], '*', 'errors carry CORS too');
});

test('CORS preflight', async () => {
  const headers = {
    Origin: 'http://page.example',
    'Access-Control-Request-Method': 'PUT',
    'Access-Control-Request-Headers': 'x-token, content-type',
  };
  for (const cors of ['origin', 'credentials', 'star']) {
    const ok = await raw(`${base}/upload?cors=${cors}`, { method: 'OPTIONS', headers });
    assert.equal(ok.status, 204, cors);
    assert.equal(ok.headers['access-control-allow-methods'], 'PUT');
    assert.equal(ok.headers['access-control-allow-headers'], 'x-token, content-type');
    assert.ok(ok.headers['access-control-allow-origin']);
  }
  const denied = await raw(`${base}/upload?cors=origin&preflight=deny`, { method: 'OPTIONS', headers });
  assert.equal(denied.status, 403);
  assert.equal(denied.headers['access-control-allow-origin'], undefined);
  const none = await raw(`${base}/upload`, { method: 'OPTIONS', headers });
  assert.equal(none.headers['access-control-allow-origin'], undefined);
  assert.equal(none.headers['access-control-allow-methods'], undefined);
});

test('/redirect', async () => {
  const rel = await raw(`${base}/redirect?to=/gen/x%3Fsize%3D5&cors=star`, { headers: { Origin: 'http://o.example' } });
  assert.equal(rel.status, 302);
  assert.equal(rel.headers.location, '/gen/x?size=5');
  assert.equal(rel.headers['access-control-allow-origin'], '*');
  const abs = await raw(`${base}/redirect?to=${encodeURIComponent(`${server.originA}/gen/y?size=5`)}&status=307`);
  assert.equal(abs.status, 307);
  assert.equal(abs.headers.location, `${server.originA}/gen/y?size=5`);
  const followed = await fetch(`${base}/redirect?to=/gen/x%3Fsize%3D5%26seed%3Df`);
  assert.ok(Buffer.from(await followed.arrayBuffer()).equals(generatedBytes(5, 'f')));
});

test('/set-cookie sets the cookie, and the log parses cookies sent back', async () => {
  const res = await raw(`${base}/set-cookie?name=sid&value=abc&samesite=Strict`);
  assert.equal(res.status, 200);
  assert.equal(res.body.toString(), 'ok');
  assert.deepEqual(res.headers['set-cookie'], ['sid=abc; Path=/; SameSite=Strict']);
  const none = await raw(`${base}/set-cookie?name=x&value=1&samesite=None&cors=origin`, {
    headers: { Origin: 'http://o.example' },
  });
  assert.deepEqual(none.headers['set-cookie'], ['x=1; Path=/; SameSite=None; Secure']);
  assert.equal(none.headers['access-control-allow-origin'], 'http://o.example');
  await raw(`${base}/gen/cookie-check?size=1`, { headers: { Cookie: 'sid=abc; other=x%20y' } });
  assert.deepEqual((await lastRecord('/gen/cookie-check')).cookies, { sid: 'abc', other: 'x y' });
});

test('the log says what a request carried about where it came from: Sec-Fetch-*, Origin, the address it reached', async () => {
  await raw(`${base}/gen/provenance?size=1`, {
    headers: {
      'Sec-Fetch-Site': 'cross-site',
      'Sec-Fetch-Mode': 'cors',
      'Sec-Fetch-Dest': 'empty',
      Origin: 'http://o.example',
      Cookie: 'a=1',
    },
  });
  const rec = await lastRecord('/gen/provenance');
  assert.deepEqual(rec.secFetch, { site: 'cross-site', mode: 'cors', dest: 'empty' });
  assert.equal(rec.origin, 'http://o.example');
  assert.deepEqual(rec.cookies, { a: '1' });
  assert.equal(rec.reachedOn.address, '127.0.0.1');
  assert.equal(rec.reachedOn.port, server.port);
  assert.match(rec.remoteAddress ?? '', /127\.0\.0\.1/);
  await raw(`${base}/gen/provenance-none?size=1`);
  assert.deepEqual((await lastRecord('/gen/provenance-none')).secFetch, { site: null, mode: null, dest: null });
});

test('/upload hashes the streamed body', async () => {
  const body = generatedBytes(3 * 1024 * 1024 + 7, 'up');
  const res = await fetch(`${base}/upload/file?cors=star`, { method: 'POST', body: new Blob([new Uint8Array(body)]) });
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  assert.deepEqual(await res.json(), { length: body.length, sha256: sha256(body) });
  const rec = await lastRecord('/upload/file');
  assert.equal(rec.uploadLength, body.length);
  assert.equal(rec.uploadSha256, sha256(body));
  const put = await fetch(`${base}/upload`, { method: 'PUT', body: 'hello' });
  assert.deepEqual(await put.json(), { length: 5, sha256: sha256(Buffer.from('hello')) });
});

test('log records carry the request and how the response ended', async () => {
  server.clearLog();
  assert.equal(server.log.length, 0);
  await raw(`${server.originA}/gen/log?size=5000&seed=l`, {
    headers: { Origin: 'http://o.example', Range: 'bytes=0-99', 'X-Custom': 'yes' },
  });
  const rec = await lastRecord('/gen/log');
  assert.equal(server.log.length, 1);
  assert.equal(typeof rec.id, 'number');
  assert.ok(Math.abs(rec.time - Date.now()) < 5000);
  assert.equal(rec.method, 'GET');
  assert.equal(rec.path, '/gen/log?size=5000&seed=l');
  assert.equal(rec.pathname, '/gen/log');
  assert.equal(rec.host, `localhost:${server.port}`);
  assert.equal(rec.origin, 'http://o.example');
  assert.equal(rec.headers['x-custom'], 'yes');
  assert.equal(rec.range, 'bytes=0-99');
  assert.equal(rec.status, 206);
  assert.equal(rec.bytesSent, 100);
  assert.equal(rec.completed, true);
  assert.equal(rec.closedEarly, false);

  const viaHttp = await (await fetch(`${base}/__log`)).json();
  assert.equal(viaHttp.length, 1, '/__log itself is not logged');
  assert.equal(viaHttp[0].path, rec.path);
  assert.equal((await fetch(`${base}/__log/clear`, { method: 'POST' })).status, 204);
  assert.equal(server.log.length, 0);
});

test('a client that hangs up is logged as closedEarly', async () => {
  await new Promise((resolve) => {
    const req = http.get(`${base}/gen/abort?size=50000000&throttle=1000000`, { agent: false }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve(undefined);
      });
    });
    req.on('error', () => {});
  });
  const rec = await lastRecord('/gen/abort');
  assert.equal(rec.completed, false);
  assert.equal(rec.closedEarly, true);
  assert.ok(rec.bytesSent > 0 && rec.bytesSent < 50000000);
});

test('maxConcurrent counts overlapping requests per prefix', async () => {
  server.clearLog();
  await Promise.all([1, 2, 3].map((i) => raw(`${base}/gen/slow/${i}?size=10&delay=300`)));
  await raw(`${base}/gen/quick?size=10`);
  await raw(`${base}/gen/quick?size=10`);
  assert.equal(server.maxConcurrent('/gen/slow/'), 3);
  assert.equal(server.maxConcurrent('/gen/quick'), 1);
  assert.equal(server.maxConcurrent('/gen/'), 3);
  assert.equal(server.maxConcurrent('/nothing'), 0);
  server.clearLog();
  assert.equal(server.maxConcurrent('/gen/slow/'), 0);
});

test('custom routes are checked first', async () => {
  assert.equal(await (await fetch(`${base}/custom?x=7`)).text(), 'custom 7');
  assert.equal(await (await fetch(`${base}/gen/overridden?size=5`)).text(), 'mine');
  assert.ok(
    server.log.some((r) => r.pathname === '/custom'),
    'custom routes are logged',
  );
});

test('static files: types, validators, ranges, index.html', async () => {
  const js = await raw(`${base}/static/app.js`);
  assert.equal(js.status, 200);
  assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(js.body.toString(), APP_JS);
  const info = await stat(path.join(tmp, 'site', 'app.js'));
  assert.equal(js.headers.etag, `"s-${info.size}-${Math.floor(info.mtimeMs)}"`);
  assert.equal(js.headers['last-modified'], info.mtime.toUTCString());

  const part = await raw(`${base}/static/data.bin`, { headers: { Range: 'bytes=9000-' } });
  assert.equal(part.status, 206);
  assert.ok(part.body.equals(DATA.subarray(9000)));
  const cut = await raw(`${base}/static/data.bin?dropAfter=100`);
  assert.equal(cut.body.length, 100);
  assert.equal(cut.complete, false);

  assert.equal((await raw(`${base}/static/`)).body.toString(), '<h1>root</h1>');
  assert.equal((await raw(`${base}/static/sub/`)).body.toString(), '<h1>sub</h1>');
  const noSlash = await raw(`${base}/static/sub`);
  assert.equal(noSlash.status, 301);
  assert.equal(noSlash.headers.location, '/static/sub/');
  assert.equal((await raw(`${base}/static/missing.txt`)).status, 404);
});

test('static files: path traversal is refused', async () => {
  for (const p of [
    '/static/..%2fsecret.txt',
    '/static/%2e%2e/secret.txt',
    '/static/../secret.txt',
    '/static/sub/..%2f..%2fsecret.txt',
    '/static/%2e%2e%2fsecret.txt',
    '/static/x%00.txt',
  ]) {
    const res = await raw(`${base}${p}`);
    assert.ok(res.status === 403 || res.status === 404, `${p} -> ${res.status}`);
    assert.ok(!res.body.toString().includes('TOP SECRET'), p);
  }
});

test('cli.mjs starts a server, prints its origins and stops on SIGTERM', async () => {
  const child = spawn(process.execPath, [path.join(here, 'cli.mjs'), '--static', `/s/=${path.join(tmp, 'site')}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const firstLine = await new Promise((resolve) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
  });
  const { originA, originB } = JSON.parse(firstLine);
  assert.match(originA, /^http:\/\/localhost:\d+$/);
  assert.equal(await (await fetch(`${originB}/s/app.js`)).text(), APP_JS);
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});
