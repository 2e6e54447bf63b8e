// Many small files in one registration, against the page fetching them six at a time into
// Cache Storage.
import { BIG_TIMEOUT, config, log } from '../lib/config.mjs';
import { withExtension } from '../lib/browsers.mjs';
import { pageBgFetch, pageCacheMany } from '../lib/site-page.mjs';
import { fmt, order } from '../lib/stats.mjs';

export default {
  name: 'many',
  perBrowser: true,
  run: (ctx) =>
    withExtension(ctx, async (session) => {
      const { seed, clearLog } = ctx.bench;
      const { smallFiles: n, smallBytes: size } = config;
      const page = await session.openBg();
      const ms = { bg: [], cache: [] };
      for (let round = 0; round < config.rounds; round++) {
        for (const which of order(round, 'bg', 'cache')) {
          const s = seed();
          const urls = Array.from({ length: n }, (_, i) => `/gen/s${i}?size=${size}&seed=${s}-${i}`);
          if (which === 'bg') {
            const got = await page.evaluate(pageBgFetch, `many-${round}`, urls, BIG_TIMEOUT);
            if (got.result !== 'success') throw new Error(`many: ${got.result} ${got.failureReason}`);
            ms.bg.push(got.ms);
          } else {
            ms.cache.push((await page.evaluate(pageCacheMany, urls)).ms);
          }
          clearLog();
        }
        log(`${ctx.browser} many round ${round}: bgfetch ${fmt(ms.bg.at(-1))} ms, cache ${fmt(ms.cache.at(-1))} ms`);
      }
      ctx.report.row(
        ctx.browser,
        `${n} × ${size / 1024} KiB, one registration (vs 6-way fetch → Cache Storage)`,
        'ms',
        ms.bg,
        ms.cache,
        { higherIsBetter: false, goal: { ratio: 0.8 }, goalText: '≥ 0.8× (speed)' },
      );
    }),
};
