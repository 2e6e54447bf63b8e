// The popup reads the store directly (same extension origin as the background) and re-renders
// when it changes; commands go to the background, which owns every transition. Dexie (store.ts)
// and the settings' schema are loaded after the first render, which is drawn from the plain
// IndexedDB read first-read.ts starts (bench popup-render: they were most of the popup's script).
import { useEffect, useState } from 'preact/hooks';
import browser from 'webextension-polyfill';
import { ADMIN_CHANNEL } from '../shared/channels';
import type { StoredRegistration } from '../shared/db';
import { GLOBAL_SETTINGS_KEY } from '../shared/global-settings';
import type { AdminReplies, AdminRequest, GlobalSettings, Reply, SiteSettings } from '../shared/protocol';
import { readFirstAnswers } from './first-read';
import { countedSummaries, type ListData } from './model';

export type { ListData };
type Store = typeof import('./store');
let storeModule: Promise<Store> | undefined;
/** The popup's Dexie connection and its reads, loaded once, the first time anything asks. */
export function store(): Promise<Store> {
  return (storeModule ??= import('./store').then((loaded) => {
    loaded.open();
    return loaded;
  }));
}

/** A live query's latest answer, for whoever subscribes, started before any component mounts. */
export interface LiveSource<T> {
  readonly current: T | undefined;
  subscribe(listener: (value: T) => void): () => void;
}

interface StartedSource<T> extends LiveSource<T> {
  /** An answer read before Dexie loaded (first-read.ts): shown only until the live query's first. */
  offer(value: T | null | undefined): void;
}

/**
 * Starts a live query once the store module has loaded, and keeps it for the page's life.
 * `mark` names the first answer's time, for the bench's account of a first render
 * (bench/lib/popup-page.mjs).
 */
export function startLiveQuery<T>(
  query: (loaded: Store) => Promise<T>,
  loaded: Promise<Store> = store(),
  mark?: string,
): StartedSource<T> {
  const listeners = new Set<(value: T) => void>();
  let live = false;
  const source: StartedSource<T> = {
    current: undefined,
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    offer(value) {
      if (!live && value) publish(value);
    },
  };
  const publish = (value: T) => {
    if (mark && source.current === undefined) performance.mark(mark);
    (source as { current: T | undefined }).current = value;
    for (const listener of listeners) listener(value);
  };
  void loaded.then((loaded) =>
    loaded
      .liveQuery(() => query(loaded))
      .subscribe({
        next: (value) => {
          live = true;
          publish(value);
        },
        error: (error: unknown) => console.error('bgfetch popup: query failed', error),
      }),
  );
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

interface ListSources {
  active: LiveSource<ListData>;
  finished: LiveSource<StoredRegistration[]>;
  sites: LiveSource<Map<string, SiteSettings>>;
  /** Settles once the early answers (if any) are in the sources: main.tsx renders then. */
  ready: Promise<void>;
}
let listSources: ListSources | undefined;

/** Resolves once the frame after this one has been painted (at most ~100 ms later, as in a hidden page rAF never runs). */
const afterNextPaint = () =>
  new Promise<void>((resolve) => {
    const fallback = setTimeout(resolve, 100);
    requestAnimationFrame(() => {
      clearTimeout(fallback);
      setTimeout(resolve);
    });
  });

/**
 * The list's three queries, started once by main.tsx. The first frame is drawn from the plain
 * IndexedDB read (first-read.ts); Dexie loads after that frame is painted, or at once when there
 * was no early answer: loading it before would hold the first frame up by its evaluation (bench
 * popup-render: 10–55 ms).
 */
export function startListQueries(): ListSources {
  if (listSources) return listSources;
  const first = readFirstAnswers();
  const loaded = first.then((answers) => (answers ? afterNextPaint() : undefined)).then(store);
  const active = startLiveQuery((loaded) => loaded.loadActive(), loaded, 'popup:active');
  const finished = startLiveQuery((loaded) => loaded.loadFinished(), loaded, 'popup:settled');
  const sites = startLiveQuery((loaded) => loaded.loadSites(), loaded);
  const ready = first.then((answers) => {
    if (!answers) return;
    active.offer(countedListData(answers.active));
    finished.offer(answers.settled);
    sites.offer(new Map(answers.sites.map((row) => [row.origin, row.settings])));
  });
  return (listSources = { active, finished, sites, ready });
}

export function useLiveQuery<T>(query: (loaded: Store) => Promise<T>, deps: unknown[]): T | undefined {
  const [value, setValue] = useState<T>();
  useEffect(() => {
    let unsubscribe: (() => void) | undefined;
    let gone = false;
    void store().then((loaded) => {
      if (gone) return;
      const subscription = loaded
        .liveQuery(() => query(loaded))
        .subscribe({
          next: setValue,
          error: (error: unknown) => console.error('bgfetch popup: query failed', error),
        });
      unsubscribe = () => subscription.unsubscribe();
    });
    return () => {
      gone = true;
      unsubscribe?.();
    };
    // `deps` are the caller's, as for useEffect itself.
  }, deps);
  return value;
}

/** The active part of an early answer, when the rows' counters are all it needs. */
function countedListData(registrations: StoredRegistration[]): ListData | null {
  const { summaries, complete } = countedSummaries(registrations);
  return complete ? { registrations, summaries } : null;
}

export function useGlobalSettings(): GlobalSettings | undefined {
  const [settings, setSettings] = useState<GlobalSettings>();
  useEffect(() => {
    // The schema (valibot) is loaded with the first answer, after the first render.
    const show = async (stored: unknown) => {
      const { globalSettingsFrom } = await import('../shared/protocol');
      setSettings(globalSettingsFrom(stored));
    };
    void browser.storage.local.get(GLOBAL_SETTINGS_KEY).then((stored) => show(stored[GLOBAL_SETTINGS_KEY]));
    const changed = (changes: Record<string, { newValue?: unknown }>) => {
      const change = changes[GLOBAL_SETTINGS_KEY];
      if (change) void show(change.newValue);
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
  const icon = useLiveQuery((loaded) => loaded.loadIcon(keys), [joined]);
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
