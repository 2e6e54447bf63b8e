import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { MessageKey, Msg } from './i18n';
import {
  failureMessage,
  formatBytes,
  formatDuration,
  formatEta,
  formatFileCount,
  formatProgress,
  formatSpeed,
} from './format';
import { FAILURE_REASONS } from '../shared/spec';

/** browser.i18n.getMessage over one locale's messages.json ($1 substitutions). */
export function messagesOf(lang: 'en' | 'de'): Msg {
  const messages = JSON.parse(readFileSync(new URL(`../../_locales/${lang}/messages.json`, import.meta.url), 'utf8')) as Record<
    string,
    { message: string }
  >;
  return (key: MessageKey, substitutions?: string | string[]) => {
    const subs = substitutions === undefined ? [] : Array.isArray(substitutions) ? substitutions : [substitutions];
    const text = messages[key]?.message;
    if (text === undefined) throw new Error(`no message ${key} in ${lang}`);
    return text.replace(/\$(\d)/g, (_, n: string) => subs[Number(n) - 1] ?? '');
  };
}

const en = messagesOf('en');
const de = messagesOf('de');

describe('the two languages', () => {
  test('have the same keys, and every key the code uses', () => {
    const read = (lang: string) =>
      Object.keys(JSON.parse(readFileSync(new URL(`../../_locales/${lang}/messages.json`, import.meta.url), 'utf8')) as object).sort();
    expect(read('de')).toEqual(read('en'));
  });
});

describe('formatBytes', () => {
  test('English', () => {
    expect(formatBytes(0, 'en')).toBe('0 byte');
    expect(formatBytes(999, 'en')).toBe('999 byte');
    expect(formatBytes(1500, 'en')).toBe('1.5 kB');
    expect(formatBytes(60 * 1024 * 1024, 'en')).toBe('62.9 MB');
    expect(formatBytes(2_000_000_000, 'en')).toBe('2.0 GB');
  });
  test('German', () => {
    expect(formatBytes(999, 'de')).toBe('999 Byte');
    expect(formatBytes(1500, 'de')).toBe('1,5 kB');
    expect(formatBytes(62_900_000, 'de')).toBe('62,9 MB');
  });
  test('never shows 1000.0 of a unit', () => {
    expect(formatBytes(999_960, 'en')).toBe('1.0 MB');
  });
  test('nonsense reads as zero', () => {
    expect(formatBytes(Number.NaN, 'en')).toBe('0 byte');
    expect(formatBytes(-5, 'en')).toBe('0 byte');
  });
});

describe('formatSpeed', () => {
  test('English and German', () => {
    expect(formatSpeed(1_500_000, 'en')).toBe('1.5 MB/s');
    expect(formatSpeed(1_500_000, 'de')).toBe('1,5 MB/s');
    expect(formatSpeed(200, 'en')).toMatch(/^200 (B|byte)\/s$/);
  });
});

describe('formatDuration and formatEta', () => {
  test('rounds up and picks the unit', () => {
    expect(formatDuration(0.2, 'en')).toBe('1 sec');
    expect(formatDuration(45, 'en')).toBe('45 sec');
    expect(formatDuration(61, 'en')).toBe('2 min');
    expect(formatDuration(3900, 'en')).toBe('1 hr 5 min');
    expect(formatDuration(7200, 'en')).toBe('2 hr');
  });
  test('German', () => {
    expect(formatDuration(45, 'de')).toBe('45 Sek.');
    expect(formatDuration(3900, 'de')).toBe('1 Std. 5 Min.');
    expect(formatEta(45, 'de', de)).toBe('noch 45 Sek.');
  });
  test('no estimate: empty', () => {
    expect(formatEta(45, 'en', en)).toBe('45 sec left');
    expect(formatEta(null, 'en', en)).toBe('');
    expect(formatEta(Number.POSITIVE_INFINITY, 'en', en)).toBe('');
    expect(formatEta(30 * 24 * 3600, 'en', en)).toBe('');
  });
});

describe('counts and progress', () => {
  test('files', () => {
    expect(formatFileCount(1, 'en', en)).toBe('1 file');
    expect(formatFileCount(1234, 'en', en)).toBe('1,234 files');
    expect(formatFileCount(1, 'de', de)).toBe('1 Datei');
    expect(formatFileCount(1234, 'de', de)).toBe('1.234 Dateien');
  });
  test('downloaded of total', () => {
    expect(formatProgress(1_500_000, 3_000_000, 'en', en)).toBe('1.5 MB of 3.0 MB');
    expect(formatProgress(1_500_000, 3_000_000, 'de', de)).toBe('1,5 MB von 3,0 MB');
    expect(formatProgress(1_500_000, null, 'en', en)).toBe('1.5 MB');
  });
});

describe('failureMessage', () => {
  test('every failure reason has a human message in both languages', () => {
    for (const reason of FAILURE_REASONS) {
      if (!reason) continue;
      for (const msg of [en, de]) {
        const text = failureMessage(reason, msg);
        expect(text.length, reason).toBeGreaterThan(10);
        expect(text).not.toMatch(/failure_/);
      }
    }
    expect(failureMessage('bad-status', en)).toBe('The server refused one of the files.');
    expect(failureMessage('quota-exceeded', de)).toBe('Nicht genug Speicherplatz.');
    expect(failureMessage('', en)).toBe('');
  });
});
