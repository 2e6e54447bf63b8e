import { useState } from 'preact/hooks';
import { GLOBAL_SETTING_BOUNDS } from '../../../shared/global-settings';
import type { GlobalSettings } from '../../../shared/protocol';
import { command } from '../../data';
import { msg } from '../../i18n';
import { NumberField } from '../NumberField/NumberField';
import type { Run } from '../App/App';
import { StorageSettings } from '../StorageSettings/StorageSettings';

export interface ToolbarProps {
  running: number;
  paused: number;
  settings: GlobalSettings | undefined;
  run: Run;
}

export function Toolbar({ running, paused, settings, run }: ToolbarProps) {
  const [open, setOpen] = useState(false);
  return (
    <header class="toolbar">
      <div class="toolbar-row">
        <h1>{msg('popupHeading')}</h1>
        {running > 0 && (
          <button type="button" onClick={() => run(() => command('admin.pauseAll', {}))}>
            {msg('pauseAll')}
          </button>
        )}
        {paused > 0 && (
          <button type="button" onClick={() => run(() => command('admin.resumeAll', {}))}>
            {msg('resumeAll')}
          </button>
        )}
        <button
          type="button"
          class="icon"
          aria-label={msg('settings')}
          title={msg('settings')}
          aria-expanded={open}
          aria-controls="global-settings"
          onClick={() => setOpen(!open)}
        >
          <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
            <path
              fill="currentColor"
              d="M9.4 1 9.8 3a5.5 5.5 0 0 1 1.3.8l2-.7 1.4 2.4-1.6 1.4a5.6 5.6 0 0 1 0 1.5l1.6 1.4-1.4 2.4-2-.7a5.5 5.5 0 0 1-1.3.8L9.4 15H6.6l-.4-2a5.5 5.5 0 0 1-1.3-.8l-2 .7-1.4-2.4 1.6-1.4a5.6 5.6 0 0 1 0-1.5L1.5 6.2l1.4-2.4 2 .7A5.5 5.5 0 0 1 6.2 3l.4-2h2.8ZM8 5.5a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5Z"
            />
          </svg>
        </button>
      </div>
      {open && settings && (
        <div id="global-settings" class="global-settings">
          <label>
            {msg('globalConcurrency')}
            <NumberField
              name="concurrency"
              min={GLOBAL_SETTING_BOUNDS.concurrency.min}
              max={GLOBAL_SETTING_BOUNDS.concurrency.max}
              value={settings.concurrency}
              onCommit={(value) => {
                if (value !== null) run(() => command('admin.setGlobal', { settings: { concurrency: value } }));
              }}
            />
          </label>
          <label>
            <input
              type="checkbox"
              name="notifications"
              checked={settings.notifications}
              onChange={(event) =>
                run(() => command('admin.setGlobal', { settings: { notifications: event.currentTarget.checked } }))
              }
            />
            {msg('globalNotifications')}
          </label>
          <StorageSettings settings={settings} run={run} />
        </div>
      )}
    </header>
  );
}
