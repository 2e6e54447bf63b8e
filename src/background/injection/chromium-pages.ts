// Chromium has its own Background Fetch. bgfetch's page API and its bridge go only where the
// person switched a site to the extension, or everywhere if this Chromium lacks the API: other
// pages carry nothing of bgfetch (bench: a content script costs a page load 1–3 ms). Registered
// dynamically because a document_start script cannot wait for a setting.
import { BRIDGE_SCRIPT_PATH, PAGE_SCRIPT_PATH } from '../../shared/built-entries';
import { SECURE_CONTEXT_MATCHES } from '../../shared/channels';
import { registerForSites } from './registered-scripts';
import { sitesUsingExtension } from '../state/sites';

const SCRIPT_ID = 'bgfetch-page-api';
const BRIDGE_ID = 'bgfetch-bridge';

export async function syncPageScriptRegistration(): Promise<void> {
  const nativeMissing = !('BackgroundFetchManager' in globalThis);
  const origins = nativeMissing ? SECURE_CONTEXT_MATCHES : (await sitesUsingExtension()).map((o) => `${o}/*`);
  const common = { matches: origins, runAt: 'document_start', allFrames: true, persistAcrossSessions: true } as const;
  await registerForSites({ id: BRIDGE_ID, js: [BRIDGE_SCRIPT_PATH], ...common });
  await registerForSites({ id: SCRIPT_ID, js: [PAGE_SCRIPT_PATH], world: 'MAIN', ...common });
}
