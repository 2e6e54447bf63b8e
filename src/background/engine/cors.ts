// Fetch's CORS protocol, made on the site's behalf by a background that itself bypasses CORS
// (host permissions). The background's fetch() sends no site Origin and follows redirects without
// checks, so:
// - Firefox: every request bgfetch makes is tagged with a one-off header; a blocking webRequest
//   listener (added only while such requests run) strips the tag, sets the site's `Origin` (or
//   "null" once the origin is tainted), drops cookies where the site's fetch() would not send them,
//   and runs the CORS check on every response, redirects included: a failing hop is cancelled, so
//   no byte of it reaches the engine. A preflight (OPTIONS) is made first where fetch() makes one.
// - Chromium: no blocking webRequest for extensions. The preflight is made (its Origin is the
//   extension's), redirect hops are invisible: a redirected cross-origin response is refused
//   unless start and end are both checked (fail closed), see `corsVerdict`.
import browser, { type WebRequest } from 'webextension-polyfill';
import type { HeaderList, SerializedRequest } from '../../shared/spec';
import { corsAllows, isBadPort, isCrossOrigin } from '../policy';
import { localNetworkRefusal } from './address-space';
import { connectAllowed, type ConnectSourceLists } from './csp';
import { secFetchSite, siteOf } from '../site';

const TAG_HEADER = 'x-bgfetch-cors-tag';
/** Blocking webRequest is there (Firefox); elsewhere (Chromium, unit tests) the fallback path. */
const canHook = () =>
  (typeof __TARGET__ === 'undefined' || __TARGET__ === 'firefox') &&
  typeof (browser as { webRequest?: { onBeforeSendHeaders?: unknown } } | undefined)?.webRequest?.onBeforeSendHeaders === 'object';

/** A CORS failure: the request is a network error, as in the site's own fetch(). */
export class CorsRefusal extends Error {}

interface Flight {
  siteOrigin: string;
  /** The calling document's top-level site: cookies come from its partition (site.ts). */
  topLevelSite: string;
  /** Every URL the request has been at, for Sec-Fetch-Site. */
  chain: string[];
  /**
   * A hop was cross-site to the top-level site, or the caller is a third-party frame: the page's
   * fetch() would send only that partition's SameSite=None cookies and store none in the
   * target's first-party jar (Total Cookie Protection).
   */
  crossSite: boolean;
  /** The site's cookie jar: "default", a container's or "firefox-private". */
  cookieStoreId: string;
  credentials: RequestCredentials;
  mode: RequestMode;
  method: string;
  /** Set for a preflight: the Access-Control-Request-* headers to send. */
  preflight?: { method: string; headers: string[] };
  /** "cors" once any hop was cross-origin to the site: responses are CORS-checked from then on. */
  tainting: 'basic' | 'cors';
  /** The request's origin became opaque (a cross-origin redirect from a cross-origin URL). */
  taintedOrigin: boolean;
  currentUrl?: string;
  /** A request fetch() preflights: any cross-origin hop but the preflighted origin is refused. */
  needs?: { method: string; headers: string[] };
  preflightedOrigin?: string;
  requestIds: Set<string>;
  refused?: string;
  /** The calling document's CSP connect-src lists: every hop must match them (csp.ts). */
  connectSrc?: ConnectSourceLists;
}

const byTag = new Map<string, Flight>();
const byRequestId = new Map<string, Flight>();
const responseFlight = new WeakMap<Response, Flight>();

// --------------------------------------------------------------------------- simple requests

const SAFE_METHODS = new Set(['GET', 'HEAD', 'POST']);
const SAFE_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

