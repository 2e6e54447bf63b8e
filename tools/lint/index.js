// What the root's eslint.config.js needs, resolved from this folder's own node_modules.
export { default as js } from '@eslint/js';
export { default as tseslint } from 'typescript-eslint';
export { importX } from 'eslint-plugin-import-x';
