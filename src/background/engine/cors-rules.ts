// Fetch's CORS protocol as pure rules (https://fetch.spec.whatwg.org/#http-cors-protocol): which
// requests need a preflight, how a preflight's and a response's answer are checked, which
// credentials a request carries, what Origin and Sec-Fetch-* headers say, and which response
// headers a page sees. No browser API here: the Firefox webRequest hook (cors-hook.ts) and the
// engine's entry points (cors.ts) apply them; unit tests check them against the spec.
import type { HeaderList, SerializedRequest } from '../../shared/spec';
import { secFetchSite } from '../site';

/** A CORS failure: the request is a network error, as in the site's own fetch(). */
export class CorsRefusal extends Error {}

/** "basic" until a hop is cross-origin to the site, then "cors" (Fetch's response tainting). */
export type ResponseTainting = 'basic' | 'cors';

export const isCrossOrigin = (siteOrigin: string, url: string) => new URL(url).origin !== siteOrigin;

// --------------------------------------------------------------------------- methods

/** https://fetch.spec.whatwg.org/#cors-safelisted-method */
const SAFELISTED_METHODS = new Set(['GET', 'HEAD', 'POST']);
export const isSafelistedMethod = (method: string) => SAFELISTED_METHODS.has(method);

/** https://fetch.spec.whatwg.org/#concept-method-normalize: only these six are uppercased ("patch" stays "patch"). */
const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);
export function normalizeMethod(method: string): string {
  const upper = method.toUpperCase();
  return NORMALIZED_METHODS.has(upper) ? upper : method;
}

// --------------------------------------------------------------------------- request headers

/** https://fetch.spec.whatwg.org/#cors-unsafe-request-header-byte */
const UNSAFE_BYTE = /[\x00-\x08\x0a-\x1f"():<>?@[\\\]{}\x7f]/;
const SAFELISTED_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);
/** The longest value a safelisted header may have, and the most all of them may hold together. */
export const SAFELISTED_VALUE_BYTES = 128;
export const SAFELISTED_TOTAL_BYTES = 1024;

