// BackgroundFetchManager, BackgroundFetchRegistration and BackgroundFetchRecord as the spec's IDL
// shapes them. Shared by the page API and the service-worker shim: only the Channel and the base
// URL differ. Kept small: this ships in every page.
import type {
  CacheQueryOptions,
  FetchOptions,
  ImageResource,
  OutgoingRequest,
  RecordInfo,
  RegistrationSnapshot,
  SerializedRequest,
} from '../shared/spec';
import type { Channel } from './channel';

/** What createInterfaces builds, by name (page.iife.ts stands in for them before they are built). */
export const INTERFACE_NAMES = ['BackgroundFetchManager', 'BackgroundFetchRegistration', 'BackgroundFetchRecord'] as const;

const illegalConstructor = () => new TypeError('Illegal constructor');
// Nothing is built at load: every page runs this file's top level (see exposeInterfacesLazily).
const NULL_BODY_STATUSES = [101, 103, 204, 205, 304];

interface RegistrationInternals {
  scope: string;
  state: RegistrationSnapshot;
  onprogress: EventListener | null;
}
interface RecordInternals {
  scope: string;
  key: string;
  info: RecordInfo;
  request?: Request;
  ready?: Promise<Response>;
}

export function createInterfaces(channel: Channel, baseUrl: () => string) {
  const TOKEN = Symbol();
  const managers = new WeakMap<ServiceWorkerRegistration, BackgroundFetchManager>();
  const managerScopes = new WeakMap<object, ServiceWorkerRegistration>();
  const registrationInternals = new WeakMap<object, RegistrationInternals>();
  const recordInternals = new WeakMap<object, RecordInternals>();
  /** One object per fetch in this realm, as the spec's "registration instance" map. */
  const instances = new Map<string, BackgroundFetchRegistration>();

  const internalsOf = <T>(map: WeakMap<object, T>, self: object): T => {
    const internals = map.get(self);
    if (!internals) throw new TypeError('Illegal invocation');
    return internals;
  };

  const registrationFor = (scope: string, state: RegistrationSnapshot): BackgroundFetchRegistration => {
    let registration = instances.get(state.key);
    if (!registration) {
      registration = new BackgroundFetchRegistration(TOKEN, scope, state);
      instances.set(state.key, registration);
      // Watched until records stop being available, which comes after the result.
      if (state.recordsAvailable) channel.watch(scope, state.key, (next) => update(registration!, next));
    } else {
      update(registration, state);
    }
    return registration;
  };

  const update = (registration: BackgroundFetchRegistration, next: RegistrationSnapshot) => {
    const internals = internalsOf(registrationInternals, registration);
    const previous = internals.state;
    internals.state = next;
    if (!next.recordsAvailable) channel.unwatch(next.key);
    if (
      previous.downloaded !== next.downloaded ||
      previous.uploaded !== next.uploaded ||
      previous.result !== next.result ||
      previous.failureReason !== next.failureReason
    ) {
      registration.dispatchEvent(new Event('progress'));
    }
  };

  class BackgroundFetchManager {
    // Rest parameters throughout keep `length` at what the IDL says: required arguments only.
    constructor(...[token, registration]: [symbol, ServiceWorkerRegistration]) {
      if (token !== TOKEN) throw illegalConstructor();
      managerScopes.set(this, registration);
    }

    async fetch(id: string, requests: RequestInfo | RequestInfo[], ...[options]: [Partial<FetchOptions>?]) {
      const registration = internalsOf(managerScopes, this);
      if (arguments.length < 2) throw new TypeError('fetch() needs an id and requests.');
      id = toDOMString(id);
      const list = toRequestList(requests);
      if (list.length === 0) throw new TypeError('fetch() needs at least one request.');
      // Fetch's dangling-markup check: URL parsing drops the newline, so look before it does.
      if (list.some((entry) => typeof entry === 'string' && /[\n\r\t]/.test(entry) && entry.includes('<'))) {
        throw new TypeError('Dangling markup in a URL.');
      }
      const built = list.map((entry) => new Request(entry));
      if (built.some((request) => request.mode === 'no-cors')) {
        throw new TypeError('Background fetch requests cannot use the "no-cors" mode.');
      }
      if (!registration.active) {
        throw new TypeError('The service worker registration has no active worker.');
      }
      const fetchOptions = toFetchOptions(options, baseUrl());
      const outgoing = await Promise.all(built.map(toOutgoing));
      const state = await channel.call({
        type: 'fetch',
        scope: registration.scope,
        id,
        requests: outgoing,
        options: fetchOptions,
      });
      return registrationFor(registration.scope, state);
    }

    async get(id: string) {
      const { scope } = internalsOf(managerScopes, this);
      if (arguments.length < 1) throw new TypeError('get() needs an id.');
      const state = await channel.call({ type: 'get', scope, id: toDOMString(id) });
      return state ? registrationFor(scope, state) : undefined;
    }

    async getIds() {
      const { scope } = internalsOf(managerScopes, this);
      return channel.call({ type: 'getIds', scope });
    }
  }

  class BackgroundFetchRegistration extends EventTarget {
    constructor(...[token, scope, state]: [symbol, string, RegistrationSnapshot]) {
      if (token !== TOKEN) throw illegalConstructor();
      super();
      registrationInternals.set(this, { scope, state, onprogress: null });
    }
    // The attributes that read the fetch's state are defined below, all alike.
    declare readonly id: string;
    declare readonly uploadTotal: number;
    declare readonly uploaded: number;
    declare readonly downloadTotal: number;
    declare readonly downloaded: number;
    declare readonly result: RegistrationSnapshot['result'];
    declare readonly failureReason: RegistrationSnapshot['failureReason'];
    declare readonly recordsAvailable: boolean;
    get onprogress() {
      return internalsOf(registrationInternals, this).onprogress;
    }
    set onprogress(handler: EventListener | null) {
      const internals = internalsOf(registrationInternals, this);
      if (internals.onprogress) this.removeEventListener('progress', internals.onprogress);
      internals.onprogress = typeof handler === 'function' ? handler : null;
      if (internals.onprogress) this.addEventListener('progress', internals.onprogress);
    }

    async abort() {
      const { scope, state } = internalsOf(registrationInternals, this);
      return channel.call({ type: 'abort', scope, key: state.key });
    }

    async match(request: RequestInfo, ...[options]: [Partial<CacheQueryOptions>?]) {
      internalsOf(registrationInternals, this);
      if (arguments.length < 1) throw new TypeError('match() needs a request.');
      const [first] = await this.matchAll(request, options);
      return first;
    }

    async matchAll(...[request, options]: [RequestInfo?, Partial<CacheQueryOptions>?]) {
      const { scope, state } = internalsOf(registrationInternals, this);
      if (!state.recordsAvailable) {
        throw new DOMException('The records of this background fetch are no longer available.', 'InvalidStateError');
      }
      const records = await channel.call({
        type: 'matchAll',
        scope,
        key: state.key,
        request: request === undefined ? null : serialize(new Request(request)),
        options: {
          ignoreSearch: !!options?.ignoreSearch,
          ignoreMethod: !!options?.ignoreMethod,
          ignoreVary: !!options?.ignoreVary,
        },
      });
      return records.map((info) => new BackgroundFetchRecord(TOKEN, scope, state.key, info));
    }
  }

  // BackgroundFetchRegistration's attributes that mirror the fetch's state as the engine sends it.
  const stateAttributes: PropertyDescriptorMap = {};
  const names = ['id', 'uploadTotal', 'uploaded', 'downloadTotal', 'downloaded', 'result', 'failureReason', 'recordsAvailable'] as const;
  for (const name of names satisfies readonly (keyof RegistrationSnapshot)[]) {
    // A computed accessor is named `get id` etc., as WebIDL names attribute getters.
    stateAttributes[name] = Object.getOwnPropertyDescriptor(
      {
        get [name]() {
          return internalsOf(registrationInternals, this).state[name];
        },
      },
      name,
    )!;
  }
  Object.defineProperties(BackgroundFetchRegistration.prototype, stateAttributes);

  class BackgroundFetchRecord {
    constructor(...[token, scope, key, info]: [symbol, string, string, RecordInfo]) {
      if (token !== TOKEN) throw illegalConstructor();
      recordInternals.set(this, { scope, key, info });
    }
    get request() {
      const internals = internalsOf(recordInternals, this);
      return (internals.request ??= deserialize(internals.info.request));
    }
    get responseReady() {
      const internals = recordInternals.get(this);
      // A promise attribute rejects on a wrong `this` instead of throwing (WebIDL).
      return internals ? (internals.ready ??= readResponse(channel, internals)) : Promise.reject(new TypeError('Illegal invocation'));
    }
  }

  return {
    interfaces: { BackgroundFetchManager, BackgroundFetchRegistration, BackgroundFetchRecord },
    registrationFor,
    managerFor(registration: ServiceWorkerRegistration): BackgroundFetchManager {
      let manager = managers.get(registration);
      if (!manager) managers.set(registration, (manager = new BackgroundFetchManager(TOKEN, registration)));
      return manager;
    },
  };
}

