// Memory growth (PSS, /proc) while one large file is fetched and while it is read back, for the
// whole browser against its baseline (Cache Storage; native Background Fetch where it exists),
// and for the extension's own process. One round: sampling /proc every 250 ms costs CPU, so it
// runs apart from the timed measures.
import { BIG, config, log } from '../lib/config.mjs';
import { withExtension } from '../lib/browsers.mjs';
import { memorySampler } from '../lib/memory.mjs';
import { fmt } from '../lib/stats.mjs';
import { fetchAndRead, tabFor } from './readback.mjs';

export default {
  name: 'memory',
  perBrowser: true,
  run: (ctx) =>
    withExtension(ctx, async (session) => {
      if (!session.pid) throw new Error('no browser process id to sample');
      const page = await session.openBg();
      const baseline = session.native ? 'native' : 'cache';
      const mem = {};
      for (const which of ['bg', baseline]) {
        // A native fetch's fresh tab opens before sampling: its renderer is not the fetch's cost.
        const tab = await tabFor(session, which, page);
        const sampler = memorySampler(session.pid, session.isExtensionProcess);
        let fetched;
        let fetch;
        try {
          fetched = await fetchAndRead(which, tab, ctx.bench.gen('big', BIG), 'hold-mem');
        } finally {
          // A sampler left running would keep the bench process alive.
          fetch = sampler.stop();
        }
        const readSampler = memorySampler(session.pid, session.isExtensionProcess);
        let read;
        try {
          read = await fetched.read();
        } finally {
          mem[which] = { fetch, read: readSampler.stop(), extFound: sampler.extFound };
        }
        if (read.bytes !== BIG) throw new Error(`${which}: read back ${read.bytes} of ${BIG} bytes`);
        log(
          `${ctx.browser} memory ${which}: fetch +${fmt(fetch.totalGrowthMiB)} MiB, read +${fmt(mem[which].read.totalGrowthMiB)} MiB`,
        );
        ctx.bench.clearLog();
      }
      const vs = session.native ? 'native' : 'cache';
      for (const phase of ['fetch', 'read']) {
        const what = phase === 'fetch' ? 'fetching' : 'reading back';
        ctx.report.row(
          ctx.browser,
          `memory growth ${what} ${config.bigMiB} MiB, whole browser PSS (vs ${vs})`,
          'MiB',
          [mem.bg[phase].totalGrowthMiB],
          [mem[baseline][phase].totalGrowthMiB],
          { higherIsBetter: false, goalText: '—', detail: phase === 'fetch' ? mem : undefined },
        );
        if (mem.bg.extFound) {
          ctx.report.row(
            ctx.browser,
            `memory growth ${what} ${config.bigMiB} MiB, extension process PSS`,
            'MiB',
            [mem.bg[phase].extGrowthMiB],
            null,
            { higherIsBetter: false, goal: { max: 64 }, goalText: '≤ 64 MiB' },
          );
        }
      }
      if (!mem.bg.extFound)
        ctx.report.note(
          `${ctx.browser}: the extension process was not found; memory rows cover the whole browser only`,
        );
    }),
};
