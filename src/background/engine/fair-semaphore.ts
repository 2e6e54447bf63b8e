// The connections shared between sites (issue 16 item 8). A released slot goes to the waiting site
// that holds the fewest slots now, and among equals to the one granted a slot least recently
// (round-robin),
// never simply to the longest waiter: one site queuing a hundred requests cannot make another
// site's one request wait behind all of them. Inside a site, first come, first served.
import type { Slot } from './semaphore';

interface Waiter {
  grant(): void;
}

export class FairSemaphore {
  #size: number;
  /** Below zero after a shrink: slots in use beyond the new size retire as they are released. */
  #free: number;
  /** Waiters per group, in the order groups began waiting. */
  #queues = new Map<string, Waiter[]>();
  #held = new Map<string, number>();
  /** When each group was last granted a slot (a counter); never granted comes first. */
  #lastGrant = new Map<string, number>();
  #grantCount = 0;

  constructor(size: number) {
    this.#size = size;
    this.#free = size;
  }

  resize(size: number): void {
    this.#free += size - this.#size;
    this.#size = size;
    while (this.#free > 0 && this.#grantNext()) this.#free--;
  }

  /** Someone of another group waits for a slot (a slow connection of `group` should give its slot up). */
  othersWaiting(group: string): boolean {
    for (const [other, queue] of this.#queues) if (other !== group && queue.length) return true;
    return false;
  }

  /** Resolves to a slot for `group`, or to undefined if `signal` aborts first. */
  async acquire(group: string, signal: AbortSignal): Promise<Slot | undefined> {
    if (signal.aborted) return undefined;
    if (this.#free > 0 && this.#queues.size === 0) {
      this.#free--;
      this.#count(group, 1);
      return this.#slot(group);
    }
    const granted = await new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(true);
        },
      };
      const onAbort = () => {
        const queue = this.#queues.get(group);
        if (queue) {
          const at = queue.indexOf(waiter);
          if (at >= 0) queue.splice(at, 1);
          if (!queue.length) this.#queues.delete(group);
        }
        resolve(false);
      };
      let queue = this.#queues.get(group);
      if (!queue) this.#queues.set(group, (queue = []));
      queue.push(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    return granted ? this.#slot(group) : undefined;
  }

  /** Hands a free slot to the fairest waiter; false when nobody waits. */
  #grantNext(): boolean {
    let chosen: string | undefined;
    const rank = (group: string): [number, number] => [this.#held.get(group) ?? 0, this.#lastGrant.get(group) ?? -1];
    for (const group of this.#queues.keys()) {
      if (chosen === undefined) {
        chosen = group;
        continue;
      }
      const [held, last] = rank(group);
      const [bestHeld, bestLast] = rank(chosen);
      if (held < bestHeld || (held === bestHeld && last < bestLast)) chosen = group;
    }
    if (chosen === undefined) return false;
    const queue = this.#queues.get(chosen)!;
    const waiter = queue.shift()!;
    if (!queue.length) this.#queues.delete(chosen);
    this.#count(chosen, 1);
    waiter.grant();
    return true;
  }

  #count(group: string, by: 1 | -1): void {
    const held = (this.#held.get(group) ?? 0) + by;
    if (held > 0) this.#held.set(group, held);
    else this.#held.delete(group);
    if (by === 1) this.#lastGrant.set(group, ++this.#grantCount);
  }

  /** A granted slot (already counted for `group`). */
  #slot(group: string): Slot {
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#count(group, -1);
        if (this.#free >= 0 && this.#grantNext()) return;
        this.#free++;
      },
    };
  }
}
