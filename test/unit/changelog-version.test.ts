// `npm version`'s lifecycle script: the CHANGELOG's Unreleased section becomes the new version's.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JS module
import { releaseChangelog } from '../../scripts/changelog-version.mjs';

const changelog = readFileSync(new URL('../../CHANGELOG.md', import.meta.url), 'utf8');

describe('releaseChangelog', () => {
  it('dates the Unreleased changes as the new version, keeps an empty Unreleased above, and moves the compare links', () => {
    const released: string = releaseChangelog(changelog, '0.2.0', '2027-01-15');
    const headings = released.split('\n').filter((line) => line.startsWith('## ['));
    expect(headings).toEqual(['## [Unreleased]', '## [0.2.0] - 2027-01-15', '## [0.1.0]']);
    // What was under Unreleased is now under 0.2.0.
    const section = released.slice(released.indexOf('## [0.2.0]'), released.indexOf('## [0.1.0]'));
    expect(section).toContain('**Consent per site.**');
    expect(released).toContain('[Unreleased]: https://github.com/bgfetch/bgfetch/compare/v0.2.0...HEAD');
    expect(released).toContain('[0.2.0]: https://github.com/bgfetch/bgfetch/compare/v0.1.0...v0.2.0');
  });

  it('refuses a version the changelog already has, and a changelog without Unreleased', () => {
    expect(() => releaseChangelog(changelog, '0.1.0', '2027-01-15')).toThrow(/already has/);
    expect(() => releaseChangelog('# Changelog\n', '0.2.0', '2027-01-15')).toThrow(/no "## \[Unreleased\]"/);
  });
});
