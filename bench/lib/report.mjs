// The rows every measure adds, the printed table and bench/results/*.json.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fmt, median } from './stats.mjs';
import { log } from './config.mjs';

export class Report {
  rows = [];
  notes = [];
  failures = [];
  versions = {};

  /**
   * higherIsBetter: ratio = bgfetch / baseline (throughput), else baseline / bgfetch (time).
   * goal: { ratio: 0.9 } (ratio >= x), { max: 8192 } (bgfetch <= x) or { maxAdded: 1 }
   * (bgfetch - baseline <= x). noRatio: the two columns are not comparable as a quotient.
   * @param {string} browser
   * @param {string} measure
   * @param {string} unit
   * @param {number[]} bg
   * @param {number[] | null | undefined} base
   * @param {{ higherIsBetter?: boolean, goal?: { ratio?: number, max?: number, maxAdded?: number }, goalText?: string, detail?: unknown, noRatio?: boolean }} [options]
   */
  row(browser, measure, unit, bg, base, { higherIsBetter = true, goal, goalText = '', detail, noRatio = false } = {}) {
    const b = median(bg);
    const a = base == null ? NaN : median(base);
    let ratio = NaN;
    if (!noRatio && Number.isFinite(a) && Number.isFinite(b) && a > 0 && b > 0) ratio = higherIsBetter ? b / a : a / b;
    let met = null;
    if (goal?.ratio != null && Number.isFinite(ratio)) met = ratio >= goal.ratio;
    if (goal?.max != null && Number.isFinite(b)) met = b <= goal.max;
    if (goal?.maxAdded != null && Number.isFinite(a) && Number.isFinite(b)) met = b - a <= goal.maxAdded;
    const r = {
      browser,
      measure,
      unit,
      bgfetch: b,
      baseline: a,
      ratio,
      goal: goalText,
      met,
      samples: { bgfetch: bg, baseline: base ?? null },
      ...(detail ? { detail } : {}),
    };
    this.rows.push(r);
    log(`${browser} ${measure}: bgfetch ${fmt(b)} ${unit}, baseline ${fmt(a)} ${unit}, ratio ${fmt(ratio, 2)}`);
    return r;
  }

  note(text) {
    this.notes.push(text);
    log(`note: ${text}`);
  }

  table() {
    const header = ['browser', 'measure', 'bgfetch', 'baseline', 'ratio', 'goal', 'met?'];
    const lines = this.rows.map((r) => [
      r.browser,
      r.measure,
      `${fmt(r.bgfetch)} ${r.unit}`,
      Number.isFinite(r.baseline) ? `${fmt(r.baseline)} ${r.unit}` : '—',
      Number.isFinite(r.ratio) ? `${r.ratio.toFixed(2)}×` : '—',
      r.goal || '—',
      r.met == null ? '—' : r.met ? 'yes' : 'NO',
    ]);
    return [header, header.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
  }

  /** Prints the table and writes the JSON (same fields as ever; `measures` says what ran). */
  finish({ file, seconds, config, measures }) {
    const machine = {
      cpu: os.cpus()[0]?.model,
      cores: os.cpus().length,
      memoryGiB: +(os.totalmem() / 1024 ** 3).toFixed(1),
      os: `${os.type()} ${os.release()}`,
      node: process.version,
      browsers: this.versions,
      loadavg: os.loadavg().map((x) => +x.toFixed(2)),
    };
    const table = this.table();
    const browsers = Object.entries(this.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    console.log(
      `\nbgfetch benchmarks — ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${browsers}; ${seconds} s`,
    );
    console.log(
      `ratio: bgfetch ÷ baseline for speeds, baseline ÷ bgfetch for times (above 1 = bgfetch better); medians of ${config.rounds} interleaved rounds (throughput ${config.throughputRounds}, latency ${config.latencyRounds}).\n`,
    );
    console.log(table);
    for (const note of this.notes) console.log(`note: ${note}`);
    for (const failure of this.failures) console.log(`FAILED ${failure}`);
    const { rows, notes, failures } = this;
    const json = { date: new Date().toISOString(), seconds, machine, config, measures, rows, notes, failures, table };
    writeFileSync(file, JSON.stringify(json, null, 2) + '\n');
    console.log(`\nwritten to ${file}`);
  }
}
