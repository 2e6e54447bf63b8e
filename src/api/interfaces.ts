// BackgroundFetchManager, BackgroundFetchRegistration and BackgroundFetchRecord as the spec's IDL
// shapes them. Shared by the page API and the service-worker shim: only the Channel and the base
// URL differ. Kept small: this ships in every page.
/* eslint-disable prefer-rest-params -- WebIDL checks the count of arguments actually passed
   (needs(arguments, n)), and rest parameters would change each method's length. */
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
import { asHandler, define, ILLEGAL_INVOCATION, readDescriptor } from './expose';

/** What createInterfaces builds, by name (page.iife.ts stands in for them before they are built). */
export const INTERFACE_NAMES = [
  'BackgroundFetchManager',
  'BackgroundFetchRegistration',
  'BackgroundFetchRecord',
] as const;

// Nothing is built at load: every page runs this file's top level (see exposeInterfacesLazily).
// Error messages are short: this file ships in every page (the size budget, scripts/check-sizes.mjs).
// (1xx never reach the store: fetch() answers with the final response.)
const NULL_BODY_STATUSES = [204, 205, 304];
/** What a `progress` event reports a change of. */
const PROGRESS_FIELDS = ['downloaded', 'uploaded', 'result', 'failureReason'] as const;
/** A Request's fields as the wire carries them (SerializedRequest), headers and body aside. */
const REQUEST_FIELDS = [
  'url',
  'method',
  'mode',
  'credentials',
  'cache',
  'redirect',
  'referrer',
  'referrerPolicy',
  'integrity',
] as const;

