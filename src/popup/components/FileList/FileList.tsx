import type { StoredRecord } from '../../../shared/db';
import { fileNameFromUrl } from '../../../shared/filenames';
import { command } from '../../data';
import { formatBytes, formatProgress } from '../../format';
import { msg, uiLocale } from '../../i18n';
import type { Run } from '../App/App';

/** The files of a fetch: how far each got (a failed fetch shows where each stopped), each with its own Save when finished. */
export function Files({
  regKey,
  records,
  saveable,
  run,
}: {
  regKey: string;
  records: StoredRecord[] | undefined;
  saveable: boolean;
  run: Run;
}) {
  const locale = uiLocale();
  if (!records) return <p class="muted">{msg('loading')}</p>;
  return (
    <ul class="file-list" aria-label={msg('files')}>
      {records.map((record) => {
        const name = fileNameFromUrl(record.response?.url || record.request.url);
        const total = record.state === 'done' ? null : record.expectedLength;
        return (
          <li key={record.index} data-file-state={record.state}>
            <span class="file-name" title={record.request.url}>
              {name}
            </span>
            <span class="numbers muted">
              {record.state === 'done'
                ? formatBytes(record.stored, locale)
                : formatProgress(record.stored, total, locale, msg)}
              {' · '}
              {msg(`fileState_${record.state}`)}
            </span>
            {saveable && (
              <button
                type="button"
                class="small"
                disabled={record.state !== 'done'}
                onClick={() =>
                  run(() => command('admin.save', { key: regKey, index: record.index }), msg('saveStarted', name))
                }
              >
                {msg('saveFile', name)}
              </button>
            )}
          </li>
        );
      })}
    </ul>
  );
}
