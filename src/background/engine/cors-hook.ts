// The Firefox side of the CORS protocol (rules: cors-rules.ts). The background's fetch() sends
// no site Origin and follows redirects without checks, so every request bgfetch makes is tagged
// with a one-off header; a blocking webRequest listener (added only while such requests run)
// strips the tag, sets the site's `Origin` (or "null" once the origin is tainted), drops cookies
// where the site's fetch() would not send them (or writes the right jar's), and runs the CORS
// check on every response, redirects included: a failing hop is cancelled, so no byte of it
// reaches the engine.
import browser, { type WebRequest } from 'webextension-polyfill';
import { isBadPort } from '../policy';
import { localNetworkRefusal } from './address-space';
import { connectAllowed, type ConnectSourceLists } from './csp';
import {
  corsAllows,
  CorsRefusal,
  includesCredentials,
  isCrossOrigin,
  preflightRequestHeaders,
  redirectRefusal,
  redirectTaintsOrigin,
  secFetchHeaders,
  sendsOriginHeader,
  serializedOrigin,
  type PreflightNeeds,
  type ResponseTainting,
} from './cors-rules';
import { siteOf } from '../site';

const TAG_HEADER = 'x-bgfetch-cors-tag';
/** Blocking webRequest is there (Firefox); elsewhere (Chromium, unit tests) the fallback path. */
export const canHook = () =>
  (typeof __TARGET__ === 'undefined' || __TARGET__ === 'firefox') &&
  typeof (browser as { webRequest?: { onBeforeSendHeaders?: unknown } } | undefined)?.webRequest
    ?.onBeforeSendHeaders === 'object';

export interface Flight {
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
  preflight?: PreflightNeeds;
  /** "cors" once any hop was cross-origin to the site: responses are CORS-checked from then on. */
  tainting: ResponseTainting;
  /** The request's origin became opaque (a cross-origin redirect from a cross-origin URL). */
  taintedOrigin: boolean;
  currentUrl?: string;
  /** A request fetch() preflights: any cross-origin hop but the preflighted origin is refused. */
  needs?: PreflightNeeds;
  preflightedOrigin?: string;
  requestIds: Set<string>;
  refused?: string;
  /** The calling document's CSP connect-src lists: every hop must match them (csp.ts). */
  connectSrc?: ConnectSourceLists;
}

const byTag = new Map<string, Flight>();
const byRequestId = new Map<string, Flight>();
const responseFlight = new WeakMap<Response, Flight>();

/** The flight a hooked response came from (Firefox), where every hop was checked. */
export const flightOf = (response: Response): Flight | undefined => responseFlight.get(response);

function headerValue(headers: WebRequest.HttpHeaders | undefined, name: string): string | undefined {
  return headers?.find((header) => header.name.toLowerCase() === name)?.value;
}

function flightOfRequest(details: { requestId: string; requestHeaders?: WebRequest.HttpHeaders }): Flight | undefined {
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

const originOf = (flight: Flight) => serializedOrigin(flight.siteOrigin, flight.taintedOrigin);
/** The request carries credentials at this hop. */
export const credentialedNow = (flight: Flight) => includesCredentials(flight.credentials, flight.tainting);

function beforeSendHeaders(
  details: WebRequest.OnBeforeSendHeadersDetailsType,
): WebRequest.BlockingResponse | Promise<WebRequest.BlockingResponse> {
  const flight = flightOfRequest(details);
  if (!flight) return {};
  const url = details.url;
  if (flight.currentUrl && flight.currentUrl !== url) {
    // A redirect hop (https://fetch.spec.whatwg.org/#http-redirect-fetch).
    if (redirectTaintsOrigin(flight.siteOrigin, flight.currentUrl, url)) flight.taintedOrigin = true;
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
    if (name === 'cookie' && (flight.preflight || !credentialedNow(flight) || ownCookiesOf(flight))) return false;
    if (flight.preflight && name.startsWith('access-control-request-')) return false;
    return true;
  });
  if (sendsOriginHeader(flight.tainting, details.method)) headers.push({ name: 'Origin', value: originOf(flight) });
  for (const [name, value] of secFetchHeaders(
    flight.mode,
    flight.preflight !== undefined,
    flight.siteOrigin,
    flight.chain,
  )) {
    headers.push({ name, value });
  }
  if (flight.preflight)
    for (const [name, value] of preflightRequestHeaders(flight.preflight)) headers.push({ name, value });
  return localNetworkRefusal(flight.siteOrigin, url).then(async (refusal) => {
    if (refusal) return refuse(flight, refusal);
    if (ownCookiesOf(flight) && !flight.preflight && credentialedNow(flight)) {
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
      .filter(
        (cookie) =>
          !flight.crossSite ||
          (cookie as { partitionKey?: { topLevelSite?: string } }).partitionKey?.topLevelSite === flight.topLevelSite,
      )
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
function cookieMatches(
  cookie: { domain: string; hostOnly: boolean; path: string; secure: boolean },
  url: URL,
): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const domain = cookie.domain.replace(/^\./, '');
  const domainOk = cookie.hostOnly ? host === domain : host === domain || host.endsWith(`.${domain}`);
  const path = cookie.path || '/';
  const pathOk =
    url.pathname === path ||
    (url.pathname.startsWith(path) && (path.endsWith('/') || url.pathname[path.length] === '/'));
  const secureOk = !cookie.secure || url.protocol === 'https:' || TRUSTWORTHY_HTTP_HOST.test(url.hostname);
  return domainOk && pathOk && secureOk;
}

function headersReceived(details: WebRequest.OnHeadersReceivedDetailsType): WebRequest.BlockingResponse {
  const flight = byRequestId.get(details.requestId);
  if (!flight || flight.preflight) return {};
  const responseHeaders = details.responseHeaders ?? [];
  if (flight.tainting === 'cors') {
    // Every hop's answer, redirects included (https://fetch.spec.whatwg.org/#http-fetch step 4.3).
    const headers = new Headers();
    for (const header of responseHeaders) if (header.value !== undefined) headers.append(header.name, header.value);
    if (!corsAllows(originOf(flight), headers, credentialedNow(flight))) {
      return refuse(flight, `CORS refused ${details.url} (${details.statusCode}) for ${originOf(flight)}`);
    }
  }
  const location = headerValue(responseHeaders, 'location');
  if (location !== undefined && details.statusCode >= 300 && details.statusCode < 400) {
    const hop = {
      location,
      from: details.url,
      siteOrigin: flight.siteOrigin,
      mode: flight.mode,
      tainting: flight.tainting,
    };
    const why = redirectRefusal(hop, isBadPort);
    if (why) return refuse(flight, why);
  }
  if (!credentialedNow(flight) || ownCookiesOf(flight)) {
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

/** fetch() with the hook on: every hop of this request is checked and rewritten as `flight` says. */
export async function trackedFetch(flight: Flight, url: string, init: RequestInit): Promise<Response> {
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
