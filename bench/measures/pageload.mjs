// What the extension costs a page that never uses the API: load time (loadEventEnd) of a plain
// page in a browser with the extension and in two instances without it, and the part of it that
// document_start scripts delay (first byte → the page's first script). The second instance
// without is an A/A control: the difference between two identical browsers shows how large a
// difference the noise alone makes, so the with-vs-without number can be judged against it.
// Firefox puts the page script into every page, so a fourth instance there runs the same build
// with an empty page script: what Firefox itself spends on any extension's document_start script,
// apart from what bgfetch's script adds; and a fifth, launched after, times the page script in
// each page with timestamps the build puts just before and after it (bench/lib/page-cost.mjs).
// Loads rotate through every order of the browsers, round by round, never in blocks.
import { config, log } from '../lib/config.mjs';
import { launchPlain, withExtension } from '../lib/browsers.mjs';
import { firefoxControlBuild, stampedRunTime } from '../lib/page-cost.mjs';
import { firstScriptTime, loadTime } from '../lib/site-page.mjs';
import { fmt, median, medianInterval, pairedDiffs } from '../lib/stats.mjs';

/**
 * Firefox rounds page timings to 1 ms by default (privacy.reduceTimerPrecision), as coarse as the
 * difference measured: all its instances report them unrounded.
 */
const PREFS = {
  'privacy.reduceTimerPrecision': false,
  // A plain http site (not a secure context) on the loopback server: bgfetch's page script must
  // not go there. Without HTTPS-First, which would try https:// first.
  'network.dns.localDomains': 'insecure.bgfetch.test',
  'dom.security.https_first': false,
};

/** Rounds of loads in each browser before any is counted. */
const WARM_UP = 6;

/** Loads the page script is timed in (in-page timestamps: far less noisy than load times). */
const STAMPED_LOADS = 60;

/** Every order of `keys`, so each browser goes first, second, ... equally often. */
function permutations(keys) {
  if (keys.length < 2) return [keys];
  return keys.flatMap((key, i) =>
    permutations([...keys.slice(0, i), ...keys.slice(i + 1)]).map((rest) => [key, ...rest]),
  );
}

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

const interval = (/** @type {number[]} */ [lo, hi]) => `${fmt(lo)}…${fmt(hi)}`;
const yes = (b) => (b ? 'yes' : 'no');

/**
 * Round by round differences x − y: each pair was loaded back to back, so slow spells of the
 * machine (other work on 2 cores) cancel out. Two readings: the added time is above zero (sampling
 * noise alone), and above the A/A interval too (also allows for two browser instances simply differing).
 */
function pairedRow(ctx, what, x, y, aa) {
  const added = pairedDiffs(x, y);
  const addedInterval = medianInterval(added);
  const aaInterval = medianInterval(aa);
  const aboveZero = addedInterval[0] > 0;
  const beyondNoise = addedInterval[0] > aaInterval[1];
  ctx.report.row(
    ctx.browser,
    `${what}, median of paired differences (baseline: A/A, without − without; 95% CI ${interval(addedInterval)} vs ${interval(aaInterval)} ms)`,
    'ms',
    added,
    aa,
    {
      higherIsBetter: false,
      noRatio: true,
      goalText: '—',
      detail: { addedInterval, aaInterval, aboveZero, beyondNoise },
    },
  );
  ctx.report.note(
    `${ctx.browser} ${what}: ${fmt(median(added))} ms (95% CI ${interval(addedInterval)}), ` +
      `A/A control ${fmt(median(aa))} ms (${interval(aaInterval)}); above zero: ${yes(aboveZero)}, above the A/A interval: ${yes(beyondNoise)}`,
  );
}

/** A Firefox control build (bench/lib/page-cost.mjs) in a browser like the others. */
async function launchControl(kind) {
  const build = firefoxControlBuild(kind);
  const browser = await launchPlain('firefox', PREFS);
  await browser.installExtension(build.dir);
  const close = async () => {
    await browser.close().catch(() => undefined);
    build.remove();
  };
  return { browser, close };
}

/** The page script's own run time in each load of the plain page, in the stamped build. */
async function timePageScript(ctx, url) {
  const stamped = await launchControl('stamped');
  try {
    const tab = await stamped.browser.newPage();
    const times = [];
    for (let i = -WARM_UP; i < STAMPED_LOADS; i++) {
      await tab.goto(`${url}?stamped=${i}`, { waitUntil: 'load' });
      const ms = await tab.evaluate(stampedRunTime);
      if (i >= 0) times.push(ms);
    }
    const ci = medianInterval(times);
    ctx.report.row(
      ctx.browser,
      `bgfetch's page script, its run time in each page (timestamps just before and after it), median of ${STAMPED_LOADS} (95% CI ${interval(ci)} ms)`,
      'ms',
      times,
      null,
      { higherIsBetter: false, goalText: '—', detail: { interval: ci } },
    );
    return median(times);
  } finally {
    await stamped.close();
  }
}

