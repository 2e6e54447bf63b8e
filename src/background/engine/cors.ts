// Fetch's CORS protocol, made on the site's behalf by a background that itself bypasses CORS
// (host permissions): the engine's entry points. The rules are in cors-rules.ts.
// - Firefox: the webRequest hook (cors-hook.ts) checks and rewrites every hop. A preflight
//   (OPTIONS) is made first where fetch() makes one.
// - Chromium: no blocking webRequest for extensions. The preflight is made (its Origin is the
//   extension's), redirect hops are invisible: a redirected cross-origin response is refused
//   unless start and end are both checked (fail closed), see `corsVerdict`.
import type { SerializedRequest } from '../../shared/spec';
import { canHook, credentialedNow, flightOf, trackedFetch, type Flight } from './cors-hook';
import { corsAllows, CorsRefusal, isCrossOrigin, normalizeMethod, preflightAllows, preflightNeeds } from './cors-rules';
import type { ConnectSourceLists } from './csp';
import { siteOf } from '../site';

export { CorsRefusal } from './cors-rules';

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
  if (request.mode === 'same-origin' && crossAtStart)
    throw new CorsRefusal(`mode "same-origin" refuses ${request.url}`);
  const flight = (): Flight => ({
    siteOrigin,
    topLevelSite,
    chain: [],
    crossSite: siteOf(siteOrigin) !== topLevelSite,
    cookieStoreId,
    credentials: request.credentials,
    mode: request.mode,
    method: normalizeMethod(request.method),
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
  const flight = flightOf(response);
  if (flight) {
    // Firefox: every hop was checked as it arrived.
    return { allowed: true, crossOrigin: flight.tainting === 'cors', withCredentials: credentialedNow(flight) };
  }
  const finalUrl = response.url || request.url;
  const crossStart = isCrossOrigin(siteOrigin, request.url);
  const crossEnd = isCrossOrigin(siteOrigin, finalUrl);
  const tainted = crossStart || crossEnd;
  const credentials =
    request.credentials === 'include' || (request.credentials === 'same-origin' && !tainted && withCredentials);
  if (response.redirected && tainted && crossStart !== crossEnd) {
    // Chromium: the hops in between are invisible, and one of them left the site's origin.
    // (A chain that starts and ends cross-origin is checked at its end only: a known gap.)
    if (!crossEnd)
      return {
        allowed: false,
        crossOrigin: true,
        withCredentials: credentials,
        why: `redirect hops of ${request.url} cannot be checked`,
      };
  }
  if (tainted && !corsAllows(siteOrigin, response.headers, credentials)) {
    return {
      allowed: false,
      crossOrigin: true,
      withCredentials: credentials,
      why: `CORS refused ${finalUrl} for ${siteOrigin}`,
    };
  }
  return { allowed: true, crossOrigin: tainted, withCredentials: credentials };
}
