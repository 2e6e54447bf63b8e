// Which sites may download in the background: the choice for each site the person answered or
// that used the API (Allow / Ask / Block, or the default), the default for new sites, and the
// quiet setting for start notifications. Every choice is revocable here.
import type { GlobalSettings, SitePermission, SiteSettings } from '../../../shared/protocol';
import { command } from '../../data';
import { msg } from '../../i18n';
import type { Run } from '../App/App';

export interface SitePermissionsProps {
  sites: Map<string, SiteSettings> | undefined;
  settings: GlobalSettings | undefined;
  run: Run;
}

const CHOICES: SitePermission[] = ['allow', 'ask', 'block'];

const choiceOf = (site: SiteSettings): SitePermission | '' => (site.blocked ? 'block' : (site.permission ?? ''));

export function SitePermissions({ sites, settings, run }: SitePermissionsProps) {
  if (!settings) return null;
  const rows = [...(sites?.values() ?? [])].sort((a, b) => a.origin.localeCompare(b.origin));
  return (
    <details class="site-permissions">
      <summary>{msg('sitePermissions')}</summary>
      <label>
        {msg('defaultPermission')}
        <select
          name="defaultPermission"
          value={settings.defaultPermission}
          onChange={(event) =>
            run(() =>
              command('admin.setGlobal', {
                settings: { defaultPermission: event.currentTarget.value as SitePermission },
              }),
            )
          }
        >
          {CHOICES.map((choice) => (
            <option value={choice}>{msg(`permission_${choice}`)}</option>
          ))}
        </select>
      </label>
      <label>
        <input
          type="checkbox"
          name="startNotifications"
          checked={settings.startNotifications}
          onChange={(event) =>
            run(() => command('admin.setGlobal', { settings: { startNotifications: event.currentTarget.checked } }))
          }
        />
        {msg('startNotifications')}
      </label>
      {rows.length === 0 ? (
        <p class="muted">{msg('sitePermissionsEmpty')}</p>
      ) : (
        <ul class="site-permission-list">
          {rows.map((site) => (
            <li key={site.origin}>
              <label>
                <span class="site-origin">{new URL(site.origin).host}</span>
                <select
                  name="sitePermission"
                  data-origin={site.origin}
                  value={choiceOf(site)}
                  onChange={(event) => {
                    const value = event.currentTarget.value as SitePermission | '';
                    // A partial update cannot remove the site's choice: "Default" writes the default's
                    // value as it is now.
                    const permission = value || settings.defaultPermission;
                    run(() => command('admin.setSite', { origin: site.origin, settings: { permission } }));
                  }}
                >
                  <option value="">{msg('permission_default', msg(`permission_${settings.defaultPermission}`))}</option>
                  {CHOICES.map((choice) => (
                    <option value={choice}>{msg(`permission_${choice}`)}</option>
                  ))}
                </select>
              </label>
            </li>
          ))}
        </ul>
      )}
    </details>
  );
}
