import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { command, loadActive, loadFinished, loadSites, useGlobalSettings, useLiveQuery, type ListData } from '../../data';
import { formatBytes } from '../../format';
import { msg, uiLocale } from '../../i18n';
import { groupBySite, SpeedSampler } from '../../model';
import { PermissionPrompt } from '../PermissionPrompt/PermissionPrompt';
import { SiteGroup } from '../SiteGroup/SiteGroup';
import { SitePermissions } from '../SitePermissions/SitePermissions';
import { Toolbar } from '../Toolbar/Toolbar';

/** Runs a command; its failure (or `done` note) is announced in the status line. */
export type Run = (work: () => Promise<unknown>, done?: string) => void;

/** Speed and ETA move on this beat even when the store is quiet (a stalled transfer). */
const TICK_MS = 1000;

export function App() {
  const active = useLiveQuery(loadActive, []);
  const finished = useLiveQuery(loadFinished, []);
  const list = useMemo<ListData | undefined>(() => {
    if (!active || !finished) return undefined;
    // A fetch that just settled (or was retried) can be in both answers for a moment.
    const settled = new Set(finished.map((reg) => reg.key));
    const stillActive = active.registrations.filter((reg) => !settled.has(reg.key));
    return { registrations: [...stillActive, ...finished], summaries: active.summaries };
  }, [active, finished]);
  const sites = useLiveQuery(loadSites, []);
  const settings = useGlobalSettings();
  const [now, setNow] = useState(() => Date.now());
  const [status, setStatus] = useState<{ text: string; error: boolean } | null>(null);
  const speeds = useRef(new SpeedSampler()).current;
  const locale = uiLocale();

  useEffect(() => {
    // Opening the popup is seeing the failures the badge marked.
    void command('admin.seen', {}).catch(() => undefined);
    const timer = setInterval(() => setNow(Date.now()), TICK_MS);
    return () => clearInterval(timer);
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

  const groups = useMemo(() => (list ? groupBySite(list.registrations) : []), [list]);
  const running = list?.registrations.filter((reg) => reg.active && !reg.paused).length ?? 0;
  const paused = list?.registrations.filter((reg) => reg.active && reg.paused).length ?? 0;
  const totalStored = groups.reduce((sum, group) => sum + group.stored, 0);

  return (
    <>
      <Toolbar running={running} paused={paused} settings={settings} run={run} />
      <main>
        <p class={`status${status?.error ? ' error' : ''}`} role="status">
          {status?.text ?? ''}
        </p>
        <PermissionPrompt registrations={active?.registrations} locale={locale} run={run} />
        {!list ? (
          <p class="muted empty">{msg('loading')}</p>
        ) : groups.length === 0 ? (
          <p class="muted empty">{msg('emptyList')}</p>
        ) : (
          groups.map((group) => (
            <SiteGroup
              key={group.origin}
              group={group}
              settings={sites?.get(group.origin)}
              summaries={list.summaries}
              speeds={speeds}
              now={now}
              locale={locale}
              run={run}
            />
          ))
        )}
        <SitePermissions sites={sites} settings={settings} run={run} />
      </main>
      <footer class="footer">
        <span class="numbers">{msg('totalStorage', formatBytes(totalStored, locale))}</span>
        {!!finished?.length && (
          <button type="button" onClick={() => run(() => command('admin.removeFinished', {}))}>
            {msg('freeAll')}
          </button>
        )}
      </footer>
    </>
  );
}
