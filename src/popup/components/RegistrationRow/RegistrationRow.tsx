import { useState } from 'preact/hooks';
import type { StoredRegistration } from '../../../shared/db';
import { fileNameFromUrl } from '../../../shared/filenames';
import { command, useLiveQuery, useStoredIcon } from '../../data';
import { memoView } from '../memo-view';
import {
  failureMessage,
  formatEta,
  formatFailedFile,
  formatFileCount,
  formatProgress,
  formatSpeed,
  formatWaiting,
} from '../../format';
import { msg } from '../../i18n';
import { etaSeconds, sameRegistration, sameSummary, stateOf, totalOf, type RecordSummary } from '../../model';
import { RowDetails } from './RowDetails';
import type { Run, RunRemoval } from '../App/App';

export interface RegistrationRowProps {
  reg: StoredRegistration;
  summary: RecordSummary | undefined;
  speed: number | null;
  /** The clock, for a waiting row's countdown; 0 for the others (so they do not re-render). */
  now: number;
  online: boolean;
  locale: string;
  /** The list's one Tab stop (arrow keys move it). */
  focusable: boolean;
  selected: boolean;
  onToggle: (key: string, on: boolean) => void;
  run: Run;
  runRemoval: RunRemoval;
}

/**
 * Every store change hands the popup fresh objects for every fetch; a row renders again only when
 * what it shows changed, so a progress tick of one fetch costs one row, not a thousand.
 */
export const RegistrationRow = memoView(
  RegistrationRowView,
  (before: RegistrationRowProps, after: RegistrationRowProps) =>
    before.speed === after.speed &&
    before.now === after.now &&
    before.online === after.online &&
    before.locale === after.locale &&
    before.focusable === after.focusable &&
    before.selected === after.selected &&
    before.run === after.run &&
    sameRegistration(before.reg, after.reg) &&
    sameSummary(before.summary, after.summary),
);

function RegistrationRowView({
  reg,
  summary,
  speed,
  now,
  online,
  locale,
  focusable,
  selected,
  onToggle,
  run,
  runRemoval,
}: RegistrationRowProps) {
  const [iconFailed, setIconFailed] = useState(false);
  const state = stateOf(reg, summary);
  const total = totalOf(reg, summary);
  const title = reg.title.trim() || reg.id || msg('untitled');
  const storedIcon = useStoredIcon([reg.key]);
  const icon = iconFailed ? null : storedIcon;
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
  const stateText =
    state === 'offline' || state === 'retrying'
      ? formatWaiting(state, reg.retry ?? undefined, online, now || Date.now(), locale, msg)
      : msg(`state_${state}`);
  // A finished fetch's bar is full; a stopped one's stays where it stopped; without a known
  // total an active bar is indeterminate (animated) and a stopped one empty and still.
  const barMax = state === 'succeeded' ? Math.max(reg.downloaded, 1) : (total ?? undefined);
  const indeterminate = barMax === undefined;

  return (
    <li
      class={`reg state-${state}`}
      aria-labelledby={titleId}
      data-key={reg.key}
      data-state={state}
      tabIndex={focusable ? 0 : -1}
    >
      <input
        type="checkbox"
        class="reg-select"
        aria-label={msg('selectRow', title)}
        checked={selected}
        tabIndex={-1}
        onChange={(event) => onToggle(reg.key, event.currentTarget.checked)}
      />
      <div class="reg-icon" aria-hidden="true">
        {icon ? (
          <img
            src={icon}
            alt=""
            width={32}
            height={32}
            referrerpolicy="no-referrer"
            onError={() => setIconFailed(true)}
          />
        ) : (
          <span class="letter">{title.slice(0, 1).toUpperCase()}</span>
        )}
      </div>
      <div class="reg-body">
        <h3 id={titleId} class="reg-title">
          {title}
        </h3>
        <p class="reg-state">{stateText}</p>
        <progress
          class={`reg-progress${indeterminate ? (active ? ' indeterminate' : ' stopped') : ''}`}
          aria-label={msg('progressLabel', title)}
          max={barMax}
          value={barMax === undefined ? undefined : Math.min(reg.downloaded, barMax)}
        />
        <div class="reg-line numbers">
          <span class="reg-amount">
            {formatProgress(reg.downloaded, state === 'succeeded' ? null : total, locale, msg)}
          </span>
          {moving && speed !== null && <span class="reg-speed">{formatSpeed(speed, locale)}</span>}
          {eta && <span class="reg-eta">{eta}</span>}
          <span class="reg-files">{files}</span>
        </div>
        {state === 'failed' && (
          <>
            <p class="reg-failure">{failureMessage(reg.failureReason, msg)}</p>
            <FailedFile regKey={reg.key} />
          </>
        )}
        {state === 'aborted' && reg.keptBytes !== undefined && <p class="reg-note muted">{msg('discardedNote')}</p>}
        {reg.released && <p class="reg-note muted">{msg('releasedNote')}</p>}
        <div class="reg-actions">
          <button
            type="button"
            aria-label={label('openSite')}
            onClick={() => run(() => command('admin.click', { key: reg.key }))}
          >
            {msg('openSite')}
          </button>
          {active && !reg.paused && (
            <button
              type="button"
              aria-label={label('pause')}
              onClick={() => run(() => command('admin.pause', { key: reg.key }))}
            >
              {msg('pause')}
            </button>
          )}
          {active && reg.paused && (
            <button
              type="button"
              aria-label={label('resume')}
              onClick={() => run(() => command('admin.resume', { key: reg.key }))}
            >
              {msg('resume')}
            </button>
          )}
          {active ? (
            <button
              type="button"
              aria-label={label('abort')}
              onClick={() => run(() => command('admin.abort', { key: reg.key }))}
            >
              {msg('abort')}
            </button>
          ) : null}
          {state === 'failed' && (
            <button
              type="button"
              aria-label={label('retry')}
              onClick={() => run(() => command('admin.retry', { key: reg.key }))}
            >
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
            <button
              type="button"
              aria-label={label('remove')}
              onClick={() => runRemoval(() => command('admin.removeMany', { keys: [reg.key] }))}
            >
              {msg('remove')}
            </button>
          )}
        </div>
        <RowDetails reg={reg} saveable={saveable} locale={locale} run={run} />
      </div>
    </li>
  );
}

/** Which file failed, from where, with what status: read from the fetch's records. */
function FailedFile({ regKey }: { regKey: string }) {
  const records = useLiveQuery((loaded) => loaded.loadRecords(regKey), [regKey]);
  const failed =
    records?.find((record) => record.state === 'failed' && record.failure !== 'aborted') ??
    records?.find((record) => record.state === 'failed');
  if (!failed) return null;
  const url = failed.response?.url || failed.request.url;
  let host = '';
  try {
    host = new URL(url).host;
  } catch {
    /* a stored URL always parses; nothing to name otherwise */
  }
  const status = failed.failure === 'bad-status' ? failed.response?.status : undefined;
  return <p class="reg-failure reg-failure-file">{formatFailedFile(fileNameFromUrl(url), host, status, msg)}</p>;
}
