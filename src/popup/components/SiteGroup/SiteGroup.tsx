import { useState } from 'preact/hooks';
import type { SiteSettings } from '../../../shared/protocol';
import { command } from '../../data';
import { formatBytes } from '../../format';
import { msg } from '../../i18n';
import { siteIcon, type SiteGroup as Group, type SpeedSampler } from '../../model';
import { RegistrationRow } from '../RegistrationRow/RegistrationRow';
import { RowBoundary } from '../RowBoundary/RowBoundary';
import type { Run } from '../App/App';
import type { ListData } from '../../data';

/** Finished fetches shown per site before "Show more": keeps hundreds cheap. */
const FINISHED_SHOWN = 10;

export interface SiteGroupProps {
  group: Group;
  settings: SiteSettings | undefined;
  summaries: ListData['summaries'];
  speeds: SpeedSampler;
  now: number;
  locale: string;
  run: Run;
}

export function SiteGroup({ group, settings, summaries, speeds, now, locale, run }: SiteGroupProps) {
  const [showAll, setShowAll] = useState(false);
  const [iconFailed, setIconFailed] = useState(false);
  const host = new URL(group.origin).host;
  const headingId = `site-${host}`;
  const shownCount = showAll ? group.registrations.length : group.active + FINISHED_SHOWN;
  const shown = group.registrations.slice(0, shownCount);
  const hidden = group.registrations.length - shown.length;
  const current: SiteSettings = settings ?? { origin: group.origin, blocked: false, autoSave: false, useExtension: false };
  const set = (change: Partial<Omit<SiteSettings, 'origin'>>) =>
    run(() => command('admin.setSite', { origin: group.origin, settings: change }));

  return (
    <section class="site" aria-labelledby={headingId} data-origin={group.origin}>
      <header class="site-head">
        {iconFailed ? (
          <span class="site-icon letter" aria-hidden="true">
            {host.slice(0, 1).toUpperCase()}
          </span>
        ) : (
          <img
            class="site-icon"
            src={siteIcon(group)}
            alt=""
            width={16}
            height={16}
            referrerpolicy="no-referrer"
            onError={() => setIconFailed(true)}
          />
        )}
        <h2 id={headingId} title={group.origin}>
          {host}
        </h2>
        {current.blocked && <span class="badge-blocked">{msg('siteBlocked')}</span>}
        <span class="numbers muted site-storage">{msg('siteStorage', formatBytes(group.stored, locale))}</span>
      </header>
      <details class="site-settings">
        <summary>{msg('siteSettingsFor', host)}</summary>
        <label>
          <input type="checkbox" name="blocked" checked={current.blocked} onChange={(e) => set({ blocked: e.currentTarget.checked })} />
          {msg('siteBlock')}
        </label>
        <label>
          <input type="checkbox" name="autoSave" checked={current.autoSave} onChange={(e) => set({ autoSave: e.currentTarget.checked })} />
          {msg('siteAutoSave')}
        </label>
        {__TARGET__ === 'chromium' && (
          <label>
            <input
              type="checkbox"
              name="useExtension"
              checked={current.useExtension}
              onChange={(e) => set({ useExtension: e.currentTarget.checked })}
            />
            {msg('siteUseExtension')}
          </label>
        )}
        {group.finished > 0 && (
          <button type="button" class="small" onClick={() => run(() => command('admin.removeFinished', { origin: group.origin }))}>
            {msg('freeSite')}
          </button>
        )}
      </details>
      <ul class="regs">
        {shown.map((reg) => (
          <RowBoundary key={reg.key} reg={reg} run={run}>
            <RegistrationRow
              reg={reg}
              summary={summaries.get(reg.key)}
              speed={reg.active ? speeds.speed(reg.key, now) : null}
              locale={locale}
              run={run}
            />
          </RowBoundary>
        ))}
      </ul>
      {hidden > 0 && (
        <button type="button" class="link" onClick={() => setShowAll(true)}>
          {msg('showMore', String(hidden))}
        </button>
      )}
    </section>
  );
}
