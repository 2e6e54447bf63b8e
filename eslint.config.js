// ESLint: the recommended rules, and the boundaries between the execution contexts (a file's
// folder says which globals exist there and what it may import; STYLE.md). ESLint and its
// plugins live in tools/lint/ (typescript-eslint needs TypeScript's JS API, which the root's
// TypeScript 7 has not). `npm run lint`; scripts/test.sh runs it.
import { importX, js, tseslint } from 'bgfetch-lint';

/** The context folders, and what each may import besides itself. */
const CONTEXTS = {
  background: ['shared'],
  popup: ['shared'],
  offscreen: ['shared'],
  content: ['api', 'shared'],
  sw: ['api', 'shared'],
  api: ['shared'],
  shared: [],
};
const zones = Object.entries(CONTEXTS).map(([context, allowed]) => ({
  target: `./src/${context}`,
  from: Object.keys(CONTEXTS)
    .filter((other) => other !== context && !allowed.includes(other))
    .map((other) => `./src/${other}`),
  message: `src/${context} may import only ${['itself', ...allowed.map((other) => `src/${other}`)].join(', ')}.`,
}));

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'build/',
      'web-ext-artifacts/',
      'test-results/',
      'bench/results/',
      'bench/.exp/',
      '**/node_modules/',
    ],
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    plugins: { 'import-x': importX },
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    settings: {
      'import-x/resolver-next': [importX.createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.json'] })],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones }],
      // The code matches control characters on purpose: header values and file names must not hold them.
      'no-control-regex': 'off',
      '@typescript-eslint/no-floating-promises': 'error',
      // `_name` marks a parameter a signature needs but the body does not use.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
);
