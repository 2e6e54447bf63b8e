// Every message between contexts, declared once. A page's messages arrive through the bridge
// and are untrusted: the background parses each one with `pageRequestSchema` before acting.
// Replies and pushes travel from the extension to the page and are trusted by construction.
import * as v from 'valibot';
import {
  ERROR_NAMES,
  LIMITS,
  type BackgroundFetchFailureReason,
  type CacheQueryOptions,
  type FetchOptions,
  type RecordInfo,
  type RegistrationSnapshot,
  type ResponseHead,
  type SerializedRequest,
  type UIOptions,
  type WireError,
} from './spec';

import type { OFFSCREEN_CHANNEL, SHIM_EVENT } from './channels';
import { DEFAULT_GLOBAL_SETTINGS, GLOBAL_SETTING_BOUNDS } from './global-settings';
import type { FetchState } from './fetch-state';

const text = (max: number) => v.pipe(v.string(), v.maxLength(max));
const count = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));
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
const outgoingRequest = v.strictObject({ ...requestFields, body: v.nullable(v.instance(Uint8Array)) });

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
  /**
   * navigator.permissions.query({ name: 'background-fetch' }): the site's state now, or (with
   * `known`) once it differs from `known` (a long poll, so `change` fires when the person changes it).
   */
  v.strictObject({ type: v.literal('permission'), known: v.optional(v.picklist(['granted', 'prompt', 'denied'])) }),
  v.strictObject({
    type: v.literal('readBody'),
    scope,
    key: fetchKey,
    index: count,
    offset: count,
    /** The body's generation the reader began with (from responseHead). */
    generation: v.optional(count),
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
  /** `generation`: which version of the body the head belongs to (readBody checks it). */
  responseHead: Required<ResponseHead> & { generation: number };
  /**
   * The stored body from the asked offset on, as Blobs (the store's own, so no byte is copied on
   * the way to the page), or none yet when the reply waited long enough; `done` once they end it.
   */
  readBody: { parts: Blob[]; done: boolean };
  permission: BackgroundFetchPermissionState;
}

/** What `navigator.permissions.query({ name: 'background-fetch' })` answers. */
export type BackgroundFetchPermissionState = 'granted' | 'prompt' | 'denied';
/** The person's choice for a site (or the default for new sites). */
export type SitePermission = 'allow' | 'ask' | 'block';
const sitePermission = v.picklist(['allow', 'ask', 'block']);
/** What a private window's popup shows of a fetch waiting for permission (its prompt). */
export interface PrivateWaiting {
  key: string;
  origin: string;
  title: string;
  downloadTotal: number;
}
/** One fetch of the private session as its window's popup lists it (admin.privateFetches). */
export interface PrivateFetch {
  key: string;
  origin: string;
  title: string;
  downloaded: number;
  downloadTotal: number;
  state: FetchState;
  failureReason: BackgroundFetchFailureReason;
}
/** The person's answer to "Allow this site to download in the background?". */
export type PermissionAnswer = 'once' | 'always' | 'block';

export type Reply<T> = { ok: true; value: T } | { ok: false; error: WireError };

/** Pushed over the bridge's long-lived port. */
export type PagePortMessage = { type: 'watch'; scope: string; key: string } | { type: 'unwatch'; key: string };
export type PagePortPush = { type: 'progress'; snapshot: RegistrationSnapshot };

export const pagePortMessageSchema = v.variant('type', [
  v.strictObject({ type: v.literal('watch'), scope, key: fetchKey }),
  v.strictObject({ type: v.literal('unwatch'), key: fetchKey }),
]);

/** Per-site choices the person makes in the popup (schema: siteSettingsSchema). */
export interface SiteSettings {
  origin: string;
  /** Kept for rows written before `permission`: true reads as 'block'. */
  blocked: boolean;
  /** Allow / Ask / Block; absent: the global default (src/background/person/consent.ts). */
  permission?: SitePermission;
  autoSave: boolean;
  /** Chromium: use bgfetch instead of the browser's own Background Fetch. */
  useExtension: boolean;
}

/** What the person may choose per site; `origin` names the site. */
const siteChoiceEntries = {
  blocked: v.boolean(),
  permission: v.optional(sitePermission),
  autoSave: v.boolean(),
  useExtension: v.boolean(),
};
export const siteSettingsSchema = v.object({ origin: v.string(), ...siteChoiceEntries });

const bounded = ({ min, max }: { min: number; max: number }) =>
  v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));

