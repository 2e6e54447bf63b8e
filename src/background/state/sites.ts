// Per-site choices the person made in the popup.
import type { SiteSettings } from '../../shared/protocol';
import { db } from '../../shared/db';

export const defaultSiteSettings = (origin: string): SiteSettings => ({
  origin,
  blocked: false,
  autoSave: false,
  useExtension: false,
});

export async function siteSettings(origin: string): Promise<SiteSettings> {
  return (await db.sites.get(origin))?.settings ?? defaultSiteSettings(origin);
}

export async function updateSiteSettings(origin: string, change: Partial<Omit<SiteSettings, 'origin'>>) {
  const settings = { ...(await siteSettings(origin)), ...change, origin };
  // One answer in two fields (`blocked` predates Allow / Ask / Block): whichever changed decides.
  if (change.permission) settings.blocked = change.permission === 'block';
  else if (change.blocked !== undefined)
    settings.permission = change.blocked ? 'block' : settings.permission === 'block' ? undefined : settings.permission;
  await db.sites.put({ origin, settings });
  return settings;
}

export async function sitesUsingExtension(): Promise<string[]> {
  const all = await db.sites.toArray();
  return all.filter(({ settings }) => settings.useExtension && !settings.blocked).map(({ origin }) => origin);
}
