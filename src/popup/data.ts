// The popup reads the store directly (same extension origin as the background) and re-renders
// when it changes; commands go to the background, which owns every transition.
import { liveQuery } from 'dexie';
import { useEffect, useState } from 'preact/hooks';
import browser from 'webextension-polyfill';
import { ADMIN_CHANNEL } from '../shared/channels';
import { BgFetchDb, type StoredRecord, type StoredRegistration } from '../shared/db';
import {
  GLOBAL_SETTINGS_KEY,
  globalSettingsFrom,
  type AdminReplies,
  type AdminRequest,
  type GlobalSettings,
  type Reply,
  type SiteSettings,
} from '../shared/protocol';
import { summaryOfCounts, type RecordSummary } from '../shared/fetch-state';
import { readFirstAnswers } from './first-read';

/**
 * The popup's own connection, without Dexie's query cache: the popup never writes, so the cache's
 * optimistic updates buy nothing, and with it every answer is deep-cloned before it is handed
 * out (about 9 ms per read of 1,000 registrations in Chromium, bench popup-render).
 */
const db = new BgFetchDb('bgfetch', { cache: 'disabled' });

/** A live query's latest answer, for whoever subscribes, started before any component mounts. */
export interface LiveSource<T> {
  readonly current: T | undefined;
  subscribe(listener: (value: T) => void): () => void;
}

/**
 * Starts a live query now and keeps it for the page's life. The list's reads start while the
 * popup's first frame is built, not after it is painted (where a component's effect would start
 * them: 10–35 ms later, bench popup-render).
 */
export function startLiveQuery<T>(
  query: () => Promise<T>,
  mark?: string,
  firstAnswer?: Promise<T | null | undefined>,
): LiveSource<T> {
  const listeners = new Set<(value: T) => void>();
  const source = { current: undefined as T | undefined, subscribe };
  function subscribe(listener: (value: T) => void) {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }
  const publish = (value: T) => {
    // The first answer's time, for the bench's account of a first render (bench/lib/popup-page.mjs).
    if (mark && source.current === undefined) performance.mark(mark);
    source.current = value;
    for (const listener of listeners) listener(value);
  };
  let live = false;
  // An early answer counts only until the live query's first one.
  void firstAnswer?.then((value) => {
    if (!live && value) publish(value);
  });
  liveQuery(query).subscribe({
    next: (value) => {
      live = true;
      publish(value);
    },
    error: (error: unknown) => console.error('bgfetch popup: query failed', error),
  });
  return source;
}

export function useLiveSource<T>(source: LiveSource<T>): T | undefined {
  const [value, setValue] = useState<T | undefined>(() => source.current);
  useEffect(() => {
    // An answer may have come between the first render and this effect.
    if (source.current !== undefined) setValue(() => source.current);
    return source.subscribe((next) => setValue(() => next));
  }, [source]);
  return value;
}

let listSources:
  | {
      active: LiveSource<ListData>;
      finished: LiveSource<StoredRegistration[]>;
      sites: LiveSource<Map<string, SiteSettings>>;
    }
  | undefined;

/** The list's three queries, started once (main.tsx starts them before the first render). */
export function startListQueries() {
  if (listSources) return listSources;
  // Opened now, not when the first query runs (liveQuery starts it on a timer, after the first frame).
  void db.open().catch(() => undefined);
  const first = readFirstAnswers();
  return (listSources = {
    active: startLiveQuery(
      loadActive,
      'popup:active',
      first.then((answers) => answers && countedListData(answers.active)),
    ),
    finished: startLiveQuery(
      loadFinished,
      'popup:settled',
      first.then((answers) => answers?.settled),
    ),
    sites: startLiveQuery(loadSites),
  });
}

export function useLiveQuery<T>(query: () => Promise<T>, deps: unknown[]): T | undefined {
  const [value, setValue] = useState<T>();
  useEffect(() => {
    const subscription = liveQuery(query).subscribe({
      next: setValue,
      error: (error: unknown) => console.error('bgfetch popup: query failed', error),
    });
    return () => subscription.unsubscribe();
    // `deps` are the caller's, as for useEffect itself.
  }, deps);
  return value;
}

export interface ListData {
  registrations: StoredRegistration[];
  /** Only for active fetches: the finished ones need nothing from their records. */
  summaries: Map<string, RecordSummary>;
}

function summarise(records: StoredRecord[]): Map<string, RecordSummary> {
  const summaries = new Map<string, RecordSummary>();
  for (const record of records) {
    let summary = summaries.get(record.regKey);
    if (!summary) summaries.set(record.regKey, (summary = { done: 0, started: false, expected: 0 }));
    if (record.state === 'done') summary.done++;
    if (record.response || record.stored > 0) summary.started = true;
    const length = record.state === 'done' ? record.stored : record.expectedLength;
    summary.expected = summary.expected === null || length === null ? null : summary.expected + length;
  }
  return summaries;
}

