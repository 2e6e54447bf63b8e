// The CORS protocol's rules against the Fetch standard (https://fetch.spec.whatwg.org/):
// credentials, the CORS check of a response, the Origin and Sec-Fetch-* headers, redirects, and
// what a page sees of a response's headers (the preflight: cors-preflight.test.ts). The same rules
// in real browsers, with a real server: test/e2e/security.test.ts.
import { describe, expect, it } from 'vitest';
import { serializedRequest } from '../../../test/unit/fixtures';
import { isBadPort } from '../policy';
import {
  corsAllows,
  exposedHeaders,
  includesCredentials,
  redirectRefusal,
  redirectTaintsOrigin,
  secFetchHeaders,
  sendsCredentials,
  sendsOriginHeader,
  serializedOrigin,
} from './cors-rules';

const site = 'https://a.example';
const request = (url: string, credentials: RequestCredentials) => serializedRequest(url, { credentials });

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
      corsAllows(
        site,
        headers({ 'access-control-allow-origin': '*', 'access-control-allow-credentials': 'true' }),
        true,
      ),
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
      corsAllows(
        site,
        headers({ 'access-control-allow-origin': site, 'access-control-allow-credentials': 'TRUE' }),
        true,
      ),
    ).toBe(false);
    expect(
      corsAllows(
        site,
        headers({ 'access-control-allow-origin': site, 'access-control-allow-credentials': 'true' }),
        true,
      ),
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

describe('credentials, Origin and Sec-Fetch-* on the wire', () => {
  it('includes credentials with "include", and with "same-origin" until the request is a CORS one', () => {
    expect(includesCredentials('include', 'cors')).toBe(true);
    expect(includesCredentials('same-origin', 'basic')).toBe(true);
    expect(includesCredentials('same-origin', 'cors')).toBe(false);
    expect(includesCredentials('omit', 'basic')).toBe(false);
  });

  it('taints the origin at a redirect that changes origin from another origin than the site', () => {
    expect(redirectTaintsOrigin(site, 'https://a.example/r', 'https://b.example/x')).toBe(false);
    expect(redirectTaintsOrigin(site, 'https://b.example/r', 'https://b.example/x')).toBe(false);
    expect(redirectTaintsOrigin(site, 'https://b.example/r', 'https://c.example/x')).toBe(true);
    expect(redirectTaintsOrigin(site, 'https://b.example/r', 'https://a.example/x')).toBe(true);
    expect(serializedOrigin(site, false)).toBe(site);
    expect(serializedOrigin(site, true)).toBe('null');
  });

  it('sends Origin on every CORS request, and on same-origin ones unless GET or HEAD', () => {
    expect(sendsOriginHeader('cors', 'GET')).toBe(true);
    expect(sendsOriginHeader('basic', 'GET')).toBe(false);
    expect(sendsOriginHeader('basic', 'HEAD')).toBe(false);
    expect(sendsOriginHeader('basic', 'POST')).toBe(true);
    expect(sendsOriginHeader('basic', 'put')).toBe(true);
  });

  it("says what the page's fetch() says in Sec-Fetch-*, a preflight in mode cors", () => {
    expect(secFetchHeaders('cors', false, site, ['https://b.example/x'])).toEqual([
      ['Sec-Fetch-Dest', 'empty'],
      ['Sec-Fetch-Mode', 'cors'],
      ['Sec-Fetch-Site', 'cross-site'],
    ]);
    expect(secFetchHeaders('same-origin', false, site, ['https://a.example/x'])).toContainEqual([
      'Sec-Fetch-Mode',
      'same-origin',
    ]);
    expect(secFetchHeaders('same-origin', true, site, ['https://cdn.a.example/x'])).toEqual([
      ['Sec-Fetch-Dest', 'empty'],
      ['Sec-Fetch-Mode', 'cors'],
      ['Sec-Fetch-Site', 'same-site'],
    ]);
  });
});

describe('redirects fetch() refuses at once', () => {
  const hop = (location: string, extra: Partial<Parameters<typeof redirectRefusal>[0]> = {}) =>
    redirectRefusal(
      { location, from: 'https://a.example/r', siteOrigin: site, mode: 'cors', tainting: 'basic', ...extra },
      isBadPort,
    );

  it('follows http(s) Locations, relative ones too', () => {
    expect(hop('https://b.example/x')).toBeUndefined();
    expect(hop('/elsewhere')).toBeUndefined();
    expect(hop('http://a.example:8080/x')).toBeUndefined();
  });

  it('refuses another scheme, a bad port and an unparsable Location', () => {
    expect(hop('data:text/plain,x')).toMatch(/data: URL/);
    expect(hop('file:///etc/passwd')).toMatch(/file: URL/);
    expect(hop('https://b.example:6000/x')).toMatch(/bad port 6000/);
    expect(hop('http://[::1')).toMatch(/invalid URL/);
  });

  it('refuses credentials in a URL of another origin (or any, once the request is a CORS one)', () => {
    expect(hop('https://u:p@b.example/x')).toMatch(/credentials/);
    expect(hop('https://u:p@a.example/x')).toBeUndefined();
    expect(hop('https://u:p@a.example/x', { tainting: 'cors', from: 'https://b.example/r' })).toMatch(/credentials/);
    expect(hop('https://u:p@b.example/x', { mode: 'same-origin' })).toBeUndefined();
  });
});
