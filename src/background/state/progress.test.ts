import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PagePortPush } from '../../shared/protocol';
import type { RegistrationSnapshot } from '../../shared/spec';
import { addWatcher, publishProgress, removeWatcher, removeWatcherEverywhere, type ProgressWatcher } from './progress';

let keys = 0;
const snapshot = (
  key: string,
  downloaded: number,
  result: RegistrationSnapshot['result'] = '',
): RegistrationSnapshot => ({
  key,
  id: 'id-' + key,
  uploadTotal: 0,
  uploaded: 0,
  downloadTotal: 0,
  downloaded,
  result,
  failureReason: '',
  recordsAvailable: true,
});

function watcher(): ProgressWatcher & { got: RegistrationSnapshot[] } {
  const got: RegistrationSnapshot[] = [];
  return {
    origin: 'https://a.example',
    storeId: 'default',
    got,
    post: (message: PagePortPush) => void got.push(message.snapshot),
  };
}

describe('publishProgress', () => {
  let key: string;
  beforeEach(() => {
    vi.useFakeTimers();
    key = `k${++keys}`;
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends the first snapshot at once', () => {
    const w = watcher();
    addWatcher(key, w);
    publishProgress(snapshot(key, 1));
    expect(w.got.map((s) => s.downloaded)).toEqual([1]);
    removeWatcher(key, w);
  });

  it('throttles a burst within 250 ms to a couple of messages, ending with the latest', () => {
    const w = watcher();
    addWatcher(key, w);
    for (let i = 1; i <= 100; i++) {
      publishProgress(snapshot(key, i));
      vi.advanceTimersByTime(2); // 200 ms in all
    }
    expect(w.got.length).toBeLessThanOrEqual(2);
    vi.advanceTimersByTime(250);
    expect(w.got.length).toBeLessThanOrEqual(2);
    expect(w.got.at(-1)!.downloaded).toBe(100);
    // Nothing more arrives later.
    vi.advanceTimersByTime(5_000);
    expect(w.got.at(-1)!.downloaded).toBe(100);
    expect(w.got.length).toBeLessThanOrEqual(2);
    removeWatcher(key, w);
  });

  it('keeps sending at most once per 250 ms while progress continues', () => {
    const w = watcher();
    addWatcher(key, w);
    for (let i = 1; i <= 1000; i++) {
      publishProgress(snapshot(key, i));
      vi.advanceTimersByTime(1); // one second in all
    }
    vi.advanceTimersByTime(250);
    expect(w.got.length).toBeGreaterThanOrEqual(4);
    expect(w.got.length).toBeLessThanOrEqual(5);
    const sent = w.got.map((s) => s.downloaded);
    expect(sent).toEqual([...sent].sort((a, b) => a - b));
    expect(sent.at(-1)).toBe(1000);
    removeWatcher(key, w);
  });

  it('sends a settled snapshot at once and drops the pending one', () => {
    const w = watcher();
    addWatcher(key, w);
    publishProgress(snapshot(key, 1));
    publishProgress(snapshot(key, 2)); // scheduled
    publishProgress(snapshot(key, 3, 'success'));
    expect(w.got.map((s) => [s.downloaded, s.result])).toEqual([
      [1, ''],
      [3, 'success'],
    ]);
    vi.advanceTimersByTime(1_000);
    expect(w.got).toHaveLength(2);
    removeWatcher(key, w);
  });

  it('sends each settled snapshot even right after another message', () => {
    const w = watcher();
    addWatcher(key, w);
    publishProgress(snapshot(key, 5, 'success'));
    publishProgress({ ...snapshot(key, 5, 'failure'), failureReason: 'aborted' });
    expect(w.got.map((s) => s.result)).toEqual(['success', 'failure']);
    removeWatcher(key, w);
  });

  it('reaches every watcher of the key and only those', () => {
    const a = watcher();
    const b = watcher();
    const elsewhere = watcher();
    addWatcher(key, a);
    addWatcher(key, b);
    addWatcher(key + '-other', elsewhere);
    publishProgress(snapshot(key, 1, 'success'));
    expect(a.got).toHaveLength(1);
    expect(b.got).toHaveLength(1);
    expect(elsewhere.got).toHaveLength(0);
    removeWatcherEverywhere(a);
    removeWatcherEverywhere(b);
    removeWatcherEverywhere(elsewhere);
  });

  it('sends nothing to removed watchers, including a throttled message already scheduled', () => {
    const kept = watcher();
    const removed = watcher();
    const gone = watcher();
    addWatcher(key, kept);
    addWatcher(key, removed);
    addWatcher(key, gone);
    addWatcher(key + '-b', gone);
    publishProgress(snapshot(key, 1));
    publishProgress(snapshot(key, 2)); // scheduled
    removeWatcher(key, removed);
    removeWatcherEverywhere(gone);
    vi.advanceTimersByTime(300);
    publishProgress(snapshot(key, 3, 'success'));
    publishProgress(snapshot(key + '-b', 3, 'success'));
    expect(kept.got.map((s) => s.downloaded)).toEqual([1, 2, 3]);
    expect(removed.got.map((s) => s.downloaded)).toEqual([1]);
    expect(gone.got.map((s) => s.downloaded)).toEqual([1]);
    removeWatcher(key, kept);
  });

  it('keeps going when one watcher throws', () => {
    const broken: ProgressWatcher = {
      origin: 'https://a.example',
      storeId: 'default',
      post: () => {
        throw new Error('port closed');
      },
    };
    const w = watcher();
    addWatcher(key, broken);
    addWatcher(key, w);
    expect(() => publishProgress(snapshot(key, 1, 'success'))).not.toThrow();
    expect(w.got).toHaveLength(1);
    removeWatcherEverywhere(broken);
    removeWatcher(key, w);
  });
});
