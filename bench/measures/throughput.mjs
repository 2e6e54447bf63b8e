// One large file: bgfetch against the page's fetch() into Cache Storage and, where the browser
// has one, its own Background Fetch. Contenders alternate order round by round.
import { BIG, BIG_TIMEOUT, config, log } from '../lib/config.mjs';
import { withExtension } from '../lib/browsers.mjs';
import { pageBgFetch, pageCacheBig } from '../lib/site-page.mjs';
import { fmt, mibps, order } from '../lib/stats.mjs';

export default {
  name: 'throughput',
  perBrowser: true,
  run: (ctx) =>
    withExtension(ctx, async (session) => {
      const { gen, clearLog } = ctx.bench;
      const page = await session.openBg();
      const ms = { bg: [], native: [], cache: [] };
      for (let round = 0; round < config.throughputRounds; round++) {
        for (const which of order(round, 'bg', ...(session.native ? ['native'] : []), 'cache')) {
          const url = gen('big', BIG);
          if (which === 'cache') {
            ms.cache.push((await page.evaluate(pageCacheBig, url)).ms);
          } else {
            const p = which === 'bg' ? page : await session.openNative();
            const got = await p.evaluate(pageBgFetch, `big-${round}`, [url], BIG_TIMEOUT);
            if (which === 'native') await p.close();
            if (got.result !== 'success') throw new Error(`${which} big fetch: ${got.result} ${got.failureReason}`);
            ms[which].push(got.ms);
          }
          log(`${ctx.browser} throughput round ${round} ${which}: ${fmt(mibps(BIG, ms[which].at(-1)))} MiB/s`);
          clearLog();
        }
      }
      const tp = (xs) => xs.map((x) => mibps(BIG, x));
      const label = `throughput, 1 × ${config.bigMiB} MiB`;
      // The goal is against the strongest baseline the browser has.
      if (session.native) {
        ctx.report.row(ctx.browser, `${label} (vs native Background Fetch)`, 'MiB/s', tp(ms.bg), tp(ms.native), {
          goal: { ratio: 1.0 },
          goalText: '≥ 1.0×',
        });
        ctx.report.row(ctx.browser, `${label} (vs page fetch → Cache Storage)`, 'MiB/s', tp(ms.bg), tp(ms.cache), {
          goalText: '—',
        });
      } else {
        ctx.report.row(ctx.browser, `${label} (vs page fetch → Cache Storage)`, 'MiB/s', tp(ms.bg), tp(ms.cache), {
          goal: { ratio: 0.9 },
          goalText: '≥ 0.9×',
        });
      }
    }),
};
