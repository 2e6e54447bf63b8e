// What the list shows, derived from the store's rows: state, totals, speed, grouping by site.
// Pure functions (and one small sampler) so they are tested without a browser.
import type { StoredRegistration } from '../shared/db';
import type { FetchState, RecordSummary } from '../shared/fetch-state';
import { stateOf, summaryOfCounts } from '../shared/fetch-state';

// The states' words are shared with the background's lifecycle (src/shared/fetch-state.ts).
export { stateOf, type RecordSummary } from '../shared/fetch-state';
export type RegistrationState = FetchState;

/** The number the progress bar fills to, or null for an indeterminate bar. */
export function totalOf(reg: StoredRegistration, summary: RecordSummary | undefined): number | null {
  if (!reg.active) return reg.result === 'success' ? reg.downloaded : reg.downloadTotal || null;
  if (reg.downloadTotal > 0) return reg.downloadTotal;
  return summary?.expected ?? null;
}

/**
 * Download speed from successive `downloaded` values over time: the bytes gained over the last
 * few seconds. `observe` is called whenever the store changes and on a timer, so a stalled
 * transfer's speed falls to zero instead of freezing at its last value.
 */
export class SpeedSampler {
  private samples = new Map<string, { t: number; bytes: number }[]>();

  constructor(private readonly windowMs = 5000) {}

  observe(key: string, bytes: number, now: number): void {
    let list = this.samples.get(key);
    if (!list) this.samples.set(key, (list = []));
    const last = list.at(-1);
    // Bytes went down: the transfer restarted from zero. Old samples mean nothing now.
    if (last && bytes < last.bytes) list.length = 0;
    list.push({ t: now, bytes });
    while (list.length > 2 && now - list[1]!.t >= this.windowMs) list.shift();
  }

  /** Bytes per second, or null until there is at least a second of history. */
  speed(key: string, now: number): number | null {
    const list = this.samples.get(key);
    const first = list?.[0];
    const last = list?.at(-1);
    if (!first || !last) return null;
    const span = Math.max(now, last.t) - first.t;
    if (span < 1000) return null;
    return ((last.bytes - first.bytes) * 1000) / span;
  }

  forget(keep: ReadonlySet<string>): void {
    for (const key of this.samples.keys()) if (!keep.has(key)) this.samples.delete(key);
  }
}

export function etaSeconds(downloaded: number, total: number | null, speed: number | null): number | null {
  if (!total || !speed || speed <= 0 || downloaded >= total) return null;
  return (total - downloaded) / speed;
}

export interface SiteGroup {
  origin: string;
  registrations: StoredRegistration[];
  active: number;
  /** Bytes kept in the store for this site's fetches. */
  stored: number;
  finished: number;
}

const rank = (reg: StoredRegistration) => (reg.active ? 0 : 1);

/**
 * Sites with running fetches first, then the most recent; inside a site, active fetches first,
 * newest first.
 */
export function groupBySite(registrations: readonly StoredRegistration[]): SiteGroup[] {
  const bySite = new Map<string, SiteGroup>();
  for (const reg of registrations) {
    let group = bySite.get(reg.origin);
    if (!group)
      bySite.set(reg.origin, (group = { origin: reg.origin, registrations: [], active: 0, stored: 0, finished: 0 }));
    group.registrations.push(reg);
    group.stored += storedBytes(reg);
    if (reg.active) group.active++;
    else group.finished++;
  }
  const groups = [...bySite.values()];
  for (const group of groups) {
    group.registrations.sort((a, b) => rank(a) - rank(b) || b.createdAt - a.createdAt);
  }
  return sortGroups(groups);
}

/** The first of a group's sorted fetches: its newest active one, else its newest. */
const newest = (group: SiteGroup) => group.registrations[0]?.createdAt ?? 0;

/** Sites with active fetches first, then by their first fetch, newest first. */
function sortGroups(groups: SiteGroup[]): SiteGroup[] {
  return groups.sort((a, b) => Number(b.active > 0) - Number(a.active > 0) || newest(b) - newest(a));
}

/**
 * groupBySite over both sets, from each grouped on its own: the settled fetches (a thousand) are
 * grouped once when they change, and a progress tick regroups only the active ones. A site
 * without active fetches keeps its settled group object (so its rows need not render again).
 */
export function mergeGroups(active: readonly SiteGroup[], settled: readonly SiteGroup[]): SiteGroup[] {
  const bySite = new Map<string, SiteGroup>();
  for (const group of settled) bySite.set(group.origin, group);
  for (const group of active) {
    const other = bySite.get(group.origin);
    bySite.set(
      group.origin,
      other
        ? {
            origin: group.origin,
            // Active ones rank first: each part is already newest first.
            registrations: [...group.registrations, ...other.registrations],
            active: group.active + other.active,
            stored: group.stored + other.stored,
            finished: group.finished + other.finished,
          }
        : group,
    );
  }
  return sortGroups([...bySite.values()]);
}