/**
 * The active fetches and their summaries. A query of its own: progress changes only these rows, so
 * only this one runs again (the finished ones can be a thousand; bench popup-progress). The
 * summaries come from the rows' own counters (src/shared/file-counts.ts): a progress write reads
 * no record, however many a site queued.
 */
export async function loadActive(): Promise<ListData> {
  const registrations = await db.registrations.where('active').equals(1).toArray();
  const data = { registrations, summaries: countedSummaries(registrations).summaries };
  // Rows written before the counters existed (the store's upgrade counts them; this is a safety
  // net) and not paused: their records are read.
  const uncounted = registrations.filter((reg) => !reg.files && !reg.paused).map((reg) => reg.key);
  if (uncounted.length) for (const [key, summary] of await loadSummaries(uncounted)) data.summaries.set(key, summary);
  return data;
}

/** The active fetches' summaries from their rows' counters; complete unless one needs its records read. */
function countedSummaries(registrations: StoredRegistration[]) {
  const summaries = new Map<string, RecordSummary>();
  let complete = true;
  for (const reg of registrations) {
    const summary = summaryOfCounts(reg.files);
    if (summary) summaries.set(reg.key, summary);
    else if (!reg.paused) complete = false;
  }
  return { summaries, complete };
}

/** The active part of an early answer, when the rows' counters are all it needs. */
function countedListData(registrations: StoredRegistration[]): ListData | null {
  const { summaries, complete } = countedSummaries(registrations);
  return complete ? { registrations, summaries } : null;
}

export { summaryOfCounts };

/** The records of these fetches, summarised (only for rows without counters). */
export async function loadSummaries(keys: readonly string[]): Promise<Map<string, RecordSummary>> {
  const records = keys.length
    ? await db.records
        .where('regKey')
        .anyOf([...keys])
        .toArray()
    : [];
  return summarise(records);
}

/** The settled fetches: this query runs again only when one settles, changes or goes. */
export async function loadFinished(): Promise<StoredRegistration[]> {
  return db.registrations.where('active').equals(0).toArray();
}

export async function loadSites(): Promise<Map<string, SiteSettings>> {
  const rows = await db.sites.toArray();
  return new Map(rows.map((row) => [row.origin, row.settings]));
}

export async function loadRecords(regKey: string): Promise<StoredRecord[]> {
  return db.records.where('regKey').equals(regKey).sortBy('index');
}

export function useGlobalSettings(): GlobalSettings | undefined {
  const [settings, setSettings] = useState<GlobalSettings>();
  useEffect(() => {
    void browser.storage.local
      .get(GLOBAL_SETTINGS_KEY)
      .then((stored) => setSettings(globalSettingsFrom(stored[GLOBAL_SETTINGS_KEY])));
    const changed = (changes: Record<string, { newValue?: unknown }>) => {
      const change = changes[GLOBAL_SETTINGS_KEY];
      if (change) setSettings(globalSettingsFrom(change.newValue));
    };
    browser.storage.local.onChanged.addListener(changed);
    return () => browser.storage.local.onChanged.removeListener(changed);
  }, []);
  return settings;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Sends one admin command; throws Error(message) when the background refuses. */
export async function command<T extends AdminRequest['type']>(
  type: T,
  fields: DistributiveOmit<Extract<AdminRequest, { type: T }>, 'type'>,
): Promise<AdminReplies[T]> {
  const reply = (await browser.runtime.sendMessage({ channel: ADMIN_CHANNEL, request: { type, ...fields } })) as Reply<
    AdminReplies[T]
  >;
  if (!reply.ok) throw new Error(reply.error.message);
  return reply.value;
}

/**
 * The stored icon of the first of these fetches that has one, as a blob: URL (src/background/engine/icons.ts
 * fetched it once, without cookies). The popup never loads a URL a page chose; an SVG shown
 * through <img> from a blob: URL runs no script.
 */
export function useStoredIcon(keys: readonly string[]): string | null {
  const joined = keys.join('\n');
  const icon = useLiveQuery(async () => {
    for (const key of keys) {
      const stored = await db.icons.get(key);
      if (stored) return stored;
    }
    return null;
  }, [joined]);
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!icon) {
      setUrl(null);
      return;
    }
    const next = URL.createObjectURL(new Blob([icon.data], { type: icon.type }));
    setUrl(next);
    return () => URL.revokeObjectURL(next);
  }, [icon?.regKey, icon?.src, icon?.data.byteLength]);
  return url;
}