/** WebIDL's DOMString conversion: a template literal throws a TypeError for symbols, as it must. */
const toDOMString = (value: unknown): string => `${value as string}`;

/** WebIDL's `(RequestInfo or sequence<RequestInfo>)`: any iterable but a Request is a list. */
function toRequestList(requests: unknown): RequestInfo[] {
  if (requests instanceof Request) return [requests];
  if (typeof requests === 'object' && requests !== null && Symbol.iterator in requests) {
    return [...(requests as Iterable<RequestInfo>)];
  }
  return [toDOMString(requests)];
}

function toFetchOptions(options: Partial<FetchOptions> | undefined | null, base: string): FetchOptions {
  if (options !== undefined && options !== null && typeof options !== 'object') {
    throw new TypeError('fetch() options must be an object.');
  }
  const icons: ImageResource[] = [...(options?.icons ?? [])].map((icon) => {
    if (icon?.src === undefined) throw new TypeError('Each icon needs a src.');
    const resource: ImageResource = {
      src: new URL(toDOMString(icon.src), base).href,
      sizes: toDOMString(icon.sizes ?? ''),
      type: toDOMString(icon.type ?? ''),
    };
    if (icon.label !== undefined) resource.label = toDOMString(icon.label);
    return resource;
  });
  // unsigned long long: ToNumber, truncated, wrapped; beyond what could be stored is a quota
  // matter for the engine, so clamp instead of losing precision.
  let downloadTotal = Math.trunc(Number(options?.downloadTotal ?? 0));
  if (!Number.isFinite(downloadTotal)) downloadTotal = 0;
  if (downloadTotal < 0 || downloadTotal > Number.MAX_SAFE_INTEGER) downloadTotal = Number.MAX_SAFE_INTEGER;
  return { title: toDOMString(options?.title ?? ''), icons, downloadTotal };
}

