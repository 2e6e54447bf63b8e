import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { MessageKey, Msg } from './i18n';
import {
  failureMessage,
  formatBytes,
  formatCount,
  formatDuration,
  formatFailedFile,
  formatWaiting,
  pluralOf,
  formatEta,
  formatFileCount,
  formatProgress,
  formatSpeed,
} from './format';
import { FAILURE_REASONS } from '../shared/spec';

/** browser.i18n.getMessage over one locale's messages.json ($1 substitutions). */
export function messagesOf(lang: 'en' | 'de'): Msg {
  const messages = JSON.parse(
    readFileSync(new URL(`../../_locales/${lang}/messages.json`, import.meta.url), 'utf8'),
  ) as Record<string, { message: string }>;
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
      Object.keys(
        JSON.parse(readFileSync(new URL(`../../_locales/${lang}/messages.json`, import.meta.url), 'utf8')) as object,
      ).sort();
    expect(read('de')).toEqual(read('en'));
  });
});

describe('formatBytes', () => {
  const MiB = 1024 * 1024;
  test("English: 1,024-based, as the browsers' download panels count", () => {
    expect(formatBytes(0, 'en')).toBe('0 bytes');
    expect(formatBytes(1, 'en')).toBe('1 byte');
    expect(formatBytes(9, 'en')).toBe('9 bytes');
    expect(formatBytes(999, 'en')).toBe('999 bytes');
    expect(formatBytes(1536, 'en')).toBe('1.5 kB');
    expect(formatBytes(60 * MiB, 'en')).toBe('60.0 MB');
    expect(formatBytes(2 * 1024 * MiB, 'en')).toBe('2.0 GB');
  });
  test('German', () => {
    expect(formatBytes(1, 'de')).toMatch(/^1\sByte$/); // CLDR puts a no-break space here
    expect(formatBytes(999, 'de')).toBe('999 Byte');
    expect(formatBytes(1536, 'de')).toBe('1,5 kB');
    expect(formatBytes(60 * MiB, 'de')).toBe('60,0 MB');
  });
  test('never shows 1,000.0 of a unit', () => {
    expect(formatBytes(1023, 'en')).toBe('1.0 kB');
    expect(formatBytes(1024 * 1023.99, 'en')).toBe('1.0 MB');
  });
  test('nonsense reads as zero', () => {
    expect(formatBytes(Number.NaN, 'en')).toBe('0 bytes');
    expect(formatBytes(-5, 'en')).toBe('0 bytes');
  });
});

describe('plurals through Intl.PluralRules', () => {
  test('English and German', () => {
    expect(pluralOf(1, 'en')).toBe('one');
    expect(pluralOf(0, 'en')).toBe('other');
    expect(pluralOf(1, 'de')).toBe('one');
    expect(formatCount('removed', 1, 'en', en)).toBe('Removed 1 download.');
    expect(formatCount('removed', 900, 'en', en)).toBe('Removed 900 downloads.');
    expect(formatCount('removed', 1, 'de', de)).toBe('1 Download entfernt.');
    expect(formatCount('undelivered', 2, 'de', de)).toBe('2 davon waren noch nicht bei der Website angekommen.');
    expect(formatCount('files', 0, 'en', en)).toBe('0 files');
  });
});

describe('waiting states say what is true', () => {
  const now = 1_000_000;
  const retry = { host: 'cdn.example', attempt: 3, retryAt: now + 11_200 };
  test('unreachable while online: the host, when, which attempt', () => {
    expect(formatWaiting('offline', retry, true, now, 'en', en)).toBe(
      "Can't reach cdn.example — retrying in 12 sec (attempt 3)",
    );
    expect(formatWaiting('offline', retry, true, now, 'de', de)).toBe(
      'cdn.example nicht erreichbar – neuer Versuch in 12 Sek. (Versuch 3)',
    );
  });
  test('"Offline" only when the browser is offline', () => {
    expect(formatWaiting('offline', retry, false, now, 'en', en)).toBe('Offline');
    expect(formatWaiting('retrying', retry, false, now, 'de', de)).toBe('Offline');
  });
  test('a server that answered: its status', () => {
    expect(formatWaiting('retrying', { ...retry, status: 503 }, true, now, 'en', en)).toBe(
      'cdn.example answered 503 — retrying in 12 sec (attempt 3)',
    );
    expect(formatWaiting('retrying', retry, true, now, 'en', en)).toBe(
      'Connection to cdn.example lost — retrying in 12 sec (attempt 3)',
    );
    expect(formatWaiting('retrying', { ...retry, retryAt: now - 5 }, true, now, 'en', en)).toBe(
      'Connection to cdn.example lost — retrying now (attempt 3)',
    );
  });
  test('without details from the engine', () => {
    expect(formatWaiting('offline', undefined, true, now, 'en', en)).toBe("Can't reach the server, retrying");
  });
  test('a failed file names file, host and status', () => {
    expect(formatFailedFile('missing.mp4', 'a.example', 404, en)).toBe(
      'missing.mp4 from a.example: the server answered 404.',
    );
    expect(formatFailedFile('x.bin', 'b.example', undefined, de)).toBe(
      'x.bin von b.example konnte nicht geladen werden.',
    );
  });
});

describe('formatSpeed', () => {
  test('English and German', () => {
    expect(formatSpeed(1.5 * 1024 * 1024, 'en')).toBe('1.5 MB/s');
    expect(formatSpeed(1.5 * 1024 * 1024, 'de')).toBe('1,5 MB/s');
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
    expect(formatProgress(1.5 * 1024 * 1024, 3 * 1024 * 1024, 'en', en)).toBe('1.5 MB of 3.0 MB');
    expect(formatProgress(1.5 * 1024 * 1024, 3 * 1024 * 1024, 'de', de)).toBe('1,5 MB von 3,0 MB');
    expect(formatProgress(1_500_000, null, 'en', en)).toBe('1.4 MB');
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
