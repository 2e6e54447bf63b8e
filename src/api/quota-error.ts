// QuotaExceededError as the current WebIDL defines it: a DOMException subclass with `quota` and
// `requested` (null where unknown). Where the browser has no such interface, one is built on the
// first quota error (not before: every page carries this file) and put on the global. Kept to
// the least: its constructor does not check the numbers (RangeError) as the native one does.
import type { QuotaDetails } from '../shared/spec';
import { exposeInterface } from './expose';

export const NAME = 'QuotaExceededError';

type QuotaErrorConstructor = new (message?: string, options?: QuotaDetails) => DOMException;

/** Read before the page's scripts run, so that a page's own global of that name is never used. */
let QuotaError = (globalThis as { QuotaExceededError?: QuotaErrorConstructor }).QuotaExceededError;

export const quotaExceededError = (message: string, details: QuotaDetails): DOMException =>
  new (QuotaError ??= supplyQuotaExceededError())(message, details);

function supplyQuotaExceededError(): QuotaErrorConstructor {
  class QuotaExceededError extends DOMException {
    readonly #quota: number | null;
    readonly #requested: number | null;
    constructor(message = '', options?: QuotaDetails) {
      super(message, NAME);
      this.#quota = options?.quota ?? null;
      this.#requested = options?.requested ?? null;
    }
    get quota() {
      return this.#quota;
    }
    get requested() {
      return this.#requested;
    }
  }
  // Non-enumerable on the global, enumerable attributes, its own tag: as WebIDL defines them.
  exposeInterface(NAME, QuotaExceededError);
  return QuotaExceededError;
}
