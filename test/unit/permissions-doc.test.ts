// Every permission and host permission of both built manifests has its own justification in
// docs/permissions.md (a `### ` heading naming it in backticks), so a permission added to the
// manifest without a reason for reviewers fails here. The manifests come from the same derivation
// the build uses (`manifestFor` in vite.config.ts), so this needs no build.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { manifestFor, type Target } from '../../vite.config';

const doc = readFileSync(new URL('../../docs/permissions.md', import.meta.url), 'utf8');
const justified = new Set(
  doc
    .split('\n')
    .filter((line) => line.startsWith('### '))
    .flatMap((line) => [...line.matchAll(/`([^`]+)`/g)].map((match) => match[1])),
);

function requested(target: Target): string[] {
  const manifest = manifestFor(target) as {
    permissions?: string[];
    host_permissions?: string[];
    optional_permissions?: string[];
    optional_host_permissions?: string[];
  };
  return [
    ...(manifest.permissions ?? []),
    ...(manifest.host_permissions ?? []),
    ...(manifest.optional_permissions ?? []),
    ...(manifest.optional_host_permissions ?? []),
  ];
}

describe('docs/permissions.md', () => {
  for (const target of ['firefox', 'chromium'] as const) {
    it(`justifies every permission of the ${target} manifest under its own heading`, () => {
      const permissions = requested(target);
      expect(permissions.length).toBeGreaterThan(0);
      expect(permissions.filter((permission) => !justified.has(permission))).toEqual([]);
    });
  }

  it('counts a permission as justified only under a heading, not when merely mentioned', () => {
    // `tabs` is named in the text (as not requested) but has no heading: it would not pass.
    expect(doc).toContain('`tabs`');
    expect(justified.has('tabs')).toBe(false);
  });

  it('asks for no tabs permission (host permissions cover tabs.query({ url }) and tabs.create)', () => {
    expect(requested('firefox')).not.toContain('tabs');
    expect(requested('chromium')).not.toContain('tabs');
  });
});
