// Bounds how many connections transfers open at once, across every fetch.
export interface Slot {
  release(): void;
}

export class Semaphore {
  #free: number;
  #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#free = size;
  }

  /** Resolves to a slot, or to undefined if `signal` aborts first. */
  async acquire(signal: AbortSignal): Promise<Slot | undefined> {
    while (this.#free === 0) {
      if (signal.aborted) return undefined;
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal.removeEventListener('abort', wake);
          this.#waiting = this.#waiting.filter((entry) => entry !== wake);
          resolve();
        };
        this.#waiting.push(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
    if (signal.aborted) return undefined;
    this.#free--;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#free++;
        this.#waiting[0]?.();
      },
    };
  }
}