/** What each global setting may be (GlobalSettings). */
const globalSettingsEntries = {
  concurrency: bounded(GLOBAL_SETTING_BOUNDS.concurrency),
  notifications: v.boolean(),
  siteSharePercent: bounded(GLOBAL_SETTING_BOUNDS.siteSharePercent),
  storageCapBytes: v.nullable(bounded(GLOBAL_SETTING_BOUNDS.storageCapBytes)),
  defaultPermission: sitePermission,
  startNotifications: v.boolean(),
};

export { DEFAULT_GLOBAL_SETTINGS, GLOBAL_SETTING_BOUNDS, GLOBAL_SETTINGS_KEY } from './global-settings';

/** Most fetches one bulk command names (a person selects what the popup lists). */
export const MAX_BULK_KEYS = 10_000;

/** What a removal did: the keys to undo, and how many of them the site's worker never had. */
export interface RemovalResult {
  removed: string[];
  undelivered: number;
  /** Epoch ms until which admin.undoRemove brings them back. */
  undoUntil: number;
}

/** Messages only extension pages (popup, tests' extension-page hooks) may send. */
export const adminRequestSchema = v.variant('type', [
  v.strictObject({
    type: v.literal('admin.setSite'),
    origin: text(LIMITS.urlLength),
    settings: v.partial(v.strictObject(siteChoiceEntries)),
  }),
  /** A private window's popup: the fetches of the private session waiting for the person (memory only). */
  v.strictObject({ type: v.literal('admin.privateWaiting') }),
  /** A private window's popup: every fetch of the private session, to see and stop (memory only). */
  v.strictObject({ type: v.literal('admin.privateFetches') }),
  /** The person answered the prompt for a fetch waiting for permission. */
  v.strictObject({ type: v.literal('admin.answer'), key: fetchKey, answer: v.picklist(['once', 'always', 'block']) }),
  v.strictObject({ type: v.literal('admin.pause'), key: fetchKey }),
  v.strictObject({ type: v.literal('admin.resume'), key: fetchKey }),
  v.strictObject({ type: v.literal('admin.abort'), key: fetchKey }),
  /** Removals are undoable for a few seconds (admin.undoRemove); active fetches are never removed. */
  v.strictObject({ type: v.literal('admin.remove'), key: fetchKey }),
  v.strictObject({ type: v.literal('admin.removeMany'), keys: v.pipe(v.array(fetchKey), v.maxLength(MAX_BULK_KEYS)) }),
  /** Every settled fetch of one site. */
  v.strictObject({ type: v.literal('admin.clearSite'), origin: text(LIMITS.urlLength) }),
  /** Every settled fetch of every site. */
  v.strictObject({ type: v.literal('admin.clearAll') }),
  v.strictObject({ type: v.literal('admin.undoRemove'), keys: v.pipe(v.array(fetchKey), v.maxLength(MAX_BULK_KEYS)) }),
  v.strictObject({ type: v.literal('admin.pauseAll') }),
  v.strictObject({ type: v.literal('admin.resumeAll') }),
  v.strictObject({ type: v.literal('admin.retry'), key: fetchKey }),
  /** Without `index`: every file of the fetch. */
  v.strictObject({ type: v.literal('admin.save'), key: fetchKey, index: v.optional(count) }),
  /** Frees storage: every settled fetch (of one site, when `origin` is given). */
  v.strictObject({ type: v.literal('admin.removeFinished'), origin: v.optional(text(LIMITS.urlLength)) }),
  v.strictObject({
    type: v.literal('admin.setGlobal'),
    settings: v.partial(v.strictObject(globalSettingsEntries)),
  }),
  /** The popup opened: the person saw the failures the badge marked. */
  v.strictObject({ type: v.literal('admin.seen') }),
  // The person activated a fetch's UI (notification, popup row): backgroundfetchclick.
  v.strictObject({ type: v.literal('admin.click'), key: fetchKey }),
]);
export type AdminRequest = v.InferOutput<typeof adminRequestSchema>;
export type AdminRequestOf<T extends AdminRequest['type']> = Extract<AdminRequest, { type: T }>;

