// Talking to the bridge the way page.iife.ts does, minus the page API's own checks (attack tests).

/**
 * Runs in the page: sends `requests` straight at the bridge (as page.iife.ts does, without the
 * page API's checks) and returns each reply, or "timeout" when none came within `timeoutMs`.
 */
export async function rawBridge(requests: unknown[], timeoutMs = 10_000): Promise<unknown[]> {
  const { port1, port2 } = new MessageChannel();
  window.postMessage({ type: 'bgfetch:connect' }, '/', [port2]);
  const pending = new Map<number, (reply: unknown) => void>();
  port1.onmessage = ({ data }) => {
    if (data && typeof data === 'object' && 'rid' in data) pending.get(data.rid)?.(data.reply);
  };
  const replies = await Promise.all(
    requests.map(
      (request, rid) =>
        new Promise<unknown>((resolve) => {
          const timer = setTimeout(() => resolve('timeout'), timeoutMs);
          pending.set(rid, (reply) => {
            clearTimeout(timer);
            resolve(reply);
          });
          try {
            port1.postMessage({ rid, request });
          } catch (error) {
            clearTimeout(timer);
            resolve({ unsent: (error as Error).name });
          }
        }),
    ),
  );
  port1.close();
  return replies;
}

