// What a page pays before it touches the API: the injected scripts, as built. Firefox puts the
// page API into every page and the bridge only into pages of sites that use the API.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT } from '../lib/config.mjs';

const FILES = {
  'page (MAIN world, every page)': 'dist/firefox/src/content/page/page.iife.js',
  'bridge (pages of sites that use the API)': 'dist/firefox/content/bridge.js',
};

export default {
  name: 'sizes',
  perBrowser: false,
  async run({ report }) {
    let rawTotal = 0;
    let gzTotal = 0;
    for (const [label, file] of Object.entries(FILES)) {
      const bytes = readFileSync(path.join(ROOT, file));
      const gz = gzipSync(bytes, { level: 9 }).length;
      rawTotal += bytes.length;
      gzTotal += gz;
      report.row('both', `injected script: ${label}, minified (gzip ${gz} B)`, 'bytes', [bytes.length], null, {
        goalText: '—',
        detail: { file, gzip: gz },
      });
    }
    report.row('both', `injected scripts total, minified (gzip ${gzTotal} B)`, 'bytes', [rawTotal], null, {
      goal: { max: 8192 },
      goalText: '≤ 8192 B',
      detail: { gzip: gzTotal },
    });
  },
};
