/// <reference types="vite/client" />
// The background's wiring is all in index.ts: importing any other background module adds no
// listener, sets no alarm, reads nothing from the browser and opens no store. (An import side
// effect hides the wiring from a reader of index.ts, and runs in whatever test imports the module.)
// In-process subscriptions between background modules (onSettled, onPrivateSessionEnd,
// watchGlobalSettings, onSwitchesChanged) touch no browser API and may stay at import.
import { describe, expect, it, vi } from 'vitest';

/** Every call made on the mocked extension API, by its path (`runtime.onMessage.addListener`). */
const calls: string[] = vi.hoisted(() => []);

vi.mock('webextension-polyfill', () => {
  const api = (path: string): unknown =>
    new Proxy(() => undefined, {
      get: (_target, name) =>
        name === 'then' || typeof name === 'symbol' ? undefined : api(path ? `${path}.${name}` : name),
      apply: () => {
        calls.push(path);
        return api(`${path}()`);
      },
    });
  return { default: api('') };
});

const modules = import.meta.glob(['./**/*.ts', '!./**/*.test.ts', '!./index.ts']);

describe('background wiring', () => {
  it('finds the background modules', () => {
    expect(Object.keys(modules)).toEqual(
      expect.arrayContaining(['./router.ts', './engine/transfer.ts', './person/badge.ts', './save/auto-save.ts']),
    );
  });

  it('no module but index.ts calls an extension API or opens a store when imported', async () => {
    const open = vi.spyOn(indexedDB, 'open');
    const byModule: Record<string, string[]> = {};
    // One at a time, so a call is charged to the module whose import made it.
    for (const [path, load] of Object.entries(modules).sort()) {
      const before = calls.length;
      const opensBefore = open.mock.calls.length;
      // A module that uses what a call returned (say, `.then` of a read) throws here: also a finding.
      const threw = await load().then(
        () => [],
        (error: unknown) => [`import threw: ${String(error)}`],
      );
      const made = [
        ...threw,
        ...calls.slice(before),
        ...open.mock.calls.slice(opensBefore).map(([name]) => `indexedDB.open(${name})`),
      ];
      if (made.length) byModule[path] = made;
    }
    open.mockRestore();
    expect(byModule).toEqual({});
  });
});
