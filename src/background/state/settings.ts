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
  known = next;
  for (const listener of listeners) listener(next);
  return next;
}

const listeners = new Set<(settings: GlobalSettings) => void>();
/** The settings as last read or written (undefined until `startGlobalSettings()` read them). */
let known: GlobalSettings | undefined;

/** Called with the stored settings once they are read at start, and after every change the person makes. */
export function watchGlobalSettings(listener: (settings: GlobalSettings) => void): void {
  listeners.add(listener);
  if (known) listener(known);
}

/** Reads the stored settings once at start and hands them to every watcher. */
export function startGlobalSettings(): void {
  void readGlobalSettings()
    .then((stored) => {
      if (known) return; // the person changed them meanwhile: that is newer
      known = stored;
      for (const listener of listeners) listener(stored);
    })
    .catch(() => undefined);
}