/** The store keeps exactly the downloaded bytes (transfers count both in one transaction) and the uploads. */
/** Bytes the store holds for a fetch: none of its bodies once released (a failed one keeps its uploads for retry). */
export const storedBytes = (reg: StoredRegistration) => {
  if (!reg.released) return (reg.keptBytes ?? reg.downloaded) + reg.uploadTotal;
  return reg.result === 'failure' && reg.failureReason !== 'aborted' ? reg.uploadTotal : 0;
};

const hosts = new Map<string, string>();

/** An origin's host ("site001.example"), parsed once per origin (a URL costs ~20 µs in Firefox; the site filter lists every site). */
export function hostOf(origin: string): string {
  let host = hosts.get(origin);
  if (host === undefined) hosts.set(origin, (host = new URL(origin).host));
  return host;
}

export { pickIcon } from '../shared/pick-icon';

/**
 * The fetches whose stored icon can stand for the site (the first that has one): its newest few.
 * No favicon fallback: the popup never requests a URL itself (the site's letter shows instead).
 */
export function siteIconKeys(group: SiteGroup, limit = 8): string[] {
  return group.registrations.slice(0, limit).map((reg) => reg.key);
}

/** Same stored state (fresh objects from each query compared by value). */
export function sameRegistration(a: StoredRegistration, b: StoredRegistration): boolean {
  if (a === b) return true;
  const keys = Object.keys(a) as (keyof StoredRegistration)[];
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) =>
    key === 'icons' ? JSON.stringify(a.icons) === JSON.stringify(b.icons) : a[key] === b[key],
  );
}

export function sameSummary(a: RecordSummary | undefined, b: RecordSummary | undefined): boolean {
  return a === b || (!!a && !!b && a.done === b.done && a.started === b.started && a.expected === b.expected);
}

/** What the list's filter picks. */
export type ListFilter = 'all' | 'running' | 'paused' | 'failed' | 'finished';
export const LIST_FILTERS: readonly ListFilter[] = ['all', 'running', 'paused', 'failed', 'finished'];

export function filterOf(state: RegistrationState): Exclude<ListFilter, 'all'> {
  if (state === 'paused') return 'paused';
  if (state === 'failed' || state === 'aborted') return 'failed';
  if (state === 'succeeded') return 'finished';
  return 'running';
}

/** Case-insensitive match on what the row shows: title, id, site. */
export function matchesQuery(reg: StoredRegistration, query: string): boolean {
  const q = query.trim().toLocaleLowerCase();
  if (!q) return true;
  return [reg.title, reg.id, reg.origin].some((field) => field.toLocaleLowerCase().includes(q));
}

export interface ListQuery {
  query: string;
  filter: ListFilter;
  /** An origin, or '' for every site. */
  site: string;
}

export interface Filtered {
  registrations: StoredRegistration[];
  /** Per filter, how many match the query and site (so each choice says what it would show). */
  counts: Record<ListFilter, number>;
}

/** The fetches the list shows: not being removed, matching the search, the site and the filter. */
export function applyQuery(
  registrations: readonly StoredRegistration[],
  summaries: ReadonlyMap<string, RecordSummary>,
  { query, filter, site }: ListQuery,
): Filtered {
  const counts: Record<ListFilter, number> = { all: 0, running: 0, paused: 0, failed: 0, finished: 0 };
  const shown: StoredRegistration[] = [];
  for (const reg of registrations) {
    if (reg.removeAt || (site && reg.origin !== site) || !matchesQuery(reg, query)) continue;
    const bucket = filterOf(stateOf(reg, summaries.get(reg.key)));
    counts.all++;
    counts[bucket]++;
    if (filter === 'all' || filter === bucket) shown.push(reg);
  }
  return { registrations: shown, counts };
}

/**
 * The first `limit` rows of the grouped list, still grouped: the popup renders a page, never a
 * thousand rows (bounded DOM and Tab stops); "Show more" raises the limit.
 */
export function firstRows(
  groups: readonly SiteGroup[],
  limit: number,
): { group: SiteGroup; shown: StoredRegistration[] }[] {
  const out: { group: SiteGroup; shown: StoredRegistration[] }[] = [];
  let left = limit;
  for (const group of groups) {
    if (left <= 0) break;
    const shown = group.registrations.slice(0, left);
    left -= shown.length;
    out.push({ group, shown });
  }
  return out;
}

/** The active fetches as the list reads them (store.ts, first-read.ts). */
export interface ListData {
  registrations: StoredRegistration[];
  /** Only for active fetches: the finished ones need nothing from their records. */
  summaries: Map<string, RecordSummary>;
}

/** The active fetches' summaries from their rows' counters; complete unless one needs its records read. */
export function countedSummaries(registrations: readonly StoredRegistration[]): {
  summaries: Map<string, RecordSummary>;
  complete: boolean;
} {
  const summaries = new Map<string, RecordSummary>();
  let complete = true;
  for (const reg of registrations) {
    const summary = summaryOfCounts(reg.files);
    if (summary) summaries.set(reg.key, summary);
    else if (!reg.paused) complete = false;
  }
  return { summaries, complete };
}
