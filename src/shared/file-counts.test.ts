import { describe, expect, test } from 'vitest';
import type { StoredRecord } from './db';
import { countFiles, NO_FILES, withChange } from './file-counts';

const record = (index: number, extra: Partial<StoredRecord> = {}): StoredRecord => ({
  regKey: 'r',
  index,
  request: {
    url: 'https://a.example/',
    method: 'GET',
    headers: [],
    mode: 'cors',
    credentials: 'same-origin',
    cache: 'default',
    redirect: 'follow',
    referrer: '',
    referrerPolicy: '',
    integrity: '',
  } as unknown as StoredRecord['request'],
  state: 'pending',
  response: null,
  stored: 0,
  validator: null,
  expectedLength: null,
  failure: '',
  ...extra,
});

describe('file counters', () => {
  test('a count from the records', () => {
    const counts = countFiles([
      record(0),
      record(1, { expectedLength: 100, stored: 40 }),
      record(2, { state: 'done', stored: 7 }),
      record(3, { state: 'failed', failure: 'bad-status' }),
    ]);
    expect(counts).toEqual({ done: 1, failed: 1, started: 2, unknownLength: 2, expectedBytes: 107 });
  });

  test('changes by differences equal a count from scratch, whatever the order of changes', () => {
    const records = Array.from({ length: 50 }, (_, i) => record(i));
    let counts = countFiles(records);
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let step = 0; step < 500; step++) {
      const i = Math.floor(random() * records.length);
      const before = records[i]!;
      const choice = Math.floor(random() * 4);
      const after: StoredRecord =
        choice === 0
          ? {
              ...before,
              expectedLength: Math.floor(random() * 1000),
              response: { status: 200 } as StoredRecord['response'],
            }
          : choice === 1
            ? { ...before, stored: before.stored + 10 }
            : choice === 2
              ? { ...before, state: 'done' }
              : { ...before, state: 'pending', stored: 0, response: null, expectedLength: null };
      records[i] = after;
      counts = withChange(counts, before, after);
    }
    expect(counts).toEqual(countFiles(records));
    expect(withChange(NO_FILES, undefined, undefined)).toEqual(NO_FILES);
  });
});