/** https://fetch.spec.whatwg.org/#cors-safelisted-request-header (`name` in any case). */
export function isSafelistedRequestHeader(name: string, value: string): boolean {
  if (value.length > SAFELISTED_VALUE_BYTES) return false;
  switch (name.toLowerCase()) {
    case 'accept':
      return !UNSAFE_BYTE.test(value);
    case 'accept-language':
    case 'content-language':
      return /^[0-9A-Za-z *,\-.;=]*$/.test(value);
    case 'content-type': {
      if (UNSAFE_BYTE.test(value)) return false;
      const essence = mimeEssence(value);
      return essence !== undefined && SAFELISTED_CONTENT_TYPES.has(essence);
    }
    case 'range':
      return isSafelistedRange(value);
    default:
      return false;
  }
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The essence ("type/subtype", lowercase) of a MIME type string, or undefined where parsing fails
 * (https://mimesniff.spec.whatwg.org/#parse-a-mime-type: type and subtype must be tokens;
 * parameters do not matter for the essence).
 */
function mimeEssence(value: string): string | undefined {
  const trimmed = value.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
  const slash = trimmed.indexOf('/');
  if (slash < 0) return undefined;
  const type = trimmed.slice(0, slash);
  const subtype = trimmed
    .slice(slash + 1)
    .split(';')[0]!
    .replace(/[\t\n\r ]+$/, '');
  if (!TOKEN.test(type) || !TOKEN.test(subtype)) return undefined;
  return `${type}/${subtype}`.toLowerCase();
}

/**
 * https://fetch.spec.whatwg.org/#simple-range-header-value with whitespace not allowed: "bytes"
 * in any case, a start, and an end not before it; a suffix range ("bytes=-500") is not safelisted.
 */
function isSafelistedRange(value: string): boolean {
  const match = /^bytes=(\d+)-(\d*)$/i.exec(value);
  if (!match) return false;
  return match[2] === '' || BigInt(match[1]!) <= BigInt(match[2]!);
}

/** https://fetch.spec.whatwg.org/#cors-unsafe-request-header-names: lowercase, sorted, once each. */
export function corsUnsafeHeaderNames(headers: HeaderList): string[] {
  const unsafe = new Set<string>();
  const potentiallyUnsafe = new Set<string>();
  let safelistedBytes = 0;
  for (const [rawName, value] of headers) {
    const name = rawName.toLowerCase();
    if (isSafelistedRequestHeader(name, value)) {
      potentiallyUnsafe.add(name);
      safelistedBytes += value.length;
    } else {
      unsafe.add(name);
    }
  }
  if (safelistedBytes > SAFELISTED_TOTAL_BYTES) for (const name of potentiallyUnsafe) unsafe.add(name);
  return [...unsafe].sort();
}

/** What a preflight asks for: Access-Control-Request-Method and -Headers. */
export interface PreflightNeeds {
  method: string;
  headers: string[];
}

/**
 * The preflight a cross-origin request needs (https://fetch.spec.whatwg.org/#http-fetch, step 4.1:
 * its method is not safelisted or it has CORS-unsafe headers), or undefined if none.
 */
export function preflightNeeds(method: string, headers: HeaderList): PreflightNeeds | undefined {
  const normalized = normalizeMethod(method);
  const unsafe = corsUnsafeHeaderNames(headers);
  if (isSafelistedMethod(normalized) && unsafe.length === 0) return undefined;
  return { method: normalized, headers: unsafe };
}

/** The headers a preflight adds (https://fetch.spec.whatwg.org/#cors-preflight-fetch-0, steps 2–4). */
export function preflightRequestHeaders(needs: PreflightNeeds): [string, string][] {
  const headers: [string, string][] = [['Access-Control-Request-Method', needs.method]];
  if (needs.headers.length) headers.push(['Access-Control-Request-Headers', needs.headers.join(',')]);
  return headers;
}

// --------------------------------------------------------------------------- answers

/**
 * Fetch's CORS check (https://fetch.spec.whatwg.org/#cors-check). `withCredentials`: the request's
 * credentials mode is "include".
 */
export function corsAllows(siteOrigin: string, headers: Headers, withCredentials: boolean): boolean {
  const allowOrigin = headers.get('access-control-allow-origin');
  if (allowOrigin === null) return false;
  if (allowOrigin === '*' && !withCredentials) return true;
  if (allowOrigin !== siteOrigin) return false;
  return !withCredentials || headers.get('access-control-allow-credentials') === 'true';
}

/**
 * https://fetch.spec.whatwg.org/#extract-header-list-values for a `#token` header
 * (Access-Control-Allow-Methods, -Headers): null when absent, "failure" when an item is not a token.
 */
function tokenList(headers: Headers, name: string): string[] | null | 'failure' {
  const value = headers.get(name);
  if (value === null) return null;
  const items = value
    .split(',')
    .map((item) => item.replace(/^[\t ]+|[\t ]+$/g, ''))
    .filter(Boolean);
  return items.every((item) => TOKEN.test(item)) ? items : 'failure';
}

/**
 * Why the answer to a preflight refuses the request, or undefined if it allows it
 * (https://fetch.spec.whatwg.org/#cors-preflight-fetch-0, steps 6–7). `credentials` is the
 * request's mode (the preflight itself never carries credentials).
 */
export function preflightAllows(
  siteOrigin: string,
  status: number,
  headers: Headers,
  needs: PreflightNeeds,
  credentials: RequestCredentials,
): string | undefined {
  const include = credentials === 'include';
  if (status < 200 || status > 299) return `preflight answered ${status}`;
  if (!corsAllows(siteOrigin, headers, include)) return 'preflight without a matching Access-Control-Allow-Origin';
  const methods = tokenList(headers, 'access-control-allow-methods');
  const allowed = tokenList(headers, 'access-control-allow-headers');
  if (methods === 'failure') return 'preflight with an Access-Control-Allow-Methods that is not a list of methods';
  if (allowed === 'failure') return 'preflight with an Access-Control-Allow-Headers that is not a list of header names';
  // Methods compare exactly (a normalized "PUT", a literal "patch"); header names in any case.
  const methodOk =
    isSafelistedMethod(needs.method) || methods?.includes(needs.method) || (!include && methods?.includes('*'));
  if (!methodOk) return `preflight does not allow ${needs.method}`;
  const names = (allowed ?? []).map((name) => name.toLowerCase());
  for (const name of needs.headers) {
    // `*` never stands for Authorization (a CORS non-wildcard request-header name), nor with credentials.
    const ok = names.includes(name) || (names.includes('*') && !include && name !== 'authorization');
    if (!ok) return `preflight does not allow the header ${name}`;
  }
  return undefined;
}

// --------------------------------------------------------------------------- credentials and Origin

/** Fetch's credentials mode, decided as the site's own fetch() would: cookies go with the request. */
export function sendsCredentials(siteOrigin: string, request: SerializedRequest, url = request.url): boolean {
  if (request.credentials === 'omit') return false;
  if (request.credentials === 'include') return true;
  return !isCrossOrigin(siteOrigin, url);
}

/** https://fetch.spec.whatwg.org/#include-credentials, once the request's tainting is known. */
export const includesCredentials = (credentials: RequestCredentials, tainting: ResponseTainting) =>
  credentials === 'include' || (credentials === 'same-origin' && tainting === 'basic');

/**
 * A redirect from `from` to `to` taints the request's origin (serialized "null" from then on)
 * when it changes origin and `from` was already another origin than the site's
 * (https://fetch.spec.whatwg.org/#http-redirect-fetch, step 14).
 */
export const redirectTaintsOrigin = (siteOrigin: string, from: string, to: string) =>
  new URL(from).origin !== new URL(to).origin && new URL(from).origin !== siteOrigin;

/** https://fetch.spec.whatwg.org/#byte-serializing-a-request-origin */
export const serializedOrigin = (siteOrigin: string, taintedOrigin: boolean) => (taintedOrigin ? 'null' : siteOrigin);

/**
 * https://fetch.spec.whatwg.org/#append-a-request-origin-header: every CORS request, and any
 * other request whose method is not GET or HEAD (the modes here are "cors" and "same-origin",
 * where the referrer policy never blanks it).
 */
export const sendsOriginHeader = (tainting: ResponseTainting, method: string) =>
  tainting === 'cors' || (method.toUpperCase() !== 'GET' && method.toUpperCase() !== 'HEAD');

/**
 * What the page's fetch() says in Sec-Fetch-* (https://w3c.github.io/webappsec-fetch-metadata/):
 * no destination, its mode ("cors" for a preflight), and the site relation over every URL it has
 * been at. The background's own fetch() would say it came from the extension.
 */
export function secFetchHeaders(
  mode: RequestMode,
  preflight: boolean,
  siteOrigin: string,
  chain: string[],
): [string, string][] {
  return [
    ['Sec-Fetch-Dest', 'empty'],
    ['Sec-Fetch-Mode', preflight ? 'cors' : mode],
    ['Sec-Fetch-Site', secFetchSite(siteOrigin, chain)],
  ];
}

/** A redirect response as the hook sees it: where it points, and the request it answers. */
export interface RedirectHop {
  location: string;
  /** The URL that answered with the redirect. */
  from: string;
  siteOrigin: string;
  mode: RequestMode;
  tainting: ResponseTainting;
}

/**
 * Why fetch() fails at once on a redirect, or undefined (https://fetch.spec.whatwg.org/#http-redirect-fetch
 * steps 2–8): an unparsable Location, not http(s), a bad port (`isBadPort`, fetch's rule in
 * policy.ts), or credentials in a URL of another origin than the site's (or of any URL once the
 * request is a CORS one). Not a network that went away: no retries.
 */
export function redirectRefusal(hop: RedirectHop, isBadPort: (url: URL) => boolean): string | undefined {
  let next: URL;
  try {
    next = new URL(hop.location, hop.from);
  } catch {
    return 'redirect to an invalid URL';
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') return `redirect to a ${next.protocol} URL`;
  if (isBadPort(next)) return `redirect to the bad port ${next.port}`;
  if (next.username || next.password) {
    if (hop.tainting === 'cors' || (hop.mode === 'cors' && next.origin !== hop.siteOrigin))
      return 'redirect to a URL with credentials';
  }
  return undefined;
}

// --------------------------------------------------------------------------- response headers

/** https://fetch.spec.whatwg.org/#cors-safelisted-response-header-name */
const SAFELISTED_RESPONSE_HEADERS = new Set([
  'cache-control',
  'content-language',
  'content-length',
  'content-type',
  'expires',
  'last-modified',
  'pragma',
]);
/** Never shown to a page, whatever the response. */
const FORBIDDEN_RESPONSE_HEADERS = new Set(['set-cookie', 'set-cookie2']);
/** Describe the transfer, not the body bgfetch hands back (a resumed body is whole). */
const TRANSFER_HEADERS = new Set(['content-range', 'content-length']);

/** The headers a page sees: a basic or a CORS-filtered response's header list. */
export function exposedHeaders(headers: Headers, crossOrigin: boolean, withCredentials: boolean): HeaderList {
  const exposeList = (headers.get('access-control-expose-headers') ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const exposeAll = exposeList.includes('*') && !withCredentials;
  const exposed: HeaderList = [];
  headers.forEach((value, name) => {
    if (FORBIDDEN_RESPONSE_HEADERS.has(name) || TRANSFER_HEADERS.has(name)) return;
    if (crossOrigin && !SAFELISTED_RESPONSE_HEADERS.has(name) && !exposeAll && !exposeList.includes(name)) return;
    exposed.push([name, value]);
  });
  return exposed;
}
