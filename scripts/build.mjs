// Builds dist/firefox and dist/chromium from one tree (see vite.config.ts), plus the Chromium
// copy of the page API at a fixed path for scripting.registerContentScripts.
import { build } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const targets = process.argv.slice(2).length ? process.argv.slice(2) : ['firefox', 'chromium'];

for (const target of targets) {
  process.env.TARGET = target;
  await build({ root, logLevel: 'warn' });
  if (target === 'chromium') {
    await build({
      root,
      configFile: false,
      logLevel: 'warn',
      define: { __TARGET__: JSON.stringify(target) },
      build: {
        outDir: `dist/${target}/content`,
        emptyOutDir: false,
        target: 'es2022',
        lib: { entry: 'src/content/page/page.iife.ts', formats: ['iife'], name: 'bgfetchPage', fileName: () => 'page.js' },
      },
    });
  }
  console.log(`built dist/${target}`);
}
