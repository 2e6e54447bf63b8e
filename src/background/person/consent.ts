// The person decides which sites may fetch in the background: Allow / Ask / Block per site, and a
// default for new sites (Ask). With Ask a site's fetch() still resolves with its registration, but
// no request leaves until the person answers (popup or notification): Allow once, Always allow,
// or Block. `navigator.permissions.query({ name: 'background-fetch' })` reads the same choice.
//
// Private windows ask the same, but their answers live in memory only (like their fetches,
// stores.ts) and are forgotten when the private session ends; they never change the disk's choice.
import type {
  BackgroundFetchPermissionState,
  PermissionAnswer,
  PrivateWaiting,
  SitePermission,
} from '../../shared/protocol';
import type { StoredRegistration } from '../../shared/db';
import { isAsking } from '../../shared/fetch-state';
import { announceChange, waitForChange } from '../state/changes';
import type { Caller } from '../policy';
import { readGlobalSettings } from '../state/settings';
import { siteSettings, updateSiteSettings } from '../state/sites';
import { everyStore, isPrivateKey, onPrivateSessionEnd, PRIVATE_KEY_PREFIX, storeOf } from '../state/stores';
import { abortFetch, allowFetch } from '../engine/control';

const privateChoices = new Map<string, SitePermission>();
onPrivateSessionEnd(() => privateChoices.clear());

/** The site's choice; a choice made in a private window counts there only. */
export async function permissionFor(origin: string, incognito: boolean): Promise<SitePermission> {
  const remembered = incognito ? privateChoices.get(origin) : undefined;
  if (remembered) return remembered;
  const settings = await siteSettings(origin);
  if (settings.blocked) return 'block';
  return settings.permission ?? (await readGlobalSettings()).defaultPermission;
}

const STATES = { allow: 'granted', ask: 'prompt', block: 'denied' } as const satisfies Record<
  SitePermission,
  BackgroundFetchPermissionState
>;

const changeKey = (origin: string, incognito: boolean) => `permission:${incognito ? 'private:' : ''}${origin}`;

/** Queries waiting for a change hear of it (the page's PermissionStatus fires `change`). */
export function announcePermissionChange(origin?: string): void {
  // Without an origin (the default for new sites changed) every waiting query looks again.
  announceChange(origin ? changeKey(origin, false) : 'permission:*');
  if (origin) announceChange(changeKey(origin, true));
}

const LONG_POLL_MS = 25_000;

/**
 * What the page's permission query answers: the state, or, given the state the page knows, the
 * next one once it differs (or the same after a while, and the page asks again). The reply says
 * nothing but the state: not when or where the person answered.
 */
export async function permissionState(caller: Caller, known?: BackgroundFetchPermissionState) {
  const deadline = Date.now() + LONG_POLL_MS;
  for (;;) {
    const state = STATES[await permissionFor(caller.origin, caller.incognito)];
    if (state !== known || Date.now() >= deadline) return state;
    await Promise.race([
      waitForChange(changeKey(caller.origin, caller.incognito), deadline - Date.now()),
      waitForChange('permission:*', deadline - Date.now()),
    ]);
  }
}

/** The fetches of the site (in the same store) waiting for the person's answer. */
async function waitingOf(reg: StoredRegistration): Promise<StoredRegistration[]> {
  return storeOf(reg.key)
    .registrations.where('[storeId+origin]')
    .equals([reg.storeId, reg.origin])
    .filter(isAsking)
    .toArray();
}

async function allow(reg: StoredRegistration): Promise<void> {
  await allowFetch(reg.key);
}

/**
 * Denied after the fetch resolved: settled as Chromium settles a fetch the person cancels from
 * its download UI (a fetch started paused there until allowed): failure "aborted", and the site's
 * worker gets backgroundfetchabort. Fetches started after a Block reject instead (manager.ts).
 */
async function deny(reg: StoredRegistration): Promise<void> {
  await abortFetch(reg.key);
}

/** The person's answer for one waiting fetch; "always" and "block" answer for its whole site. */
export async function answerPermission(key: string, answer: PermissionAnswer): Promise<number> {
  const reg = await storeOf(key).registrations.get(key);
  if (!reg || !isAsking(reg)) return 0;
  if (answer === 'once') {
    await allow(reg);
    return 1;
  }
  const permission: SitePermission = answer === 'always' ? 'allow' : 'block';
  if (isPrivateKey(key)) privateChoices.set(reg.origin, permission);
  else await updateSiteSettings(reg.origin, { permission });
  announcePermissionChange(reg.origin);
  const waiting = await waitingOf(reg);
  await Promise.all(waiting.map(permission === 'allow' ? allow : deny));
  return waiting.length;
}

/**
 * The person changed a site's choice in the settings: fetches that were waiting follow it
 * (Allow starts them, Block fails them; Ask leaves them waiting).
 */
export async function applySiteChoice(origin: string): Promise<void> {
  announcePermissionChange(origin);
  for (const store of everyStore()) {
    const waiting = await store.registrations.where('origin').equals(origin).filter(isAsking).toArray();
    for (const reg of waiting) {
      const permission = await permissionFor(origin, isPrivateKey(reg.key));
      if (permission === 'allow') await allow(reg);
      else if (permission === 'block') await deny(reg);
    }
  }
}

/** The private session's fetches waiting for an answer (the popup cannot read the memory store). */
export async function privateWaiting(): Promise<PrivateWaiting[]> {
  const store = everyStore().find((candidate) => candidate !== storeOf(''));
  if (!store) return [];
  const waiting = await store.registrations
    .where('active')
    .equals(1)
    .filter((reg) => isAsking(reg) && reg.key.startsWith(PRIVATE_KEY_PREFIX))
    .toArray();
  return waiting.map(({ key, origin, title, downloadTotal }) => ({ key, origin, title, downloadTotal }));
}
