// What a page pays for bgfetch's page script, taken apart with two copies of the Firefox build:
// one whose page script is empty (Firefox's own cost of running any extension's document_start
// script in a document), and one that takes a timestamp in the page just before and just after
// the page script (the script's own run time in each page, as Firefox injects it).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from './config.mjs';

const PAGE_SCRIPT = 'src/content/page/page.iife.js';
const STAMPS = { before: 'bench-stamp-before.js', after: 'bench-stamp-after.js' };

/** A copy of dist/firefox, changed by `kind`, in a temporary folder; remove() deletes it. */
export function firefoxControlBuild(kind) {
  const dir = mkdtempSync(path.join(tmpdir(), `bgfetch-${kind}-`));
  cpSync(path.join(ROOT, 'dist/firefox'), dir, { recursive: true });
  if (kind === 'empty') writeFileSync(path.join(dir, PAGE_SCRIPT), '');
  if (kind === 'stamped') {
    writeFileSync(path.join(dir, STAMPS.before), 'window.__bgfetchBenchBefore = performance.now();');
    writeFileSync(path.join(dir, STAMPS.after), 'window.__bgfetchBenchAfter = performance.now();');
    const manifestFile = path.join(dir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    const entry = manifest.content_scripts.find((script) => script.js.includes(PAGE_SCRIPT));
    entry.js = [STAMPS.before, ...entry.js, STAMPS.after];
    writeFileSync(manifestFile, JSON.stringify(manifest));
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs in a page of the stamped build: the page script's run time there (ms). */
export function stampedRunTime() {
  if (!('BackgroundFetchManager' in self)) throw new Error('the page script did not run');
  return window.__bgfetchBenchAfter - window.__bgfetchBenchBefore;
}
