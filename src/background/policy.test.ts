import { describe, expect, it } from 'vitest';
import { SpecError, type SerializedRequest } from '../shared/spec';
import {
  assertFetchableUrl,
  assertRequestAllowed,
  assertScopeOf,
  callerOf,
  corsAllows,
  opaqueOrigin,
  exposedHeaders,
  sendsCredentials,
  type Caller,
} from './policy';

const site = 'https://a.example';
const caller: Caller = { origin: site, topLevelSite: site, storeId: 'default', incognito: false, tabId: 1 };

function expectTypeError(run: () => unknown) {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(SpecError);
  expect((thrown as SpecError).specName).toBe('TypeError');
}

const request = (url: string, credentials: RequestCredentials): SerializedRequest => ({
  url,
  method: 'GET',
  headers: [],
  mode: 'cors',
  credentials,
  cache: 'default',
  redirect: 'follow',
  referrer: '',
  referrerPolicy: '',
  integrity: '',
});

describe('callerOf', () => {
  it('takes http and https origins from the sender url', () => {
    expect(callerOf({ url: 'https://a.example/app/page?x=1#y', tab: { id: 7 } })).toEqual({
      origin: 'https://a.example',
      topLevelSite: 'https://a.example',
      storeId: 'default',
      incognito: false,
      tabId: 7,
    });
    expect(callerOf({ url: 'http://localhost:8080/' })?.origin).toBe('http://localhost:8080');
  });

  it.each([
    'moz-extension://0a1b2c/popup.html',
    'chrome-extension://abcdef/popup.html',
    'file:///home/me/index.html',
    'about:blank',
    'data:text/html,hi',
    'blob:null/1234',
    'javascript:alert(1)',
    'not a url',
    '',
  ])('rejects a sender at %j', (url) => {
    expect(callerOf({ url })).toBeUndefined();
  });

  it('rejects a sender without url or origin', () => {
    expect(callerOf({})).toBeUndefined();
    expect(callerOf({ tab: { id: 1 } })).toBeUndefined();
  });

  it("prefers Chromium's sender.origin over the url", () => {
    // A sandboxed or blob frame: the url says one thing, the origin the real one.
    expect(callerOf({ url: 'https://a.example/', origin: 'https://b.example' })?.origin).toBe('https://b.example');
    expect(callerOf({ url: 'about:blank', origin: 'https://b.example' })?.origin).toBe('https://b.example');
    expect(callerOf({ url: 'https://a.example/', origin: 'chrome-extension://abc' })).toBeUndefined();
  });

  it('an opaque origin ("null") is nobody, whatever its url says', () => {
    expect(callerOf({ url: 'https://a.example/x', origin: 'null' })).toBeUndefined();
    expect(callerOf({ url: 'about:srcdoc', origin: 'null' })).toBeUndefined();
    expect(opaqueOrigin({ url: 'https://a.example/x' }, true)).toBe(true);
    expect(opaqueOrigin({ url: 'https://a.example/x' }, 'yes')).toBe(false);
  });

  it("a frame's top-level site is its tab's", () => {
    const frame = { url: 'https://b.example/f', frameId: 5, tab: { id: 1, url: 'https://www.a.co.uk/page' } };
    expect(callerOf(frame)?.topLevelSite).toBe('https://a.co.uk');
    expect(callerOf({ ...frame, frameId: 0 })?.topLevelSite).toBe('https://b.example');
    expect(callerOf({ url: 'https://b.example/f', frameId: 3 })?.topLevelSite).toBe('https://b.example');
  });

  it('carries the container and private-window flags', () => {
    expect(
      callerOf({ url: 'https://a.example/', tab: { id: 3, incognito: true, cookieStoreId: 'firefox-container-2' } }),
    ).toEqual({ origin: site, topLevelSite: site, storeId: 'firefox-container-2', incognito: true, tabId: 3 });
    expect(callerOf({ url: 'https://a.example/' })).toEqual({
      origin: site,
      topLevelSite: site,
      storeId: 'default',
      incognito: false,
      tabId: undefined,
    });
  });
});

