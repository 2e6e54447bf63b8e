import { describe, expect, it } from 'vitest';
import { FairSemaphore } from './fair-semaphore';
import type { Slot } from './semaphore';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
const never = new AbortController().signal;

describe('FairSemaphore', () => {
  it('a released slot goes to the waiting site holding the fewest, not to the longest waiter', async () => {
    const semaphore = new FairSemaphore(2);
    const held = [(await semaphore.acquire('hostile-a', never))!, (await semaphore.acquire('hostile-b', never))!];
    const order: string[] = [];
    const slots: Slot[] = [];
    const wait = (group: string) =>
      void semaphore.acquire(group, never).then((slot) => (order.push(group), slots.push(slot!)));
    // Ten hostile requests queue first, then one of another site.
    for (let i = 0; i < 5; i++) wait('hostile-a');
    for (let i = 0; i < 5; i++) wait('hostile-b');
    wait('other');
    await tick();
    expect(semaphore.othersWaiting('hostile-a')).toBe(true);
    held[0]!.release();
    await tick();
    // One scheduling round: the first slot released goes to the site that holds none.
    expect(order).toEqual(['other']);
    held[1]!.release();
    slots[0]!.release();
    await tick();
    // Then round-robin between the sites that hold the same number.
    expect(order.slice(1).sort()).toEqual(['hostile-a', 'hostile-b']);
  });

  it('round-robin between equal sites, first come first served inside a site', async () => {
    const semaphore = new FairSemaphore(1);
    const first = (await semaphore.acquire('a', never))!;
    const order: string[] = [];
    const all: Promise<void>[] = [];
    for (const [group, n] of [
      ['a', 3],
      ['b', 3],
      ['c', 1],
    ] as const) {
      for (let i = 0; i < n; i++) {
        all.push(
          semaphore.acquire(group, never).then(async (slot) => {
            order.push(`${group}${i}`);
            await tick();
            slot!.release();
          }),
        );
      }
    }
    await tick();
    first.release();
    await Promise.all(all);
    // a held the slot first: b and c (never served) come before a's next, then a and b in turn.
    expect(order).toEqual(['b0', 'c0', 'a0', 'b1', 'a1', 'b2', 'a2']);
  });

  it('never more slots than its size; an aborted waiter gives its turn away', async () => {
    const semaphore = new FairSemaphore(1);
    const held = (await semaphore.acquire('a', never))!;
    const controller = new AbortController();
    const gone = semaphore.acquire('b', controller.signal);
    let other: Slot | undefined;
    void semaphore.acquire('c', never).then((slot) => (other = slot));
    controller.abort();
    expect(await gone).toBeUndefined();
    expect(semaphore.othersWaiting('a')).toBe(true);
    held.release();
    await tick();
    expect(other).toBeDefined();
    expect(semaphore.othersWaiting('a')).toBe(false);
  });
});
