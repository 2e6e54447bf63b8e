// Reading a stored large file back (responseReady → body stream) against reading the same
// bytes from Cache Storage and, where it exists, from the browser's own Background Fetch.
// The fetches before each read are not timed here (the throughput measure does that).
import { BIG, BIG_TIMEOUT, config, log } from '../lib/config.mjs';
import { withExtension } from '../lib/browsers.mjs';
import { pageBgFetch, pageCacheBig, pageCacheRead, pageReadKept } from '../lib/site-page.mjs';
import { fmt, mibps, order } from '../lib/stats.mjs';

/** The tab a contender fetches in: the bgfetch site, or a fresh native one (see withExtension). */
export const tabFor = (session, which, page) => (which === 'native' ? session.openNative() : page);

/** Fetches one large file with `which` in tab `p`; read() reads it back (and closes a native tab). */
export async function fetchAndRead(which, p, url, id) {
  if (which === 'cache') {
    const got = await p.evaluate(pageCacheBig, url);
    return { fetchMs: got.ms, read: () => p.evaluate(pageCacheRead, url) };
  }
  const got = await p.evaluate(pageBgFetch, id, [url], BIG_TIMEOUT, true);
  if (got.result !== 'success') throw new Error(`${which} big fetch: ${got.result} ${got.failureReason}`);
  return {
    fetchMs: got.ms,
    read: async () => {
      try {
        return await p.evaluate(pageReadKept, id);
      } finally {
        if (which === 'native') await p.close();
      }
    },
  };
}

export default {
  name: 'readback',
  perBrowser: true,
  run: (ctx) =>
    withExtension(ctx, async (session) => {
      const { gen, clearLog } = ctx.bench;
      const page = await session.openBg();
      const ms = { bg: [], native: [], cache: [] };
      for (let round = 0; round < config.rounds; round++) {
        for (const which of order(round, 'bg', ...(session.native ? ['native'] : []), 'cache')) {
          const tab = await tabFor(session, which, page);
          const fetched = await fetchAndRead(which, tab, gen('big', BIG), `hold-read-${round}`);
          let read;
          try {
            read = await fetched.read();
          } catch (error) {
            read = { ms: NaN, bytes: -1, error: String(error.message ?? error).slice(0, 200) };
          }
          if (read.bytes !== BIG)
            ctx.report.note(
              `${ctx.browser} ${which}: reading back gave ${read.bytes} of ${BIG} bytes ${read.error ?? ''}`,
            );
          ms[which].push(read.bytes === BIG ? read.ms : NaN);
          log(
            `${ctx.browser} read back round ${round} ${which}: ${fmt(mibps(BIG, read.ms))} MiB/s (${read.chunks} chunks)`,
          );
          clearLog();
        }
      }
      const tp = (xs) => xs.map((x) => mibps(BIG, x));
      const label = `read back ${config.bigMiB} MiB via responseReady`;
      ctx.report.row(ctx.browser, `${label} (vs Cache Storage)`, 'MiB/s', tp(ms.bg), tp(ms.cache), {
        goal: { ratio: 0.8 },
        goalText: '≥ 0.8×',
      });
      if (session.native)
        ctx.report.row(ctx.browser, `${label} (vs native Background Fetch)`, 'MiB/s', tp(ms.bg), tp(ms.native), {
          goalText: '—',
        });
    }),
};
