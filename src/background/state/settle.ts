// The one place a registration leaves the active state (spec: "When it settles").
import type { BackgroundFetchFailureReason, BackgroundFetchResult } from '../../shared/spec';
import { announceChange } from './changes';
import { snapshotOf, type StoredRegistration } from '../../shared/db';
import { storeOf } from './stores';
import { publishProgress } from './progress';

type SettledListener = (reg: StoredRegistration) => void;
const settledListeners: SettledListener[] = [];

/** Badge, notifications and service-worker events hook in here. */
export function onSettled(listener: SettledListener): void {
  settledListeners.push(listener);
}

/** Returns false if the registration had already settled (or never existed). */
export async function settle(
  regKey: string,
  result: Exclude<BackgroundFetchResult, ''>,
  failureReason: BackgroundFetchFailureReason,
): Promise<boolean> {
  const db = storeOf(regKey);
  const settled = await db.transaction('rw', db.registrations, db.records, db.swEvents, async () => {
    const current = await db.registrations.get(regKey);
    if (!current?.active) return undefined;
    const next: StoredRegistration = {
      ...current,
      active: 0,
      result,
      failureReason,
      settledAt: Date.now(),
    };
    await db.registrations.put(next);
    if (failureReason === 'aborted') {
      await db.records
        .where('regKey')
        .equals(regKey)
        .filter((record) => record.state === 'pending')
        .modify({ state: 'aborted', failure: 'aborted' });
    }
    // Queued with the state change, so a stop right after cannot lose the event.
    const type = failureReason === 'aborted' ? 'abort' : result === 'success' ? 'success' : 'fail';
    await db.swEvents.put({
      id: `${regKey}:${type}`,
      regKey,
      storeId: next.storeId,
      origin: next.origin,
      scope: next.scope,
      type,
      createdAt: Date.now(),
      attempts: 0,
    });
    return next;
  });
  if (!settled) return false;
  announceChange(regKey);
  publishProgress(snapshotOf(settled));
  for (const listener of settledListeners) {
    try {
      listener(settled);
    } catch (error) {
      console.error('bgfetch: settled listener failed', error);
    }
  }
  return true;
}
