// The tests' loopback server, with the bench fixtures, and unique URLs so no cache can answer.
import path from 'node:path';
import { startServer } from '../../test/server/server.mjs';
import { ROOT } from './config.mjs';

export async function startBenchServer() {
  const server = await startServer({
    staticDirs: {
      '/site/': path.join(ROOT, 'test/fixtures/site'),
      '/bench/': path.join(ROOT, 'bench/fixtures'),
      // The service-worker shim as a site hosts it to opt in where bgfetch cannot prepend it (Chromium).
      '/bgfetch/': path.join(ROOT, 'dist/chromium/sw'),
    },
  });
  let counter = Date.now() % 1_000_000;
  const seed = () => `b${counter++}`;
  return {
    server,
    seed,
    /** A generated body of `size` bytes at a URL never fetched before. */
    gen: (name, size, extra = '') => `/gen/${name}?size=${size}&seed=${seed()}${extra}`,
    // The server logs every request; thousands per round are fine, but not forever.
    clearLog: () => server.log.splice(0, server.log.length),
  };
}
