// Runs before every unit test file: an in-memory IndexedDB for Dexie, and the parts of
// `navigator` the background reads that Node lacks.
import 'fake-indexeddb/auto';

const nav = ((globalThis as { navigator?: object }).navigator ?? {}) as Record<string, unknown>;
if (!('onLine' in nav)) Object.defineProperty(nav, 'onLine', { value: true, configurable: true });
if (!('storage' in nav)) {
  Object.defineProperty(nav, 'storage', {
    value: { estimate: async () => ({ quota: 10 * 1024 ** 3, usage: 0 }) },
    configurable: true,
  });
}
if (!('navigator' in globalThis)) {
  Object.defineProperty(globalThis, 'navigator', { value: nav, configurable: true, writable: true });
}
