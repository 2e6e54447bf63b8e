// Test-only switches for the transfer engine. End-to-end tests set them in
// `browser.storage.local` under STORAGE_KEY from an extension page; nothing else writes that
// key, and web pages cannot reach the extension's storage. Without the key every value is the
// production default below. What each one does (and which test uses it): test/e2e/resilience.test.ts.
import browser from 'webextension-polyfill';
import { TEST_SWITCHES_KEY } from '../shared/channels';

export { TEST_SWITCHES_KEY };

export interface Switches {
  /** Ping the browser while transfers run so the background is not suspended (keepalive.ts). */
  keepAlive: boolean;
  /** Period of the alarm that restarts a background stopped mid-transfer. */
  wakeMinutes: number;
  /** First retry delay; doubles per failed attempt (capped at RETRY_CAP_MS in engine/retry-policy.ts). */
  retryBaseMs: number;
  /** Failed attempts in a row (without a byte stored) before a record fails with fetch-error. */
  maxRetries: number;
  /** How long a server may stay unreachable (no response at all) before the record fails. */
  unreachableGiveUpMs: number;
  /** An attempt that receives nothing for this long (headers or body) is cut and retried. */
  stallMs: number;
  /**
   * A connection slower than this (bytes/s, over `trickleWindowMs`) while another site waits for
   * a connection gives its slot up and queues again; it resumes with Range (engine/attempt.ts).
   */
  trickleFloorBytesPerSec: number;
  trickleWindowMs: number;
  /** "host:port,..." treated as public addresses, as Firefox's `network.lna.address_space.public.override` (address-space.ts). */
  publicAddressOverride: string;
  /** How long a service-worker event delivered through a frame may take, waitUntil() included (frame-delivery.ts). */
  swEventLimitMs: number;
  /** Deliver service-worker events through a frame when no tab of the site is open (frame-delivery.ts). */
  frameDelivery: boolean;
}

export const DEFAULT_SWITCHES: Readonly<Switches> = Object.freeze({
  keepAlive: true,
  // Chromium fires alarms at most every 30 s for packed extensions; Firefox has no minimum.
  wakeMinutes: 0.5,
  retryBaseMs: 1000,
  maxRetries: 5,
  unreachableGiveUpMs: 30 * 60_000,
  stallMs: 60_000,
  trickleFloorBytesPerSec: 16 * 1024,
  trickleWindowMs: 10_000,
  publicAddressOverride: '',
  // Firefox ends a worker whose waitUntil() promises outlive dom.serviceWorkers.idle_timeout +
  // idle_extended_timeout (30 s + 30 s by default); after that nothing can come of the event.
  swEventLimitMs: 75_000,
  frameDelivery: true,
});

let current: Switches = { ...DEFAULT_SWITCHES };
let loading: Promise<Switches> | undefined;
const listeners = new Set<(next: Switches) => void>();

function apply(raw: unknown): Switches {
  const given = raw && typeof raw === 'object' ? (raw as Partial<Record<keyof Switches, unknown>>) : {};
  const next: Switches = { ...DEFAULT_SWITCHES };
  for (const name of Object.keys(DEFAULT_SWITCHES) as (keyof Switches)[]) {
    const value = given[name];
    const fallback = DEFAULT_SWITCHES[name];
    if (typeof fallback === 'boolean' && typeof value === 'boolean')
      (next as unknown as Record<string, unknown>)[name] = value;
    else if (typeof fallback === 'string' && typeof value === 'string')
      (next as unknown as Record<string, unknown>)[name] = value.slice(0, 4096);
    else if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
      (next as unknown as Record<string, unknown>)[name] = value;
    }
  }
  current = next;
  for (const listener of listeners) listener(next);
  return next;
}

/** The values in force (the defaults until `loadSwitches()` has read the store). */
export function switches(): Readonly<Switches> {
  return current;
}

/** Reads the switches once, then follows changes. Never rejects. */
export function loadSwitches(): Promise<Switches> {
  loading ??= (async () => {
    const local = browser.storage?.local;
    if (!local) return current;
    browser.storage.onChanged?.addListener((changes, area) => {
      if (area === 'local' && TEST_SWITCHES_KEY in changes) apply(changes[TEST_SWITCHES_KEY]!.newValue);
    });
    try {
      return apply((await local.get(TEST_SWITCHES_KEY))[TEST_SWITCHES_KEY]);
    } catch {
      return current;
    }
  })();
  return loading;
}

export function onSwitchesChanged(listener: (next: Switches) => void): void {
  listeners.add(listener);
}
