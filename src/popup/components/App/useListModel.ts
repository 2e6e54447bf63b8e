// What the list shows, derived from the two live queries in two parts: the settled fetches (up
// to thousands) are filtered, grouped and summed only when they or the search change; a progress
// tick, which changes only the active ones, redoes the active part and a merge of ~a site per
// row (bench popup-progress).
import { useMemo } from 'preact/hooks';
import type { StoredRegistration } from '../../../shared/db';
import type { ListData } from '../../data';
import {
  applyQuery,
  firstRows,
  groupBySite,
  mergeGroups,
  storedBytes,
  type Filtered,
  type ListFilter,
  type ListQuery,
  type RecordSummary,
} from '../../model';

const NO_SUMMARIES: ReadonlyMap<string, RecordSummary> = new Map();

export interface ListModel {
  summaries: ReadonlyMap<string, RecordSummary>;
  /** Fetches matching the search, site and filter. */
  total: number;
  counts: Record<ListFilter, number>;
  page: ReturnType<typeof firstRows>;
  shownCount: number;
  /** Fetches listed at all (not being removed), whatever the search. */
  listedCount: number;
  storedBySite: ReadonlyMap<string, number>;
  origins: string[];
  running: number;
  paused: number;
  settledCount: number;
  totalStored: number;
  byKey: { get(key: string): StoredRegistration | undefined };
}

/** Stored bytes per site of these fetches (the ones being removed left out). */
function bytesBySite(registrations: readonly StoredRegistration[]): Map<string, number> {
  const bytes = new Map<string, number>();
  for (const reg of registrations)
    if (!reg.removeAt) bytes.set(reg.origin, (bytes.get(reg.origin) ?? 0) + storedBytes(reg));
  return bytes;
}

function sumCounts(a: Filtered['counts'], b: Filtered['counts']): Filtered['counts'] {
  const out = { ...a };
  for (const key of Object.keys(out) as ListFilter[]) out[key] += b[key];
  return out;
}

export function useListModel(
  active: ListData | undefined,
  finished: StoredRegistration[] | undefined,
  pausedSummaries: Map<string, RecordSummary> | undefined,
  query: ListQuery,
  limit: number,
): ListModel | undefined {
  // The settled part: once per change of the settled fetches or of the search.
  const settledKeys = useMemo(() => new Set(finished?.map((reg) => reg.key)), [finished]);
  const settledByKey = useMemo(() => new Map(finished?.map((reg) => [reg.key, reg])), [finished]);
  const settledShown = useMemo(
    () => (finished ? applyQuery(finished, NO_SUMMARIES, query) : undefined),
    [finished, query],
  );
  const settledGroups = useMemo(() => groupBySite(settledShown?.registrations ?? []), [settledShown]);
  const settledBytes = useMemo(() => bytesBySite(finished ?? []), [finished]);
  const settledListed = useMemo(() => finished?.filter((reg) => !reg.removeAt).length ?? 0, [finished]);

  // The active part: every progress tick.
  const stillActive = useMemo(
    // A fetch that just settled (or was retried) can be in both answers for a moment.
    () => active?.registrations.filter((reg) => !settledKeys.has(reg.key)) ?? [],
    [active, settledKeys],
  );
  const summaries = useMemo(
    // Not waited for: a paused row needs its summary only for its file count and an unknown total.
    () =>
      pausedSummaries && active
        ? new Map([...pausedSummaries, ...active.summaries])
        : (active?.summaries ?? NO_SUMMARIES),
    [active, pausedSummaries],
  );
  const activeShown = useMemo(() => applyQuery(stillActive, summaries, query), [stillActive, summaries, query]);
  const groups = useMemo(
    () => mergeGroups(groupBySite(activeShown.registrations), settledGroups),
    [activeShown, settledGroups],
  );
  const page = useMemo(() => firstRows(groups, limit), [groups, limit]);
  const storedBySite = useMemo(() => {
    const bytes = new Map(settledBytes);
    for (const [origin, add] of bytesBySite(stillActive)) bytes.set(origin, (bytes.get(origin) ?? 0) + add);
    return bytes;
  }, [settledBytes, stillActive]);
  // The same array while the same sites are listed (the site filter need not render again).
  const originsKey = [...storedBySite.keys()].sort().join('\n');
  const origins = useMemo(() => (originsKey ? originsKey.split('\n') : []), [originsKey]);
  const byKey = useMemo(() => {
    const activeByKey = new Map(stillActive.map((reg) => [reg.key, reg]));
    return { get: (key: string) => activeByKey.get(key) ?? settledByKey.get(key) };
  }, [stillActive, settledByKey]);

  if (!active || !finished || !settledShown) return undefined;
  const listedActive = stillActive.filter((reg) => !reg.removeAt);
  let totalStored = 0;
  for (const bytes of storedBySite.values()) totalStored += bytes;
  return {
    summaries,
    total: activeShown.registrations.length + settledShown.registrations.length,
    counts: sumCounts(activeShown.counts, settledShown.counts),
    page,
    shownCount: page.reduce((sum, part) => sum + part.shown.length, 0),
    listedCount: listedActive.length + settledListed,
    storedBySite,
    origins,
    running: listedActive.filter((reg) => !reg.paused).length,
    paused: listedActive.filter((reg) => reg.paused).length,
    settledCount: settledListed,
    totalStored,
    byKey,
  };
}
