import { describe, expect, it } from 'vitest';
import { Semaphore, type Slot } from './semaphore';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('Semaphore', () => {
  it('hands out at most N slots at once, whatever the load', async () => {
    const size = 3;
    const semaphore = new Semaphore(size);
    const never = new AbortController().signal;
    let out = 0;
    let most = 0;
    const work = async (i: number) => {
      const slot = await semaphore.acquire(never);
      expect(slot).toBeDefined();
      out++;
      most = Math.max(most, out);
      expect(out).toBeLessThanOrEqual(size);
      for (let t = 0; t < (i % 4) + 1; t++) await tick();
      out--;
      slot!.release();
    };
    await Promise.all(Array.from({ length: 40 }, (_, i) => work(i)));
    expect(most).toBe(size);
    expect(out).toBe(0);
  });

  it('makes a waiter wait until a release, then wakes it', async () => {
    const semaphore = new Semaphore(1);
    const signal = new AbortController().signal;
    const first = (await semaphore.acquire(signal))!;
    let second: Slot | undefined;
    const waiting = semaphore.acquire(signal).then((slot) => (second = slot));
    await tick();
    expect(second).toBeUndefined();
    first.release();
    await waiting;
    expect(second).toBeDefined();
  });

  it('ignores a second release of the same slot', async () => {
    const semaphore = new Semaphore(1);
    const signal = new AbortController().signal;
    const first = (await semaphore.acquire(signal))!;
    first.release();
    first.release();
    const a = (await semaphore.acquire(signal))!;
    let b: Slot | undefined;
    void semaphore.acquire(signal).then((slot) => (b = slot));
    await tick();
    expect(b).toBeUndefined();
    a.release();
    await tick();
    expect(b).toBeDefined();
  });

  it('resolves undefined when aborted while waiting, and gives its turn away', async () => {
    const semaphore = new Semaphore(1);
    const held = (await semaphore.acquire(new AbortController().signal))!;
    const controller = new AbortController();
    const aborted = semaphore.acquire(controller.signal);
    let other: Slot | undefined;
    void semaphore.acquire(new AbortController().signal).then((slot) => (other = slot));
    await tick();
    controller.abort();
    await expect(aborted).resolves.toBeUndefined();
    expect(other).toBeUndefined();
    held.release();
    await tick();
    expect(other).toBeDefined();
  });

  it('resolves undefined for an already aborted signal, even with free slots', async () => {
    const semaphore = new Semaphore(2);
    await expect(semaphore.acquire(AbortSignal.abort())).resolves.toBeUndefined();
    // The refused call took nothing: both slots are still there.
    const signal = new AbortController().signal;
    expect(await semaphore.acquire(signal)).toBeDefined();
    expect(await semaphore.acquire(signal)).toBeDefined();
  });

  it('wakes every waiter when as many slots come back', async () => {
    const semaphore = new Semaphore(2);
    const signal = new AbortController().signal;
    const a = (await semaphore.acquire(signal))!;
    const b = (await semaphore.acquire(signal))!;
    const got: Slot[] = [];
    void semaphore.acquire(signal).then((slot) => got.push(slot!));
    void semaphore.acquire(signal).then((slot) => got.push(slot!));
    void semaphore.acquire(signal).then((slot) => got.push(slot!));
    await tick();
    expect(got).toHaveLength(0);
    a.release();
    b.release();
    await tick();
    expect(got).toHaveLength(2);
    got[0]!.release();
    await tick();
    expect(got).toHaveLength(3);
  });

  it('hands a released slot to the longest waiter, not to a newcomer', async () => {
    const semaphore = new Semaphore(1);
    const signal = new AbortController().signal;
    const first = await semaphore.acquire(signal);
    const order: string[] = [];
    const waiter = semaphore.acquire(signal).then((slot) => (order.push('waiter'), slot));
    first!.release();
    const newcomer = semaphore.acquire(signal).then((slot) => (order.push('newcomer'), slot));
    (await waiter)!.release();
    await newcomer;
    expect(order).toEqual(['waiter', 'newcomer']);
  });

  it('grows at once and shrinks as slots come back, never taking one in use', async () => {
    const semaphore = new Semaphore(2);
    const never = new AbortController().signal;
    const held: Slot[] = [(await semaphore.acquire(never))!, (await semaphore.acquire(never))!];
    let third: Slot | undefined;
    void semaphore.acquire(never).then((slot) => (third = slot));
    await tick();
    expect(third).toBeUndefined();
    semaphore.resize(3);
    await tick();
    expect(third).toBeDefined();
    // Down to one: the three in use stay; only after two releases does a waiter get one.
    semaphore.resize(1);
    let fourth: Slot | undefined;
    void semaphore.acquire(never).then((slot) => (fourth = slot));
    held[0]!.release();
    held[1]!.release();
    await tick();
    expect(fourth).toBeUndefined();
    third!.release();
    await tick();
    expect(fourth).toBeDefined();
  });
});
