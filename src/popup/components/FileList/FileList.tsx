import { useState } from 'preact/hooks';
import { fileNameFromUrl } from '../../../shared/filenames';
import { command, loadRecords, useLiveQuery } from '../../data';
import { formatBytes } from '../../format';
import { msg, uiLocale } from '../../i18n';
import type { Run } from '../App/App';

/** The files of a finished fetch, each with its own Save. Loaded only when opened. */
export function FileList({ regKey, run }: { regKey: string; run: Run }) {
  const [open, setOpen] = useState(false);
  return (
    <details class="files" onToggle={(event) => setOpen((event.currentTarget as HTMLDetailsElement).open)}>
      <summary>{msg('files')}</summary>
      {open && <Files regKey={regKey} run={run} />}
    </details>
  );
}

function Files({ regKey, run }: { regKey: string; run: Run }) {
  const records = useLiveQuery(() => loadRecords(regKey), [regKey]);
  const locale = uiLocale();
  if (!records) return <p class="muted">{msg('loading')}</p>;
  return (
    <ul class="file-list">
      {records.map((record) => {
        const name = fileNameFromUrl(record.response?.url || record.request.url);
        return (
          <li key={record.index}>
            <span class="file-name" title={record.request.url}>
              {name}
            </span>
            <span class="numbers muted">{formatBytes(record.stored, locale)}</span>
            <button
              type="button"
              class="small"
              disabled={record.state !== 'done'}
              onClick={() => run(() => command('admin.save', { key: regKey, index: record.index }), msg('saveStarted', name))}
            >
              {msg('saveFile', name)}
            </button>
          </li>
        );
      })}
    </ul>
  );
}
