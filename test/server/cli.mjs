#!/usr/bin/env node
// Run the test server by hand, e.g. for the demo or to poke at it with curl:
//   node test/server/cli.mjs [--port N] [--static /prefix/=dir ...]
// Prints the two origins (first line is JSON for scripts), stops on SIGINT/SIGTERM.

import path from 'node:path';
import { parseArgs } from 'node:util';
import { startServer } from './server.mjs';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    static: { type: 'string', multiple: true, default: [] },
  },
});

/** @type {Record<string, string>} */
const staticDirs = {};
for (const spec of values.static ?? []) {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new Error(`--static expects /prefix/=dir, got ${spec}`);
  staticDirs[spec.slice(0, eq)] = path.resolve(spec.slice(eq + 1));
}

const server = await startServer({ port: Number(values.port), staticDirs });
console.log(JSON.stringify({ port: server.port, originA: server.originA, originB: server.originB }));
console.log(`test server listening on ${server.originA} and ${server.originB}`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