/**
 * Chromium's service worker → its offscreen document (src/offscreen/), which can make Blob URLs
 * the worker cannot. The document reads the body from the store itself; only URLs travel.
 */
export const offscreenRequestSchema = v.variant('type', [
  /** A Blob URL of one stored body (the persistent store's: private fetches are never saved). */
  v.strictObject({
    type: v.literal('offscreen.blobUrl'),
    key: fetchKey,
    index: count,
    contentType: text(LIMITS.headerBytes),
  }),
  /** The download of `url` ended: let its Blob go. Without `url`, only the count is asked. */
  v.strictObject({ type: v.literal('offscreen.revoke'), url: v.optional(text(LIMITS.urlLength)) }),
]);
export type OffscreenRequest = v.InferOutput<typeof offscreenRequestSchema>;
export type OffscreenRequestOf<T extends OffscreenRequest['type']> = Extract<OffscreenRequest, { type: T }>;

/** What each offscreen request answers with. */
export interface OffscreenReplies {
  'offscreen.blobUrl': string;
  /** How many of the document's Blob URLs are still live. */
  'offscreen.revoke': number;
}

export interface OffscreenMessage {
  channel: typeof OFFSCREEN_CHANNEL;
  request: OffscreenRequest;
}

export const ERROR_NAME_SET: ReadonlySet<string> = new Set(ERROR_NAMES);

/** What each admin request answers with. */
export interface AdminReplies {
  'admin.setSite': SiteSettings;
  'admin.pause': boolean;
  'admin.resume': boolean;
  'admin.abort': boolean;
  'admin.remove': boolean;
  'admin.removeMany': RemovalResult;
  'admin.clearSite': RemovalResult;
  'admin.clearAll': RemovalResult;
  /** How many came back. */
  'admin.undoRemove': number;
  'admin.pauseAll': number;
  'admin.resumeAll': number;
  'admin.retry': boolean;
  /** How many files were handed to the downloads API. */
  'admin.save': number;
  'admin.removeFinished': number;
  'admin.setGlobal': GlobalSettings;
  'admin.seen': boolean;
  'admin.click': boolean;
  /** How many waiting fetches the answer started (or failed). */
  'admin.answer': number;
  'admin.privateWaiting': PrivateWaiting[];
  'admin.privateFetches': PrivateFetch[];
}

/** Choices that apply to every site, kept in `browser.storage.local` under GLOBAL_SETTINGS_KEY (schema: globalSettingsEntries). */
export interface GlobalSettings {
  /** Most simultaneous connections over all fetches. */
  concurrency: number;
  /** A notification when a fetch succeeds or fails. */
  notifications: boolean;
  /** For sites the person has not decided about (issue 17: Ask). */
  defaultPermission: SitePermission;
  /** A notification when a site's first fetch starts. */
  startNotifications: boolean;
  /**
   * The most one site (origin) may hold, in percent of what the extension may store (the
   * browser's quota for it, or `storageCapBytes` if smaller): one site's kept bodies cannot make
   * another's fetch fail with quota-exceeded.
   */
  siteSharePercent: number;
  /** The most the extension stores in all (bytes, at least 1 MiB); null: only the browser's quota. */
  storageCapBytes: number | null;
}

/** Whatever storage holds (maybe nothing, maybe an older shape) as complete settings. */
export function globalSettingsFrom(stored: unknown): GlobalSettings {
  const partial = v.safeParse(v.partial(v.object(globalSettingsEntries)), stored);
  return { ...DEFAULT_GLOBAL_SETTINGS, ...(partial.success ? partial.output : {}) };
}

// Compile-time check that the settings' schemas describe their types (the types keep the comments).
const settingsSchemasMatchTypes: [
  Same<v.InferOutput<typeof siteSettingsSchema>, SiteSettings>,
  Same<v.InferOutput<ReturnType<typeof v.object<typeof globalSettingsEntries>>>, GlobalSettings>,
] = [true, true];
void settingsSchemasMatchTypes;

