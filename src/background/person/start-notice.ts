// What the person sees when a site starts downloading in the background: a notification naming
// the site, the title and the size, when a site's first fetch starts (a quiet setting turns it
// off), and always when a fetch waits for the person's permission. Chromium's notifications carry
// buttons (two at most: Pause and Block site, or Allow and Block); Firefox's cannot, so a click
// opens the popup's view, where every action is.
import browser from 'webextension-polyfill';
import type { StoredRegistration } from '../../shared/db';
import { isAsking, isSettled, stateOf } from '../../shared/fetch-state';
import { formatBytes } from '../../shared/format-bytes';
import { answerPermission, applySiteChoice } from './consent';
import { readGlobalSettings } from '../state/settings';
import { updateSiteSettings } from '../state/sites';
import { storeOf } from '../state/stores';
import { abortFetch, pauseFetch } from '../engine/control';
import { iconSettled, storedIconDataUrl } from '../engine/icons';

export const START_NOTIFICATION_PREFIX = 'bgfetch-start:';
const hasButtons = __TARGET__ === 'chromium';

function text(reg: StoredRegistration): { title: string; message: string } {
  const host = new URL(reg.origin).host;
  const title = reg.title.trim() || host;
  const ask = reg.waiting === 'permission';
  const size = reg.downloadTotal > 0 ? formatBytes(reg.downloadTotal, browser.i18n.getUILanguage() || 'en') : '';
  const key = `${ask ? 'notifyAsk' : 'notifyStarted'}${size ? '' : 'UnknownSize'}`;
  return {
    title: ask ? browser.i18n.getMessage(size ? 'promptQuestion' : 'promptQuestionUnknownSize', [host, size]) : title,
    message: browser.i18n.getMessage(key, [host, title, size]),
  };
}

async function show(reg: StoredRegistration): Promise<void> {
  const ask = reg.waiting === 'permission';
  // The prompt always shows (the site waits for it); the start notice only while not quieted.
  if (!ask && !(await readGlobalSettings()).startNotifications) return;
  const { title, message } = text(reg);
  // The icon fetch started with the fetch: shown once stored, never fetched for the notice.
  await iconSettled(reg.key);
  const icon = await storedIconDataUrl(reg.key).catch(() => undefined);
  const buttons = ask
    ? [{ title: browser.i18n.getMessage('notifyAllow') }, { title: browser.i18n.getMessage('promptBlock') }]
    : [{ title: browser.i18n.getMessage('notifyPause') }, { title: browser.i18n.getMessage('notifyBlockSite') }];
  await browser.notifications.create(`${START_NOTIFICATION_PREFIX}${reg.key}`, {
    type: 'basic',
    iconUrl: icon ?? browser.runtime.getURL('icons/icon-96.png'),
    title,
    message,
    ...(hasButtons ? { buttons } : {}),
  } as browser.Notifications.CreateNotificationOptions);
}

export function announceStart(reg: StoredRegistration): void {
  void show(reg).catch((error: unknown) => console.error('bgfetch: start notification', error));
}

const keyOf = (id: string) =>
  id.startsWith(START_NOTIFICATION_PREFIX) ? id.slice(START_NOTIFICATION_PREFIX.length) : undefined;

/** The notifications' buttons (Chromium) and clicks (Firefox); index.ts calls it once at start. */
export function startStartNotices(): void {
  browser.notifications.onButtonClicked?.addListener((id, button) => {
    const key = keyOf(id);
    if (!key) return;
    void (async () => {
      const reg = await storeOf(key).registrations.get(key);
      if (!reg || isSettled(stateOf(reg))) return;
      if (isAsking(reg)) await answerPermission(key, button === 0 ? 'always' : 'block');
      else if (button === 0) await pauseFetch(key);
      else {
        // Block site: no new fetch from it, and this one is cancelled.
        await updateSiteSettings(reg.origin, { permission: 'block' });
        await applySiteChoice(reg.origin);
        await abortFetch(key);
      }
      await browser.notifications.clear(id);
    })().catch((error: unknown) => console.error('bgfetch: notification button', error));
  });

  // Firefox: no buttons, the click opens the popup's view (where Allow / Block, Pause and Cancel are).
  browser.notifications.onClicked.addListener((id) => {
    if (!keyOf(id)) return;
    void (async () => {
      try {
        await browser.action.openPopup();
      } catch {
        await browser.tabs.create({ url: browser.runtime.getURL('src/popup/index.html') });
      }
      await browser.notifications.clear(id);
    })();
  });
}
