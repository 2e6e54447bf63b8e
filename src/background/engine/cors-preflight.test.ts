// Fetch's CORS preflight (https://fetch.spec.whatwg.org/#cors-preflight-fetch): which requests
// get one (CORS-safelisted methods and request-headers, their value limits) and how its answer
// is checked (Access-Control-Allow-Origin, -Credentials, -Methods, -Headers, `*` with and without
// credentials). In real browsers with a real server: test/e2e/security.test.ts.
import { describe, expect, it } from 'vitest';
import type { HeaderList } from '../../shared/spec';
import {
  corsUnsafeHeaderNames,
  isSafelistedRequestHeader,
  normalizeMethod,
  preflightAllows,
  preflightNeeds,
  preflightRequestHeaders,
} from './cors-rules';

const site = 'https://a.example';

describe('which requests are preflighted (CORS-safelisted methods and request-headers)', () => {
  const needs = (method: string, headers: HeaderList = []) => preflightNeeds(method, headers);

  it.each(['GET', 'HEAD', 'POST', 'get', 'post'])('%s without headers: no preflight', (method) => {
    expect(needs(method)).toBeUndefined();
  });

  it.each([
    ['PUT', 'PUT'],
    ['DELETE', 'DELETE'],
    ['OPTIONS', 'OPTIONS'],
    ['put', 'PUT'],
    ['delete', 'DELETE'],
    ['PATCH', 'PATCH'],
    // Only the six methods fetch() normalizes are uppercased: "patch" is asked for as "patch".
    ['patch', 'patch'],
    ['CUSTOM', 'CUSTOM'],
  ])('%s: a preflight asking for %s', (method, asked) => {
    expect(needs(method)).toEqual({ method: asked, headers: [] });
  });

  it.each([
    ['accept', '*/*'],
    ['accept', 'text/html, application/xhtml+xml;q=0.9'],
    ['Accept-Language', 'de-DE, en;q=0.5'],
    ['content-language', 'en-GB'],
    ['content-type', 'text/plain'],
    ['content-type', 'text/plain;charset=UTF-8'],
    ['Content-Type', 'Application/X-WWW-Form-Urlencoded'],
    ['content-type', 'multipart/form-data; boundary=something'],
    ['content-type', ' text/plain '],
    ['range', 'bytes=0-'],
    ['range', 'bytes=100-200'],
    ['range', 'Bytes=5-5'],
  ])('safelisted: %s: %j', (name, value) => {
    expect(isSafelistedRequestHeader(name, value)).toBe(true);
    expect(needs('GET', [[name, value]])).toBeUndefined();
  });

  it.each([
    ['x-custom', 'yes'],
    ['authorization', 'Bearer t'],
    ['cache-control', 'no-cache'],
    ['if-none-match', '"v1"'],
    // Unsafe bytes: in Accept and Content-Type every one of " ( ) : < > ? @ [ \ ] { } DEL and controls but tab.
    ['accept', 'text/html"'],
    ['accept', 'a(b)'],
    ['accept', 'a:b'],
    ['accept', 'a<b>'],
    ['accept', 'a?b'],
    ['accept', 'a@b'],
    ['accept', 'a[b]'],
    ['accept', 'a\\b'],
    ['accept', 'a{b}'],
    ['accept', 'a\x7fb'],
    ['accept', 'a\x01b'],
    ['content-type', 'text/plain; charset="utf-8"'],
    // Accept-Language and Content-Language: only letters, digits, space and * , - . ; =
    ['accept-language', 'en_US'],
    ['accept-language', 'de\tDE'],
    ['content-language', 'en/GB'],
    // Content-Type: only three essences; a value that is no MIME type at all is not safelisted either.
    ['content-type', 'application/json'],
    ['content-type', 'text/html'],
    ['content-type', 'text'],
    ['content-type', 'text/'],
    ['content-type', 'text /plain'],
    ['content-type', ''],
    // Range: one range, "bytes" a start and an end not before it, no whitespace, no suffix range.
    ['range', 'bytes=-500'],
    ['range', 'bytes=0-1,5-6'],
    ['range', 'bytes = 0-'],
    ['range', 'bytes=200-100'],
    ['range', 'items=0-1'],
    ['range', 'bytes=x-'],
  ])('not safelisted, preflighted: %s: %j', (name, value) => {
    expect(isSafelistedRequestHeader(name, value)).toBe(false);
    expect(needs('GET', [[name, value]])).toEqual({ method: 'GET', headers: [name.toLowerCase()] });
  });

  it('a tab is no unsafe byte in Accept', () => {
    expect(isSafelistedRequestHeader('accept', 'text/html,\ttext/plain')).toBe(true);
  });

  it('a safelisted header of more than 128 bytes is not safelisted; 128 bytes still are', () => {
    const language = (length: number) => 'a'.repeat(length);
    expect(isSafelistedRequestHeader('accept-language', language(128))).toBe(true);
    expect(isSafelistedRequestHeader('accept-language', language(129))).toBe(false);
    expect(isSafelistedRequestHeader('accept', `text/${'x'.repeat(124)}`)).toBe(false);
    expect(isSafelistedRequestHeader('content-type', `text/plain;${'x'.repeat(118)}`)).toBe(false);
    expect(needs('GET', [['accept-language', language(129)]])).toEqual({ method: 'GET', headers: ['accept-language'] });
  });

  it('more than 1024 bytes of safelisted values together make every one of them unsafe', () => {
    const at = (length: number) => 'a'.repeat(length);
    // 8 × 128 = 1024: still safelisted.
    const exactly: HeaderList = [
      ...Array.from({ length: 4 }, (): [string, string] => ['accept-language', at(128)]),
      ...Array.from({ length: 4 }, (): [string, string] => ['content-language', at(128)]),
    ];
    expect(corsUnsafeHeaderNames(exactly)).toEqual([]);
    expect(needs('POST', exactly)).toBeUndefined();
    const over: HeaderList = [...exactly, ['accept', '*']];
    expect(corsUnsafeHeaderNames(over)).toEqual(['accept', 'accept-language', 'content-language']);
    expect(needs('GET', [...over, ['x-custom', '1']])).toEqual({
      method: 'GET',
      headers: ['accept', 'accept-language', 'content-language', 'x-custom'],
    });
  });

  it('asks for the unsafe names once each, lowercase and sorted, and for no safelisted one', () => {
    expect(
      needs('POST', [
        ['X-Zeta', '1'],
        ['Content-Type', 'application/json'],
        ['x-zeta', '2'],
        ['Accept', '*/*'],
        ['Authorization', 'Basic x'],
      ]),
    ).toEqual({ method: 'POST', headers: ['authorization', 'content-type', 'x-zeta'] });
  });

  it('says so in Access-Control-Request-Method and, if there are any, -Headers, joined by "," alone', () => {
    expect(preflightRequestHeaders({ method: 'PUT', headers: [] })).toEqual([['Access-Control-Request-Method', 'PUT']]);
    expect(preflightRequestHeaders({ method: 'GET', headers: ['content-type', 'x-a'] })).toEqual([
      ['Access-Control-Request-Method', 'GET'],
      ['Access-Control-Request-Headers', 'content-type,x-a'],
    ]);
  });

  it('normalizes methods as fetch() does', () => {
    expect(['get', 'Head', 'post', 'put', 'delete', 'options', 'patch', 'Custom'].map(normalizeMethod)).toEqual([
      'GET',
      'HEAD',
      'POST',
      'PUT',
      'DELETE',
      'OPTIONS',
      'patch',
      'Custom',
    ]);
  });
});

