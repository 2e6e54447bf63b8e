// A worker's calls to the extension go through a window of the site that may go away at any
// time: no call waits forever, and one left unanswered drops the line so the next reconnects.
import type { Channel } from '../api/channel';

/** Long polls (responseHead, readBody) answer within 10 s; a call unanswered for this long lost its line. */
const CALL_TIMEOUT_MS = 30_000;

export interface Line {
  /** The current channel, connecting one when there is none (may reject: no way through). */
  connected(): Channel | Promise<Channel>;
  /** The channel in use, if any. */
  current(): Channel | undefined;
  /** Drops `channel` if it is still the one in use. */
  drop(channel: Channel): void;
}

export function boundedChannel(line: Line): Channel {
  return {
    async call(request) {
      const channel = await line.connected();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          line.drop(channel);
          reject(new TypeError('The bgfetch extension did not answer.'));
        }, CALL_TIMEOUT_MS);
      });
      try {
        return await Promise.race([channel.call(request), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    watch(scope, key, onProgress) {
      void Promise.resolve()
        .then(() => line.connected())
        .then(
          (channel) => channel.watch(scope, key, onProgress),
          () => undefined,
        );
    },
    unwatch(key) {
      line.current()?.unwatch(key);
    },
  };
}
