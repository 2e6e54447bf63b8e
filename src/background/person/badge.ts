// What the person sees outside the popup: the toolbar badge (running fetches, and a red mark
// after a failure until the popup is opened) and a notification when a fetch settles. (Auto-save
// of a finished fetch is save/auto-save.ts.)
import { liveQuery } from 'dexie';
import browser from 'webextension-polyfill';
import { db, type StoredRegistration } from '../../shared/db';
import { isAsking } from '../../shared/fetch-state';
import { isPrivateKey } from '../state/stores';
import { onSettled } from '../state/settle';
import { readGlobalSettings } from '../state/settings';
import { queueClick } from '../sw-events/delivery';
import { storedIconDataUrl } from '../engine/icons';

/** Set after a failure, cleared when the popup opens; survives a background restart. */
const UNSEEN_FAILURE_KEY = 'bgfetch:unseenFailure';
const NOTIFICATION_PREFIX = 'bgfetch:';
const BLUE = '#0060df';
const RED = '#d70022';

let running = 0;
let unseenFailure = false;

export function badgeText(runningCount: number, failed: boolean): string {
  const count = runningCount > 0 ? String(Math.min(runningCount, 999)) : '';
  return failed ? `${count}!` : count;
}

async function paintBadge(): Promise<void> {
  await browser.action.setBadgeText({ text: badgeText(running, unseenFailure) });
  await browser.action.setBadgeBackgroundColor({ color: unseenFailure ? RED : BLUE });
  // Firefox picks a text color itself unless told; white reads on both backgrounds.
  await browser.action.setBadgeTextColor?.({ color: '#ffffff' });
}
const repaint = () => void paintBadge().catch((error: unknown) => console.error('bgfetch: badge', error));

/** The popup opened. */
export async function markFailuresSeen(): Promise<void> {
  unseenFailure = false;
  await browser.storage.local.remove(UNSEEN_FAILURE_KEY);
  repaint();
}

async function markFailure(): Promise<void> {
  unseenFailure = true;
  await browser.storage.local.set({ [UNSEEN_FAILURE_KEY]: true });
  repaint();
}

const siteHost = (origin: string) => new URL(origin).host;

/** The fetch's stored icon (fetched once without cookies, src/background/engine/icons.ts), else ours. */
async function notificationIcon(reg: StoredRegistration): Promise<string> {
  return (await storedIconDataUrl(reg.key).catch(() => undefined)) ?? browser.runtime.getURL('icons/icon-96.png');
}

async function notify(reg: StoredRegistration): Promise<void> {
  if (reg.failureReason === 'aborted') return;
  if (!(await readGlobalSettings()).notifications) return;
  const title = reg.title.trim() || siteHost(reg.origin);
  const message =
    reg.result === 'success'
      ? browser.i18n.getMessage('notifySucceeded', [siteHost(reg.origin)])
      : browser.i18n.getMessage('notifyFailed', [
          siteHost(reg.origin),
          browser.i18n.getMessage(`failure_${reg.failureReason.replaceAll('-', '_')}`),
        ]);
  await browser.notifications.create(`${NOTIFICATION_PREFIX}${reg.key}`, {
    type: 'basic',
    iconUrl: await notificationIcon(reg),
    title,
    message,
  });
}

/** The badge: follows the running fetches, and is marked by a failure until the popup opens. */
export function startBadge(): void {
  onSettled((reg) => {
    // A private window's fetches leave no trace outside it: no badge mark (nor notification, nor file).
    if (isPrivateKey(reg.key)) return;
    if (reg.result === 'failure' && reg.failureReason !== 'aborted') void markFailure();
  });

  void browser.storage.local.get(UNSEEN_FAILURE_KEY).then((stored) => {
    unseenFailure = stored[UNSEEN_FAILURE_KEY] === true;
    repaint();
  });

  liveQuery(() =>
    db.registrations
      .where('active')
      .equals(1)
      // Running: neither paused nor waiting for the person's permission.
      .filter((reg) => !reg.paused && !isAsking(reg))
      .count(),
  ).subscribe({
    next: (count) => {
      if (count === running) return;
      running = count;
      repaint();
    },
    error: (error: unknown) => console.error('bgfetch: badge query', error),
  });
}

/** A notification when a fetch settles; a click on it opens the site. */
export function startSettledNotifications(): void {
  onSettled((reg) => {
    if (isPrivateKey(reg.key)) return;
    void notify(reg).catch((error: unknown) => console.error('bgfetch: notification', error));
  });

  // A click opens the site where the fetch started, and its worker gets backgroundfetchclick
  // (queued now, delivered once the new tab has loaded).
  browser.notifications.onClicked.addListener((id) => {
    if (!id.startsWith(NOTIFICATION_PREFIX)) return;
    void (async () => {
      const reg = await db.registrations.get(id.slice(NOTIFICATION_PREFIX.length));
      if (reg) {
        await queueClick(reg.key);
        await browser.tabs.create({ url: reg.scope });
      }
      await browser.notifications.clear(id);
    })();
  });
}