function serialize(request: Request): SerializedRequest {
  const headers: [string, string][] = [];
  request.headers.forEach((value, name) => headers.push([name, value]));
  return {
    url: request.url,
    method: request.method,
    headers,
    mode: request.mode,
    credentials: request.credentials,
    cache: request.cache,
    redirect: request.redirect,
    referrer: request.referrer,
    referrerPolicy: request.referrerPolicy,
    integrity: request.integrity,
  };
}

/** Bodies are read before fetch() resolves, so uploadTotal is known (spec). */
async function toOutgoing(request: Request): Promise<OutgoingRequest> {
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  const body = hasBody ? new Uint8Array(await request.arrayBuffer()) : null;
  return { ...serialize(request), body: body?.byteLength ? body : null };
}

function deserialize(request: SerializedRequest): Request {
  const init: RequestInit = { method: request.method, headers: request.headers };
  try {
    return new Request(request.url, {
      ...init,
      mode: request.mode === 'navigate' ? 'same-origin' : request.mode,
      credentials: request.credentials,
      cache: request.cache,
      redirect: request.redirect,
      referrerPolicy: request.referrerPolicy,
      integrity: request.integrity,
    });
  } catch {
    return new Request(request.url, init);
  }
}

async function readResponse(
  channel: Channel,
  { scope, key, info: { index } }: RecordInternals,
): Promise<Response> {
  const head = await channel.call({ type: 'responseHead', scope, key, index });
  let offset = 0;
  let parts: Blob[] = [];
  let done = false;
  /** The next part's bytes, already being read while the reader takes the current ones. */
  let reading: Promise<ArrayBuffer> | undefined;
  // The store hands out its chunks as Blobs, many per reply. (A Response made of one Blob of
  // them streams slower in Chromium than reading each whole.)
  const body = NULL_BODY_STATUSES.includes(head.status)
    ? null
    : new ReadableStream<Uint8Array>({
        async pull(controller) {
          while (!reading && !parts.length && !done) {
            ({ parts, done } = await channel.call({ type: 'readBody', scope, key, index, offset, generation: head.generation }));
            for (const part of parts) offset += part.size;
          }
          reading ??= parts.shift()?.arrayBuffer();
          if (!reading) return controller.close();
          const bytes = await reading;
          reading = parts.shift()?.arrayBuffer();
          controller.enqueue(new Uint8Array(bytes));
        },
      });
  const response = new Response(body, { status: head.status, statusText: head.statusText, headers: head.headers });
  // What the page's own fetch() would give; a constructed Response cannot carry them.
  return Object.defineProperties(response, {
    url: { value: head.url },
    type: { value: head.type },
    redirected: { value: head.redirected },
  });
}
