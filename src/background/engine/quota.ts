// Storage checks: ONE rule for every byte a fetch adds to the store, at fetch() (`fitsEver`) and
// before each chunk is written (`reserveSpace`):
//  - the extension stores at most what the browser allows it (navigator.storage.estimate) and at
//    most the person's `storageCapBytes`;
//  - one site (origin) holds at most `siteSharePercent` of that, counting its records (request
//    and response heads) and request bodies as well as its response bodies, so one site's kept
//    bodies cannot make another site's fetch fail with quota-exceeded.
// Asking the browser and reading every record for every chunk would be slow, so one reading is
// reused for a few MiB / seconds, plus what was claimed since. A real QuotaExceededError from
// IndexedDB is caught in transfer.ts as well; this check fails the fetch before the disk is full.
// A private window's store is memory: its own limit (PRIVATE_BYTES_LIMIT), no share.
import type { StoredRecord } from '../../shared/db';
import { DEFAULT_GLOBAL_SETTINGS, type GlobalSettings } from '../../shared/protocol';
import { isPrivateKey, PRIVATE_BYTES_LIMIT, storeOf } from '../state/stores';
import { db } from '../../shared/db';
import { watchGlobalSettings } from '../state/settings';

/** Re-read after this many bytes or this long, whichever comes first. */
const REFRESH_BYTES = 64 << 20;
const REFRESH_MS = 2000;
/** Room left for everything else the extension stores (events, settings). */
const HEADROOM_BYTES = 1 << 20;
/** What a record costs besides its body and the text of its heads (keys, numbers, indexes). */
const RECORD_OVERHEAD_BYTES = 256;

let settings: Pick<GlobalSettings, 'siteSharePercent' | 'storageCapBytes'> = DEFAULT_GLOBAL_SETTINGS;
watchGlobalSettings((next) => {
  settings = next;
  forgetEstimate();
});

/** What the store holds, by site, and the room the browser gives: read at `at`. */
interface Reading {
  /** The browser's quota for the extension, and what is free of it (minus headroom). */
  quota: number;
  free: number;
  /** Bytes held by all fetches, and per site, as counted by `costOf`. */
  total: number;
  bySite: Map<string, number>;
  siteOf: Map<string, string>;
  at: number;
  /** Claimed since the reading, in all and per site. */
  since: number;
  sinceBySite: Map<string, number>;
}
let reading: Reading | undefined;

/** Bytes a record takes in the store: its body so far, its heads, its fields. */
export function costOf(record: Pick<StoredRecord, 'stored' | 'request' | 'response'>): number {
  let bytes = RECORD_OVERHEAD_BYTES + record.stored + record.request.url.length + record.request.referrer.length;
  for (const [name, value] of record.request.headers) bytes += name.length + value.length;
  if (record.response) {
    bytes += record.response.url.length + record.response.statusText.length;
    for (const [name, value] of record.response.headers) bytes += name.length + value.length;
  }
  return bytes;
}

async function read(): Promise<Reading> {
  let quota = Number.POSITIVE_INFINITY;
  let free = Number.POSITIVE_INFINITY;
  try {
    const estimate = await navigator.storage.estimate();
    if (estimate.quota !== undefined) {
      quota = estimate.quota;
      free = estimate.quota - (estimate.usage ?? 0) - HEADROOM_BYTES;
    }
  } catch {
    // No estimate (some contexts): rely on IndexedDB's own QuotaExceededError.
  }
  const siteOf = new Map<string, string>();
  const bySite = new Map<string, number>();
  let total = 0;
  await db.transaction('r', db.registrations, db.records, async () => {
    await db.registrations.each((reg) => {
      siteOf.set(reg.key, reg.origin);
      // Request bodies are stored until the fetch settles.
      const uploads = reg.active ? reg.uploadTotal : 0;
      bySite.set(reg.origin, (bySite.get(reg.origin) ?? 0) + uploads);
      total += uploads;
    });
    await db.records.each((record) => {
      const site = siteOf.get(record.regKey);
      const cost = costOf(record);
      total += cost;
      if (site !== undefined) bySite.set(site, (bySite.get(site) ?? 0) + cost);
    });
  });
  return { quota, free, total, bySite, siteOf, at: Date.now(), since: 0, sinceBySite: new Map() };
}

