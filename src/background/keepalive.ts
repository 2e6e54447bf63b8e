// Keeping the background alive while transfers run, and bringing it back when it is stopped
// anyway.
//
// Firefox suspends the event page after its idle timeout even while a fetch() streams; an
// extension API call every second resets that timer (see TESTING.md), as it extends a Chromium
// service worker's lifetime. Held only while transfers run.
//
// Should the background be stopped regardless (memory pressure, a crash, a browser that ignores
// the ping), nothing would start it again until some event arrives: a repeating alarm, set while
// transfers run, is that event. Its listener, like the one for browser start-up, resumes every
// active fetch (resumption itself lives in transfer.ts; index.ts connects the two).
import browser from 'webextension-polyfill';
import { loadSwitches, onSwitchesChanged, switches } from './switches';

const PING_MS = 1000;
export const WAKE_ALARM = 'bgfetch:resume-transfers';

let holders = 0;
let timer: ReturnType<typeof setInterval> | undefined;

function ping(): void {
  if (!switches().keepAlive) return; // test switch: let the idle timeout stop the background
  void browser.runtime.getPlatformInfo().catch(() => undefined);
}

export function holdAlive(): () => void {
  holders++;
  if (timer === undefined) {
    timer = setInterval(ping, PING_MS);
    void setWakeAlarm();
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
      void browser.alarms?.clear(WAKE_ALARM).catch(() => undefined);
    }
  };
}

async function setWakeAlarm(): Promise<void> {
  if (!browser.alarms) return;
  const { wakeMinutes } = await loadSwitches();
  if (holders === 0) return;
  const existing = await browser.alarms.get(WAKE_ALARM).catch(() => undefined);
  // Re-creating a repeating alarm on every start would push its next firing back each time.
  if (existing?.periodInMinutes === wakeMinutes) return;
  await browser.alarms.create(WAKE_ALARM, { delayInMinutes: wakeMinutes, periodInMinutes: wakeMinutes });
}

onSwitchesChanged(() => {
  if (holders > 0) void setWakeAlarm();
});

/** Lets tests show that resumption works when the background is stopped anyway. */
export function keepAliveHeld(): boolean {
  return holders > 0 && switches().keepAlive;
}

/**
 * Call once, synchronously, while the background script starts (an event page is only woken for
 * listeners added then): `resume` runs when the wake alarm fires and when the browser starts.
 */
export function startResumingOnWake(resume: () => void): void {
  browser.alarms?.onAlarm.addListener((alarm) => {
    if (alarm.name === WAKE_ALARM) resume();
  });
  browser.runtime.onStartup?.addListener(resume);
}
