// Firefox: puts the page API (src/sw/worker-shim.ts) in front of the scripts of sites' dedicated
// and shared workers, as sw-inject.ts does for service workers: the spec exposes Background
// Fetch to workers. The browser marks such a script's request `Sec-Fetch-Dest: worker` or
// `sharedworker`. Shared workers' scripts load for no tab, where the service-worker listener
// already waits, so one more costs pages nothing; a dedicated worker's loads in its page's tab,
// with that page's scripts, so that listener only covers the sites that used the API (the
// bridge's list, bridge-sites.ts): other sites' script requests never wait on the background.
import browser, { type WebRequest } from 'webextension-polyfill';
import { HOSTS_KEY } from './bridge-sites';
import { prependShim, scriptBytes } from './sw-inject';
import { WORKER_SHIM_PATH } from '../../shared/built-entries';

const DESTINATIONS = new Set(['worker', 'sharedworker']);

let shimBytes: Promise<Uint8Array> | undefined;
const loadShim = () => (shimBytes ??= scriptBytes(WORKER_SHIM_PATH));

/** A worker's own script (not a script it imports: those are `script`, or carry no such header). */
export function isWorkerScript(details: Pick<WebRequest.OnBeforeSendHeadersDetailsType, 'requestHeaders'>): boolean {
  const destination = details.requestHeaders?.find((header) => header.name.toLowerCase() === 'sec-fetch-dest')?.value;
  return destination !== undefined && DESTINATIONS.has(destination);
}

const onScript = (details: WebRequest.OnBeforeSendHeadersDetailsType): WebRequest.BlockingResponse => {
  if (isWorkerScript(details)) prependShim(details.requestId, loadShim);
  return {};
};

const EXTRA: WebRequest.OnBeforeSendHeadersOptions[] = ['blocking', 'requestHeaders'];

export function startInjectingApiIntoWorkers(): void {
  void loadShim();
  // Shared workers (no tab): from the start, so a stopped background wakes for them.
  browser.webRequest.onBeforeSendHeaders.addListener(
    onScript,
    { urls: ['http://*/*', 'https://*/*'], types: ['script'], tabId: -1 },
    EXTRA,
  );
  void browser.storage.local.get(HOSTS_KEY).then((stored) => coverDedicatedWorkers(stored[HOSTS_KEY]));
  browser.storage.onChanged.addListener((changes, area) => {
    if (area === 'local' && HOSTS_KEY in changes) coverDedicatedWorkers(changes[HOSTS_KEY]!.newValue);
  });
}

/** Dedicated workers' scripts in tabs, for the sites (host patterns) that used the API. */
const onTabScript = (details: WebRequest.OnBeforeSendHeadersDetailsType) =>
  details.tabId === -1 ? {} : onScript(details);

function coverDedicatedWorkers(hosts: unknown): void {
  const patterns = Array.isArray(hosts) ? hosts.filter((host): host is string => typeof host === 'string') : [];
  browser.webRequest.onBeforeSendHeaders.removeListener(onTabScript);
  if (patterns.length)
    browser.webRequest.onBeforeSendHeaders.addListener(onTabScript, { urls: patterns, types: ['script'] }, EXTRA);
}
