// The extension's manifest, derived in one place for each browser. The source manifest.json is
// the Chromium shape; `manifestFor` derives each browser's variant, which crxjs (vite.config.ts)
// builds from; `withBuiltEntries` adds what crxjs refuses to write (files it did not build:
// src/shared/built-entries.ts), applied by scripts/build.mjs to the manifest crxjs wrote.
import sourceManifest from '../manifest.json' with { type: 'json' };
import packageJson from '../package.json' with { type: 'json' };
import { BUILT_ENTRIES } from '../src/shared/built-entries';

export type Target = 'firefox' | 'chromium';
export const GECKO_ID = 'bgfetch@bgfetch.dev';

export function manifestFor(target: Target) {
  // The version lives in package.json only (`npm version` bumps it there and in the lockfile).
  const manifest = { ...structuredClone(sourceManifest), version: packageJson.version } as typeof sourceManifest & {
    version: string;
  } & Record<string, unknown>;
  if (target === 'firefox') {
    // crxjs needs the event-page shape here to build for Firefox (TESTING.md).
    manifest.background = { scripts: [sourceManifest.background.service_worker], type: 'module' } as never;
    manifest.browser_specific_settings = {
      // 128 brought MAIN-world content scripts; 140 (an ESR) the data_collection_permissions key.
      gecko: { id: GECKO_ID, strict_min_version: '140.0', data_collection_permissions: { required: ['none'] } },
      gecko_android: { strict_min_version: '142.0' },
    };
    // On the toolbar after install, not inside the Extensions menu: the person sees the badge
    // (and so that a site is downloading in the background). Firefox only; Chromium lacks the key.
    manifest.action = { ...sourceManifest.action, default_area: 'navbar' } as never;
    // Only the page API goes into every page; the bridge is registered per site at run time
    // (src/background/injection/bridge-sites.ts): an isolated-world script costs each page load ~2 ms.
    manifest.content_scripts = manifest.content_scripts.filter(
      (script) => !script.js.includes('src/content/bridge.iife.ts'),
    );
    // Service-worker events for unmodified sites: the shim goes into their worker scripts.
    manifest.permissions = [
      ...manifest.permissions,
      'webRequest',
      'webRequestBlocking',
      'webRequestFilterResponse',
      'webRequestFilterResponse.serviceWorkerScript',
      // A container's or private window's fetch sends that jar's cookies (src/background/engine/cors.ts).
      'cookies',
      // Local Network Access: the address space of every hop (src/background/engine/address-space.ts).
      'dns',
    ];
  } else {
    // Chromium: the page API and its bridge are registered per site at run time
    // (src/background/injection/chromium-pages.ts): pages of other sites carry nothing of bgfetch.
    delete (manifest as { content_scripts?: unknown }).content_scripts;
    // Its service worker cannot make Blob URLs: saving files goes through an offscreen document.
    manifest.permissions = [...manifest.permissions, 'offscreen'];
    // Extension messages as structured clones, as Firefox sends them (Chromium 148+; JSON otherwise):
    // upload bodies go as bytes and stored bodies reach pages as Blobs, never as text.
    manifest.message_serialization = 'structured_clone';
    manifest.minimum_chrome_version = '148';
  }
  return manifest;
}

/**
 * Content scripts may import() only web-accessible modules. Chromium hands them out under a
 * per-session URL, so pages cannot probe for the extension with them.
 */
export function withBuiltEntries<M extends object>(
  manifest: M & { web_accessible_resources?: unknown[] },
  target: Target,
): M {
  const resources = BUILT_ENTRIES.filter((entry) => entry.webAccessible && entry.targets.includes(target)).map(
    (entry) => entry.path,
  );
  if (!resources.length) return manifest;
  return {
    ...manifest,
    web_accessible_resources: [
      ...(manifest.web_accessible_resources ?? []),
      {
        resources,
        matches: ['http://*/*', 'https://*/*'],
        ...(target === 'chromium' ? { use_dynamic_url: true } : {}),
      },
    ],
  };
}