export const typeError = (message: string) => new TypeError(message);
/** WebIDL: an operation called with fewer arguments than it requires throws a TypeError. */
const needs = (args: IArguments, count: number) => {
  if (args.length < count) throw typeError('Not enough arguments');
};

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
    if (!internals) throw typeError(ILLEGAL_INVOCATION);
    return internals;
  };
  const checkToken = (token: symbol) => {
    if (token !== TOKEN) throw typeError('Illegal constructor');
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
    if (PROGRESS_FIELDS.some((field) => previous[field] !== next[field]))
      registration.dispatchEvent(new Event('progress'));
  };

  class BackgroundFetchManager {
    // Rest parameters throughout keep `length` at what the IDL says: required arguments only.
    constructor(...[token, registration]: [symbol, ServiceWorkerRegistration]) {
      checkToken(token);
      managerScopes.set(this, registration);
    }

    async fetch(id: string, requests: RequestInfo | RequestInfo[], ...[options]: [Partial<FetchOptions>?]) {
      const registration = internalsOf(managerScopes, this);
      needs(arguments, 2);
      id = toDOMString(id);
      const list = toRequestList(requests);
      if (!list.length) throw typeError('No requests');
      // Fetch's dangling-markup check: URL parsing drops the newline, so look before it does.
      if (list.some((entry) => typeof entry === 'string' && /[\n\r\t]/.test(entry) && entry.includes('<'))) {
        throw typeError('Dangling markup');
      }
      const built = list.map((entry) => new Request(entry));
      // A "no-cors" request is refused by the engine (policy.ts), with the same TypeError.
      if (!registration.active) throw typeError('No active worker');
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
      needs(arguments, 1);
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
      checkToken(token);
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
      // A null listener is no listener to either call.
      this.removeEventListener('progress', internals.onprogress);
      internals.onprogress = asHandler(handler);
      this.addEventListener('progress', internals.onprogress);
    }

    async abort() {
      const { scope, state } = internalsOf(registrationInternals, this);
      return channel.call({ type: 'abort', scope, key: state.key });
    }

    async match(request: RequestInfo, ...[options]: [Partial<CacheQueryOptions>?]) {
      internalsOf(registrationInternals, this);
      needs(arguments, 1);
      const [first] = await this.matchAll(request, options);
      return first;
    }

    async matchAll(...[request, options]: [RequestInfo?, Partial<CacheQueryOptions>?]) {
      const { scope, state } = internalsOf(registrationInternals, this);
      if (!state.recordsAvailable) {
        throw new DOMException('Records gone', 'InvalidStateError');
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
  const names = [
    'id',
    'uploadTotal',
    'uploaded',
    'downloadTotal',
    'downloaded',
    'result',
    'failureReason',
    'recordsAvailable',
  ] as const;
  for (const name of names satisfies readonly (keyof RegistrationSnapshot)[]) {
    // A computed accessor is named `get id` etc., as WebIDL names attribute getters.
    stateAttributes[name] = readDescriptor(
      {
        get [name]() {
          return internalsOf(registrationInternals, this).state[name];
        },
      },
      name,
    )!;
  }
  define(BackgroundFetchRegistration.prototype, stateAttributes);

  class BackgroundFetchRecord {
    constructor(...[token, scope, key, info]: [symbol, string, string, RecordInfo]) {
      checkToken(token);
      recordInternals.set(this, { scope, key, info });
    }
    get request() {
      const internals = internalsOf(recordInternals, this);
      return (internals.request ??= deserialize(internals.info));
    }
    get responseReady() {
      const internals = recordInternals.get(this);
      // A promise attribute rejects on a wrong `this` instead of throwing (WebIDL).
      return internals
        ? (internals.ready ??= readResponse(channel, internals))
        : Promise.reject(typeError(ILLEGAL_INVOCATION));
    }
  }

  return {
    // By their names in INTERFACE_NAMES (shorter than writing the names again).
    interfaces: Object.fromEntries(
      INTERFACE_NAMES.map((name, i) => [
        name,
        [BackgroundFetchManager, BackgroundFetchRegistration, BackgroundFetchRecord][i]!,
      ]),
    ),
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
  if (options != null && typeof options != 'object') throw typeError('Bad options');
  const icons = [...(options?.icons ?? [])].map((icon): ImageResource => {
    if (icon?.src === undefined) throw typeError('Icon without src');
    return {
      src: new URL(toDOMString(icon.src), base).href,
      sizes: toDOMString(icon.sizes ?? ''),
      type: toDOMString(icon.type ?? ''),
      ...(icon.label !== undefined && { label: toDOMString(icon.label) }),
    };
  });
  // unsigned long long: ToNumber, truncated, wrapped; beyond what could be stored is a quota
  // matter for the engine, so clamp instead of losing precision (NaN and ±Infinity are 0).
  const total = Math.trunc(Number(options?.downloadTotal ?? 0)) || 0;
  const downloadTotal =
    total < 0 || total > Number.MAX_SAFE_INTEGER ? (Number.isFinite(total) ? Number.MAX_SAFE_INTEGER : 0) : total;
  return { title: toDOMString(options?.title ?? ''), icons, downloadTotal };
}

function serialize(request: Request): SerializedRequest {
  const serialized = Object.fromEntries(REQUEST_FIELDS.map((field) => [field, request[field]])) as Omit<
    SerializedRequest,
    'headers'
  >;
  return { ...serialized, headers: [...request.headers] };
}

/** Bodies are read before fetch() resolves, so uploadTotal is known (spec). */
async function toOutgoing(request: Request): Promise<OutgoingRequest> {
  // A GET or HEAD request has no body: it reads as no bytes.
  const body = new Uint8Array(await request.arrayBuffer());
  return { ...serialize(request), body: body.byteLength ? body : null };
}

/** The record's request as the site made it, its body included (Chromium keeps it too). */
function deserialize({ request, body }: RecordInfo): Request {
  const init: RequestInit = { method: request.method, headers: request.headers, body };
  try {
    // Every field of the wire's request is a RequestInit member of that name (`url` is ignored).
    return new Request(request.url, {
      ...request,
      ...init,
      mode: request.mode === 'navigate' ? 'same-origin' : request.mode,
    });
  } catch {
    return new Request(request.url, init);
  }
}
async function readResponse(channel: Channel, { scope, key, info: { index } }: RecordInternals): Promise<Response> {
  const record = { scope, key, index };
  const head = await channel.call({ type: 'responseHead', ...record });
  let offset = 0;
  let parts: Blob[] = [];
  let done = false;
  /** The next part's bytes, already being read while the reader takes the current ones. */
  let reading: Promise<ArrayBuffer> | undefined;
  const readPart = () => parts.shift()?.arrayBuffer();
  // The store hands out its chunks as Blobs, many per reply. (A Response made of one Blob of
  // them streams slower in Chromium than reading each whole.)
  const body = NULL_BODY_STATUSES.includes(head.status)
    ? null
    : new ReadableStream<Uint8Array>({
        async pull(controller) {
          while (!reading && !parts.length && !done) {
            ({ parts, done } = await channel.call({
              type: 'readBody',
              ...record,
              offset,
              generation: head.generation,
            }));
            for (const part of parts) offset += part.size;
          }
          reading ??= readPart();
          if (!reading) return controller.close();
          const bytes = await reading;
          reading = readPart();
          controller.enqueue(new Uint8Array(bytes));
        },
      });
  // The head is a ResponseInit (status, statusText, headers); then what the page's own fetch()
  // would give besides, which a constructed Response cannot carry.
  return define(new Response(body, head), {
    url: { value: head.url },
    type: { value: head.type },
    redirected: { value: head.redirected },
  });
}
