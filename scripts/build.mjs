// Builds dist/firefox and dist/chromium from one tree (see vite.config.ts), plus two standalone
// scripts at fixed paths: the service-worker shim (sw/bgfetch-sw.js: prepended to workers in
// Firefox, the opt-in importScripts file elsewhere); the bridge (content/bridge.js, registered
// per site with scripting.registerContentScripts) and, for Chromium, the page API
// (content/page.js, registered the same way); and the bridge's
// relay (content/relay.js), an ES module the bridge imports on first use; and
// content/site-opened.js, registered only for sites with service-worker events waiting.
import { build } from 'vite';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const targets = process.argv.slice(2).length ? process.argv.slice(2) : ['firefox', 'chromium'];

for (const target of targets) {
  process.env.TARGET = target;
  await build({ root, logLevel: 'warn' });
  await standalone(target, 'src/sw/shim.ts', 'sw', 'bgfetch-sw.js');
  // Firefox: prepended to the site's dedicated and shared worker scripts (worker-inject.ts).
  if (target === 'firefox') await standalone(target, 'src/sw/worker-shim.ts', 'sw', 'bgfetch-worker.js');
  if (target === 'chromium') await standalone(target, 'src/content/page/page.iife.ts', 'content', 'page.js');
  await standalone(target, 'src/content/bridge.iife.ts', 'content', 'bridge.js');
  await standalone(target, 'src/content/relay.ts', 'content', 'relay.js', 'es');
  await standalone(target, 'src/content/site-opened.ts', 'content', 'site-opened.js');
  if (target === 'firefox') await standalone(target, 'src/content/frame-delivery.ts', 'content', 'frame-delivery.js');
  webAccessible(target, 'content/relay.js');
  console.log(`built dist/${target}`);
}

/** One self-contained script (IIFE, or an ES module) at a fixed path inside dist/<target>. */
async function standalone(target, entry, folder, fileName, format = 'iife') {
  await build({
    root,
    configFile: false,
    logLevel: 'warn',
    define: { __TARGET__: JSON.stringify(target) },
    build: {
      outDir: `dist/${target}/${folder}`,
      emptyOutDir: false,
      target: 'es2022',
      minify: true,
      lib: { entry, formats: [format], name: 'bgfetch', fileName: () => fileName },
    },
  });
}

/**
 * Content scripts may import() only web-accessible modules. Declared here, after crxjs wrote the
 * manifest (it refuses to list files it did not build). Chromium hands them out under a
 * per-session URL, so pages cannot probe for the extension with them.
 */
function webAccessible(target, file) {
  const path = `${root}dist/${target}/manifest.json`;
  const manifest = JSON.parse(readFileSync(path, 'utf8'));
  manifest.web_accessible_resources = [
    ...(manifest.web_accessible_resources ?? []),
    { resources: [file], matches: ['http://*/*', 'https://*/*'], ...(target === 'chromium' ? { use_dynamic_url: true } : {}) },
  ];
  writeFileSync(path, `${JSON.stringify(manifest, null, 2)}\n`);
}
