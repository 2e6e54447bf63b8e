#!/usr/bin/env node
// Runs this folder's ESLint on the tree (the root's eslint.config.js), with the same arguments.
//
// typescript-eslint and ts-api-utils require('typescript') for its JS API, which the root's
// TypeScript 7 (the tree's tsc) no longer has. npm hoists ts-api-utils to the root, where that
// require would find TypeScript 7: every require of 'typescript' made while linting gets this
// folder's TypeScript 6 instead.
import Module, { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const typescript = require.resolve('typescript');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === 'typescript' ? typescript : resolve.call(this, request, ...rest);
};
await import(pathToFileURL(require.resolve('eslint/package.json').replace(/package\.json$/, 'bin/eslint.js')).href);
