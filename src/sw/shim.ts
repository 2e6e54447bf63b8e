// The service-worker shim: what the spec gives a service worker, inside a site's own worker.
// Firefox gets it prepended to every service-worker script (src/background/injection/sw-inject.ts); sites
// elsewhere opt in with one importScripts() line. Inert where the extension is absent: nothing
// here runs until an event arrives or the site calls the API.
import { SHIM_EVENT } from '../shared/channels';
import type { ShimEventMessage, ShimEventReply } from '../shared/protocol';
import { portChannel, type Channel } from '../api/channel';
import { exposeInterfaces } from '../api/expose';
import { createInterfaces } from '../api/interfaces';
import { clientChannel } from './channel';
import { createEventInterfaces, EVENT_TYPES } from './events';
import { dispatchOnce, indexedDbLedger, type DispatchOutcome } from './once';
import { openWindowDuringClicks } from './open-window';
import { relayWorkerPorts } from './worker-relay';

declare const self: ServiceWorkerGlobalScope & Record<string, unknown>;

const INSTALLED = Symbol.for('bgfetch.sw-shim');

if (typeof ServiceWorkerGlobalScope === 'function' && !(INSTALLED in self)) {
  Object.defineProperty(self, INSTALLED, { value: true });
  const base = () => self.location.href;
  const { dispatch, ...eventInterfaces } = createEventInterfaces();
  const hasListener = trackListeners();
  // One set of interfaces for the worker: an event's registration is the same object (and an
  // instance of the same exposed class) as the one the worker's own calls give.
  const { channel, during, rebind } = eventRouting(clientChannel());
  const once = dispatchOnce(indexedDbLedger());
  const clickRunning = openWindowDuringClicks();
  const api = createInterfaces(channel, base);
  // Where the browser has its own API (Chromium), the opt-in import leaves it in place and only
  // dispatches the events of fetches the site made through bgfetch.
  if (!('BackgroundFetchManager' in self)) installApi(api, eventInterfaces);
  // The site's dedicated and shared workers reach the extension through this worker (Firefox).
  relayWorkerPorts();

  self.addEventListener('message', (message: ExtendableMessageEvent) => {
    const data = message.data as ShimEventMessage | undefined;
    const port = message.ports[0];
    if (data?.type !== SHIM_EVENT || !port) return;
    message.stopImmediatePropagation();
    const reply = (value: ShimEventReply) => port.postMessage(value);
    reply({ type: 'bgfetch:sw-event-received' });
    const run = async (): Promise<DispatchOutcome> => {
      // This event's registration reads records through the port the bridge sent with it.
      const { settled, end } = during(data.snapshot.key, port);
      const registration = api.registrationFor(data.scope, data.snapshot);
      const clickEnded = data.event === 'click' ? clickRunning() : undefined;
      // A synthetic event cannot extend the worker's life; the real message event that carried it can.
      const ui = await dispatch(data.event, registration, (promise) => message.waitUntil(promise)).finally(clickEnded);
      // Calls the handlers began without waitUntil() finish before the bridge closes the port
      // and the extension releases the bodies (Chromium answers them too).
      await settled();
      // The extension makes the records unavailable once the handlers ran (spec: "When it settles").
      if (data.event !== 'click') api.registrationFor(data.scope, { ...data.snapshot, recordsAvailable: false });
      end();
      return { ui, listened: hasListener(`backgroundfetch${data.event}`) };
    };
    // The same event delivered again (the background stopped before it heard the outcome) runs
    // no handler a second time: it gets the first dispatch's outcome, and a dispatch still
    // running here makes its calls through the new delivery's port (the old one's end is gone).
    const token = typeof data.token === 'string' && data.token.length <= 512 ? data.token : undefined;
    const { outcome, shared } = token ? once(token, run) : { outcome: run(), shared: false };
    if (shared) rebind(data.snapshot.key, port);
    message.waitUntil(outcome.then(({ ui, listened }) => reply({ type: 'bgfetch:sw-event-done', ui, listened })));
  });
}

/**
 * Whether the site's worker listens for an event type. The extension releases its copy of the
 * bodies only after a handler ran; listeners added before this shim loaded (an opt-in import
 * placed late) go unseen, which keeps the bodies: the safe side.
 */