describe('assertScopeOf', () => {
  it('accepts scopes of the caller origin', () => {
    expect(() => assertScopeOf(caller, 'https://a.example/')).not.toThrow();
    expect(() => assertScopeOf(caller, 'https://a.example/app/sub/')).not.toThrow();
  });

  it.each([
    'https://b.example/',
    'http://a.example/',
    'https://a.example:8443/',
    'https://sub.a.example/',
    'moz-extension://abc/',
    '/relative/',
    '',
    'garbage',
  ])('rejects scope %j with TypeError', (scope) => {
    expectTypeError(() => assertScopeOf(caller, scope));
  });
});

describe('assertFetchableUrl', () => {
  it('accepts http and https', () => {
    expect(assertFetchableUrl('https://a.example/x?y').href).toBe('https://a.example/x?y');
    expect(assertFetchableUrl('http://b.example:81/').host).toBe('b.example:81');
  });

  it.each([
    'file:///etc/passwd',
    'data:text/plain,hi',
    'about:blank',
    'javascript:alert(1)',
    'moz-extension://abc/secret.json',
    'chrome-extension://abc/secret.json',
    'blob:https://a.example/1234',
    'ftp://a.example/file',
    'https://user:pass@a.example/',
    'https://user@a.example/',
    'https://:pass@a.example/',
    'relative/path',
    '',
  ])('rejects %j with TypeError', (url) => {
    expectTypeError(() => assertFetchableUrl(url));
  });

  it('assertRequestAllowed refuses what fetch() refuses at once: bad ports, forbidden methods', () => {
    expectTypeError(() => assertRequestAllowed(request('http://127.0.0.1:6000/x', 'omit')));
    expectTypeError(() => assertRequestAllowed(request('https://b.example:25/', 'omit')));
    expect(() => assertRequestAllowed(request('https://b.example:8443/', 'omit'))).not.toThrow();
    for (const method of ['TRACE', 'connect', 'Track', 'GET POST', '']) {
      expectTypeError(() => assertRequestAllowed({ ...request('https://b.example/', 'omit'), method }));
    }
    expect(() => assertRequestAllowed({ ...request('https://b.example/', 'omit'), method: 'PROPFIND' })).not.toThrow();
  });

  it('assertRequestAllowed also refuses no-cors', () => {
    expect(() => assertRequestAllowed(request('https://b.example/', 'omit'))).not.toThrow();
    expectTypeError(() => assertRequestAllowed({ ...request('https://b.example/', 'omit'), mode: 'no-cors' }));
    expectTypeError(() => assertRequestAllowed(request('file:///x', 'omit')));
  });
});

describe('sendsCredentials', () => {
  it.each([
    ['omit', 'https://a.example/f', false],
    ['omit', 'https://b.example/f', false],
    ['same-origin', 'https://a.example/f', true],
    ['same-origin', 'https://b.example/f', false],
    ['same-origin', 'http://a.example/f', false],
    ['include', 'https://a.example/f', true],
    ['include', 'https://b.example/f', true],
  ] as const)('%s to %s → %s', (credentials, url, expected) => {
    expect(sendsCredentials(site, request(url, credentials))).toBe(expected);
  });

  it('judges a redirect target, not the original url, when given one', () => {
    const same = request('https://a.example/f', 'same-origin');
    expect(sendsCredentials(site, same, 'https://b.example/g')).toBe(false);
    const cross = request('https://b.example/f', 'same-origin');
    expect(sendsCredentials(site, cross, 'https://a.example/g')).toBe(true);
  });
});

