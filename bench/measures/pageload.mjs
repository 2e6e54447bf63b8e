// What the extension costs a page that never uses the API: load time (loadEventEnd) of a plain
// page in a browser with the extension and in two instances without it, and the part of it that
// document_start scripts delay (first byte → the page's first script), which is far less noisy. The second instance
// without is an A/A control: the difference between two identical browsers shows how large a
// difference the noise alone makes, so the with-vs-without number can be judged against it.
// Loads rotate through every order of the three browsers, round by round, never in blocks.
import { config, log } from '../lib/config.mjs';
import { launchPlain, withExtension } from '../lib/browsers.mjs';
import { firstScriptTime, loadTime } from '../lib/site-page.mjs';
import { fmt, median, medianInterval, pairedDiffs } from '../lib/stats.mjs';

/**
 * Firefox rounds page timings to 1 ms by default (privacy.reduceTimerPrecision), as coarse as the
 * difference measured: all three of its instances report them unrounded.
 */
const PREFS = { 'privacy.reduceTimerPrecision': false };

/** Rounds of loads in each browser before any is counted. */
const WARM_UP = 6;

const ORDERS = [
  ['ext', 'a', 'b'],
  ['a', 'b', 'ext'],
  ['b', 'ext', 'a'],
  ['ext', 'b', 'a'],
  ['b', 'a', 'ext'],
  ['a', 'ext', 'b'],
];

/** One load: its load time (loadEventEnd) and its first byte → first script time. */
async function loadOnce(page, url) {
  await page.goto(url, { waitUntil: 'load' });
  const firstScript = await page.evaluate(firstScriptTime);
  // loadEventEnd is set just after the load handlers return: wait for it.
  for (let tries = 0; tries < 20; tries++) {
    const load = await page.evaluate(loadTime);
    if (load > 0) return { load, firstScript };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { load: NaN, firstScript };
}

const interval = ([lo, hi]) => `${fmt(lo)}…${fmt(hi)}`;
const yes = (b) => (b ? 'yes' : 'no');

/**
 * Round by round differences: each pair was loaded back to back, so slow spells of the machine
 * (other work on 2 cores) cancel out. Two readings: the added time is above zero (sampling noise
 * alone), and above the A/A interval too (also allows for two browser instances simply differing).
 */
function pairedRow(ctx, what, times) {
  const added = pairedDiffs(times.ext, times.a);
  const aa = pairedDiffs(times.b, times.a);
  const addedInterval = medianInterval(added);
  const aaInterval = medianInterval(aa);
  const aboveZero = addedInterval[0] > 0;
  const beyondNoise = addedInterval[0] > aaInterval[1];
  ctx.report.row(ctx.browser,
    `${what}, median of paired differences (baseline: A/A, without − without; 95% CI ${interval(addedInterval)} vs ${interval(aaInterval)} ms)`,
    'ms', added, aa, { higherIsBetter: false, noRatio: true, goalText: '—', detail: { addedInterval, aaInterval, aboveZero, beyondNoise } });
  ctx.report.note(
    `${ctx.browser} ${what}: ${fmt(median(added))} ms (95% CI ${interval(addedInterval)}), ` +
      `A/A control ${fmt(median(aa))} ms (${interval(aaInterval)}); above zero: ${yes(aboveZero)}, above the A/A interval: ${yes(beyondNoise)}`,
  );
}

export default {
  name: 'pageload',
  perBrowser: true,
  run: (ctx) =>
    withExtension(ctx, async (session) => {
      const url = `${ctx.bench.server.originB}/bench/plain.html`;
      const plain = [];
      try {
        plain.push(await launchPlain(ctx.browser, PREFS), await launchPlain(ctx.browser, PREFS));
        const tabs = { ext: await session.browser.newPage(), a: await plain[0].newPage(), b: await plain[1].newPage() };
        // First loads pay for process start-up, and a browser just launched is still busy with
        // its own start-up work for a while (seen in Chromium: the youngest instance slower).
        for (let i = 0; i < WARM_UP; i++) {
          for (const which of ORDERS[i % ORDERS.length]) await loadOnce(tabs[which], `${url}?warm=${i}`);
        }
        const ms = { ext: [], a: [], b: [] };
        const first = { ext: [], a: [], b: [] };
        for (let i = 0; i < config.pageLoads; i++) {
          for (const which of ORDERS[i % ORDERS.length]) {
            const { load, firstScript } = await loadOnce(tabs[which], `${url}?i=${i}`);
            ms[which].push(load);
            first[which].push(firstScript);
          }
        }
        const present = async (tab) => tab.evaluate(() => 'BackgroundFetchManager' in self);
        const detail = { apiPresentWithExtension: await present(tabs.ext), apiPresentWithout: await present(tabs.a) };
        ctx.bench.clearLog();

        const base = ctx.report.row(ctx.browser, `plain page load (loadEventEnd), with vs without the extension, median of ${config.pageLoads}`, 'ms',
          ms.ext, ms.a, { higherIsBetter: false, goal: { maxAdded: 1 }, goalText: '≤ +1 ms' });
        base.detail = { ...detail, addedMs: base.bgfetch - base.baseline, aaMs: median(ms.b) - median(ms.a), secondWithout: ms.b };

        pairedRow(ctx, 'page load added by the extension', ms);
        pairedRow(ctx, "time from the response's first byte to the page's first script, added by the extension", first);
        log(`${ctx.browser} page loads: ext ${fmt(median(ms.ext))}, without ${fmt(median(ms.a))} / ${fmt(median(ms.b))} ms`);
      } finally {
        for (const browser of plain) await browser.close().catch(() => undefined);
      }
    }, { prefs: PREFS }),
};
