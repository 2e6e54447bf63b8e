// BackgroundFetchEvent and BackgroundFetchUpdateUIEvent, and their dispatch inside the worker.
// The events are synthetic: waitUntil() records each promise and hands it to `extend`, which
// lengthens the life of the real message event that carried the event in.
import type { SwEventType } from '../shared/protocol';
import type { ImageResource, UIOptions } from '../shared/spec';

declare const self: ServiceWorkerGlobalScope;

export const EVENT_TYPES = [
  'backgroundfetchsuccess',
  'backgroundfetchfail',
  'backgroundfetchabort',
  'backgroundfetchclick',
] as const;

interface EventInternals {
  registration: unknown;
  /** Set while the extension dispatches the event; absent for events a script constructed. */
  extend?: (promise: Promise<unknown>) => void;
  dispatching: boolean;
  pending: Promise<unknown>[];
  settling: number;
  allowsUI: boolean;
  ui: Partial<UIOptions> | null;
}

const invalidState = (message: string) => new DOMException(message, 'InvalidStateError');

export function createEventInterfaces() {
  const internals = new WeakMap<object, EventInternals>();
  const internalsOf = (event: object) => {
    const found = internals.get(event);
    if (!found) throw new TypeError('Illegal invocation');
    return found;
  };
  const isActive = (state: EventInternals) => state.dispatching || state.settling > 0;

  class BackgroundFetchEvent extends ExtendableEvent {
    constructor(type: string, init: ExtendableEventInit & { registration: unknown }) {
      if (arguments.length < 2 || !init?.registration) {
        throw new TypeError("BackgroundFetchEvent needs an init dictionary with a 'registration'.");
      }
      super(type, init);
      internals.set(this, {
        registration: init.registration,
        dispatching: false,
        pending: [],
        settling: 0,
        allowsUI: false,
        ui: null,
      });
    }
    get registration() {
      return internalsOf(this).registration;
    }
    override waitUntil(promise: Promise<unknown>): void {
      const state = internalsOf(this);
      if (!state.extend) return super.waitUntil(promise);
      if (!isActive(state)) throw invalidState('waitUntil() was called after the event finished.');
      state.settling++;
      const settled = Promise.resolve(promise).finally(() => state.settling--);
      state.pending.push(settled);
      state.extend(settled);
    }
  }

  class BackgroundFetchUpdateUIEvent extends BackgroundFetchEvent {
    // Spelled out so that `length` is 2, as the IDL's constructor (a derived default one has 0).
    constructor(type: string, init: ExtendableEventInit & { registration: unknown }) {
      super(type, init);
    }
    // The rest parameter keeps `length` at 0: the argument is optional.
    async updateUI(...[options]: [Partial<UIOptions>?]): Promise<void> {
      const state = internalsOf(this);
      if (!state.allowsUI)
        throw invalidState('updateUI() is only available in backgroundfetchsuccess and backgroundfetchfail.');
      if (state.ui) throw invalidState('updateUI() may be called only once.');
      if (!isActive(state)) throw invalidState('updateUI() was called after the event finished.');
      const ui: Partial<UIOptions> = {};
      if (options?.title !== undefined) ui.title = String(options.title);
      if (options?.icons !== undefined) {
        ui.icons = [...options.icons].map((icon): ImageResource => ({
          src: new URL(String(icon.src), self.location.href).href,
          sizes: String(icon.sizes ?? ''),
          type: String(icon.type ?? ''),
        }));
      }
      state.ui = ui;
    }
  }

  /** Runs the site's handlers; resolves with what updateUI() asked for once every waitUntil settled. */
  async function dispatch(
    type: SwEventType,
    registration: unknown,
    extend: (promise: Promise<unknown>) => void,
  ): Promise<Partial<UIOptions> | null> {
    const name = `backgroundfetch${type}`;
    // Chromium dispatches abort as an update-UI event too; its updateUI() then rejects.
    const event =
      type === 'click'
        ? new BackgroundFetchEvent(name, { registration })
        : new BackgroundFetchUpdateUIEvent(name, { registration });
    const state = internalsOf(event);
    state.extend = extend;
    state.allowsUI = type === 'success' || type === 'fail';
    state.dispatching = true;
    try {
      self.dispatchEvent(event);
    } finally {
      state.dispatching = false;
    }
    while (state.pending.length) await Promise.allSettled(state.pending.splice(0));
    return state.ui;
  }

  return { BackgroundFetchEvent, BackgroundFetchUpdateUIEvent, dispatch };
}