describe('how the answer to a preflight is checked', () => {
  const answer = (init: Record<string, string>) => new Headers(init);
  const allowed = (
    init: Record<string, string>,
    needs: { method: string; headers: string[] },
    credentials: RequestCredentials = 'same-origin',
    status = 204,
  ) => preflightAllows(site, status, answer(init), needs, credentials);
  const put = { method: 'PUT', headers: [] };
  const getWith = (...headers: string[]) => ({ method: 'GET', headers });

  it('needs an ok status (200–299)', () => {
    const init = { 'access-control-allow-origin': site, 'access-control-allow-methods': 'PUT' };
    expect(allowed(init, put, 'omit', 200)).toBeUndefined();
    expect(allowed(init, put, 'omit', 299)).toBeUndefined();
    for (const status of [0, 199, 301, 304, 403, 404, 500])
      expect(allowed(init, put, 'omit', status)).toMatch(/answered/);
  });

  it('needs the CORS check to pass: the exact origin, or * without credentials', () => {
    const methods = { 'access-control-allow-methods': 'PUT' };
    expect(allowed(methods, put)).toMatch(/Access-Control-Allow-Origin/);
    expect(allowed({ ...methods, 'access-control-allow-origin': 'https://b.example' }, put)).toMatch(
      /Access-Control-Allow-Origin/,
    );
    expect(allowed({ ...methods, 'access-control-allow-origin': '*' }, put)).toBeUndefined();
    expect(allowed({ ...methods, 'access-control-allow-origin': site }, put)).toBeUndefined();
    // With credentials "include": * is not enough, and Access-Control-Allow-Credentials must say true.
    expect(
      allowed(
        { ...methods, 'access-control-allow-origin': '*', 'access-control-allow-credentials': 'true' },
        put,
        'include',
      ),
    ).toMatch(/Access-Control-Allow-Origin/);
    expect(allowed({ ...methods, 'access-control-allow-origin': site }, put, 'include')).toMatch(
      /Access-Control-Allow-Origin/,
    );
    expect(
      allowed(
        { ...methods, 'access-control-allow-origin': site, 'access-control-allow-credentials': 'true' },
        put,
        'include',
      ),
    ).toBeUndefined();
  });

  it('needs the method in Access-Control-Allow-Methods, compared exactly', () => {
    const origin = { 'access-control-allow-origin': site };
    expect(allowed(origin, put)).toMatch(/does not allow PUT/);
    expect(allowed({ ...origin, 'access-control-allow-methods': 'GET, POST' }, put)).toMatch(/does not allow PUT/);
    expect(allowed({ ...origin, 'access-control-allow-methods': 'get, put' }, put)).toMatch(/does not allow PUT/);
    expect(allowed({ ...origin, 'access-control-allow-methods': 'GET,PUT' }, put)).toBeUndefined();
    expect(allowed({ ...origin, 'access-control-allow-methods': ' DELETE , PUT ' }, put)).toBeUndefined();
    expect(allowed({ ...origin, 'access-control-allow-methods': 'PATCH' }, { method: 'patch', headers: [] })).toMatch(
      /does not allow patch/,
    );
    expect(
      allowed({ ...origin, 'access-control-allow-methods': 'patch' }, { method: 'patch', headers: [] }),
    ).toBeUndefined();
  });

  it('a safelisted method needs no Access-Control-Allow-Methods', () => {
    expect(
      allowed({ 'access-control-allow-origin': site, 'access-control-allow-headers': 'x-a' }, getWith('x-a')),
    ).toBeUndefined();
    expect(
      allowed(
        { 'access-control-allow-origin': site, 'access-control-allow-headers': 'x-a' },
        { method: 'POST', headers: ['x-a'] },
      ),
    ).toBeUndefined();
  });

  it('Access-Control-Allow-Methods: * stands for any method only without credentials', () => {
    const star = {
      'access-control-allow-origin': site,
      'access-control-allow-methods': '*',
      'access-control-allow-credentials': 'true',
    };
    expect(allowed(star, put, 'omit')).toBeUndefined();
    expect(allowed(star, put, 'same-origin')).toBeUndefined();
    expect(allowed(star, put, 'include')).toMatch(/does not allow PUT/);
    expect(allowed({ ...star, 'access-control-allow-methods': '*, PUT' }, put, 'include')).toBeUndefined();
  });

  it('needs every unsafe header in Access-Control-Allow-Headers, in any case', () => {
    const origin = { 'access-control-allow-origin': site };
    expect(allowed(origin, getWith('x-a'))).toMatch(/header x-a/);
    expect(allowed({ ...origin, 'access-control-allow-headers': 'X-A' }, getWith('x-a', 'x-b'))).toMatch(/header x-b/);
    expect(allowed({ ...origin, 'access-control-allow-headers': 'X-B, x-a' }, getWith('x-a', 'x-b'))).toBeUndefined();
    expect(
      allowed({ ...origin, 'access-control-allow-headers': 'content-type' }, getWith('content-type')),
    ).toBeUndefined();
  });

  it('Access-Control-Allow-Headers: * stands for any header without credentials, but never for Authorization', () => {
    const star = {
      'access-control-allow-origin': site,
      'access-control-allow-headers': '*',
      'access-control-allow-credentials': 'true',
    };
    expect(allowed(star, getWith('x-a', 'content-type'), 'omit')).toBeUndefined();
    expect(allowed(star, getWith('x-a'), 'include')).toMatch(/header x-a/);
    expect(allowed(star, getWith('authorization'), 'omit')).toMatch(/header authorization/);
    expect(
      allowed({ ...star, 'access-control-allow-headers': '*, Authorization' }, getWith('authorization', 'x-a'), 'omit'),
    ).toBeUndefined();
    expect(
      allowed(
        { ...star, 'access-control-allow-headers': 'x-a, authorization' },
        getWith('authorization', 'x-a'),
        'include',
      ),
    ).toBeUndefined();
  });

  it('refuses an Access-Control-Allow-Methods or -Headers that is not a list of tokens', () => {
    const origin = { 'access-control-allow-origin': site };
    expect(allowed({ ...origin, 'access-control-allow-methods': 'PUT DELETE' }, put)).toMatch(/not a list of methods/);
    expect(allowed({ ...origin, 'access-control-allow-methods': 'PUT, (DELETE)' }, put)).toMatch(
      /not a list of methods/,
    );
    expect(allowed({ ...origin, 'access-control-allow-headers': 'x-a x-b' }, getWith('x-a'))).toMatch(
      /not a list of header names/,
    );
    // Empty items of a #list are allowed.
    expect(allowed({ ...origin, 'access-control-allow-methods': ', PUT,,' }, put)).toBeUndefined();
  });
});
