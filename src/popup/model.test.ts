import { describe, expect, test } from 'vitest';
import type { StoredRegistration } from '../shared/db';
import { storedRegistration } from '../../test/unit/fixtures';
import {
  SpeedSampler,
  applyQuery,
  etaSeconds,
  filterOf,
  firstRows,
  groupBySite,
  matchesQuery,
  mergeGroups,
  pickIcon,
  sameRegistration,
  sameSummary,
  siteIconKeys,
  stateOf,
  storedBytes,
  totalOf,
} from './model';

let n = 0;
function reg(change: Partial<StoredRegistration> = {}): StoredRegistration {
  n++;
  return storedRegistration(`k${n}`, { id: `id${n}`, createdAt: n, ...change });
}

describe('stateOf', () => {
  test('each state', () => {
    expect(stateOf(reg(), undefined)).toBe('queued');
    expect(stateOf(reg(), { done: 0, started: true, expected: null })).toBe('running');
    expect(stateOf(reg({ downloaded: 5 }), undefined)).toBe('running');
    expect(stateOf(reg({ paused: true, waiting: 'offline' }), undefined)).toBe('paused');
    expect(stateOf(reg({ waiting: 'offline' }), undefined)).toBe('offline');
    expect(stateOf(reg({ waiting: 'retrying' }), undefined)).toBe('retrying');
    expect(stateOf(reg({ waiting: 'permission' }), undefined)).toBe('permission');
    expect(stateOf(reg({ active: 0, result: 'success' }), undefined)).toBe('succeeded');
    expect(stateOf(reg({ active: 0, result: 'failure', failureReason: 'bad-status' }), undefined)).toBe('failed');
    expect(stateOf(reg({ active: 0, result: 'failure', failureReason: 'aborted' }), undefined)).toBe('aborted');
  });
});

describe('totalOf', () => {
  test('downloadTotal first, then the records’ lengths, else unknown', () => {
    expect(totalOf(reg({ downloadTotal: 100 }), { done: 0, started: true, expected: 90 })).toBe(100);
    expect(totalOf(reg(), { done: 0, started: true, expected: 90 })).toBe(90);
    expect(totalOf(reg(), { done: 0, started: true, expected: null })).toBeNull();
    expect(totalOf(reg({ active: 0, result: 'success', downloaded: 42 }), undefined)).toBe(42);
  });
});

describe('SpeedSampler', () => {
  test('bytes over the window; falls to zero when stalled', () => {
    const s = new SpeedSampler(5000);
    s.observe('a', 0, 0);
    expect(s.speed('a', 500)).toBeNull();
    s.observe('a', 1000, 1000);
    s.observe('a', 2000, 2000);
    expect(s.speed('a', 2000)).toBe(1000);
    for (let t = 3000; t <= 9000; t += 1000) s.observe('a', 2000, t);
    expect(s.speed('a', 9000)).toBe(0);
  });
  test('a restart from zero drops old samples', () => {
    const s = new SpeedSampler();
    s.observe('a', 5000, 0);
    s.observe('a', 10, 1000);
    expect(s.speed('a', 1000)).toBeNull();
  });
  test('forget', () => {
    const s = new SpeedSampler();
    s.observe('a', 0, 0);
    s.observe('a', 10, 2000);
    s.forget(new Set());
    expect(s.speed('a', 2000)).toBeNull();
  });
});

describe('etaSeconds', () => {
  test('remaining over speed, or null', () => {
    expect(etaSeconds(50, 150, 10)).toBe(10);
    expect(etaSeconds(50, null, 10)).toBeNull();
    expect(etaSeconds(50, 150, 0)).toBeNull();
    expect(etaSeconds(150, 150, 10)).toBeNull();
  });
});

