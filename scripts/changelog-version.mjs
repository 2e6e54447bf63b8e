#!/usr/bin/env node
// npm's `version` lifecycle script (`npm version <bump>` runs it after writing the new version to
// package.json and package-lock.json, before its commit): the CHANGELOG's Unreleased section
// becomes the new version's, dated today (UTC), a fresh empty Unreleased goes above it, and the
// compare links at the bottom follow. The version itself lives in package.json only.
//
//   node scripts/changelog-version.mjs [CHANGELOG.md]
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The changelog text with Unreleased released as `version` on `date` (YYYY-MM-DD). */
export function releaseChangelog(text, version, date) {
  if (text.includes(`## [${version}]`)) throw new Error(`CHANGELOG.md already has a section for ${version}`);
  if (!text.includes('## [Unreleased]\n')) throw new Error('CHANGELOG.md has no "## [Unreleased]" section');
  let out = text.replace('## [Unreleased]\n', `## [Unreleased]\n\n## [${version}] - ${date}\n`);
  const link = /^\[Unreleased\]: (.*)\/compare\/v([^.\s]+\.[^.\s]+\.[^.\s]+)\.\.\.HEAD$/m.exec(out);
  if (link) {
    const [line, base, previous] = link;
    out = out.replace(
      line,
      `[Unreleased]: ${base}/compare/v${version}...HEAD\n[${version}]: ${base}/compare/v${previous}...v${version}`,
    );
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2] ?? `${root}CHANGELOG.md`;
  const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
  writeFileSync(file, releaseChangelog(readFileSync(file, 'utf8'), version, new Date().toISOString().slice(0, 10)));
  console.log(`CHANGELOG.md: Unreleased is now ${version}`);
}
