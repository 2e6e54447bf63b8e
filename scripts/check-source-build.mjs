#!/usr/bin/env node
// What AMO's reviewer does with the source archive: unpack it in a fresh folder, install, run
// `npm run build-for-amo`, and compare the result with the Firefox package, file by file (SHA-256).
// Exits 1 on any difference.
//
// node_modules: `npm ci` from the registry by default. With --link-node-modules (CI), when the
// archive's package-lock.json is byte-identical to this tree's, this tree's node_modules is
// hard-linked instead (`cp -al`): the same packages npm ci would install, without the download.
//
//   node scripts/check-source-build.mjs [--link-node-modules]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractZip, readZip } from './zip.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { name, version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const artifacts = path.join(root, 'web-ext-artifacts');
const link = process.argv.includes('--link-node-modules');

const sha = (data) => createHash('sha256').update(data).digest('hex');

/** path → SHA-256 of every file under dir. */
function hashTree(dir, prefix = '', into = new Map()) {
  for (const entry of readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) hashTree(dir, relative, into);
    else into.set(relative, sha(readFileSync(path.join(dir, relative))));
  }
  return into;
}

const fresh = mkdtempSync(path.join(tmpdir(), 'bgfetch-source-'));
try {
  await extractZip(path.join(artifacts, `${name}-${version}-source.zip`), fresh);
  const sameLock = readFileSync(path.join(fresh, 'package-lock.json')).equals(
    readFileSync(path.join(root, 'package-lock.json')),
  );
  if (link && sameLock) {
    execFileSync('cp', ['-al', path.join(root, 'node_modules'), path.join(fresh, 'node_modules')]);
    console.log('node_modules: hard-linked from this tree (the lockfiles are identical)');
  } else {
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: fresh, stdio: 'inherit' });
    console.log('node_modules: npm ci');
  }
  execFileSync('npm', ['run', '--silent', 'build-for-amo'], { cwd: fresh, stdio: ['ignore', 'ignore', 'inherit'] });

  const built = hashTree(path.join(fresh, 'dist/firefox'));
  const packaged = new Map(
    readZip(readFileSync(path.join(artifacts, `${name}-${version}-firefox.zip`))).map((f) => [f.name, sha(f.data)]),
  );
  const differ = [...new Set([...built.keys(), ...packaged.keys()])]
    .sort()
    .filter((file) => built.get(file) !== packaged.get(file));
  for (const file of differ)
    console.error(
      `  differs: ${file} (source build ${built.get(file)?.slice(0, 12) ?? 'missing'}, package ${packaged.get(file)?.slice(0, 12) ?? 'missing'})`,
    );
  const tree = sha(
    [...built]
      .sort()
      .map(([file, hash]) => `${hash}  ${file}\n`)
      .join(''),
  );
  console.log(
    `source build: ${built.size} files, ${differ.length} differ from the Firefox package; tree hash ${tree.slice(0, 16)}`,
  );
  process.exitCode = differ.length ? 1 : 0;
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
