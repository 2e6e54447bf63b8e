// The store's limits the person sets (GlobalSettings): one site's share of it, and a cap on all
// of it. Enforced by the engine's one quota rule (src/background/engine/quota.ts).
import { GLOBAL_SETTING_BOUNDS } from '../../../shared/global-settings';
import type { GlobalSettings } from '../../../shared/protocol';
import { command } from '../../data';
import { msg } from '../../i18n';
import { NumberField } from '../NumberField/NumberField';
import type { Run } from '../App/App';

const MB = 1_000_000;
/** The smallest cap the settings take (1 MiB) in whole megabytes: 2. */
const MIN_CAP_MB = Math.ceil(GLOBAL_SETTING_BOUNDS.storageCapBytes.min / MB);
const SHARE = GLOBAL_SETTING_BOUNDS.siteSharePercent;

export function StorageSettings({ settings, run }: { settings: GlobalSettings; run: Run }) {
  return (
    <>
      <label>
        {msg('globalSiteShare')}
        <NumberField
          name="siteSharePercent"
          min={SHARE.min}
          max={SHARE.max}
          value={settings.siteSharePercent}
          onCommit={(value) => {
            if (value !== null) run(() => command('admin.setGlobal', { settings: { siteSharePercent: value } }));
          }}
        />
      </label>
      <label>
        {msg('globalStorageCap')}
        <NumberField
          name="storageCapMB"
          min={MIN_CAP_MB}
          placeholder={msg('globalStorageCapNone')}
          value={settings.storageCapBytes === null ? '' : Math.round(settings.storageCapBytes / MB)}
          onCommit={(value) =>
            run(() => command('admin.setGlobal', { settings: { storageCapBytes: value === null ? null : value * MB } }))
          }
        />
      </label>
    </>
  );
}