describe('groupBySite', () => {
  test('sites with running fetches first; active first inside; storage summed', () => {
    const oldDone = reg({ origin: 'https://b.example', active: 0, result: 'success', downloaded: 10, createdAt: 100 });
    const running = reg({ origin: 'https://a.example', downloaded: 5, createdAt: 1 });
    const finishedA = reg({
      origin: 'https://a.example',
      active: 0,
      result: 'success',
      downloaded: 7,
      uploadTotal: 3,
      createdAt: 50,
    });
    const groups = groupBySite([oldDone, finishedA, running]);
    expect(groups.map((g) => g.origin)).toEqual(['https://a.example', 'https://b.example']);
    expect(groups[0]!.registrations.map((r) => r.key)).toEqual([running.key, finishedA.key]);
    expect(groups[0]!.stored).toBe(15);
    expect(groups[0]!.active).toBe(1);
    expect(groups[0]!.finished).toBe(1);
  });
  test('thousands of fetches of fifty sites: fifty groups, every fetch in its own site once', () => {
    // How fast this is, is the popup benchmark's business (npm run bench), not a test's.
    const many = Array.from({ length: 5000 }, (_, i) => reg({ origin: `https://s${i % 50}.example`, createdAt: i }));
    const groups = groupBySite(many);
    expect(groups).toHaveLength(50);
    expect(
      groups.every(
        (group) => group.registrations.length === 100 && group.registrations.every((r) => r.origin === group.origin),
      ),
    ).toBe(true);
  });
});

describe('mergeGroups', () => {
  test('the settled and the active fetches grouped apart, merged: what grouping them together gives', () => {
    // Distinct times (the order of equal ones is not specified); sites with only active, only
    // settled, or both kinds of fetches.
    const rows = Array.from({ length: 300 }, (_, i) =>
      reg({
        origin: `https://s${(i * 7) % 23}.example`,
        createdAt: 1000 + ((i * 37) % 300),
        active: i % 5 === 0 || i % 23 === 3 ? 1 : 0,
        result: i % 5 === 0 ? '' : 'success',
        downloaded: i,
      }),
    );
    const active = rows.filter((r) => r.active);
    const settled = rows.filter((r) => !r.active);
    const merged = mergeGroups(groupBySite(active), groupBySite(settled));
    const together = groupBySite(rows);
    const shape = (groups: ReturnType<typeof groupBySite>) =>
      groups.map((g) => ({
        origin: g.origin,
        keys: g.registrations.map((r) => r.key),
        active: g.active,
        finished: g.finished,
        stored: g.stored,
      }));
    expect(shape(merged)).toEqual(shape(together));
    expect(new Set(merged.map((g) => g.active > 0 && g.finished > 0)).size).toBe(2);
  });
  test('a site with no active fetch keeps its settled group object', () => {
    const settled = groupBySite([reg({ origin: 'https://a.example', active: 0, result: 'success' })]);
    const merged = mergeGroups(groupBySite([reg({ origin: 'https://b.example' })]), settled);
    expect(merged.map((g) => g.origin)).toEqual(['https://b.example', 'https://a.example']);
    expect(merged[1]).toBe(settled[0]);
  });
});

describe('storedBytes', () => {
  test('counts bodies and uploads until the site took them; then only what a retry still needs', () => {
    expect(storedBytes(reg({ downloaded: 10, uploadTotal: 3 }))).toBe(13);
    expect(storedBytes(reg({ active: 0, result: 'success', downloaded: 10, uploadTotal: 3, released: true }))).toBe(0);
    expect(
      storedBytes(
        reg({
          active: 0,
          result: 'failure',
          failureReason: 'bad-status',
          downloaded: 10,
          uploadTotal: 3,
          released: true,
        }),
      ),
    ).toBe(3);
  });
});

describe('icons', () => {
  test('the icon nearest 2x the size, resolved against the scope', () => {
    const icons = [
      { src: 'small.png', sizes: '16x16', type: 'image/png' },
      { src: 'mid.png', sizes: '64x64', type: 'image/png' },
      { src: 'huge.png', sizes: '512x512', type: 'image/png' },
      { src: 'javascript:alert(1)', sizes: '64x64', type: '' },
    ];
    expect(pickIcon(icons, 'https://a.example/app/', 32)).toBe('https://a.example/app/mid.png');
    expect(pickIcon([], 'https://a.example/')).toBeNull();
  });
  test("a site icon is one of its fetches' stored icons, never a favicon URL", () => {
    const [group] = groupBySite([reg()]);
    expect(siteIconKeys(group!)).toEqual([group!.registrations[0]!.key]);
  });
});

