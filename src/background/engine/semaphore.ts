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
  #size: number;
  /** Below zero after a shrink: slots in use beyond the new size retire as they are released. */
  #free: number;
  #waiting: Waiter[] = [];

  constructor(size: number) {
    this.#size = size;
    this.#free = size;
  }

  /** Changes how many slots exist; slots in use are never taken back. */
  resize(size: number): void {
    this.#free += size - this.#size;
    this.#size = size;
    while (this.#free > 0 && this.#waiting.length) {
      this.#free--;
      this.#waiting.shift()!.grant();
    }
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
        if (this.#free >= 0 && this.#waiting.length) this.#waiting.shift()!.grant();
        else this.#free++;
      },
    };
  }
}
