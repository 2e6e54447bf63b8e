// The service-worker shim: what the spec gives a service worker, inside a site's own worker.
// Firefox gets it prepended to every service-worker script (src/background/sw-inject.ts); sites
// elsewhere opt in with one importScripts() line. Inert where the extension is absent: nothing
// here runs until an event arrives or the site calls the API.
import { SHIM_EVENT } from '../shared/channels';
import type { ShimEventMessage, ShimEventReply } from '../shared/protocol';
import { portChannel } from '../content/page/channel';
import { exposeInterfaces } from '../content/page/expose';
import { createInterfaces } from '../content/page/interfaces';
import { clientChannel } from './channel';
import { createEventInterfaces, EVENT_TYPES } from './events';

declare const self: ServiceWorkerGlobalScope & Record<string, unknown>;

const INSTALLED = Symbol.for('bgfetch.sw-shim');

if (typeof ServiceWorkerGlobalScope === 'function' && !(INSTALLED in self)) {
  Object.defineProperty(self, INSTALLED, { value: true });
  const base = () => self.location.href;
  const { dispatch, ...eventInterfaces } = createEventInterfaces();
  const hasListener = trackListeners();
  // Where the browser has its own API (Chromium), the opt-in import leaves it in place and only
  // dispatches the events of fetches the site made through bgfetch.
  if (!('BackgroundFetchManager' in self)) installApi(createInterfaces(clientChannel(), base), eventInterfaces);

  self.addEventListener('message', (message: ExtendableMessageEvent) => {
    const data = message.data as ShimEventMessage | undefined;
    const port = message.ports[0];
    if (data?.type !== SHIM_EVENT || !port) return;
    message.stopImmediatePropagation();
    const reply = (value: ShimEventReply) => port.postMessage(value);
    reply({ type: 'bgfetch:sw-event-received' });
    // This event's registration reads records through the port the bridge sent with it.
    const { registrationFor } = createInterfaces(portChannel(() => port), base);
    const registration = registrationFor(data.scope, data.snapshot);
    // A synthetic event cannot extend the worker's life; the real message event that carried it can.
    message.waitUntil(
      dispatch(data.event, registration, (promise) => message.waitUntil(promise)).then((ui) =>
        reply({ type: 'bgfetch:sw-event-done', ui, listened: hasListener(`backgroundfetch${data.event}`) }),
      ),
    );
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
    Object.defineProperty(self, attribute, {
      configurable: true,
      enumerable: true,
      get: () => handler,
      set(value: unknown) {
        if (handler) self.removeEventListener(type, handler);
        handler = typeof value === 'function' ? (value as EventListener) : null;
        if (handler) self.addEventListener(type, handler);
      },
    });
    if (typeof assigned === 'function') self[attribute] = assigned;
  }
}
