// Progress reaches every live BackgroundFetchRegistration object of a fetch, in every tab,
// through the bridges' ports. Throttled per fetch; the final state is always sent at once.
import type { PagePortPush } from '../../shared/protocol';
import type { RegistrationSnapshot } from '../../shared/spec';

export interface ProgressWatcher {
  origin: string;
  storeId: string;
  post(message: PagePortPush): void;
}

const THROTTLE_MS = 250;

const watchers = new Map<string, Set<ProgressWatcher>>();
const lastSent = new Map<string, number>();
const scheduled = new Map<string, { timer: ReturnType<typeof setTimeout>; snapshot: RegistrationSnapshot }>();

export function addWatcher(key: string, watcher: ProgressWatcher): void {
  let set = watchers.get(key);
  if (!set) watchers.set(key, (set = new Set()));
  set.add(watcher);
}

export function removeWatcher(key: string, watcher: ProgressWatcher): void {
  const set = watchers.get(key);
  set?.delete(watcher);
  if (set?.size === 0) watchers.delete(key);
}

export function removeWatcherEverywhere(watcher: ProgressWatcher): void {
  for (const key of [...watchers.keys()]) removeWatcher(key, watcher);
}

function send(snapshot: RegistrationSnapshot): void {
  lastSent.set(snapshot.key, Date.now());
  for (const watcher of watchers.get(snapshot.key) ?? []) {
    try {
      watcher.post({ type: 'progress', snapshot });
    } catch {
      // The port closed (tab gone); its onDisconnect removes it.
    }
  }
}

export function publishProgress(snapshot: RegistrationSnapshot): void {
  const pending = scheduled.get(snapshot.key);
  const settled = snapshot.result !== '';
  if (settled) {
    if (pending) clearTimeout(pending.timer);
    scheduled.delete(snapshot.key);
    send(snapshot);
    lastSent.delete(snapshot.key);
    return;
  }
  if (pending) {
    pending.snapshot = snapshot;
    return;
  }
  const wait = THROTTLE_MS - (Date.now() - (lastSent.get(snapshot.key) ?? 0));
  if (wait <= 0) {
    send(snapshot);
    return;
  }
  const entry = {
    snapshot,
    timer: setTimeout(() => {
      scheduled.delete(snapshot.key);
      send(entry.snapshot);
    }, wait),
  };
  scheduled.set(snapshot.key, entry);
}
