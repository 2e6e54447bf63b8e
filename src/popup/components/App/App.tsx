import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { RemovalResult } from '../../../shared/protocol';
import { command, startListQueries, useGlobalSettings, useLiveQuery, useLiveSource } from '../../data';
import { formatBytes } from '../../format';
import { msg, uiLocale } from '../../i18n';
import { SpeedSampler, type ListQuery } from '../../model';
import { PermissionPrompt } from '../PermissionPrompt/PermissionPrompt';
import { PrivateFetches } from '../PrivateFetches/PrivateFetches';
import { SiteGroup } from '../SiteGroup/SiteGroup';
import { SitePermissions } from '../SitePermissions/SitePermissions';
import { Toolbar } from '../Toolbar/Toolbar';
import { ListControls } from './ListControls';
import { UndoBar, type Undoable } from './UndoBar';
import { onListKey } from './keyboard';
import { useListModel } from './useListModel';

/** Runs a command; its failure (or `done` note) is announced in the status line. */
export type Run = (work: () => Promise<unknown>, done?: string) => void;
/** Runs a removal and offers to undo it. */
export type RunRemoval = (work: () => Promise<RemovalResult>) => void;

/** Speed and ETA move on this beat even when the store is quiet (a stalled transfer). */
const TICK_MS = 1000;
/** Rows per page: what fits a popup a few times over, and a bounded number of Tab stops. */
export const PAGE_ROWS = 25;
const NO_ROWS = { get: () => undefined };
const NO_ORIGINS: string[] = [];
/** The list's first commit, marked for the bench (one ref for the page's life: called once). */
const markListShown = (element: HTMLDivElement | null) => {
  if (element && !performance.getEntriesByName('popup:list').length) performance.mark('popup:list');
};

