// Per-fetch file counters kept on the registration row (issue 16 item 9): the popup reads them
// from the row instead of reading every record of every active fetch on every progress write
// (a site may queue 20 × 10,000 requests). Whoever changes a record changes the counters in the
// same transaction, by the difference between the record before and after (O(1) per change).
import type { FileCounts, StoredRecord, StoredRegistration } from './db';

export const NO_FILES: FileCounts = { done: 0, failed: 0, started: 0, unknownLength: 0, expectedBytes: 0 };

/** What one record adds to its fetch's counters. */
export function contribution(
  record: Pick<StoredRecord, 'state' | 'response' | 'stored' | 'expectedLength'> | undefined,
): FileCounts {
  if (!record) return NO_FILES;
  const length = record.state === 'done' ? record.stored : record.expectedLength;
  return {
    done: record.state === 'done' ? 1 : 0,
    failed: record.state === 'failed' ? 1 : 0,
    started: record.response || record.stored > 0 ? 1 : 0,
    unknownLength: length === null ? 1 : 0,
    expectedBytes: length ?? 0,
  };
}

export function countFiles(records: Iterable<StoredRecord>): FileCounts {
  const counts = { ...NO_FILES };
  for (const record of records) addTo(counts, contribution(record), 1);
  return counts;
}

function addTo(counts: FileCounts, part: FileCounts, sign: 1 | -1): void {
  counts.done += sign * part.done;
  counts.failed += sign * part.failed;
  counts.started += sign * part.started;
  counts.unknownLength += sign * part.unknownLength;
  counts.expectedBytes += sign * part.expectedBytes;
}

/** The counters after one record changed from `before` to `after` (a fresh object). */
export function withChange(
  counts: FileCounts,
  before: StoredRecord | undefined,
  after: StoredRecord | undefined,
): FileCounts {
  const next = { ...counts };
  addTo(next, contribution(before), -1);
  addTo(next, contribution(after), 1);
  return next;
}

export const sameCounts = (a: FileCounts | undefined, b: FileCounts | undefined) =>
  a === b ||
  (!!a &&
    !!b &&
    a.done === b.done &&
    a.failed === b.failed &&
    a.started === b.started &&
    a.unknownLength === b.unknownLength &&
    a.expectedBytes === b.expectedBytes);

/** A row's counters, or undefined for a row written before they existed (then its records are read). */
export const filesOf = (reg: StoredRegistration): FileCounts | undefined => reg.files;
