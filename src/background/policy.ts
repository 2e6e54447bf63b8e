// Who is calling, and what they may do: the rules that keep a page from borrowing the
// extension's host permissions. The caller's origin always comes from the browser (`sender`).
// The CORS protocol's own rules are in engine/cors-rules.ts.
import { isBlockedPort, SpecError, typeError, type SerializedRequest } from '../shared/spec';
import { siteOf } from './site';

export interface Caller {
  origin: string;
  /**
   * The site of the tab's top-level document: a third-party frame's requests use that partition's
   * cookies, as its own fetch() does. A frame without a tab (the background's own) is first-party.
   */
  topLevelSite: string;
  /** Firefox container or "default". */
  storeId: string;
  /** Private-browsing tab: its registrations must never reach the disk. */
  incognito: boolean;
  tabId: number | undefined;
  frameId?: number;
  /** The document's `<meta>` CSP policies, as the relay (extension code) read them; see csp.ts. */
  metaPolicies?: string[];
}

interface SenderLike {
  url?: string;
  origin?: string;
  frameId?: number;
  tab?: { id?: number; incognito?: boolean; cookieStoreId?: string; url?: string };
}

/**
 * The caller's origin is opaque (a sandboxed frame, a `Content-Security-Policy: sandbox`
 * document): it has no storage, so the page API rejects as storage does there (SecurityError).
 * Chromium says so in `sender.origin`; Firefox gives only the URL, so the relay (the extension's
 * own content script, not the page) reports what `self.origin` is in that document.
 */
export const opaqueOrigin = (sender: SenderLike, relayedOpaque: unknown) =>
  sender.origin === 'null' || relayedOpaque === true;

export const opaqueOriginError = () =>
  new SpecError(
    'SecurityError',
    'Background fetch is not available to a document with an opaque origin (a sandboxed document).',
  );

/** A tab's cookie jar as registrations record it: "default" for the normal one, in either browser. */
export const jarOf = (cookieStoreId: string | undefined) =>
  !cookieStoreId || cookieStoreId === 'firefox-default' ? 'default' : cookieStoreId;

/** The calling frame's origin as the browser reports it; undefined for anything but http(s). */
export function callerOf(sender: SenderLike): Caller | undefined {
  let origin: string;
  try {
    // Chromium reports `sender.origin` (right for sandboxed and blob frames); Firefox only `url`.
    if (sender.origin === 'null') return undefined;
    origin = sender.origin ? sender.origin : new URL(sender.url ?? '').origin;
  } catch {
    return undefined;
  }
  if (!/^https?:\/\//.test(origin)) return undefined;
  let topLevelSite = siteOf(origin);
  if (sender.frameId !== 0 && sender.tab?.url && /^https?:/.test(sender.tab.url)) topLevelSite = siteOf(sender.tab.url);
  return {
    origin,
    topLevelSite,
    storeId: jarOf(sender.tab?.cookieStoreId),
    incognito: sender.tab?.incognito ?? false,
    tabId: sender.tab?.id,
    frameId: sender.frameId,
  };
}

/** A service-worker registration's scope must lie within the calling origin. */
export function assertScopeOf(caller: Caller, scope: string): void {
  let url: URL;
  try {
    url = new URL(scope);
  } catch {
    throw typeError(`Invalid service worker scope "${scope}".`);
  }
  if (url.origin !== caller.origin) {
    throw typeError('The service worker registration does not belong to this origin.');
  }
}

/** The URL checks fetch() itself makes; the page ran them too, but its word is not trusted. */
export function assertFetchableUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw typeError(`Failed to parse URL from ${raw}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw typeError(`Only http: and https: URLs can be fetched in the background, not ${url.protocol}.`);
  }
  if (url.username || url.password) {
    throw typeError('Request cannot be constructed from a URL that includes credentials.');
  }
  return url;
}

// https://fetch.spec.whatwg.org/#bad-port: fetch() fails on these at once, so does bgfetch (one list, in spec.ts).
export const isBadPort = (url: URL) => isBlockedPort(url.href);

/** https://fetch.spec.whatwg.org/#forbidden-method */
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

export function assertRequestAllowed(request: SerializedRequest): void {
  const url = assertFetchableUrl(request.url);
  if (isBadPort(url)) throw typeError(`Fetching ${url.host} is blocked: port ${url.port} is a bad port.`);
  if (FORBIDDEN_METHODS.has(request.method.toUpperCase()) || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(request.method)) {
    throw typeError(`'${request.method}' HTTP method is unsupported.`);
  }
  if (request.mode === 'no-cors') {
    throw typeError('Background fetch requests cannot use the "no-cors" mode.');
  }
}
