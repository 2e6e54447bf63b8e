// Bounds how many connections transfers open at once, across every fetch. First come, first
// served: a released slot goes straight to the longest waiter, so one busy fetch cannot keep
// re-taking slots while another fetch of the site waits.
export interface Slot {
  release(): void;
}

interface Waiter {
  grant(): void;
}

export class Semaphore {
  #free: number;
  #waiting: Waiter[] = [];

  constructor(size: number) {
    this.#free = size;
  }

  /** Resolves to a slot, or to undefined if `signal` aborts first. */
  async acquire(signal: AbortSignal): Promise<Slot | undefined> {
    if (signal.aborted) return undefined;
    if (this.#free > 0 && this.#waiting.length === 0) {
      this.#free--;
      return this.#slot();
    }
    const granted = await new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(true);
        },
      };
      const onAbort = () => {
        this.#waiting = this.#waiting.filter((entry) => entry !== waiter);
        resolve(false);
      };
      this.#waiting.push(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    return granted ? this.#slot() : undefined;
  }

  #slot(): Slot {
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const next = this.#waiting.shift();
        if (next) next.grant();
        else this.#free++;
      },
    };
  }
}
