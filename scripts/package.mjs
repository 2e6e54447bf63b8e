#!/usr/bin/env node
// The store packages, from the builds in dist/ (`npm run package` builds first):
//   web-ext-artifacts/bgfetch-<version>-firefox.zip   web-ext build of dist/firefox (AMO)
//   web-ext-artifacts/bgfetch-<version>-chromium.zip  web-ext build of dist/chromium (Chrome Web Store)
//   web-ext-artifacts/bgfetch-<version>-source.zip    the tracked sources, the lockfile and BUILD.md,
//                                                     what AMO asks for with a bundled add-on
// The version comes from package.json alone (vite.config.ts writes it into both manifests).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { writeZip } from './zip.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { name, version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
const out = `${root}web-ext-artifacts`;
mkdirSync(out, { recursive: true });

for (const target of ['firefox', 'chromium']) {
  const manifest = JSON.parse(readFileSync(`${root}dist/${target}/manifest.json`, 'utf8'));
  if (manifest.version !== version)
    throw new Error(`dist/${target} is version ${manifest.version}, package.json says ${version}: build first`);
  execFileSync(
    process.execPath,
    [
      `${root}node_modules/web-ext/bin/web-ext.js`,
      'build',
      '--source-dir',
      `dist/${target}`,
      '--artifacts-dir',
      out,
      '--filename',
      `${name}-${version}-${target}.zip`,
      '--overwrite-dest',
      '--no-config-discovery',
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  console.log(`wrote web-ext-artifacts/${name}-${version}-${target}.zip`);
}

// The sources as a fresh clone has them (tracked files, sorted), plus the build instructions.
const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
  .split('\0')
  .filter(Boolean)
  .sort();
const entries = tracked
  .filter((file) => file !== 'BUILD.md')
  .map((file) => ({ name: file, data: readFileSync(`${root}${file}`) }));
entries.push({ name: 'BUILD.md', data: Buffer.from(buildInstructions()) });
writeFileSync(`${out}/${name}-${version}-source.zip`, writeZip(entries));
console.log(`wrote web-ext-artifacts/${name}-${version}-source.zip (${entries.length} files)`);

/** BUILD.md for AMO's reviewers, with the Node and npm versions this package was built with. */
function buildInstructions() {
  const npmVersion = execFileSync('npm', ['--version'], { encoding: 'utf8' }).trim();
  return `# Building bgfetch ${version} from source

The Firefox package (\`${name}-${version}-firefox.zip\`) is bundled and minified by vite. These
sources build it byte for byte.

## Tools (the versions this package was built with)

- Node.js ${process.version.replace(/^v/, '')}
- npm ${npmVersion}
- Any Linux, macOS or Windows system; no other tool, no network access during the build (npm
  needs the registry once, to install the exact versions named in \`package-lock.json\`).

## One command

\`\`\`sh
npm ci && npm run build-for-amo
\`\`\`

The add-on is then in \`dist/firefox/\`: its files are the files of \`${name}-${version}-firefox.zip\`.
To compare: unzip the package into a folder and run \`diff -r thatfolder dist/firefox\`.

## What the build does

\`scripts/build.mjs\` runs vite (with \`vite.config.ts\`; \`scripts/manifest.ts\` derives the Firefox
manifest from \`manifest.json\` and the version from \`package.json\`) and bundles the standalone
scripts \`src/shared/built-entries.ts\` lists: the service-worker shim (\`sw/bgfetch-sw.js\`), the
bridge (\`content/bridge.js\`), its relay (\`content/relay.js\`), \`content/site-opened.js\` and
\`content/frame-delivery.js\`. Every source is in \`src/\`; the
libraries (preact, dexie, valibot, webextension-polyfill) come unmodified from npm.
`;
}
