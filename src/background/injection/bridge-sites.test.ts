// Where Firefox gets the bridge: the sites that used the API (by host, never from a private
// window), and the open pages of a site whose service-worker script just passed.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import browser, { type Tabs } from 'webextension-polyfill';
import { BRIDGE_SCRIPT_PATH } from '../../shared/built-entries';
import { injectBridge, rememberApiSite, syncBridgeRegistration } from './bridge-sites';
import type { Caller } from '../policy';

const caller = (origin: string, incognito = false): Caller => ({
  origin,
  topLevelSite: origin,
  storeId: 'default',
  incognito,
  tabId: 1,
});

let stored: Record<string, unknown>;
let registered: { id: string; matches?: string[] }[];

beforeEach(() => {
  stored = {};
  registered = [];
  vi.restoreAllMocks();
  vi.spyOn(browser.storage.local, 'get').mockImplementation(async (key) => {
    const name = key as string;
    return name in stored ? { [name]: stored[name] } : {};
  });
  vi.spyOn(browser.storage.local, 'set').mockImplementation(async (items) => void Object.assign(stored, items));
  vi.spyOn(browser.scripting, 'getRegisteredContentScripts').mockImplementation(async (filter) =>
    registered.filter((s) => filter?.ids?.includes(s.id)),
  );
  vi.spyOn(browser.scripting, 'unregisterContentScripts').mockImplementation(async (filter) => {
    registered = registered.filter((s) => !filter?.ids?.includes(s.id));
  });
  vi.spyOn(browser.scripting, 'registerContentScripts').mockImplementation(
    async (scripts) => void registered.push(...scripts),
  );
});

describe('the sites that get the bridge as their pages load', () => {
  it('are the hosts that used the API, written down once, whatever the port', async () => {
    rememberApiSite(caller('https://podcasts.test:8443'));
    rememberApiSite(caller('https://podcasts.test'));
    rememberApiSite(caller('http://films.test'));
    await syncBridgeRegistration();
    expect(stored['bgfetch.bridgeHosts']).toEqual(['http://films.test/*', 'https://podcasts.test/*']);
    expect(registered).toEqual([
      expect.objectContaining({
        id: 'bgfetch-bridge',
        js: [BRIDGE_SCRIPT_PATH],
        matches: ['http://films.test/*', 'https://podcasts.test/*'],
        runAt: 'document_start',
        allFrames: true,
      }),
    ]);
  });

  it('never include a site used only from a private window', async () => {
    rememberApiSite(caller('https://secret.test', true));
    await syncBridgeRegistration();
    expect(stored).toEqual({});
    expect(registered).toEqual([]);
  });

  it('are registered again at start from what was written down (an update drops registered scripts)', async () => {
    stored['bgfetch.bridgeHosts'] = ['https://games.test/*'];
    await syncBridgeRegistration();
    expect(registered.map((s) => s.matches)).toEqual([['https://games.test/*']]);
  });
});

describe('a service-worker script on its way', () => {
  it('brings the bridge into every frame of the open tabs of its site', async () => {
    const query = vi.spyOn(browser.tabs, 'query').mockResolvedValue([{ id: 3 }, { id: 7 }] as Tabs.Tab[]);
    const execute = vi.spyOn(browser.scripting, 'executeScript').mockResolvedValue([]);
    await injectBridge('https://podcasts.test:8443/sw.js');
    expect(query).toHaveBeenCalledWith({ url: 'https://podcasts.test/*' });
    expect(execute.mock.calls.map(([injection]) => injection)).toEqual([
      { target: { tabId: 3, allFrames: true }, files: [BRIDGE_SCRIPT_PATH] },
      { target: { tabId: 7, allFrames: true }, files: [BRIDGE_SCRIPT_PATH] },
    ]);
  });
});
