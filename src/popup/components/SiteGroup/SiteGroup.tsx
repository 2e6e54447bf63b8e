import { useState } from 'preact/hooks';
import type { SiteSettings } from '../../../shared/protocol';
import { command, useStoredIcon } from '../../data';
import { formatBytes } from '../../format';
import { msg } from '../../i18n';
import { hostOf, siteIconKeys, type RecordSummary, type SiteGroup as Group, type SpeedSampler } from '../../model';
import { RegistrationRow } from '../RegistrationRow/RegistrationRow';
import { RowBoundary } from '../RowBoundary/RowBoundary';
import type { Run, RunRemoval } from '../App/App';
import type { StoredRegistration } from '../../../shared/db';

export interface SiteGroupProps {
  group: Group;
  /** The rows of this site on the current page (App pages the whole list). */
  shown: StoredRegistration[];
  /** Bytes stored for the site, whatever the filter shows. */
  stored: number;
  settings: SiteSettings | undefined;
  summaries: ReadonlyMap<string, RecordSummary>;
  speeds: SpeedSampler;
  now: number;
  online: boolean;
  locale: string;
  focusKey: string | null;
  selected: ReadonlySet<string>;
  onToggle: (key: string, on: boolean) => void;
  run: Run;
  runRemoval: RunRemoval;
}

export function SiteGroup({
  group,
  shown,
  stored,
  settings,
  summaries,
  speeds,
  now,
  online,
  locale,
  focusKey,
  selected,
  onToggle,
  run,
  runRemoval,
}: SiteGroupProps) {
  const [iconFailed, setIconFailed] = useState(false);
  const icon = useStoredIcon(siteIconKeys(group));
  const host = hostOf(group.origin);
  const headingId = `site-${host}`;
  const current: SiteSettings = settings ?? {
    origin: group.origin,
    blocked: false,
    autoSave: false,
    useExtension: false,
  };
  const set = (change: Partial<Omit<SiteSettings, 'origin'>>) =>
    run(() => command('admin.setSite', { origin: group.origin, settings: change }));

  return (
    <section class="site" aria-labelledby={headingId} data-origin={group.origin}>
      <header class="site-head">
        {iconFailed || !icon ? (
          <span class="site-icon letter" aria-hidden="true">
            {host.slice(0, 1).toUpperCase()}
          </span>
        ) : (
          <img
            class="site-icon"
            src={icon}
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
        <span class="numbers muted site-storage">{msg('siteStorage', formatBytes(stored, locale))}</span>
      </header>
      <details class="site-settings">
        <summary>{msg('siteSettingsFor', host)}</summary>
        <label>
          <input
            type="checkbox"
            name="blocked"
            checked={current.blocked}
            onChange={(e) => set({ blocked: e.currentTarget.checked })}
          />
          {msg('siteBlock')}
        </label>
        <label>
          <input
            type="checkbox"
            name="autoSave"
            checked={current.autoSave}
            onChange={(e) => set({ autoSave: e.currentTarget.checked })}
          />
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
          <button
            type="button"
            class="small"
            onClick={() => runRemoval(() => command('admin.clearSite', { origin: group.origin }))}
          >
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
              // Only a waiting row counts down; the others must not render again every second.
              now={reg.waiting ? now : 0}
              online={online}
              locale={locale}
              focusable={reg.key === focusKey}
              selected={selected.has(reg.key)}
              onToggle={onToggle}
              run={run}
              runRemoval={runRemoval}
            />
          </RowBoundary>
        ))}
      </ul>
    </section>
  );
}
