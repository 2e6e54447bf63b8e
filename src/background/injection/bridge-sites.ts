// Firefox: the bridge (src/content/bridge.iife.ts) is not in every page. Any isolated-world
// script costs a Firefox page load about 2 ms, however little it does (bench), so the bridge is
// registered only for the sites that used the API, and injected into a site's open pages when
// its service worker's script passes the background: at registration, at an update check, and
// when a page without the bridge asks for one (`bridgePort` in src/api/channel.ts).
// Chromium registers the page API and the bridge together per site (chromium-pages.ts).
import browser from 'webextension-polyfill';
import { BRIDGE_SCRIPT_PATH } from '../../shared/built-entries';
import type { Caller } from '../policy';
import { hostPattern, registerForSites } from './registered-scripts';

const SCRIPT_ID = 'bgfetch-bridge';
/** storage.local: the host patterns the bridge is registered for, sorted. */
export const HOSTS_KEY = 'bgfetch.bridgeHosts';

let queue: Promise<void> = Promise.resolve();
const serially = (work: () => Promise<void>): Promise<void> =>
  (queue = queue.then(work).catch((error: unknown) => console.error('bgfetch: registering the bridge', error)));

const storedHosts = async (): Promise<string[]> => {
  const hosts = (await browser.storage.local.get(HOSTS_KEY))[HOSTS_KEY];
  return Array.isArray(hosts) ? hosts.filter((host): host is string => typeof host === 'string') : [];
};
/** Hosts known to be stored, so a page's every call does not read storage. */
const remembered = new Set<string>();

const register = (hosts: string[]) =>
  registerForSites({
    id: SCRIPT_ID,
    js: [BRIDGE_SCRIPT_PATH],
    matches: hosts,
    runAt: 'document_start',
    allFrames: true,
    persistAcrossSessions: true,
  });

/** At every start: an extension update drops registered scripts. */
export function syncBridgeRegistration(): Promise<void> {
  return serially(async () => {
    const hosts = await storedHosts();
    hosts.forEach((host) => remembered.add(host));
    await register(hosts);
  });
}

/**
 * A page of the caller's site used the API: the site's pages get the bridge as they load from
 * now on. Never for a private window: the list is on disk, and would tell where it went.
 */
export function rememberApiSite(caller: Caller): void {
  if (caller.incognito) return;
  const host = hostPattern(caller.origin);
  if (remembered.has(host)) return;
  remembered.add(host);
  void serially(async () => {
    const hosts = await storedHosts();
    if (hosts.includes(host)) return;
    const next = [...hosts, host].sort();
    await browser.storage.local.set({ [HOSTS_KEY]: next });
    await register(next);
  });
}

/**
 * A service worker's script of this site passed: its open pages get the bridge now (one that has
 * it keeps the one it has). Frames of the site inside other sites' tabs are not found this way.
 */
export async function injectBridge(scriptUrl: string): Promise<void> {
  const tabs = await browser.tabs.query({ url: hostPattern(new URL(scriptUrl).origin) });
  await Promise.all(
    tabs.map(async ({ id }) => {
      if (id === undefined) return;
      await browser.scripting
        .executeScript({ target: { tabId: id, allFrames: true }, files: [BRIDGE_SCRIPT_PATH] })
        // A tab that navigated away, or a frame the extension may not touch.
        .catch(() => undefined);
    }),
  );
}
