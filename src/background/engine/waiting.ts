// Why a running fetch moves no byte, as the popup shows it: each of its requests may wait for the
// network (`offline`) or for its next try (`retrying`); the fetch waits `offline` if one of them
// does, else `retrying` if one does. Written through the lifecycle (wait), in order.
import type { RetryInfo } from '../../shared/db';
import { wait } from '../state/lifecycle';

type Why = 'offline' | 'retrying';

export class WaitingState {
  readonly #byRecord = new Map<number, Why>();
  #written: Why | null;
  #writes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly regKey: string,
    initial: Why | null,
  ) {
    this.#written = initial;
  }

  /** `retry`: what the popup says about the wait (written at every retry, not only on a change). */
  set(index: number, state: Why | null, retry?: RetryInfo): void {
    if (state) this.#byRecord.set(index, state);
    else if (!this.#byRecord.delete(index)) return;
    const states = [...this.#byRecord.values()];
    const next = states.includes('offline') ? 'offline' : states.length ? 'retrying' : null;
    if (next === this.#written && !retry) return;
    this.#written = next;
    this.#writes = this.#writes.then(() => wait(this.regKey, next, next ? retry : undefined)).catch(() => undefined);
  }

  /** Clears the state and waits until the store says so. */
  async clear(): Promise<void> {
    this.#byRecord.clear();
    if (this.#written !== null) {
      this.#written = null;
      this.#writes = this.#writes.then(() => wait(this.regKey, null));
    }
    await this.#writes.catch(() => undefined);
  }
}