export default {
  name: 'pageload',
  perBrowser: true,
  run: (ctx) =>
    withExtension(
      ctx,
      async (session) => {
        const url = `${ctx.bench.server.originB}/bench/plain.html`;
        const plain = [];
        let empty = null;
        try {
          plain.push(await launchPlain(ctx.browser, PREFS), await launchPlain(ctx.browser, PREFS));
          const tabs = {
            ext: await session.browser.newPage(),
            a: await plain[0].newPage(),
            b: await plain[1].newPage(),
          };
          if (ctx.browser === 'firefox') {
            empty = await launchControl('empty');
            tabs.empty = await empty.browser.newPage();
          }
          const orders = permutations(Object.keys(tabs));
          // First loads pay for process start-up, and a browser just launched is still busy with
          // its own start-up work for a while (seen in Chromium: the youngest instance slower).
          for (let i = 0; i < WARM_UP; i++) {
            for (const which of orders[i % orders.length]) await loadOnce(tabs[which], `${url}?warm=${i}`);
          }
          const ms = Object.fromEntries(Object.keys(tabs).map((k) => [k, []]));
          const first = Object.fromEntries(Object.keys(tabs).map((k) => [k, []]));
          // Firefox: the same page on a plain http site, where no service worker (so no Background
          // Fetch) can exist, with and without the extension.
          const insecureUrl = Object.assign(new URL(url), { hostname: 'insecure.bgfetch.test' }).href;
          const insecure = { ext: [], a: [], b: [] };
          const insecureOrders = permutations(Object.keys(insecure));
          for (let i = 0; i < config.pageLoads; i++) {
            for (const which of orders[i % orders.length]) {
              const { load, firstScript } = await loadOnce(tabs[which], `${url}?i=${i}`);
              ms[which].push(load);
              first[which].push(firstScript);
            }
            if (ctx.browser !== 'firefox') continue;
            for (const which of insecureOrders[i % insecureOrders.length]) {
              insecure[which].push((await loadOnce(tabs[which], `${insecureUrl}?i=${i}`)).load);
            }
          }
          const present = async (tab, at = url) => {
            await tab.goto(at, { waitUntil: 'load' });
            return tab.evaluate(() => 'BackgroundFetchManager' in self && isSecureContext);
          };
          const detail = { apiPresentWithExtension: await present(tabs.ext), apiPresentWithout: await present(tabs.a) };
          if (tabs.empty && (await present(tabs.empty)))
            throw new Error('the empty page script build still defines the API');
          ctx.bench.clearLog();

          const base = ctx.report.row(
            ctx.browser,
            `plain page load (loadEventEnd), with vs without the extension, median of ${config.pageLoads}`,
            'ms',
            ms.ext,
            ms.a,
            { higherIsBetter: false, goal: { maxAdded: 1 }, goalText: '≤ +1 ms' },
          );
          base.detail = {
            ...detail,
            addedMs: base.bgfetch - base.baseline,
            aaMs: median(ms.b) - median(ms.a),
            secondWithout: ms.b,
          };

          const aaLoad = pairedDiffs(ms.b, ms.a);
          const aaFirst = pairedDiffs(first.b, first.a);
          pairedRow(ctx, 'page load added by the extension', ms.ext, ms.a, aaLoad);
          const firstScript = "time from the response's first byte to the page's first script";
          pairedRow(ctx, `${firstScript}, added by the extension`, first.ext, first.a, aaFirst);
          if (tabs.empty) {
            pairedRow(
              ctx,
              `${firstScript}, added by the same extension with an empty page script (Firefox's own cost)`,
              first.empty,
              first.a,
              aaFirst,
            );
            pairedRow(ctx, `${firstScript}, bgfetch's page script vs an empty one`, first.ext, first.empty, aaFirst);
          }
          if (ctx.browser === 'firefox') {
            if (await present(tabs.ext, insecureUrl))
              throw new Error(`${insecureUrl} is not a secure context: it must have no API`);
            pairedRow(
              ctx,
              'page load added by the extension on a plain http site (not a secure context: no API there)',
              insecure.ext,
              insecure.a,
              pairedDiffs(insecure.b, insecure.a),
            );
          }
          // Firefox puts it into every https page; Chromium only into pages of sites switched to bgfetch.
          const scriptMs = ctx.browser === 'firefox' ? await timePageScript(ctx, url) : NaN;
          log(
            `${ctx.browser} page loads: ext ${fmt(median(ms.ext))}, without ${fmt(median(ms.a))} / ${fmt(median(ms.b))}` +
              `${tabs.empty ? `, empty page script ${fmt(median(ms.empty))}` : ''} ms; page script ${fmt(scriptMs)} ms`,
          );
        } finally {
          for (const browser of plain) await browser.close().catch(() => undefined);
          await empty?.close();
        }
      },
      { prefs: PREFS },
    ),
};