/** https://fetch.spec.whatwg.org/#cors-safelisted-request-header */
function isSafelistedHeader(name: string, value: string): boolean {
  if (value.length > 128) return false;
  switch (name) {
    case 'accept':
      return !/[\x00-\x08\x0a-\x1f"():<>?@[\\\]{}\x7f]/.test(value);
    case 'accept-language':
    case 'content-language':
      return /^[0-9A-Za-z *,\-.;=]*$/.test(value);
    case 'content-type': {
      if (/[\x00-\x08\x0a-\x1f"():<>?@[\\\]{}\x7f]/.test(value)) return false;
      return SAFE_CONTENT_TYPES.has(value.split(';')[0]!.trim().toLowerCase());
    }
    case 'range':
      return /^bytes=\d+-\d*$/.test(value);
    default:
      return false;
  }
}

/** The request headers a preflight must ask for (lowercase, sorted), or undefined if none is needed. */
export function preflightNeeds(method: string, headers: HeaderList): { method: string; headers: string[] } | undefined {
  const unsafe = new Set<string>();
  let total = 0;
  for (const [rawName, value] of headers) {
    const name = rawName.toLowerCase();
    if (isSafelistedHeader(name, value)) total += value.length;
    else unsafe.add(name);
  }
  if (total > 1024) for (const [name] of headers) unsafe.add(name.toLowerCase());
  const upper = method.toUpperCase();
  if (SAFE_METHODS.has(upper) && unsafe.size === 0) return undefined;
  return { method: upper, headers: [...unsafe].sort() };
}

const list = (value: string | null) =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** https://fetch.spec.whatwg.org/#cors-preflight-fetch-0 steps after the response arrived. */
export function preflightAllows(
  siteOrigin: string,
  status: number,
  headers: Headers,
  needs: { method: string; headers: string[] },
  credentials: RequestCredentials,
): string | undefined {
  const include = credentials === 'include';
  if (status < 200 || status > 299) return `preflight answered ${status}`;
  if (!corsAllows(siteOrigin, headers, include)) return 'preflight without a matching Access-Control-Allow-Origin';
  const methods = list(headers.get('access-control-allow-methods'));
  const methodOk =
    SAFE_METHODS.has(needs.method) || methods.includes(needs.method) || (methods.includes('*') && !include);
  if (!methodOk) return `preflight does not allow ${needs.method}`;
  const allowed = list(headers.get('access-control-allow-headers')).map((name) => name.toLowerCase());
  for (const name of needs.headers) {
    const ok = allowed.includes(name) || (allowed.includes('*') && !include && name !== 'authorization');
    if (!ok) return `preflight does not allow the header ${name}`;
  }
  return undefined;
}

// --------------------------------------------------------------------------- Firefox hook

function headerValue(headers: WebRequest.HttpHeaders | undefined, name: string): string | undefined {
  return headers?.find((header) => header.name.toLowerCase() === name)?.value;
}

function flightOf(details: { requestId: string; requestHeaders?: WebRequest.HttpHeaders }): Flight | undefined {
  const known = byRequestId.get(details.requestId);
  if (known) return known;
  const tag = headerValue(details.requestHeaders, TAG_HEADER);
  const flight = tag ? byTag.get(tag) : undefined;
  if (flight) {
    flight.requestIds.add(details.requestId);
    byRequestId.set(details.requestId, flight);
  }
  return flight;
}

const serializedOrigin = (flight: Flight) => (flight.taintedOrigin ? 'null' : flight.siteOrigin);
const includesCredentials = (flight: Flight) =>
  flight.credentials === 'include' || (flight.credentials === 'same-origin' && flight.tainting === 'basic');

function beforeSendHeaders(
  details: WebRequest.OnBeforeSendHeadersDetailsType,
): WebRequest.BlockingResponse | Promise<WebRequest.BlockingResponse> {
  const flight = flightOf(details);
  if (!flight) return {};
  const url = details.url;
  if (flight.currentUrl && flight.currentUrl !== url) {
    // A redirect hop (https://fetch.spec.whatwg.org/#http-redirect-fetch).
    const from = new URL(flight.currentUrl).origin;
    const to = new URL(url).origin;
    if (from !== to && flight.siteOrigin !== from) flight.taintedOrigin = true;
  }
  flight.currentUrl = url;
  if (isBadPort(new URL(url))) return refuse(flight, `port ${new URL(url).port} is a bad port`);
  if (!connectAllowed(flight.connectSrc, url, flight.siteOrigin, flight.chain.length > 0)) {
    return refuse(flight, `the document's CSP connect-src refuses ${url}`);
  }
  if (flight.chain.at(-1) !== url) flight.chain.push(url);
  if (siteOf(url) !== flight.topLevelSite) flight.crossSite = true;
  if (isCrossOrigin(flight.siteOrigin, url)) {
    if (flight.mode === 'same-origin') return refuse(flight, `mode "same-origin" refuses ${url}`);
    if (flight.needs && !flight.preflight && new URL(url).origin !== flight.preflightedOrigin) {
      // fetch() would preflight this hop; a preflight in the middle of redirects is not done here.
      return refuse(flight, `a redirect to ${url} would need a preflight`);
    }
    flight.tainting = 'cors';
  }
  const headers = (details.requestHeaders ?? []).filter((header) => {
    const name = header.name.toLowerCase();
    if (name === TAG_HEADER || name === 'origin' || name.startsWith('sec-fetch-')) return false;
    // The background's own jar is the default one's first-party part: another jar's request, or
    // a cross-site one (which uses a partition), never carries it.
    if (name === 'cookie' && (flight.preflight || !includesCredentials(flight) || ownCookiesOf(flight))) return false;
    if (flight.preflight && name.startsWith('access-control-request-')) return false;
    return true;
  });
  const method = details.method.toUpperCase();
  if (flight.tainting === 'cors' || (method !== 'GET' && method !== 'HEAD')) {
    headers.push({ name: 'Origin', value: serializedOrigin(flight) });
  }
  // What the page's fetch() says (the background's own would say it came from the extension).
  headers.push(
    { name: 'Sec-Fetch-Dest', value: 'empty' },
    { name: 'Sec-Fetch-Mode', value: flight.preflight ? 'cors' : flight.mode },
    { name: 'Sec-Fetch-Site', value: secFetchSite(flight.siteOrigin, flight.chain) },
  );
  if (flight.preflight) {
    headers.push({ name: 'Access-Control-Request-Method', value: flight.preflight.method });
    if (flight.preflight.headers.length) {
      headers.push({ name: 'Access-Control-Request-Headers', value: flight.preflight.headers.join(',') });
    }
  }
  return localNetworkRefusal(flight.siteOrigin, url).then(async (refusal) => {
    if (refusal) return refuse(flight, refusal);
    if (ownCookiesOf(flight) && !flight.preflight && includesCredentials(flight)) {
      const cookie = await cookiesOf(flight, url);
      return { requestHeaders: cookie ? [...headers, { name: 'Cookie', value: cookie }] : headers };
    }
    return { requestHeaders: headers };
  });
}

/** bgfetch writes the Cookie header itself: a container's or private jar, or a partition. */
const ownCookiesOf = (flight: Flight) => flight.cookieStoreId !== 'default' || flight.crossSite;

/**
 * The Cookie header the site's own fetch() would send from its jar. Cross-origin to the site,
 * only SameSite=None cookies (fetch() would judge by site, not origin: this errs on sending less).
 */
async function cookiesOf(flight: Flight, url: string): Promise<string> {
  try {
    // Not by `url`: Firefox's cookies API then leaves out Secure cookies of http://localhost,
    // which the page's own fetch() sends (a potentially trustworthy origin). Matched here instead.
    const target = new URL(url);
    const query = {
      domain: target.hostname.replace(/^\[|\]$/g, ''),
      ...(flight.cookieStoreId !== 'default' ? { storeId: flight.cookieStoreId } : {}),
      ...(flight.crossSite ? { partitionKey: { topLevelSite: flight.topLevelSite } } : {}),
    };
    const cookies = await browser.cookies.getAll(query as Parameters<typeof browser.cookies.getAll>[0]);
    const crossOrigin = isCrossOrigin(flight.siteOrigin, url) || flight.crossSite;
    return cookies
      .filter((cookie) => cookieMatches(cookie, target))
      .filter((cookie) => !flight.crossSite || (cookie as { partitionKey?: { topLevelSite?: string } }).partitionKey?.topLevelSite === flight.topLevelSite)
      .filter((cookie) => flight.crossSite || !(cookie as { partitionKey?: unknown }).partitionKey)
      .filter((cookie) => !crossOrigin || cookie.sameSite === 'no_restriction')
      .map((cookie) => `${cookie.name}=${cookie.value}`)
      .join('; ');
  } catch {
    return ''; // No access to that jar: send nothing rather than the wrong cookies.
  }
}

const TRUSTWORTHY_HTTP_HOST = /^(localhost|.+\.localhost|127(\.\d+){3}|\[::1\])$/;

/** RFC 6265 §5.4's domain, path and secure matching (what `getAll({url})` would do, with localhost secure). */
function cookieMatches(cookie: { domain: string; hostOnly: boolean; path: string; secure: boolean }, url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const domain = cookie.domain.replace(/^\./, '');
  const domainOk = cookie.hostOnly ? host === domain : host === domain || host.endsWith(`.${domain}`);
  const path = cookie.path || '/';
  const pathOk = url.pathname === path || (url.pathname.startsWith(path) && (path.endsWith('/') || url.pathname[path.length] === '/'));
  const secureOk = !cookie.secure || url.protocol === 'https:' || TRUSTWORTHY_HTTP_HOST.test(url.hostname);
  return domainOk && pathOk && secureOk;
}

function headersReceived(details: WebRequest.OnHeadersReceivedDetailsType): WebRequest.BlockingResponse {
  const flight = byRequestId.get(details.requestId);
  if (!flight || flight.preflight) return {};
  const responseHeaders = details.responseHeaders ?? [];
  const location = headerValue(responseHeaders, 'location');
  if (location !== undefined && details.statusCode >= 300 && details.statusCode < 400) {
    // fetch() fails at once on these (https://fetch.spec.whatwg.org/#http-redirect-fetch step 5,
    // and the bad-port check of the next hop): not a network that went away, so no retries.
    try {
      const next = new URL(location, details.url);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') return refuse(flight, `redirect to a ${next.protocol} URL`);
      if (isBadPort(next)) return refuse(flight, `redirect to the bad port ${next.port}`);
    } catch {
      return refuse(flight, 'redirect to an invalid URL');
    }
  }
  if (flight.tainting === 'cors') {
    const headers = new Headers();
    for (const header of responseHeaders) if (header.value !== undefined) headers.append(header.name, header.value);
    if (!corsAllows(serializedOrigin(flight), headers, includesCredentials(flight))) {
      return refuse(flight, `CORS refused ${details.url} (${details.statusCode}) for ${serializedOrigin(flight)}`);
    }
    const location = headers.get('location');
    if (location && details.statusCode >= 300 && details.statusCode < 400) {
      try {
        const next = new URL(location, details.url);
        if (next.username || next.password) return refuse(flight, 'redirect to a URL with credentials');
      } catch {
        // fetch() itself fails on a bad Location.
      }
    }
  }
  if (!includesCredentials(flight) || ownCookiesOf(flight)) {
    // Where fetch() would not send cookies, it does not store the ones a response sets either.
    // Another jar's or a partition's cookies would land in the default first-party jar here:
    // dropped (a known gap: the page's fetch() would keep them in its partition).
    return { responseHeaders: responseHeaders.filter((header) => !/^set-cookie2?$/i.test(header.name)) };
  }
  return {};
}

function refuse(flight: Flight, reason: string): WebRequest.BlockingResponse {
  flight.refused ??= reason;
  return { cancel: true };
}

let listening = 0;
function hook(): () => void {
  if (listening++ === 0) {
    // The transfers are the background's own requests (tabId -1): pages' requests never wait here.
    const filter = { urls: ['http://*/*', 'https://*/*'], tabId: -1 };
    browser.webRequest.onBeforeSendHeaders.addListener(beforeSendHeaders, filter, ['blocking', 'requestHeaders']);
    browser.webRequest.onHeadersReceived.addListener(headersReceived, filter, ['blocking', 'responseHeaders']);
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--listening === 0) {
      browser.webRequest.onBeforeSendHeaders.removeListener(beforeSendHeaders);
      browser.webRequest.onHeadersReceived.removeListener(headersReceived);
    }
  };
}

async function trackedFetch(flight: Flight, url: string, init: RequestInit): Promise<Response> {
  const tag = crypto.randomUUID();
  byTag.set(tag, flight);
  const release = hook();
  const headers = new Headers(init.headers);
  headers.set(TAG_HEADER, tag);
  try {
    const response = await fetch(url, { ...init, headers });
    if (flight.refused) {
      await response.body?.cancel().catch(() => undefined);
      throw new CorsRefusal(flight.refused);
    }
    responseFlight.set(response, flight);
    return response;
  } catch (error) {
    if (flight.refused) throw new CorsRefusal(flight.refused);
    throw error;
  } finally {
    byTag.delete(tag);
    for (const id of flight.requestIds) byRequestId.delete(id);
    release();
  }
}

// --------------------------------------------------------------------------- entry points

/**
 * The engine's fetch() for a site's request: a CORS request from `siteOrigin`. Rejects with
 * CorsRefusal where the site's own fetch() would give a network error for CORS reasons.
 */
export async function corsFetch(
  siteOrigin: string,
  request: SerializedRequest,
  init: RequestInit,
  cookieStoreId = 'default',
  topLevelSite = siteOf(siteOrigin),
  connectSrc?: ConnectSourceLists,
): Promise<Response> {
  const needs = preflightNeeds(request.method, request.headers);
  const crossAtStart = isCrossOrigin(siteOrigin, request.url);
  if (request.mode === 'same-origin' && crossAtStart) throw new CorsRefusal(`mode "same-origin" refuses ${request.url}`);
  const flight = (): Flight => ({
    siteOrigin,
    topLevelSite,
    chain: [],
    crossSite: siteOf(siteOrigin) !== topLevelSite,
    cookieStoreId,
    credentials: request.credentials,
    mode: request.mode,
    method: request.method.toUpperCase(),
    tainting: 'basic',
    taintedOrigin: false,
    requestIds: new Set(),
    needs,
    connectSrc,
  });
  if (crossAtStart && needs) {
    const preflight = { ...flight(), preflight: needs };
    let response: Response;
    try {
      response = canHook()
        ? await trackedFetch(preflight, request.url, {
            method: 'OPTIONS',
            credentials: 'omit',
            cache: 'no-store',
            redirect: 'manual',
            signal: init.signal ?? null,
          })
        : await fetch(request.url, {
            method: 'OPTIONS',
            credentials: 'omit',
            cache: 'no-store',
            redirect: 'manual',
            signal: init.signal ?? null,
            headers: { 'Access-Control-Request-Method': needs.method },
          });
    } catch (error) {
      if (error instanceof CorsRefusal || init.signal?.aborted) throw error;
      throw new CorsRefusal(`preflight failed: ${String(error)}`);
    }
    await response.body?.cancel().catch(() => undefined);
    const status = response.type === 'opaqueredirect' ? 0 : response.status;
    const why = preflightAllows(siteOrigin, status, response.headers, needs, request.credentials);
    if (why) throw new CorsRefusal(why);
  }
  if (!canHook()) return fetch(request.url, init);
  const main = flight();
  if (crossAtStart && needs) main.preflightedOrigin = new URL(request.url).origin;
  return trackedFetch(main, request.url, init);
}

/**
 * What the engine may hand the page from `response`: whether CORS allows it, whether its headers
 * are CORS-filtered, and whether credentials were part of the request (for the header filter).
 */
export function corsVerdict(
  siteOrigin: string,
  request: SerializedRequest,
  response: Response,
  withCredentials: boolean,
): { allowed: boolean; crossOrigin: boolean; withCredentials: boolean; why?: string } {
  const flight = responseFlight.get(response);
  if (flight) {
    // Firefox: every hop was checked as it arrived.
    return { allowed: true, crossOrigin: flight.tainting === 'cors', withCredentials: includesCredentials(flight) };
  }
  const finalUrl = response.url || request.url;
  const crossStart = isCrossOrigin(siteOrigin, request.url);
  const crossEnd = isCrossOrigin(siteOrigin, finalUrl);
  const tainted = crossStart || crossEnd;
  const credentials = request.credentials === 'include' || (request.credentials === 'same-origin' && !tainted && withCredentials);
  if (response.redirected && tainted && crossStart !== crossEnd) {
    // Chromium: the hops in between are invisible, and one of them left the site's origin.
    // (A chain that starts and ends cross-origin is checked at its end only: a known gap.)
    if (!crossEnd) return { allowed: false, crossOrigin: true, withCredentials: credentials, why: `redirect hops of ${request.url} cannot be checked` };
  }
  if (tainted && !corsAllows(siteOrigin, response.headers, credentials)) {
    return { allowed: false, crossOrigin: true, withCredentials: credentials, why: `CORS refused ${finalUrl} for ${siteOrigin}` };
  }
  return { allowed: true, crossOrigin: tainted, withCredentials: credentials };
}
