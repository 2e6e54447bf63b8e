// What a site's worker reports through updateUI() is held to fetch()'s option limits.
import { describe, expect, test } from 'vitest';
import { deliveryOutcomeFrom } from './protocol';

const icon = { src: 'https://a.test/i.png', sizes: '32x32', type: 'image/png' };

describe('deliveryOutcomeFrom', () => {
  test('a valid report passes as it is', () => {
    const report = { outcome: 'handled', ui: { title: 'Done', icons: [icon] }, listened: true };
    expect(deliveryOutcomeFrom(report)).toEqual(report);
    expect(deliveryOutcomeFrom({ outcome: 'handled', ui: null, listened: false })).toEqual({
      outcome: 'handled',
      ui: null,
      listened: false,
    });
    expect(deliveryOutcomeFrom({ outcome: 'no-worker' })).toEqual({ outcome: 'no-worker' });
  });

  test.each([
    ['an object title', { title: { toString: 'x' } }],
    ['a title of 8 MiB', { title: 'x'.repeat(8 << 20) }],
    ['a title one past the limit', { title: 'x'.repeat(1025) }],
    ['33 icons', { icons: Array.from({ length: 33 }, () => icon) }],
    ['an icon with a number for src', { icons: [{ ...icon, src: 5 }] }],
    ['icons that are not an array', { icons: 'a.png' }],
    ['an unknown field', { title: 'ok', style: 'x' }],
  ])('%s: the handler counts as run, its UI is dropped', (_, ui) => {
    expect(deliveryOutcomeFrom({ outcome: 'handled', ui, listened: true })).toEqual({
      outcome: 'handled',
      ui: null,
      listened: true,
    });
  });

  test('a title of exactly 1,024 characters and 32 icons pass', () => {
    const ui = { title: 'x'.repeat(1024), icons: Array.from({ length: 32 }, () => icon) };
    expect(deliveryOutcomeFrom({ outcome: 'handled', ui, listened: true })).toEqual({
      outcome: 'handled',
      ui,
      listened: true,
    });
  });

  test('anything else is no outcome', () => {
    for (const raw of [undefined, null, 'handled', { outcome: 'done' }, { outcome: 'no-shim', extra: 1 }]) {
      expect(deliveryOutcomeFrom(raw)).toBeUndefined();
    }
    expect(deliveryOutcomeFrom({ outcome: 'handled', ui: null, listened: 'yes' })).toEqual({
      outcome: 'handled',
      ui: null,
      listened: false,
    });
  });
});
