// How soon a page hears back: fetch() → registration, fetch() → first progress event with bytes,
// and the interval between progress events, for a body throttled to 1 MiB/s. Baselines: the
// page's own fetch() (headers, first body chunk) and, where it exists, native Background Fetch.
import { config, log, MiB } from '../lib/config.mjs';
import { withExtension } from '../lib/browsers.mjs';
import { pageBgProgress, pageFetchLatency } from '../lib/site-page.mjs';
import { fmt, median } from '../lib/stats.mjs';

export default {
  name: 'latency',
  perBrowser: true,
  run: (ctx) =>
    withExtension(ctx, async (session) => {
      const { gen, clearLog } = ctx.bench;
      const url = () => gen('lat', MiB, `&throttle=${MiB}`);
      const page = await session.openBg();
      const out = {
        bg: { reg: [], first: [], gaps: [] },
        base: { headers: [], first: [] },
        native: { reg: [], first: [], gaps: [] },
      };
      // openTab: a fresh tab per fetch (native, see withExtension); else the bgfetch site.
      const progress = (into, id, openTab) => async () => {
        const tab = openTab ? await openTab() : page;
        const got = await tab.evaluate(pageBgProgress, id, url(), 60_000);
        if (openTab) await tab.close();
        into.reg.push(got.regMs);
        into.first.push(got.firstProgressMs);
        into.gaps.push(...got.gaps);
      };
      for (let round = 0; round < config.latencyRounds; round++) {
        const runs = [
          progress(out.bg, `lat-${round}`),
          async () => {
            const got = await page.evaluate(pageFetchLatency, url());
            out.base.headers.push(got.headersMs);
            out.base.first.push(got.firstChunkMs);
          },
        ];
        if (session.native) runs.push(progress(out.native, `lat-${round}`, session.openNative));
        for (const run of round % 2 ? runs.reverse() : runs) await run();
        clearLog();
      }
      log(
        `${ctx.browser} latency: reg ${fmt(median(out.bg.reg))} ms, first progress ${fmt(median(out.bg.first))} ms, gap ${fmt(median(out.bg.gaps))} ms`,
      );
      const row = (measure, bg, base) =>
        ctx.report.row(ctx.browser, measure, 'ms', bg, base, { higherIsBetter: false, goalText: '—' });
      const { bg, base, native } = out;
      if (session.native) {
        row('fetch() → registration resolved (vs native Background Fetch)', bg.reg, native.reg);
        row('fetch() → first progress event with bytes (vs native Background Fetch)', bg.first, native.first);
        row('fetch() → first progress event with bytes (vs page fetch() → first body chunk)', bg.first, base.first);
        row(
          'interval between progress events while bytes arrive, body throttled to 1 MiB/s (vs native)',
          bg.gaps,
          native.gaps,
        );
      } else {
        row('fetch() → registration resolved (baseline: page fetch() → headers)', bg.reg, base.headers);
        row(
          'fetch() → first progress event with bytes (baseline: page fetch() → first body chunk)',
          bg.first,
          base.first,
        );
        row('interval between progress events while bytes arrive, body throttled to 1 MiB/s', bg.gaps, null);
      }
    }),
};