export function App() {
  const sources = startListQueries();
  const active = useLiveSource(sources.active);
  const finished = useLiveSource(sources.finished);
  // Paused fetches of rows older than the counters: summarised by a query of their own, which
  // runs again only when their set or their records change.
  const pausedKeys = useMemo(
    () =>
      (active?.registrations.filter((reg) => reg.paused && !reg.files).map((reg) => reg.key) ?? []).sort().join('\n'),
    [active],
  );
  const pausedSummaries = useLiveQuery(
    (loaded) => loaded.loadSummaries(pausedKeys ? pausedKeys.split('\n') : []),
    [pausedKeys],
  );
  const sites = useLiveSource(sources.sites);
  const settings = useGlobalSettings();
  const [now, setNow] = useState(() => Date.now());
  const [online, setOnline] = useState(() => navigator.onLine);
  const [status, setStatus] = useState<{ text: string; error: boolean } | null>(null);
  const [query, setQuery] = useState<ListQuery>({ query: '', filter: 'all', site: '' });
  const [limit, setLimit] = useState(PAGE_ROWS);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [current, setCurrent] = useState<string | null>(null);
  const [undoable, setUndoable] = useState<Undoable | null>(null);
  const speeds = useRef(new SpeedSampler()).current;
  const locale = uiLocale();

  useEffect(() => {
    // Opening the popup is seeing the failures the badge marked.
    void command('admin.seen', {}).catch(() => undefined);
    const timer = setInterval(() => setNow(Date.now()), TICK_MS);
    const changed = () => setOnline(navigator.onLine);
    addEventListener('online', changed);
    addEventListener('offline', changed);
    return () => {
      clearInterval(timer);
      removeEventListener('online', changed);
      removeEventListener('offline', changed);
    };
  }, []);

  useMemo(() => {
    if (!active) return;
    const at = Date.now();
    for (const reg of active.registrations) speeds.observe(reg.key, reg.downloaded, at);
    speeds.forget(new Set(active.registrations.map((reg) => reg.key)));
  }, [active, now]);

  const run = useCallback<Run>((work, done) => {
    setStatus(done ? { text: done, error: false } : null);
    work().catch((error: unknown) => {
      setStatus({ text: msg('commandFailed', error instanceof Error ? error.message : String(error)), error: true });
    });
  }, []);

  const runRemoval = useCallback<RunRemoval>(
    (work) =>
      run(async () => {
        const result = await work();
        setSelected(new Set());
        if (result.removed.length) setUndoable({ ...result });
      }),
    [run],
  );

  const list = useListModel(active, finished, pausedSummaries, query, limit);
  const page = list?.page ?? [];
  const hidden = list ? list.total - list.shownCount : 0;
  const shownKeys = page.flatMap((part) => part.shown.map((reg) => reg.key));
  // One row is the list's Tab stop; arrow keys move it (keyboard.ts).
  const focusKey = current && shownKeys.includes(current) ? current : (shownKeys[0] ?? null);

  const toggle = useCallback((key: string, on: boolean) => {
    setSelected((before) => {
      const next = new Set(before);
      if (on) next.add(key);
      else next.delete(key);
      return next;
    });
  }, []);
  const changeQuery = useCallback((change: Partial<ListQuery>) => {
    setQuery((before) => ({ ...before, ...change }));
    setLimit(PAGE_ROWS);
  }, []);
  const byKey = list?.byKey ?? NO_ROWS;

  return (
    <>
      <Toolbar running={list?.running ?? 0} paused={list?.paused ?? 0} settings={settings} run={run} />
      <ListControls
        query={query}
        counts={list?.counts}
        origins={list?.origins ?? NO_ORIGINS}
        selected={[...selected].map((key) => byKey.get(key)).filter((reg) => reg !== undefined)}
        shownKeys={shownKeys}
        onQuery={changeQuery}
        onSelect={setSelected}
        run={run}
        runRemoval={runRemoval}
        locale={locale}
      />
      <main
        onKeyDown={(event) =>
          onListKey(event, { byKey, setCurrent, toggle: (key) => toggle(key, !selected.has(key)), run, runRemoval })
        }
      >
        <p class={`status${status?.error ? ' error' : ''}`} role="status">
          {status?.text ?? ''}
        </p>
        <PermissionPrompt registrations={active?.registrations} locale={locale} run={run} />
        <PrivateFetches locale={locale} run={run} />
        {undoable && (
          <UndoBar undoable={undoable} now={now} locale={locale} run={run} onDone={() => setUndoable(null)} />
        )}
        {!list ? (
          <p class="muted empty">{msg('loading')}</p>
        ) : list.listedCount === 0 ? (
          <p class="muted empty">{msg('emptyList')}</p>
        ) : list.total === 0 ? (
          <p class="muted empty">{msg('noMatches')}</p>
        ) : (
          <div
            ref={markListShown}
            class="list"
            data-total={list.total}
            data-shown={list.shownCount}
            aria-describedby="list-hint"
          >
            <p id="list-hint" class="visually-hidden">
              {msg('listHint')}
            </p>
            {page.map(({ group, shown }) => (
              <SiteGroup
                key={group.origin}
                group={group}
                shown={shown}
                stored={list.storedBySite.get(group.origin) ?? 0}
                settings={sites?.get(group.origin)}
                summaries={list.summaries}
                speeds={speeds}
                now={now}
                online={online}
                locale={locale}
                focusKey={focusKey}
                selected={selected}
                onToggle={toggle}
                run={run}
                runRemoval={runRemoval}
              />
            ))}
            {hidden > 0 && (
              <button type="button" class="link more" onClick={() => setLimit(limit + PAGE_ROWS * 4)}>
                {msg('showMore', String(hidden))}
              </button>
            )}
          </div>
        )}
        <SitePermissions sites={sites} settings={settings} run={run} />
      </main>
      <footer class="footer">
        <span class="numbers">{msg('totalStorage', formatBytes(list?.totalStored ?? 0, locale))}</span>
        {(list?.settledCount ?? 0) > 0 && (
          <button type="button" onClick={() => runRemoval(() => command('admin.clearAll', {}))}>
            {msg('freeAll')}
          </button>
        )}
      </footer>
    </>
  );
}
