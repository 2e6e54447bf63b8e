// In a private window's popup: "This private window", the private session's fetches with their
// progress and Pause / Resume / Cancel (asked for through private-session.ts).
import { usePrivateSession } from '../../private-session';
import type { PrivateFetch } from '../../../shared/protocol';
import { command } from '../../data';
import { failureMessage, formatProgress } from '../../format';
import { msg } from '../../i18n';
import type { Run } from '../App/App';

export function PrivateFetches({ locale, run }: { locale: string; run: Run }) {
  const fetches: PrivateFetch[] = usePrivateSession('admin.privateFetches');
  if (!fetches.length) return null;
  return (
    <section class="private-fetches" aria-labelledby="private-fetches-heading">
      <h2 id="private-fetches-heading" class="private-fetches-heading">
        {msg('privateWindowFetches')}
      </h2>
      <ul class="regs">
        {fetches.map((reg) => (
          <PrivateRow key={reg.key} reg={reg} locale={locale} run={run} />
        ))}
      </ul>
    </section>
  );
}

function PrivateRow({ reg, locale, run }: { reg: PrivateFetch; locale: string; run: Run }) {
  const title = reg.title.trim() || msg('untitled');
  const titleId = `private-${reg.key}`;
  const settled = reg.state === 'succeeded' || reg.state === 'failed' || reg.state === 'aborted';
  const total = reg.downloadTotal || null;
  const barMax = reg.state === 'succeeded' ? Math.max(reg.downloaded, 1) : (total ?? undefined);
  const label = (action: 'pause' | 'resume' | 'abort') => msg('actionsFor', [msg(action), title]);
  const act = (type: 'admin.pause' | 'admin.resume' | 'admin.abort') => run(() => command(type, { key: reg.key }));
  return (
    <li class={`reg state-${reg.state}`} aria-labelledby={titleId} data-key={reg.key} data-state={reg.state}>
      <div class="reg-body">
        <h3 id={titleId} class="reg-title">
          {title}
        </h3>
        <p class="reg-state">
          {msg(`state_${reg.state}`)} · {new URL(reg.origin).host}
        </p>
        <progress
          class={`reg-progress${barMax === undefined ? (settled ? ' stopped' : ' indeterminate') : ''}`}
          aria-label={msg('progressLabel', title)}
          max={barMax}
          value={barMax === undefined ? undefined : Math.min(reg.downloaded, barMax)}
        />
        <div class="reg-line numbers">
          <span class="reg-amount">
            {formatProgress(reg.downloaded, reg.state === 'succeeded' ? null : total, locale, msg)}
          </span>
        </div>
        {reg.state === 'failed' && <p class="reg-failure">{failureMessage(reg.failureReason, msg)}</p>}
        {!settled && (
          <div class="reg-actions">
            {reg.state === 'paused' ? (
              <button type="button" name="resume" aria-label={label('resume')} onClick={() => act('admin.resume')}>
                {msg('resume')}
              </button>
            ) : (
              <button type="button" name="pause" aria-label={label('pause')} onClick={() => act('admin.pause')}>
                {msg('pause')}
              </button>
            )}
            <button type="button" name="abort" aria-label={label('abort')} onClick={() => act('admin.abort')}>
              {msg('abort')}
            </button>
          </div>
        )}
      </div>
    </li>
  );
}
