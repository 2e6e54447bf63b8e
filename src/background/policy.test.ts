import { describe, expect, it } from 'vitest';
import { SpecError, type SerializedRequest } from '../shared/spec';
import { assertFetchableUrl, assertRequestAllowed, assertScopeOf, callerOf, opaqueOrigin, type Caller } from './policy';

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
