import { describe, expect, it } from 'vitest';
import manifest from '../../manifest.json' with { type: 'json' };
import { SECURE_CONTEXT_MATCHES } from './channels';

describe('SECURE_CONTEXT_MATCHES', () => {
  it('is where the manifest puts its content scripts (Firefox: the page API in every such page)', () => {
    expect(manifest.content_scripts.length).toBeGreaterThan(0);
    for (const script of manifest.content_scripts) expect(script.matches).toEqual(SECURE_CONTEXT_MATCHES);
  });
});
