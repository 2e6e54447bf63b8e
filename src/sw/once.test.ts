// The shim's once-per-token dispatch: a repeated delivery (the background restarted before it
// heard the outcome) never runs the site's handlers again, in the same worker or the next one.
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it, vi } from 'vitest';
import { dispatchOnce, indexedDbLedger, type DispatchLedger, type DispatchOutcome } from './once';

const done: DispatchOutcome = { ui: { title: 'Episode ready' }, listened: true };

function counting(outcome = done) {
  let runs = 0;
  let finish!: () => void;
  const gate = new Promise<void>((resolve) => (finish = resolve));
  return {
    run: async () => {
      runs++;
      await gate;
      return outcome;
    },
    finish,
    runs: () => runs,
  };
}

describe('dispatchOnce', () => {
  it('a delivery repeated while the first still runs in this worker shares it: handlers run once, both hear the outcome', async () => {
    const once = dispatchOnce(indexedDbLedger(new IDBFactory()));
    const handler = counting();
    const first = once('k:success@1', handler.run);
    const second = once('k:success@1', handler.run);
    expect(first.shared).toBe(false);
    expect(second.shared).toBe(true);
    handler.finish();
    expect(await first.outcome).toEqual(done);
    expect(await second.outcome).toEqual(done);
    expect(handler.runs()).toBe(1);
  });

  it('a later worker (new instance, same storage) answers a finished token with its recorded outcome and runs nothing', async () => {
    const storage = new IDBFactory();
    const handler = counting();
    handler.finish();
    await dispatchOnce(indexedDbLedger(storage))('k:success@1', handler.run).outcome;
    const again = counting({ ui: null, listened: false });
    again.finish();
    expect(await dispatchOnce(indexedDbLedger(storage))('k:success@1', again.run).outcome).toEqual(done);
    expect(again.runs()).toBe(0);
  });

  it('handlers started but cut off by a stop of the worker are not run again; the bodies are kept (listened false)', async () => {
    const storage = new IDBFactory();
    const cutOff = counting();
    void dispatchOnce(indexedDbLedger(storage))('k:fail@2', cutOff.run).outcome; // never finishes: the worker stops
    // The handlers run only after the ledger holds the token, so their start is the moment to stop.
    await vi.waitFor(() => expect(cutOff.runs()).toBe(1));
    const again = counting();
    again.finish();
    expect(await dispatchOnce(indexedDbLedger(storage))('k:fail@2', again.run).outcome).toEqual({
      ui: null,
      listened: false,
    });
    expect(again.runs()).toBe(0);
  });

  it('another token (a new click, another event) is dispatched', async () => {
    const storage = new IDBFactory();
    const once = dispatchOnce(indexedDbLedger(storage));
    const handler = counting();
    handler.finish();
    await once('k:click@1', handler.run).outcome;
    await once('k:click@2', handler.run).outcome;
    expect(handler.runs()).toBe(2);
  });

  it('storage that fails costs only the check across restarts, never the event', async () => {
    const broken: DispatchLedger = {
      get: () => Promise.reject(new Error('no storage')),
      put: () => Promise.reject(new Error('no storage')),
    };
    const once = dispatchOnce(broken);
    const handler = counting();
    handler.finish();
    expect(await once('k:success@3', handler.run).outcome).toEqual(done);
    expect(await once('k:success@3', handler.run).outcome).toEqual(done);
    expect(handler.runs()).toBe(1);
  });

  it('tokens older than 90 days are dropped when an event finishes', async () => {
    const storage = new IDBFactory();
    let now = 0;
    const ledger = indexedDbLedger(storage, () => now);
    await ledger.put({ token: 'old', state: 'done', at: 0, outcome: done });
    now = 91 * 24 * 3600_000;
    await ledger.put({ token: 'new', state: 'done', at: now, outcome: done });
    expect(await ledger.get('old')).toBeUndefined();
    expect(await ledger.get('new')).toMatchObject({ state: 'done' });
  });
});
