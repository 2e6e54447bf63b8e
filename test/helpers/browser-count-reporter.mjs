// A node:test reporter that prints, per browser, how many end-to-end tests passed and failed.
// Suites are named "[firefox] …" / "[chromium] …"; their tests count for that browser.
export default async function* browserCounts(source) {
  const suiteAt = [];
  const counts = new Map();
  const tally = (browser, key) => {
    const entry = counts.get(browser) ?? { passed: 0, failed: 0, skipped: 0 };
    entry[key]++;
    counts.set(browser, entry);
  };
  for await (const event of source) {
    if (event.type === 'test:start') suiteAt[event.data.nesting] = event.data.name;
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    if (event.data.details?.type === 'suite') continue;
    const path = suiteAt.slice(0, event.data.nesting).concat(event.data.name);
    const browser = path.map((name) => /^\[(\w+)\]/.exec(name ?? '')?.[1]).find(Boolean) ?? 'other';
    if (event.data.skip || event.data.todo) tally(browser, 'skipped');
    else tally(browser, event.type === 'test:pass' ? 'passed' : 'failed');
  }
  yield '\nEnd-to-end tests per browser:\n';
  let passed = 0;
  let failed = 0;
  for (const [browser, entry] of [...counts].sort()) {
    yield `  ${browser}: ${entry.passed} passed, ${entry.failed} failed${entry.skipped ? `, ${entry.skipped} skipped` : ''}\n`;
    passed += entry.passed;
    failed += entry.failed;
  }
  yield `e2e: ${passed} passed, ${failed} failed\n`;
}
