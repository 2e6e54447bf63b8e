// The bridge's working part, loaded by bridge.iife.ts (which every page carries) only when a page
// hands it a port or a service-worker event must reach the site's worker. It relays the page
// API's requests and watches (and those of the site's service-worker shim, which reaches the
// extension through its windows) and adds nothing the page claims: the background learns the
// caller from the browser.
import type { Runtime } from 'webextension-polyfill';
import { EVENTS_PORT, PAGE_CHANNEL, SHIM_EVENT } from '../shared/channels';
import type {
  BridgeToPage,
  DeliverEvent,
  DeliveryOutcome,
  ShimEventMessage,
  ShimEventReply,
  PagePortPush,
  PageToBridge,
  Reply,
} from '../shared/protocol';

// The polyfill is not needed for the two calls made here.
const ext = ((globalThis as { browser?: unknown }).browser ?? (globalThis as { chrome?: unknown }).chrome) as {
  runtime: {
    sendMessage(message: unknown): Promise<unknown>;
    connect(info: { name: string }): Runtime.Port;
  };
};

const pagePorts = new Set<MessagePort>();
const watches = new Map<string, { scope: string; ports: Set<MessagePort> }>();
let eventsPort: Runtime.Port | undefined;

/** How long a worker running the shim takes at most to say it got the event. */
const RECEIPT_MS = 5000;
/** The longest an event may run once received: its handlers' time, then the calls they began. */
const EVENT_MAX_MS = 11 * 60_000;

export async function deliverToWorker({ scope, event, snapshot, token }: DeliverEvent): Promise<DeliveryOutcome> {
  const registration = await navigator.serviceWorker?.getRegistration(scope);
  const worker = registration?.scope === scope ? registration.active : null;
  if (!worker) return { outcome: 'no-worker' };
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    const finish = (outcome: DeliveryOutcome) => {
      clearTimeout(noShim);
      clearTimeout(gaveUp);
      resolve(outcome);
      port1.close();
      pagePorts.delete(port1);
    };
    const noShim = setTimeout(() => finish({ outcome: 'no-shim' }), RECEIPT_MS);
    let gaveUp: ReturnType<typeof setTimeout> | undefined;
    servePage(port1, (reply) => {
      if (reply.type === 'bgfetch:sw-event-received') {
        clearTimeout(noShim);
        // A worker stopped mid-event never says it is done: the event counts as handled after
        // Chromium's event timeout, with the bodies kept (nobody said they were taken).
        gaveUp = setTimeout(() => finish({ outcome: 'handled', ui: null, listened: false }), EVENT_MAX_MS);
      } else {
        // The shim says so only once the calls its handlers began have been answered.
        finish({ outcome: 'handled', ui: reply.ui, listened: reply.listened === true });
      }
    });
    const message: ShimEventMessage = { type: SHIM_EVENT, scope, event, snapshot, token };
    worker.postMessage(message, [port2]);
  });
}

/** A port the page API (or a site's worker) handed the bridge: acknowledged, then served. */
export function acceptPage(port: MessagePort): void {
  post(port, { type: 'ack' });
  servePage(port);
}

export function servePage(port: MessagePort, onShimReply?: (reply: ShimEventReply) => void): void {
  pagePorts.add(port);
  port.onmessage = ({ data }: MessageEvent<PageToBridge>) => {
    // Re-created here so nothing but plain data of the page's making goes on.
    const message = structuredClone(data);
    if (typeof message !== 'object' || message === null) return;
    if ('type' in message && String(message.type).startsWith('bgfetch:sw-event-')) {
      onShimReply?.(message as ShimEventReply);
    } else if ('rid' in message) {
      void relay(message.request).then((reply) => post(port, { rid: message.rid, reply }));
    } else if (message.type === 'watch') {
      const entry = watches.get(message.key) ?? { scope: message.scope, ports: new Set() };
      entry.ports.add(port);
      watches.set(message.key, entry);
      events().postMessage(message);
    } else if (message.type === 'unwatch') {
      watches.get(message.key)?.ports.delete(port);
      if (!watches.get(message.key)?.ports.size) {
        watches.delete(message.key);
        eventsPort?.postMessage(message);
      }
    }
  };
}

const post = (port: MessagePort, message: BridgeToPage) => port.postMessage(message);

async function relay(request: Extract<PageToBridge, { rid: number }>['request']): Promise<Reply<unknown>> {
  if (!withinSize(request)) {
    return { ok: false, error: { name: 'TypeError', message: 'The message is too large or too deeply nested.' } };
  }
  // The background may be starting up (or restarting): try again briefly before giving up.
  for (let attempt = 0; ; attempt++) {
    try {
      // Firefox reports no `sender.origin`: the relay (extension code, not the page) says when this
      // document's origin is opaque, so a sandboxed document never acts as its URL's origin.
      const opaque = self.origin === 'null';
      // The document's <meta> CSP, which the background cannot see (header policies it records).
      const metaCsp =
        request.type === 'fetch'
          ? [...document.querySelectorAll('head meta[http-equiv="content-security-policy" i]')].map(
              (meta) => meta.getAttribute('content') ?? '',
            )
          : undefined;
      const reply = (await ext.runtime.sendMessage({ channel: PAGE_CHANNEL, request, opaque, metaCsp })) as
        Reply<unknown> | undefined;
      if (!reply) throw new Error('no reply');
      return reply;
    } catch (error) {
      if (attempt >= 4) {
        return { ok: false, error: { name: 'TypeError', message: `bgfetch is not reachable: ${String(error)}` } };
      }
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
    }
  }
}

/**
 * A page's small object graph can hold the same object many times over: messaging keeps the
 * sharing, but validating it walks every path, which can be endless and would hang the
 * background. Count values path by path, up to a bound.
 */
const MAX_VALUES = 2_000_000;
function withinSize(value: unknown): boolean {
  const stack = [value];
  for (let seen = 0; stack.length; seen++) {
    if (seen > MAX_VALUES) return false;
    const next = stack.pop();
    if (typeof next === 'object' && next !== null && !ArrayBuffer.isView(next)) stack.push(...Object.values(next));
  }
  return true;
}

/** Progress comes over a long-lived port, reopened (and the watches renewed) if the background restarts. */
function events(): Runtime.Port {
  if (eventsPort) return eventsPort;
  const port = ext.runtime.connect({ name: EVENTS_PORT });
  eventsPort = port;
  port.onMessage.addListener((push: unknown) => {
    const message = push as PagePortPush;
    for (const pagePort of watches.get(message.snapshot.key)?.ports ?? []) post(pagePort, message);
  });
  port.onDisconnect.addListener(() => {
    eventsPort = undefined;
    if (watches.size) {
      setTimeout(() => {
        for (const [key, { scope }] of watches) events().postMessage({ type: 'watch', scope, key });
      }, 250);
    }
  });
  return port;
}