describe('sameRegistration / sameSummary (when a row renders again)', () => {
  test('equal values in fresh objects are the same; any shown change is not', () => {
    const a = reg({ icons: [{ src: '/a.png', sizes: '32x32', type: 'image/png' }] });
    expect(sameRegistration(a, structuredClone(a))).toBe(true);
    expect(sameRegistration(a, { ...a, downloaded: a.downloaded + 1 })).toBe(false);
    expect(sameRegistration(a, { ...a, icons: [{ src: '/b.png', sizes: '32x32', type: 'image/png' }] })).toBe(false);
    expect(sameRegistration(a, { ...a, released: true })).toBe(false);
    expect(sameSummary({ done: 1, started: true, expected: 5 }, { done: 1, started: true, expected: 5 })).toBe(true);
    expect(sameSummary({ done: 1, started: true, expected: 5 }, { done: 2, started: true, expected: 5 })).toBe(false);
    expect(sameSummary(undefined, { done: 0, started: false, expected: 0 })).toBe(false);
  });
});

describe('the list at scale: search, filters, a page of rows', () => {
  const settled = (change: Partial<StoredRegistration>) => reg({ active: 0, settledAt: 1, ...change });
  const all = [
    reg({ title: 'Running one', origin: 'https://a.example' }),
    reg({ title: 'Paused one', paused: true, origin: 'https://a.example' }),
    settled({ title: 'Failed one', result: 'failure', failureReason: 'bad-status', origin: 'https://b.example' }),
    settled({ title: 'Cancelled one', result: 'failure', failureReason: 'aborted', origin: 'https://b.example' }),
    settled({ title: 'Finished one', result: 'success', origin: 'https://b.example' }),
    settled({ title: 'Being removed', result: 'success', removeAt: 5 }),
  ];
  const none = new Map();

  test('each state falls in one filter', () => {
    expect(filterOf('queued')).toBe('running');
    expect(filterOf('offline')).toBe('running');
    expect(filterOf('aborted')).toBe('failed');
    expect(filterOf('succeeded')).toBe('finished');
  });
  test('search matches title, id and site, ignoring case', () => {
    expect(matchesQuery(all[0]!, 'RUNNING')).toBe(true);
    expect(matchesQuery(all[0]!, 'a.example')).toBe(true);
    expect(matchesQuery(all[0]!, 'b.example')).toBe(false);
    expect(matchesQuery(all[0]!, '  ')).toBe(true);
  });
  test('filters count what each would show; fetches being removed are never listed', () => {
    const { registrations, counts } = applyQuery(all, none, { query: '', filter: 'failed', site: '' });
    expect(registrations.map((r) => r.title)).toEqual(['Failed one', 'Cancelled one']);
    expect(counts).toEqual({ all: 5, running: 1, paused: 1, failed: 2, finished: 1 });
    const ofSite = applyQuery(all, none, { query: 'one', filter: 'all', site: 'https://a.example' });
    expect(ofSite.registrations.map((r) => r.title)).toEqual(['Running one', 'Paused one']);
  });
  test('a page takes the first rows across sites, in order', () => {
    const many = Array.from({ length: 30 }, (_, i) =>
      settled({ result: 'success', origin: `https://s${i % 3}.example` }),
    );
    const page = firstRows(groupBySite(many), 25);
    expect(page.reduce((sum, part) => sum + part.shown.length, 0)).toBe(25);
    expect(page.map((part) => part.shown.length)).toEqual([10, 10, 5]);
  });
  test('a cancelled fetch holds only what it kept', () => {
    expect(storedBytes(settled({ result: 'failure', failureReason: 'aborted', downloaded: 500, keptBytes: 100 }))).toBe(
      100,
    );
  });
});
