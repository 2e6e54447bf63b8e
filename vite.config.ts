// One source tree, two builds: TARGET=firefox (event page) or TARGET=chromium (service worker).
// The manifest of each is derived in scripts/manifest.ts.
import { crx, type ManifestV3Export } from '@crxjs/vite-plugin';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import { manifestFor, type Target } from './scripts/manifest';

export { GECKO_ID, manifestFor, type Target } from './scripts/manifest';

const target: Target = process.env.TARGET === 'chromium' ? 'chromium' : 'firefox';

export default defineConfig({
  plugins: [
    preact(),
    crx({ manifest: manifestFor(target) as ManifestV3Export, browser: target === 'firefox' ? 'firefox' : 'chrome' }),
  ],
  define: { __TARGET__: JSON.stringify(target) },
  build: {
    outDir: `dist/${target}`,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    minify: true,
    // Pages the manifest does not name: Chromium's offscreen document (src/offscreen/) for saving.
    ...(target === 'chromium' ? { rolldownOptions: { input: { offscreen: 'src/offscreen/index.html' } } } : {}),
  },
  legacy: { skipWebSocketTokenCheck: true },
});