/**
 * Inside a page: the MAIN-world API and the ISOLATED-world bridge talk over a MessagePort the
 * API hands the bridge. Requests carry an id for their reply; watches ride the same port.
 */
export type PageToBridge = { rid: number; request: PageRequest } | PagePortMessage | ShimEventReply;
/** The bridge's first message on a port it took: it is there, and the page's messages may follow. */
export type BridgeAck = { type: 'ack' };
export type BridgeToPage = { rid: number; reply: Reply<unknown> } | PagePortPush | BridgeAck;

/** The four service-worker events a fetch produces (spec: "When it settles", 5). */
export type SwEventType = 'success' | 'fail' | 'abort' | 'click';

/**
 * Background → a tab of the site (scripting.executeScript into its top frame, src/background/
 * sw-events/delivery.ts): deliver a service-worker event. The relay posts it to the site's active worker,
 * where the shim dispatches it.
 */
export interface DeliverEvent {
  scope: string;
  event: SwEventType;
  snapshot: RegistrationSnapshot;
  /**
   * The same for every delivery of one queued event (src/background/sw-events/delivery.ts): the shim
   * dispatches an event once per token, so a delivery repeated after a background restart
   * gets the first one's outcome instead of running the handlers again (src/sw/once.ts).
   */
  token: string;
}
export type DeliveryOutcome =
  /** `listened`: the worker had a handler for the event, so the site took what it wanted. */
  | { outcome: 'handled'; ui: Partial<UIOptions> | null; listened: boolean }
  /** No active worker for the scope in this tab's origin. */
  | { outcome: 'no-worker' }
  /** The worker runs no shim (Chromium without the opt-in import): nobody can handle it. */
  | { outcome: 'no-shim' };

/**
 * What a site's worker asked with updateUI(), as it comes back through the tab: the site's to
 * make, so held to the limits of fetch()'s options (strings only, title ≤ 1,024 characters,
 * ≤ 32 icons).
 */
export const uiUpdateSchema = v.strictObject({
  title: v.optional(fetchOptions.entries.title),
  icons: v.optional(fetchOptions.entries.icons),
});
const deliveryOutcomeSchema = v.variant('outcome', [
  v.strictObject({ outcome: v.literal('handled'), ui: v.nullable(uiUpdateSchema), listened: v.boolean() }),
  v.strictObject({ outcome: v.literal('no-worker') }),
  v.strictObject({ outcome: v.literal('no-shim') }),
]);

/**
 * A delivery's outcome as the tab reported it, checked (the tab and the site's worker are not
 * trusted), or undefined when it is not one. A handler that ran but reported a UI outside the
 * limits still counts as run; its UI is dropped.
 */
export function deliveryOutcomeFrom(raw: unknown): DeliveryOutcome | undefined {
  const parsed = v.safeParse(deliveryOutcomeSchema, raw);
  if (parsed.success) return parsed.output as DeliveryOutcome;
  const given = raw as { outcome?: unknown; listened?: unknown } | null;
  if (typeof given === 'object' && given !== null && given.outcome === 'handled') {
    return { outcome: 'handled', ui: null, listened: given.listened === true };
  }
  return undefined;
}

/** Bridge → shim (postMessage to the worker, with the port the shim uses to reach the extension). */
export interface ShimEventMessage {
  type: typeof SHIM_EVENT;
  scope: string;
  event: SwEventType;
  snapshot: RegistrationSnapshot;
  /** DeliverEvent's token (absent from an older bridge: dispatched without the check). */
  token?: string;
}
/** Shim → bridge, on that port: the event arrived; then, once its waitUntil promises settled, done. */
export type ShimEventReply =
  | { type: 'bgfetch:sw-event-received' }
  | { type: 'bgfetch:sw-event-done'; ui: Partial<UIOptions> | null; listened: boolean };

/** content/frame-delivery.js → background (src/background/sw-events/frame-delivery.ts). */
export const frameDeliveryMessageSchema = v.variant('type', [
  v.strictObject({ type: v.literal('ready') }),
  v.strictObject({
    type: v.literal('done'),
    // Checked by deliveryOutcomeFrom, as the tab path's report is (a bad updateUI is dropped).
    outcome: v.unknown(),
  }),
]);
