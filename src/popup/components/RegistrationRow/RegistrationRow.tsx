import { memo } from 'preact/compat';
import { useState } from 'preact/hooks';
import type { StoredRegistration } from '../../../shared/db';
import { command } from '../../data';
import {
  failureMessage,
  formatEta,
  formatFileCount,
  formatProgress,
  formatSpeed,
} from '../../format';
import { msg } from '../../i18n';
import { etaSeconds, pickIcon, sameRegistration, sameSummary, stateOf, totalOf, type RecordSummary } from '../../model';
import { FileList } from '../FileList/FileList';
import type { Run } from '../App/App';

export interface RegistrationRowProps {
  reg: StoredRegistration;
  summary: RecordSummary | undefined;
  speed: number | null;
  locale: string;
  run: Run;
}

/**
 * Every store change hands the popup fresh objects for every fetch; a row renders again only when
 * what it shows changed, so a progress tick of one fetch costs one row, not a thousand.
 */
export const RegistrationRow = memo(
  RegistrationRowView,
  (before: RegistrationRowProps, after: RegistrationRowProps) =>
    before.speed === after.speed &&
    before.locale === after.locale &&
    before.run === after.run &&
    sameRegistration(before.reg, after.reg) &&
    sameSummary(before.summary, after.summary),
);

function RegistrationRowView({ reg, summary, speed, locale, run }: RegistrationRowProps) {
  const [iconFailed, setIconFailed] = useState(false);
  const state = stateOf(reg, summary);
  const total = totalOf(reg, summary);
  const title = reg.title.trim() || reg.id || msg('untitled');
  const icon = iconFailed ? null : pickIcon(reg.icons, reg.scope, 32);
  const titleId = `reg-${reg.key}`;
  const moving = state === 'running';
  const saveable = state === 'succeeded' && !reg.released;
  const eta = moving ? formatEta(etaSeconds(reg.downloaded, total, speed), locale, msg) : '';
  const files =
    reg.active && summary
      ? msg('filesProgress', [String(summary.done), String(reg.recordCount)])
      : formatFileCount(reg.recordCount, locale, msg);
  const label = (action: Parameters<typeof msg>[0]) => msg('actionsFor', [msg(action), title]);
  // `active` is 0 | 1 (indexable): as a JSX condition 0 would render as text.
  const active = reg.active === 1;
  const settled = !active;
  // A settled fetch never moves again: its bar stops where it ended instead of pulsing.
  const barMax = total ?? (settled ? Math.max(reg.downloaded, 1) : undefined);

  return (
    <li class={`reg state-${state}`} aria-labelledby={titleId} data-key={reg.key} data-state={state}>
      <div class="reg-icon" aria-hidden="true">
        {icon ? (
          <img src={icon} alt="" width={32} height={32} referrerpolicy="no-referrer" onError={() => setIconFailed(true)} />
        ) : (
          <span class="letter">{title.slice(0, 1).toUpperCase()}</span>
        )}
      </div>
      <div class="reg-body">
        <div class="reg-line">
          <h3 id={titleId} class="reg-title" title={title}>
            {title}
          </h3>
          <span class="reg-state">{msg(`state_${state}`)}</span>
        </div>
        <progress
          class="reg-progress"
          aria-label={msg('progressLabel', title)}
          max={barMax}
          value={barMax === undefined ? undefined : Math.min(reg.downloaded, barMax)}
        />
        <div class="reg-line numbers">
          <span class="reg-amount">{formatProgress(reg.downloaded, state === 'succeeded' ? null : total, locale, msg)}</span>
          {moving && speed !== null && <span class="reg-speed">{formatSpeed(speed, locale)}</span>}
          {eta && <span class="reg-eta">{eta}</span>}
          <span class="reg-files">{files}</span>
        </div>
        {state === 'failed' && <p class="reg-failure">{failureMessage(reg.failureReason, msg)}</p>}
        {reg.released && <p class="reg-note muted">{msg('releasedNote')}</p>}
        <div class="reg-actions">
          {active && !reg.paused && (
            <button type="button" aria-label={label('pause')} onClick={() => run(() => command('admin.pause', { key: reg.key }))}>
              {msg('pause')}
            </button>
          )}
          {active && reg.paused && (
            <button type="button" aria-label={label('resume')} onClick={() => run(() => command('admin.resume', { key: reg.key }))}>
              {msg('resume')}
            </button>
          )}
          {active ? (
            <button type="button" aria-label={label('abort')} onClick={() => run(() => command('admin.abort', { key: reg.key }))}>
              {msg('abort')}
            </button>
          ) : null}
          {state === 'failed' && (
            <button type="button" aria-label={label('retry')} onClick={() => run(() => command('admin.retry', { key: reg.key }))}>
              {msg('retry')}
            </button>
          )}
          {saveable && (
            <button
              type="button"
              class="primary"
              aria-label={label('save')}
              onClick={() => run(() => command('admin.save', { key: reg.key }), msg('saveStarted', title))}
            >
              {msg('save')}
            </button>
          )}
          {settled && (
            <button type="button" aria-label={label('remove')} onClick={() => run(() => command('admin.remove', { key: reg.key }))}>
              {msg('remove')}
            </button>
          )}
        </div>
        {saveable && reg.recordCount > 1 && <FileList regKey={reg.key} run={run} />}
      </div>
    </li>
  );
}
