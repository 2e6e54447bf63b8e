// The person's global settings (popup toolbar), kept in storage.local.
import browser from 'webextension-polyfill';
import { GLOBAL_SETTINGS_KEY, globalSettingsFrom, type GlobalSettings } from '../../shared/protocol';

export async function readGlobalSettings(): Promise<GlobalSettings> {
  const stored = await browser.storage.local.get(GLOBAL_SETTINGS_KEY);
  return globalSettingsFrom(stored[GLOBAL_SETTINGS_KEY]);
}

export async function writeGlobalSettings(change: Partial<GlobalSettings>): Promise<GlobalSettings> {
  const next = { ...(await readGlobalSettings()), ...change };
  await browser.storage.local.set({ [GLOBAL_SETTINGS_KEY]: next });
  for (const listener of listeners) listener(next);
  return next;
}

const listeners = new Set<(settings: GlobalSettings) => void>();

/** Called with the settings now and after every change the person makes. */
export function watchGlobalSettings(listener: (settings: GlobalSettings) => void): void {
  listeners.add(listener);
  void readGlobalSettings()
    .then(listener)
    .catch(() => undefined);
}
