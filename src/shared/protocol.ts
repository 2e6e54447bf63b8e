// Every message between contexts, declared once. A page's messages arrive through the bridge
// and are untrusted: the background parses each one with `pageRequestSchema` before acting.
// Replies and pushes travel from the extension to the page and are trusted by construction.
import * as v from 'valibot';
import {
  ERROR_NAMES,
  LIMITS,
  type CacheQueryOptions,
  type FetchOptions,
  type RecordInfo,
  type RegistrationSnapshot,
  type ResponseHead,
  type SerializedRequest,
  type WireError,
} from './spec';

import type { WireBytes } from './bytes';

const text = (max: number) => v.pipe(v.string(), v.maxLength(max));
const count = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));
const wireBytes = v.union([
  v.instance(Uint8Array),
  // base64 of the upload limit
  text(Math.ceil(LIMITS.uploadBytesPerFetch / 3) * 4),
]);
const scope = text(LIMITS.urlLength);
const fetchKey = text(64);

const header = v.tuple([text(LIMITS.headerBytes), text(LIMITS.headerBytes)]);
const requestFields = {
  url: text(LIMITS.urlLength),
  method: text(32),
  headers: v.pipe(v.array(header), v.maxLength(LIMITS.headersPerRequest)),
  mode: v.picklist(['cors', 'same-origin', 'no-cors', 'navigate']),
  credentials: v.picklist(['omit', 'same-origin', 'include']),
  cache: v.picklist(['default', 'no-store', 'reload', 'no-cache', 'force-cache', 'only-if-cached']),
  redirect: v.picklist(['follow', 'error', 'manual']),
  referrer: text(LIMITS.urlLength),
  referrerPolicy: v.picklist([
    '',
    'no-referrer',
    'no-referrer-when-downgrade',
    'same-origin',
    'origin',
    'strict-origin',
    'origin-when-cross-origin',
    'strict-origin-when-cross-origin',
    'unsafe-url',
  ]),
  integrity: text(1024),
};
const serializedRequest = v.strictObject(requestFields);
const outgoingRequest = v.strictObject({ ...requestFields, body: v.nullable(wireBytes) });

const imageResource = v.strictObject({
  src: text(LIMITS.urlLength),
  sizes: text(256),
  type: text(256),
  label: v.optional(text(1024)),
});

const fetchOptions = v.strictObject({
  title: text(LIMITS.titleLength),
  icons: v.pipe(v.array(imageResource), v.maxLength(LIMITS.icons)),
  downloadTotal: count,
});

const cacheQueryOptions = v.strictObject({
  ignoreSearch: v.boolean(),
  ignoreMethod: v.boolean(),
  ignoreVary: v.boolean(),
});

export const pageRequestSchema = v.variant('type', [
  v.strictObject({
    type: v.literal('fetch'),
    scope,
    id: text(LIMITS.idLength),
    requests: v.pipe(v.array(outgoingRequest), v.minLength(1), v.maxLength(LIMITS.requestsPerFetch)),
    options: fetchOptions,
  }),
  v.strictObject({ type: v.literal('get'), scope, id: text(LIMITS.idLength) }),
  v.strictObject({ type: v.literal('getIds'), scope }),
  v.strictObject({ type: v.literal('abort'), scope, key: fetchKey }),
  v.strictObject({
    type: v.literal('matchAll'),
    scope,
    key: fetchKey,
    request: v.nullable(serializedRequest),
    options: cacheQueryOptions,
  }),
  v.strictObject({ type: v.literal('responseHead'), scope, key: fetchKey, index: count }),
  v.strictObject({
    type: v.literal('readBody'),
    scope,
    key: fetchKey,
    index: count,
    offset: count,
  }),
]);

export type PageRequest = v.InferOutput<typeof pageRequestSchema>;
export type PageRequestType = PageRequest['type'];
export type PageRequestOf<T extends PageRequestType> = Extract<PageRequest, { type: T }>;

// Compile-time check that the schemas describe the shared types.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemasMatchTypes: [
  Same<v.InferOutput<typeof serializedRequest>, SerializedRequest>,
  Same<v.InferOutput<typeof fetchOptions>, FetchOptions>,
  Same<v.InferOutput<typeof cacheQueryOptions>, CacheQueryOptions>,
] = [true, true, true];
void schemasMatchTypes;

/** What each page request answers with. */
export interface PageReplies {
  fetch: RegistrationSnapshot;
  get: RegistrationSnapshot | null;
  getIds: string[];
  abort: boolean;
  matchAll: RecordInfo[];
  responseHead: ResponseHead;
  readBody: { bytes: WireBytes; done: boolean };
}

export type Reply<T> = { ok: true; value: T } | { ok: false; error: WireError };

/** Pushed over the bridge's long-lived port. */
export type PagePortMessage =
  | { type: 'watch'; scope: string; key: string }
  | { type: 'unwatch'; key: string };
export type PagePortPush = { type: 'progress'; snapshot: RegistrationSnapshot };

export const pagePortMessageSchema = v.variant('type', [
  v.strictObject({ type: v.literal('watch'), scope, key: fetchKey }),
  v.strictObject({ type: v.literal('unwatch'), key: fetchKey }),
]);

/** Per-site choices the person makes in the popup. */
export interface SiteSettings {
  origin: string;
  blocked: boolean;
  autoSave: boolean;
  /** Chromium: use bgfetch instead of the browser's own Background Fetch. */
  useExtension: boolean;
}

/** Messages only extension pages (popup, tests' extension-page hooks) may send. */
export const adminRequestSchema = v.variant('type', [
  v.strictObject({
    type: v.literal('admin.setSite'),
    origin: text(LIMITS.urlLength),
    settings: v.partial(
      v.strictObject({ blocked: v.boolean(), autoSave: v.boolean(), useExtension: v.boolean() }),
    ),
  }),
  v.strictObject({ type: v.literal('admin.pause'), key: fetchKey }),
  v.strictObject({ type: v.literal('admin.resume'), key: fetchKey }),
  v.strictObject({ type: v.literal('admin.abort'), key: fetchKey }),
  v.strictObject({ type: v.literal('admin.remove'), key: fetchKey }),
]);
export type AdminRequest = v.InferOutput<typeof adminRequestSchema>;
export type AdminRequestOf<T extends AdminRequest['type']> = Extract<AdminRequest, { type: T }>;

export const ERROR_NAME_SET: ReadonlySet<string> = new Set(ERROR_NAMES);

/** What each admin request answers with. */
export interface AdminReplies {
  'admin.setSite': SiteSettings;
  'admin.pause': boolean;
  'admin.resume': boolean;
  'admin.abort': boolean;
  'admin.remove': boolean;
}

/**
 * Inside a page: the MAIN-world API and the ISOLATED-world bridge talk over a MessagePort the
 * API hands the bridge. Requests carry an id for their reply; watches ride the same port.
 */
export type PageToBridge = { rid: number; request: PageRequest } | PagePortMessage;
export type BridgeToPage = { rid: number; reply: Reply<unknown> } | PagePortPush;