function trackListeners(): (type: string) => boolean {
  const listeners = new Map<string, Set<unknown>>();
  const add = self.addEventListener;
  const remove = self.removeEventListener;
  const tracked = (type: unknown) => typeof type === 'string' && (EVENT_TYPES as readonly string[]).includes(type);
  self.addEventListener = function (this: unknown, ...args: Parameters<typeof add>) {
    const [type, listener] = args;
    if (listener && tracked(type)) {
      if (!listeners.has(type)) listeners.set(type, new Set());
      listeners.get(type)!.add(listener);
    }
    return add.apply(this, args);
  } as typeof add;
  self.removeEventListener = function (this: unknown, ...args: Parameters<typeof remove>) {
    if (tracked(args[0])) listeners.get(args[0])?.delete(args[1]);
    return remove.apply(this, args);
  } as typeof remove;
  return (type) => Boolean(listeners.get(type)?.size) || typeof self[`on${type}`] === 'function';
}

function installApi(
  { interfaces, managerFor }: ReturnType<typeof createInterfaces>,
  eventInterfaces: Omit<ReturnType<typeof createEventInterfaces>, 'dispatch'>,
): void {
  exposeInterfaces({ ...interfaces, ...eventInterfaces }, managerFor);

  // onbackgroundfetch* handler attributes; a module's imports may already have assigned one.
  for (const type of EVENT_TYPES) {
    const attribute = `on${type}`;
    let handler: EventListener | null = null;
    const assigned = self[attribute];
    // An object literal's accessors are named `get onbackgroundfetch…` as WebIDL's; on a [Global]
    // interface they take only the global (or no `this`, which means it).
    const onlySelf = (that: unknown) => {
      if (that != null && that !== self) throw new TypeError('Illegal invocation');
    };
    Object.defineProperties(
      self,
      Object.getOwnPropertyDescriptors({
        get [attribute]() {
          onlySelf(this);
          return handler;
        },
        set [attribute](value: unknown) {
          onlySelf(this);
          if (handler) self.removeEventListener(type, handler);
          handler = typeof value === 'function' ? (value as EventListener) : null;
          if (handler) self.addEventListener(type, handler);
        },
      }),
    );
    if (typeof assigned === 'function') self[attribute] = assigned;
  }
}

/** How long one call over an event's port may take: a fetch that settled answers within seconds. */
const EVENT_CALL_MS = 30_000;
/** Quiet time after the last call before the event counts as done: a body read pauses between calls. */
const EVENT_QUIET_MS = 300;
/** At most this long (Chromium's event timeout) is waited for calls after the handlers returned. */
const EVENT_CALLS_MAX_MS = 5 * 60_000;

/**
 * The worker's channel: calls about a fetch whose event is being delivered go through the port
 * the bridge sent with the event (no window needed), all others through a window of the site.
 */
function eventRouting(client: Channel) {
  const ports = new Map<string, { channel: Channel; inFlight: Set<Promise<unknown>>; lastCall: number }>();
  const channel: Channel = {
    call(request) {
      const route = 'key' in request ? ports.get(request.key) : undefined;
      if (!route) return client.call(request);
      route.lastCall = Date.now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const call = Promise.race([
        route.channel.call(request),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new TypeError('The bgfetch extension did not answer.')), EVENT_CALL_MS);
        }),
      ]).finally(() => {
        clearTimeout(timer);
        route.inFlight.delete(call);
        route.lastCall = Date.now();
      });
      route.inFlight.add(call);
      return call;
    },
    watch(scope, key, onProgress) {
      (ports.get(key)?.channel ?? client).watch(scope, key, onProgress);
    },
    unwatch(key) {
      ports.get(key)?.channel.unwatch(key);
      client.unwatch(key);
    },
  };
  const during = (key: string, port: MessagePort) => {
    const route = { channel: portChannel(() => port), inFlight: new Set<Promise<unknown>>(), lastCall: Date.now() };
    ports.set(key, route);
    return {
      async settled() {
        const giveUp = Date.now() + EVENT_CALLS_MAX_MS;
        while (Date.now() < giveUp) {
          if (route.inFlight.size) await Promise.race([Promise.allSettled([...route.inFlight]), sleep(1000)]);
          else if (Date.now() - route.lastCall >= EVENT_QUIET_MS) return;
          else await sleep(EVENT_QUIET_MS);
        }
      },
      end() {
        if (ports.get(key) === route) ports.delete(key);
      },
    };
  };
  /** A later delivery of the same event: the running dispatch's calls go through its port. */
  const rebind = (key: string, port: MessagePort) => {
    const route = ports.get(key);
    if (route) route.channel = portChannel(() => port);
  };
  return { channel, during, rebind };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
