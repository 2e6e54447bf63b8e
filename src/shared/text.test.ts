import { describe, expect, test } from 'vitest';
import { withoutFormatCharacters } from './text';

describe('withoutFormatCharacters', () => {
  test('removes bidi overrides, isolates and marks', () => {
    expect(withoutFormatCharacters('photo\u202egpj.exe')).toBe('photogpj.exe');
    expect(withoutFormatCharacters('\u2066a\u2069\u200e\u200f\u061cb\u202a\u202b\u202c\u202d')).toBe('ab');
  });
  test('removes other invisible format characters (soft hyphen, BOM, word joiner, tags)', () => {
    expect(withoutFormatCharacters('a\u00adb\ufeffc\u2060d\u{e0041}e')).toBe('abcde');
  });
  test('keeps ZWJ and ZWNJ, which spell emoji and words right', () => {
    expect(withoutFormatCharacters('👩\u200d💻 می\u200cخواهم')).toBe('👩\u200d💻 می\u200cخواهم');
  });
});