/** The most the extension may store in all, with the browser's quota as it stands. */
const extensionLimit = (quota: number) => Math.min(quota, settings.storageCapBytes ?? Number.POSITIVE_INFINITY);
/** The most one site may hold. */
const siteLimit = (quota: number) => Math.floor((extensionLimit(quota) * settings.siteSharePercent) / 100);

/**
 * Claims room for `bytes` more bytes of fetch `regKey`. False when the store cannot hold them
 * (the browser's room, the cap, the site's share): the fetch then fails with "quota-exceeded".
 */
export async function reserveSpace(regKey: string, bytes: number): Promise<boolean> {
  if (isPrivateKey(regKey)) return (await privateHeld()) + bytes <= PRIVATE_BYTES_LIMIT;
  const now = Date.now();
  if (!reading || reading.since >= REFRESH_BYTES || now - reading.at >= REFRESH_MS || !reading.siteOf.has(regKey)) {
    reading = await read();
  }
  const site = reading.siteOf.get(regKey);
  // A fetch no longer in the store writes nothing: its writes are refused there.
  if (site === undefined) return true;
  const siteHeld = (reading.bySite.get(site) ?? 0) + (reading.sinceBySite.get(site) ?? 0);
  const capHeld = reading.total + reading.since;
  const fits =
    bytes <= reading.free - reading.since &&
    capHeld + bytes <= extensionLimit(reading.quota) &&
    siteHeld + bytes <= siteLimit(reading.quota);
  if (!fits) {
    // Read again next time: space may have been freed meanwhile (another fetch removed).
    reading = undefined;
    return false;
  }
  reading.since += bytes;
  reading.sinceBySite.set(site, (reading.sinceBySite.get(site) ?? 0) + bytes);
  return true;
}

/**
 * At fetch(): can `bytes` (the promised downloadTotal plus the request bodies) fit, now and
 * within the site's share? Null if so, else why not and the limit it met (for the page's
 * QuotaExceededError: its `quota`, with `requested` the bytes).
 */
export async function whyNeverFits(
  bytes: number,
  incognito: boolean,
): Promise<{ message: string; quota: number } | null> {
  const over = (message: string, quota: number) => ({ message, quota });
  if (incognito)
    return bytes > PRIVATE_BYTES_LIMIT
      ? over(`A private window keeps at most ${PRIVATE_BYTES_LIMIT} bytes in memory.`, PRIVATE_BYTES_LIMIT)
      : null;
  const now = await read();
  reading = now;
  // The headroom is for what the fetch itself writes besides bodies: not asked of it here.
  const available = Math.max(0, now.free + HEADROOM_BYTES);
  if (bytes > available) return over(`The fetch needs ${bytes} bytes but only ${available} are available.`, available);
  // Bodies a site keeps can be removed; more than its whole share can never be held.
  const storeLimit = extensionLimit(now.quota);
  if (bytes > storeLimit)
    return over(`The fetch needs ${bytes} bytes; the store may hold at most ${storeLimit}.`, storeLimit);
  const shareLimit = siteLimit(now.quota);
  if (bytes > shareLimit)
    return over(`The fetch needs ${bytes} bytes; one site may hold at most ${shareLimit}.`, shareLimit);
  return null;
}

/** After bytes were deleted (or the limits changed): the next check reads again. */
export function forgetEstimate(): void {
  reading = undefined;
}

/** Is this error IndexedDB running out of room (possibly wrapped by Dexie)? */
export function isQuotaError(error: unknown): boolean {
  for (let e = error as { name?: string; inner?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    if (e.name === 'QuotaExceededError' || e.name === 'NS_ERROR_DOM_QUOTA_EXCEEDED_ERR') return true;
    e = e.inner as typeof e;
  }
  return false;
}

/** Body bytes the private session's store holds. */
async function privateHeld(): Promise<number> {
  let held = 0;
  await storeOf('private-').records.each((record) => {
    held += record.stored;
  });
  return held;
}
