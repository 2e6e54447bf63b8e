import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  define: { __TARGET__: '"firefox"' },
  resolve: {
    alias: {
      'webextension-polyfill': fileURLToPath(new URL('./test/unit/webextension-polyfill-stub.ts', import.meta.url)),
    },
  },
  test: {
    include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['./test/unit/setup.ts'],
    testTimeout: 10_000,
  },
});
