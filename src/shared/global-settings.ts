// The global settings' key, defaults and bounds, without their schema (protocol.ts): the popup's
// first render shows the bounds, and the schema's library loads after it (bench popup-render).
import type { GlobalSettings } from './protocol';

export const GLOBAL_SETTINGS_KEY = 'bgfetch:settings';

/** The bounds of the numeric global settings: the schema checks them, the popup's inputs show them. */
export const GLOBAL_SETTING_BOUNDS = {
  concurrency: { min: 1, max: 32 },
  siteSharePercent: { min: 1, max: 100 },
  storageCapBytes: { min: 1 << 20, max: Number.MAX_SAFE_INTEGER },
} as const;

export const DEFAULT_GLOBAL_SETTINGS: GlobalSettings = {
  concurrency: 8,
  notifications: true,
  defaultPermission: 'ask',
  startNotifications: true,
  siteSharePercent: 50,
  storageCapBytes: null,
};
