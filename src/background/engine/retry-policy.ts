// When a failed attempt is tried again, and how long the engine waits first. What can happen to
// a transfer, and what the engine does (src/background/engine/transfer.ts runs it):
// - No response at all (server unreachable, network gone): the fetch waits `offline` and is
//   retried with backoff; while `navigator.onLine` is false that wait is unbounded, otherwise it
//   gives up (fetch-error) after `unreachableGiveUpMs`.
// - A transient failure after the server answered (connection reset mid-body, a stall, 429/5xx
//   with Retry-After): it waits `retrying`, retried with backoff (Retry-After when given) at most
//   `maxRetries` times in a row without progress; any stored byte resets that count.
// - Stored bytes that cannot be continued: dropped, and the request starts over (counted as a
//   failure, so a server that never continues cannot loop forever).
import type { RetryInfo } from '../../shared/db';
import type { Switches } from '../switches';
import { TransferFailure } from './failure';

/** Backoff caps: a dead server is probed at least this often, a flaky one retried at most this late. */
const UNREACHABLE_RETRY_CAP_MS = 10_000;
const RETRY_CAP_MS = 30_000;
/** A Retry-After further out than this is not waited for: the record fails with bad-status. */
const RETRY_AFTER_MAX_MS = 10 * 60_000;
/** Statuses retried when the server says when to come back (Retry-After). */
export const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/** A slow connection gave its slot up to a waiting site: queued again, not a failure. */
export class YieldSlot extends Error {}

/** Thrown when stored bytes cannot be continued and the request must start from zero. */
export class RestartFromZero extends Error {}

/** An attempt that failed in a way worth another try. */
export class Transient extends Error {
  constructor(
    /** `unreachable`: no response at all; `retrying`: the server answered, then failed. */
    readonly kind: 'unreachable' | 'retrying',
    message: string,
    readonly retryAfterMs?: number,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** What to do after a failed attempt: try again at once, or wait first and say why. */
export type NextTry = { now: true } | { now: false; delay: number; waiting: 'offline' | 'retrying'; retry?: RetryInfo };

type Limits = Pick<Switches, 'maxRetries' | 'retryBaseMs' | 'unreachableGiveUpMs'>;

/** One request's tries in a row; `next()` throws the TransferFailure that ends them. */
export class RetryPolicy {
  #failures = 0; // transient failures in a row without a stored byte
  #unreachableTries = 0;
  // Time spent waiting for an unreachable server, counted in retry delays rather than by the
  // clock: a computer asleep for a night has not been waiting for the server all that time.
  #unreachableWaited = 0;

  constructor(private readonly url: string) {}

  /** A status asking to come back later may be retried (else it is the final answer). */
  mayRetryStatus({ maxRetries }: Limits): boolean {
    return this.#failures < maxRetries;
  }

  /** The network came back after the browser was offline: the unreachable time starts again. */
  online(): void {
    this.#unreachableWaited = 0;
  }

  /** After an attempt that stored `stored` bytes failed with `error`. */
  next(error: unknown, stored: number, { maxRetries, retryBaseMs, unreachableGiveUpMs }: Limits): NextTry {
    // Gave its slot to another site: straight back into the queue (resumes with Range).
    if (error instanceof YieldSlot) return { now: true };
    if (error instanceof TransferFailure) throw error;
    if (stored > 0) {
      this.#failures = 0;
      this.#unreachableTries = 0;
      this.#unreachableWaited = 0;
    }
    if (error instanceof RestartFromZero) {
      // The caller dropped the stored bytes already.
      if (++this.#failures > maxRetries) throw new TransferFailure('fetch-error', `Gave up restarting ${this.url}`);
      return { now: true };
    }
    const host = hostOf(this.url);
    if (error instanceof Transient && error.kind === 'unreachable') {
      if (!navigator.onLine) return { now: true }; // offline: wait for the network, whatever it takes
      if (this.#unreachableWaited >= unreachableGiveUpMs) {
        throw new TransferFailure('fetch-error', `${this.url} unreachable: ${error.message}`);
      }
      const delay = Math.min(retryBaseMs * 2 ** this.#unreachableTries++, UNREACHABLE_RETRY_CAP_MS);
      this.#unreachableWaited += delay;
      return {
        now: false,
        delay,
        waiting: 'offline',
        retry: { host, attempt: this.#unreachableTries + 1, retryAt: Date.now() + delay },
      };
    }
    if (++this.#failures > maxRetries) throw new TransferFailure('fetch-error', `${this.url}: ${String(error)}`);
    const retryAfter = error instanceof Transient ? error.retryAfterMs : undefined;
    const delay = retryAfter ?? Math.min(retryBaseMs * 2 ** (this.#failures - 1), RETRY_CAP_MS);
    const status = error instanceof Transient ? error.status : undefined;
    return {
      now: false,
      delay,
      waiting: 'retrying',
      retry: { host, attempt: this.#failures + 1, retryAt: Date.now() + delay, ...(status ? { status } : {}) },
    };
  }
}

/** Retry-After in ms (seconds or an HTTP date), if present and not absurdly far away. */
export function retryAfterMs(response: Response): number | undefined {
  const value = response.headers.get('retry-after')?.trim();
  if (!value) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - Date.now();
  if (!Number.isFinite(ms) || ms > RETRY_AFTER_MAX_MS) return undefined;
  return Math.max(0, ms);
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', stop);
    };
    const stop = () => {
      done();
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      done();
      resolve();
    }, ms);
    signal.addEventListener('abort', stop, { once: true });
  });
}

/** A retry delay that ends early when the browser comes back online. */
export function sleepUnlessOnline(ms: number, signal: AbortSignal): Promise<void> {
  const online = new AbortController();
  const wake = () => online.abort();
  globalThis.addEventListener?.('online', wake);
  return sleep(ms, AbortSignal.any([signal, online.signal]))
    .catch((error: unknown) => {
      if (signal.aborted) throw error;
    })
    .finally(() => globalThis.removeEventListener?.('online', wake));
}

export async function waitUntilOnline(signal: AbortSignal): Promise<void> {
  while (!navigator.onLine && !signal.aborted) await sleepUnlessOnline(5000, signal);
  if (signal.aborted) throw signal.reason;
}
