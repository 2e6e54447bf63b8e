// Issue #6: the popup's first render with many registrations in the store. Time from the
// popup's navigation start to its list holding every registration with its first page of rows in
// the DOM (the popup pages its list: 25 rows, "Show more" for the next), with 1,000
// registrations (100 sites × 10) against the
// same popup with 10 of them (one site). Same page, same row shapes, only the count differs, so
// the ratio is the cost of scale alone: 1.0 would mean 1,000 rows cost what 10 do.
import { config, log } from '../lib/config.mjs';
import { extensionPage, withExtension } from '../lib/browsers.mjs';
import { renderPopupOnce } from '../lib/popup-page.mjs';
import { announceSeeded, removeSeeded, seedRegistrations } from '../lib/popup-store.mjs';
import { fmt, median, order } from '../lib/stats.mjs';

const PREFIX = 'bench-popup-';
const PER_SITE = 10;
const SMALL = 10;

const medianPhases = (list) =>
  Object.fromEntries(
    ['read', 'answer', 'script', 'active', 'settled', 'list'].map((name) => [
      name,
      median(list.map((p) => p?.[name]).filter(Number.isFinite)),
    ]),
  );

export default {
  name: 'popup-render',
  perBrowser: true,
  run: (ctx) =>
    withExtension(ctx, async (session) => {
      const large = config.popupRegistrations;
      // The host is one of the extension's images: a page of its origin (so it sees into the
      // popup's frame) that runs nothing on the main thread the popup shares with it. A toolbar
      // popup has no such neighbour; a popup as host re-renders its own list every second.
      const host = await extensionPage(session.launched, 'icons/icon-96.png');
      await host.bringToFront();
      let seeded = 0;
      const setCount = async (count) => {
        if (seeded < count) await host.evaluate(seedRegistrations, PREFIX, seeded, count, PER_SITE);
        if (seeded > count) await host.evaluate(removeSeeded, PREFIX, count);
        if (seeded !== count) await host.evaluate(announceSeeded);
        seeded = count;
      };
      const ms = { large: [], small: [] };
      const ready = { large: [], small: [] };
      const phases = { large: [], small: [] };
      let late = 0;
      // Round -1 warms up (the first load compiles the popup's scripts) and is not counted.
      for (let round = -1; round < config.popupRounds; round++) {
        for (const which of order(round + 1, 'large', 'small')) {
          const rows = which === 'large' ? large : SMALL;
          await setCount(rows);
          const got = await host.evaluate(renderPopupOnce, rows, 60_000, '/src/popup/index.html');
          if (got.late) late++;
          if (round < 0) continue;
          ms[which].push(got.ms);
          ready[which].push(got.domContentLoaded);
          phases[which].push(got.phases);
        }
        if (round >= 0) {
          const p = phases.large.at(-1) ?? {};
          log(
            `${ctx.browser} popup render round ${round}: ${fmt(ms.large.at(-1))} ms (${large}: read ${fmt(p.read)}–${fmt(p.answer)}, script ${fmt(p.script)}, active ${fmt(p.active)}, settled ${fmt(p.settled)}, list ${fmt(p.list)}), ${fmt(ms.small.at(-1))} ms (${SMALL})`,
          );
        }
      }
      await setCount(0);
      if (late)
        ctx.report.note(
          `${ctx.browser} popup render: ${late} loads were rendered before the observer was in place (not counted)`,
        );
      ctx.report.row(
        ctx.browser,
        `popup first render with ${large} registrations, navigation → list ready, first page of rows in the DOM (vs ${SMALL} registrations)`,
        'ms',
        ms.large,
        ms.small,
        {
          higherIsBetter: false,
          goal: { max: 100 },
          goalText: '≤ 100 ms',
          detail: {
            domContentLoadedMs: { large: median(ready.large), small: median(ready.small) },
            // Medians of the popup's marks (ms from navigation): the early store read started and
            // answered (first-read.js), scripts evaluated, the active and the settled fetches in
            // the list's sources, the list's first commit.
            phasesMs: { large: medianPhases(phases.large), small: medianPhases(phases.small) },
            sites: large / PER_SITE,
          },
        },
      );
    }),
};
