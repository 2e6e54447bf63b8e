// Readers of a fetch (responseReady, body streams) wait here for its next change: a response
// head, a stored chunk, a settled record.
const changes = new EventTarget();

export function announceChange(regKey: string): void {
  changes.dispatchEvent(new Event(regKey));
}

export function waitForChange(regKey: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      changes.removeEventListener(regKey, done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    changes.addEventListener(regKey, done);
  });
}
