// Firefox suspends the event page after its idle timeout even while a fetch() streams; an
// extension API call every second resets that timer (see TESTING.md), as it extends a Chromium
// service worker's lifetime. Held only while transfers run.
import browser from 'webextension-polyfill';

const PING_MS = 1000;
let holders = 0;
let timer: ReturnType<typeof setInterval> | undefined;

export function holdAlive(): () => void {
  holders++;
  timer ??= setInterval(() => void browser.runtime.getPlatformInfo(), PING_MS);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

/** Lets tests show that resumption works when the background is stopped anyway. */
export function keepAliveHeld(): boolean {
  return holders > 0;
}
