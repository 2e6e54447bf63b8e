// Why a record (and so its registration) failed, as the spec names it.
import type { BackgroundFetchFailureReason } from '../../shared/spec';

/** A record that cannot succeed; the registration fails with `reason`. */
export class TransferFailure extends Error {
  constructor(
    readonly reason: Exclude<BackgroundFetchFailureReason, '' | 'aborted'>,
    message: string,
  ) {
    super(message);
  }
}
