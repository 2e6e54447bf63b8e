// Builds dist/firefox and dist/chromium from one tree (see vite.config.ts), plus two standalone
// scripts at fixed paths: the service-worker shim (sw/bgfetch-sw.js: prepended to workers in
// Firefox, the opt-in importScripts file elsewhere) and, for Chromium, the page API
// (content/page.js, registered per site with scripting.registerContentScripts).
import { build } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const targets = process.argv.slice(2).length ? process.argv.slice(2) : ['firefox', 'chromium'];

for (const target of targets) {
  process.env.TARGET = target;
  await build({ root, logLevel: 'warn' });
  await standalone(target, 'src/sw/shim.ts', 'sw', 'bgfetch-sw.js');
  if (target === 'chromium') await standalone(target, 'src/content/page/page.iife.ts', 'content', 'page.js');
  console.log(`built dist/${target}`);
}

/** One self-contained IIFE script at a fixed path inside dist/<target>. */
async function standalone(target, entry, folder, fileName) {
  await build({
    root,
    configFile: false,
    logLevel: 'warn',
    define: { __TARGET__: JSON.stringify(target) },
    build: {
      outDir: `dist/${target}/${folder}`,
      emptyOutDir: false,
      target: 'es2022',
      lib: { entry, formats: ['iife'], name: 'bgfetch', fileName: () => fileName },
    },
  });
}
