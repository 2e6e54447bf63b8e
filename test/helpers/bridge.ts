// Talking to the bridge the way page.iife.ts does, minus the page API's own checks (attack tests).
import type { Page } from 'puppeteer-core';

/**
 * Runs in the page: sends `requests` straight at the bridge (as page.iife.ts does, without the
 * page API's checks) and returns each reply, or "timeout" when none came within `timeoutMs`.
 */
export async function rawBridge(requests: unknown[], timeoutMs = 10_000): Promise<unknown[]> {
  // As the page API finds the bridge (bridgePort in src/api/channel.ts): offered ports
  // until one is acknowledged, the site's worker checked for updates (Firefox injects the bridge
  // then) if none was at once. Without a bridge, the first port stays and the replies time out.
  // (No named inner functions: this runs in the page, without the compiler's helpers.)
  const port1 = await new Promise<MessagePort>((resolve) => {
    const offered: MessagePort[] = [];
    const started = Date.now();
    const timer = setInterval(() => {
      if (offered.length === 2) {
        void navigator.serviceWorker
          ?.getRegistrations()
          .then((all) => all.forEach((r) => void r.update().catch(() => undefined)));
      }
      if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        resolve(offered[0]!);
        return;
      }
      const channel = new MessageChannel();
      offered.push(channel.port1);
      channel.port1.onmessage = ({ data }) => {
        if (data?.type !== 'ack') return;
        clearInterval(timer);
        resolve(channel.port1);
      };
      window.postMessage({ type: 'bgfetch:connect' }, '/', [channel.port2]);
    }, 100);
  });
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

/**
 * Chromium: evaluates `expression` in the extension's content-script world of `page`'s main
 * frame, as a compromised content script could (it may message every extension context).
 */
export async function evaluateInContentScript(page: Page, extensionBase: string, expression: string): Promise<unknown> {
  const session = await page.createCDPSession();
  try {
    const contexts: { id: number; origin: string; auxData?: { type?: string; frameId?: string } }[] = [];
    session.on('Runtime.executionContextCreated', ({ context }) => contexts.push(context));
    await session.send('Runtime.enable');
    const { frameTree } = await session.send('Page.getFrameTree');
    const frameId = frameTree.frame.id;
    const world = contexts.find(
      (context) =>
        context.auxData?.type === 'isolated' &&
        context.auxData.frameId === frameId &&
        `${context.origin}/` === extensionBase,
    );
    if (!world) throw new Error('no content-script world in the page');
    const { result, exceptionDetails } = await session.send('Runtime.evaluate', {
      contextId: world.id,
      expression,
      awaitPromise: true,
      returnByValue: true,
    });
    if (exceptionDetails)
      throw new Error(
        `content-script evaluation failed: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`,
      );
    return result.value;
  } finally {
    await session.detach().catch(() => undefined);
  }
}
