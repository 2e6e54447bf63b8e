// A private window's fetches live in the background's memory only, so a private window's popup
// asks for them (every second: the memory store has no push channel to the popup) instead of
// reading the store. A normal window's popup never asks, so it never shows them.
import { useEffect, useState } from 'preact/hooks';
import browser from 'webextension-polyfill';
import type { AdminReplies } from '../shared/protocol';
import { command } from './data';

const POLL_MS = 1000;

/** The answer to `type`, asked again every second, only while this popup's window is private. */
export function usePrivateSession<T extends 'admin.privateWaiting' | 'admin.privateFetches'>(type: T): AdminReplies[T] {
  const [answer, setAnswer] = useState<AdminReplies[T]>([]);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const poll = async () => {
      // Both messages carry no fields ({}); a generic T hides that from the checker.
      const reply = await command(type, {} as never).catch((): AdminReplies[T] => []);
      if (stopped) return;
      setAnswer((before) => (JSON.stringify(before) === JSON.stringify(reply) ? before : reply));
      timer = setTimeout(() => void poll(), POLL_MS);
    };
    void browser.windows
      ?.getCurrent()
      .then((current) => (current.incognito ? poll() : undefined))
      .catch(() => undefined);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [type]);
  return answer;
}
