// Builds dist/firefox and dist/chromium from one tree (see vite.config.ts), plus the standalone
// scripts at fixed paths that src/shared/built-entries.ts lists (the service-worker shim, the
// bridge and its relay, Chromium's page API, …). Run with tsx (package.json), which lets it read
// that TypeScript table.
import { build } from 'vite';
import { BUILT_ENTRIES } from '../src/shared/built-entries.ts';
import { withBuiltEntries } from './manifest.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const targets = process.argv.slice(2).length ? process.argv.slice(2) : ['firefox', 'chromium'];

for (const target of targets) {
  process.env.TARGET = target;
  await build({ root, logLevel: 'warn' });
  const entries = BUILT_ENTRIES.filter((entry) => entry.targets.includes(target));
  for (const entry of entries) await standalone(target, entry);
  finishManifest(target);
  console.log(`built dist/${target}`);
}

/** One self-contained script (IIFE, or an ES module) at its fixed path inside dist/<target>. */
async function standalone(target, { source, path, format }) {
  const folder = path.slice(0, path.lastIndexOf('/'));
  const fileName = path.slice(folder.length + 1);
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
      lib: { entry: source, formats: [format], name: 'bgfetch', fileName: () => fileName },
    },
  });
}

/** What crxjs did not write into the manifest (scripts/manifest.ts). */
function finishManifest(target) {
  const path = `${root}dist/${target}/manifest.json`;
  writeFileSync(path, `${JSON.stringify(withBuiltEntries(JSON.parse(readFileSync(path, 'utf8')), target), null, 2)}\n`);
}
