// What every page pays before it touches the API: the injected scripts, as built.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT } from '../lib/config.mjs';

const FILES = {
  'page (MAIN world)': 'dist/firefox/src/content/page/page.iife.js',
  bridge: 'dist/firefox/src/content/bridge.iife.js',
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
