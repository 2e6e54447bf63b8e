import { useState } from 'preact/hooks';
import type { StoredRegistration } from '../../../shared/db';
import { useLiveQuery } from '../../data';
import { formatTime } from '../../format';
import { msg } from '../../i18n';
import { Files } from '../FileList/FileList';
import type { Run } from '../App/App';

/** Where the files come from, when it started and ended, a link to copy, each file's progress. Read only when opened. */
export function RowDetails({
  reg,
  saveable,
  locale,
  run,
}: {
  reg: StoredRegistration;
  saveable: boolean;
  locale: string;
  run: Run;
}) {
  const [open, setOpen] = useState(false);
  return (
    <details class="reg-details" onToggle={(event) => setOpen((event.currentTarget as HTMLDetailsElement).open)}>
      <summary>{msg('details')}</summary>
      {open && <Opened reg={reg} saveable={saveable} locale={locale} run={run} />}
    </details>
  );
}

function Opened({
  reg,
  saveable,
  locale,
  run,
}: {
  reg: StoredRegistration;
  saveable: boolean;
  locale: string;
  run: Run;
}) {
  const records = useLiveQuery((loaded) => loaded.loadRecords(reg.key), [reg.key]);
  const now = Date.now();
  const hosts = [
    ...new Set((records ?? []).map((record) => hostOf(record.response?.url || record.request.url)).filter(Boolean)),
  ];
  const link = records?.[0]?.request.url ?? '';
  return (
    <div class="reg-meta">
      {hosts.length > 0 && <p class="reg-hosts">{msg('sourceHosts', hosts.join(', '))}</p>}
      <p class="numbers">
        {msg('startedAt', formatTime(reg.createdAt, now, locale))}
        {reg.settledAt > 0 && ` · ${msg('finishedAt', formatTime(reg.settledAt, now, locale))}`}
      </p>
      {link && (
        <button
          type="button"
          class="small"
          onClick={() => run(() => navigator.clipboard.writeText(link), msg('linkCopied', link))}
        >
          {msg('copyLink')}
        </button>
      )}
      <Files regKey={reg.key} records={records} saveable={saveable} run={run} />
    </div>
  );
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}
