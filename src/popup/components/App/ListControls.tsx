import type { StoredRegistration } from '../../../shared/db';
import { command } from '../../data';
import { msg } from '../../i18n';
import { hostOf, LIST_FILTERS, type ListFilter, type ListQuery } from '../../model';
import type { Run, RunRemoval } from './App';

export interface ListControlsProps {
  query: ListQuery;
  counts: Record<ListFilter, number> | undefined;
  origins: string[];
  selected: StoredRegistration[];
  shownKeys: string[];
  onQuery: (change: Partial<ListQuery>) => void;
  onSelect: (keys: ReadonlySet<string>) => void;
  run: Run;
  runRemoval: RunRemoval;
  locale: string;
}

/** Search, filter by state and site, and what to do with the selected fetches. */
export function ListControls({
  query,
  counts,
  origins,
  selected,
  shownKeys,
  onQuery,
  onSelect,
  run,
  runRemoval,
}: ListControlsProps) {
  const settled = selected.filter((reg) => !reg.active).map((reg) => reg.key);
  const active = selected.filter((reg) => reg.active);
  const each = (type: 'admin.pause' | 'admin.resume' | 'admin.abort', keys: string[]) =>
    run(() => Promise.all(keys.map((key) => command(type, { key }))));
  return (
    <div class="list-controls" role="search">
      <div class="controls-row">
        <input
          type="search"
          name="search"
          aria-label={msg('search')}
          placeholder={msg('search')}
          value={query.query}
          onInput={(event) => onQuery({ query: event.currentTarget.value })}
        />
        <select
          name="filter"
          aria-label={msg('filterLabel')}
          value={query.filter}
          onChange={(event) => onQuery({ filter: event.currentTarget.value as ListFilter })}
        >
          {LIST_FILTERS.map((filter) => (
            <option key={filter} value={filter}>
              {msg(`filter_${filter}`, String(counts?.[filter] ?? 0))}
            </option>
          ))}
        </select>
        {origins.length > 1 && (
          <select
            name="site"
            aria-label={msg('siteFilterLabel')}
            value={query.site}
            onChange={(event) => onQuery({ site: event.currentTarget.value })}
          >
            <option value="">{msg('siteFilterAll')}</option>
            {origins.map((origin) => (
              <option key={origin} value={origin}>
                {hostOf(origin)}
              </option>
            ))}
          </select>
        )}
      </div>
      {selected.length > 0 ? (
        <div class="controls-row selection" role="group" aria-label={msg('selectedCount', String(selected.length))}>
          <span class="numbers">{msg('selectedCount', String(selected.length))}</span>
          {active.some((reg) => !reg.paused) && (
            <button
              type="button"
              onClick={() =>
                each(
                  'admin.pause',
                  active.filter((reg) => !reg.paused).map((reg) => reg.key),
                )
              }
            >
              {msg('pauseSelected')}
            </button>
          )}
          {active.some((reg) => reg.paused) && (
            <button
              type="button"
              onClick={() =>
                each(
                  'admin.resume',
                  active.filter((reg) => reg.paused).map((reg) => reg.key),
                )
              }
            >
              {msg('resumeSelected')}
            </button>
          )}
          {active.length > 0 && (
            <button
              type="button"
              onClick={() =>
                each(
                  'admin.abort',
                  active.map((reg) => reg.key),
                )
              }
            >
              {msg('cancelSelected')}
            </button>
          )}
          {settled.length > 0 && (
            <button type="button" onClick={() => runRemoval(() => command('admin.removeMany', { keys: settled }))}>
              {msg('removeSelected')}
            </button>
          )}
          <button type="button" class="link" onClick={() => onSelect(new Set())}>
            {msg('clearSelection')}
          </button>
        </div>
      ) : (
        shownKeys.length > 1 && (
          <div class="controls-row">
            <button type="button" class="link" onClick={() => onSelect(new Set(shownKeys))}>
              {msg('selectShown')}
            </button>
          </div>
        )
      )}
    </div>
  );
}