describe('corsAllows', () => {
  const headers = (init: Record<string, string>) => new Headers(init);

  it('refuses without Access-Control-Allow-Origin', () => {
    expect(corsAllows(site, headers({}), false)).toBe(false);
    expect(corsAllows(site, headers({}), true)).toBe(false);
  });

  it('allows * only without credentials', () => {
    expect(corsAllows(site, headers({ 'access-control-allow-origin': '*' }), false)).toBe(true);
    expect(corsAllows(site, headers({ 'access-control-allow-origin': '*' }), true)).toBe(false);
    expect(
      corsAllows(site, headers({ 'access-control-allow-origin': '*', 'access-control-allow-credentials': 'true' }), true),
    ).toBe(false);
  });

  it('allows the exact origin', () => {
    expect(corsAllows(site, headers({ 'access-control-allow-origin': site }), false)).toBe(true);
  });

  it.each(['https://b.example', 'https://a.example/', 'http://a.example', 'null', 'https://A.example ', ''])(
    'refuses Access-Control-Allow-Origin %j',
    (allow) => {
      expect(corsAllows(site, headers({ 'access-control-allow-origin': allow }), false)).toBe(false);
    },
  );

  it('with credentials requires Access-Control-Allow-Credentials: true', () => {
    expect(corsAllows(site, headers({ 'access-control-allow-origin': site }), true)).toBe(false);
    expect(
      corsAllows(site, headers({ 'access-control-allow-origin': site, 'access-control-allow-credentials': 'TRUE' }), true),
    ).toBe(false);
    expect(
      corsAllows(site, headers({ 'access-control-allow-origin': site, 'access-control-allow-credentials': 'true' }), true),
    ).toBe(true);
  });
});

describe('exposedHeaders', () => {
  const response = () => {
    const headers = new Headers({
      'content-type': 'audio/mpeg',
      'content-length': '1234',
      'content-range': 'bytes 0-1233/1234',
      'cache-control': 'max-age=60',
      'last-modified': 'Wed, 21 Oct 2015 07:28:00 GMT',
      etag: '"abc"',
      'x-custom': 'yes',
      'x-other': 'no',
    });
    headers.append('set-cookie', 'a=1');
    headers.append('set-cookie2', 'b=2');
    return headers;
  };
  const names = (list: [string, string][]) => list.map(([name]) => name).sort();

  it('same-origin: everything but cookies and transfer headers, with values', () => {
    const exposed = exposedHeaders(response(), false, true);
    expect(names(exposed)).toEqual(['cache-control', 'content-type', 'etag', 'last-modified', 'x-custom', 'x-other']);
    expect(exposed).toContainEqual(['etag', '"abc"']);
    expect(exposed).toContainEqual(['content-type', 'audio/mpeg']);
  });

  it('cross-origin: only safelisted headers', () => {
    expect(names(exposedHeaders(response(), true, false))).toEqual(['cache-control', 'content-type', 'last-modified']);
  });

  it('cross-origin: plus what Access-Control-Expose-Headers names (any case, spaces)', () => {
    const headers = response();
    headers.set('access-control-expose-headers', ' ETag ,X-Custom, set-cookie, content-range');
    expect(names(exposedHeaders(headers, true, false))).toEqual([
      'cache-control',
      'content-type',
      'etag',
      'last-modified',
      'x-custom',
    ]);
  });

  it('cross-origin: * exposes all (but cookies and transfer headers) unless credentials', () => {
    const headers = response();
    headers.set('access-control-expose-headers', '*');
    expect(names(exposedHeaders(headers, true, false))).toEqual([
      'access-control-expose-headers',
      'cache-control',
      'content-type',
      'etag',
      'last-modified',
      'x-custom',
      'x-other',
    ]);
    expect(names(exposedHeaders(headers, true, true))).toEqual(['cache-control', 'content-type', 'last-modified']);
  });

  it('cross-origin with credentials: * only matches a header literally named "*", listed names still work', () => {
    const headers = response();
    headers.set('access-control-expose-headers', '*, x-custom');
    expect(names(exposedHeaders(headers, true, true))).toEqual([
      'cache-control',
      'content-type',
      'last-modified',
      'x-custom',
    ]);
  });
});
