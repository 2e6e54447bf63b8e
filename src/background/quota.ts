// Storage checks while bodies stream in: before each chunk is written, is there room for it?
// Asking the browser (navigator.storage.estimate) for every chunk would be slow, so one estimate
// is reused for a few MiB / seconds, minus what was written since. A real QuotaExceededError from
// IndexedDB is caught in transfer.ts as well; this check fails the fetch before the disk is full.
import { db } from '../shared/db';
import { isPrivateKey, PRIVATE_BYTES_LIMIT, storeOf } from './stores';
import { switches } from './switches';

/** Re-estimate after this many bytes or this long, whichever comes first. */
const REFRESH_BYTES = 64 << 20;
const REFRESH_MS = 2000;
/** Room left for everything else the extension stores (records, events, settings). */
const HEADROOM_BYTES = 1 << 20;

let cached: { free: number; at: number; since: number } | undefined;

async function estimateFree(): Promise<number> {
  let free = Number.POSITIVE_INFINITY;
  try {
    const { quota, usage } = await navigator.storage.estimate();
    if (quota !== undefined) free = quota - (usage ?? 0) - HEADROOM_BYTES;
  } catch {
    // No estimate (some contexts): rely on IndexedDB's own QuotaExceededError.
  }
  const limit = switches().storeLimitBytes;
  if (limit !== null) {
    free = Math.min(free, limit - (await heldBytes()));
  }
  return free;
}

/**
 * Claims room for `bytes` more body bytes. False when the store cannot hold them: the fetch
 * then fails with "quota-exceeded".
 */
export async function reserveSpace(regKey: string, bytes: number): Promise<boolean> {
  if (isPrivateKey(regKey)) return (await heldBytes(regKey)) + bytes <= PRIVATE_BYTES_LIMIT;
  const now = Date.now();
  if (!cached || cached.since >= REFRESH_BYTES || now - cached.at >= REFRESH_MS) {
    cached = { free: await estimateFree(), at: now, since: 0 };
  }
  if (bytes > cached.free - cached.since) {
    // Ask again next time: space may have been freed meanwhile (another fetch removed).
    cached = undefined;
    return false;
  }
  cached.since += bytes;
  return true;
}

/** After bytes were deleted: the next check asks the browser again. */
export function forgetEstimate(): void {
  cached = undefined;
}

/** Is this error IndexedDB running out of room (possibly wrapped by Dexie)? */
export function isQuotaError(error: unknown): boolean {
  for (let e = error as { name?: string; inner?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    if (e.name === 'QuotaExceededError' || e.name === 'NS_ERROR_DOM_QUOTA_EXCEEDED_ERR') return true;
    e = e.inner as typeof e;
  }
  return false;
}

/** Body bytes the store of `regKey` holds (the disk store without a key). */
async function heldBytes(regKey?: string): Promise<number> {
  let held = 0;
  await (regKey ? storeOf(regKey) : db).records.each((record) => {
    held += record.stored;
  });
  return held;
}
