// Issue #6: how soon the popup shows progress. While a throttled transfer runs (1 MiB/s; the
// engine writes `downloaded` about every 500 ms), each new value is timed from the moment its
// store write committed (in the background: lib/store-writes.mjs) to the popup's progress bar
// holding it, and to the site's own `progress` event (the baseline: what the page is told through
// the engine's ports, against what the popup re-reads through Dexie's liveQuery). A value is
// paired with the last write before the popup showed it; the last value is left out (settling
// writes the registration again). Times are wall clock (timeOrigin + now) in every context.
//
// Rounds alternate between a store holding only this site's fetches and one with 1,000 more
// registrations (lib/popup-store.mjs): liveQuery re-reads the whole list on every change.
import { config, log, MiB } from '../lib/config.mjs';
import { extensionPage, gotoExtensionPage, withExtension } from '../lib/browsers.mjs';
import { rowCount, startWatch, stopWatch } from '../lib/popup-page.mjs';
import { watchStoreWrites } from '../lib/store-writes.mjs';
import { removeSeeded, seedRegistrations } from '../lib/popup-store.mjs';
import { pageBgProgress } from '../lib/site-page.mjs';
import { fmt, median } from '../lib/stats.mjs';

const PREFIX = 'bench-progress-';
const SIZE = 4 * MiB;

/** Per value the popup showed: write → popup, write → page, write → the popup hears of it. */
function pair(writes, watched, page) {
  const out = { popup: [], page: [], notice: [] };
  const lastBefore = (times, at) => times.filter((x) => x <= at).at(-1);
  for (const { value, at } of watched.shown) {
    if (value <= 0 || value >= page.total) continue;
    const write = lastBefore(writes, at);
    if (write === undefined) continue;
    out.popup.push(at - write);
    const notice = lastBefore(watched.notices, at);
    if (notice !== undefined && notice >= write) out.notice.push(notice - write);
    const event = page.events.find((e) => e.downloaded === value && !e.settled);
    if (event) out.page.push(event.at - write);
  }
  return out;
}

export default {
  name: 'popup-progress',
  perBrowser: true,
  run: (ctx) =>
    withExtension(ctx, async (session) => {
      const others = config.popupRegistrations;
      const site = await session.openBg();
      const popup = await extensionPage(session.launched);
      const lat = { plain: { popup: [], page: [], notice: [] }, seeded: { popup: [], page: [], notice: [] } };
      const offsets = { popup: [], site: [], writer: [] };
      let seeded = false;
      for (let round = 0; round < config.popupProgressRounds; round++) {
        const want = round % 2 === 1;
        if (want !== seeded) {
          if (want) await popup.evaluate(seedRegistrations, PREFIX, 0, others, 10);
          else await popup.evaluate(removeSeeded, PREFIX);
          seeded = want;
          // A fresh popup, so its first render of the new list is not counted as an update.
          await gotoExtensionPage(session.launched, popup, `src/popup/index.html?round=${round}`);
          // The list's count of registrations (it renders a page of rows, not all of them).
          const expected = (want ? others : 0) + 1;
          for (let tries = 0; (await popup.evaluate(rowCount)) < expected; tries++) {
            if (tries > 200) throw new Error(`the popup did not show ${expected} rows`);
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        }
        // The person is looking at the popup: it is the front tab, the site's tab is not.
        await popup.bringToFront();
        const id = `progress-${round}`;
        offsets.popup.push(await popup.evaluate(startWatch, id));
        const writes = await watchStoreWrites(session, popup);
        offsets.writer.push(writes.clockOffset);
        offsets.site.push(await site.evaluate(() => Date.now() - (performance.timeOrigin + performance.now())));
        const page = await site.evaluate(
          pageBgProgress,
          id,
          ctx.bench.gen('progress', SIZE, `&throttle=${MiB}`),
          60_000,
        );
        if (page.result !== 'success') throw new Error(`progress fetch: ${page.result}`);
        const got = pair(await writes.collect(), await popup.evaluate(stopWatch), page);
        const into = want ? lat.seeded : lat.plain;
        for (const key of Object.keys(into)) into[key].push(...got[key]);
        log(
          `${ctx.browser} popup progress round ${round}${want ? ` (+${others})` : ''}: popup ${fmt(median(got.popup))} ms, page ${fmt(median(got.page))} ms, notice ${fmt(median(got.notice))} ms, ${got.popup.length} values`,
        );
        ctx.bench.clearLog();
      }
      if (seeded) await popup.evaluate(removeSeeded, PREFIX);
      // Each context's Date.now() minus its timeOrigin + now: equal offsets mean comparable clocks.
      const clockOffsetsMs = Object.fromEntries(Object.entries(offsets).map(([k, v]) => [k, median(v)]));
      const noticeMs = { plain: median(lat.plain.notice), seeded: median(lat.seeded.notice) };
      const detail = {
        clockOffsetsMs,
        noticeMs,
        samples: { plain: lat.plain.popup.length, seeded: lat.seeded.popup.length },
      };
      ctx.report.row(
        ctx.browser,
        "progress → popup: store write → new value in the popup (vs store write → the page's progress event)",
        'ms',
        lat.plain.popup,
        lat.plain.page,
        { higherIsBetter: false, goalText: '—', detail },
      );
      ctx.report.row(
        ctx.browser,
        `progress → popup with ${others} more registrations in the store (vs with none)`,
        'ms',
        lat.seeded.popup,
        lat.plain.popup,
        { higherIsBetter: false, goal: { max: 50 }, goalText: '≤ 50 ms' },
      );
    }),
};
