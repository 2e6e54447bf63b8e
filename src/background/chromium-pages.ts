// Chromium has its own Background Fetch. bgfetch's page API and its bridge go only where the
// person switched a site to the extension, or everywhere if this Chromium lacks the API: other
// pages carry nothing of bgfetch (bench: a content script costs a page load 1–3 ms). Registered
// dynamically because a document_start script cannot wait for a setting.
import browser from 'webextension-polyfill';
import { BRIDGE_SCRIPT_PATH } from '../shared/channels';
import { sitesUsingExtension } from './sites';

const SCRIPT_ID = 'bgfetch-page-api';
const BRIDGE_ID = 'bgfetch-bridge';
export const PAGE_SCRIPT_PATH = 'content/page.js';

export async function syncPageScriptRegistration(): Promise<void> {
  const nativeMissing = !('BackgroundFetchManager' in globalThis);
  const origins = nativeMissing ? ['http://*/*', 'https://*/*'] : (await sitesUsingExtension()).map((o) => `${o}/*`);
  const scripting = browser.scripting;
  const existing = await scripting.getRegisteredContentScripts({ ids: [SCRIPT_ID, BRIDGE_ID] });
  if (existing.length) await scripting.unregisterContentScripts({ ids: existing.map((script) => script.id) });
  if (!origins.length) return;
  await scripting.registerContentScripts([
    {
      id: BRIDGE_ID,
      js: [BRIDGE_SCRIPT_PATH],
      matches: origins,
      runAt: 'document_start',
      allFrames: true,
      persistAcrossSessions: true,
    },
    {
      id: SCRIPT_ID,
      js: [PAGE_SCRIPT_PATH],
      matches: origins,
      runAt: 'document_start',
      allFrames: true,
      world: 'MAIN',
      persistAcrossSessions: true,
    },
  ]);
}
