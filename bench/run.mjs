// `npm run bench`: bgfetch against the browser's own machinery, measured interleaved in the same
// run (several rounds, alternating which goes first), medians and ratios. Never fails on a timing.
// One measure per file in bench/measures/, each in a fresh browser; helpers in bench/lib/.
//
//   npm run bench                                  every measure, both browsers → results/latest.json
//   npm run bench -- --only popup,pageload         some measures (name or prefix) → results/partial.json
//   npm run bench -- --only latency --browsers firefox
//   npm run bench -- --list                        the measure names
//
// Environment: BENCH_ONLY and BROWSERS (same as the flags), BENCH_OUT (the JSON file),
// BENCH_BUILD=1 to rebuild dist/ first, and the settings in lib/config.mjs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { register } from 'tsx/esm/api';
import { config, elapsedSeconds, log, ROOT } from './lib/config.mjs';
import { Report } from './lib/report.mjs';

const MEASURES = [
  'sizes',
  'throughput',
  'readback',
  'memory',
  'many',
  'latency',
  'pageload',
  'popup-render',
  'popup-progress',
];

const { values: args } = parseArgs({
  options: {
    only: { type: 'string', default: process.env.BENCH_ONLY ?? '' },
    browsers: { type: 'string', default: process.env.BROWSERS ?? 'firefox,chromium' },
    list: { type: 'boolean', default: false },
  },
});
if (args.list) {
  console.log(MEASURES.join('\n'));
  process.exit(0);
}
const list = (s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const wanted = list(args.only);
const selected = wanted.length
  ? MEASURES.filter((m) => wanted.some((w) => m === w || m.startsWith(`${w}-`)))
  : MEASURES;
const unknown = wanted.filter((w) => !MEASURES.some((m) => m === w || m.startsWith(`${w}-`)));
if (unknown.length || !selected.length) {
  console.error(`unknown measure ${unknown.join(', ')}; one of: ${MEASURES.join(', ')}`);
  process.exit(2);
}
const browsers = list(args.browsers).filter((b) => b === 'firefox' || b === 'chromium');

const distFiles = ['dist/firefox/manifest.json', 'dist/chromium/manifest.json'];
if (process.env.BENCH_BUILD || distFiles.some((f) => !existsSync(path.join(ROOT, f)))) {
  log('building dist/ (node scripts/build.mjs)');
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
}

// The measures use the tests' TypeScript helpers: load them once tsx is in place.
register();
const { startBenchServer } = await import('./lib/server.mjs');
const modules = await Promise.all(selected.map(async (name) => (await import(`./measures/${name}.mjs`)).default));

const report = new Report();
const bench = await startBenchServer();
const runOne = async (measure, browser) => {
  log(`${measure.name} (${browser})`);
  try {
    await measure.run({ browser, bench, report });
  } catch (error) {
    report.failures.push(`${browser} ${measure.name}: ${error?.stack ?? error}`);
    log(`${browser} ${measure.name} FAILED:`, error);
  }
};
for (const measure of modules.filter((m) => !m.perBrowser)) await runOne(measure, 'both');
for (const browser of browsers) {
  for (const measure of modules.filter((m) => m.perBrowser)) await runOne(measure, browser);
}
await bench.server.close();

const partial = selected.length < MEASURES.length || browsers.length < 2;
mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
report.finish({
  // A partial run must not replace the full results the README quotes.
  file: process.env.BENCH_OUT ?? path.join(ROOT, `bench/results/${partial ? 'partial' : 'latest'}.json`),
  seconds: elapsedSeconds(),
  config,
  measures: { names: selected, browsers },
});
// Whatever a failed measure left open (a timer, a socket) must not keep the run alive.
process.exit(0);
