import { describe, expect, it } from 'vitest';
import { connectAllowed, connectSourceLists } from './csp';

const SELF = 'https://site.example';
const allowed = (policy: string | string[], url: string, self = SELF, redirected = false) =>
  connectAllowed(connectSourceLists([policy].flat()), url, self, redirected);

describe('connectSourceLists', () => {
  it('takes connect-src, else default-src, the first of each name, one list per policy', () => {
    expect(connectSourceLists(["default-src 'self'; connect-src https://A.example"])).toEqual([['https://a.example']]);
    expect(connectSourceLists(["default-src 'none'; img-src *"])).toEqual([["'none'"]]);
    expect(connectSourceLists(['connect-src a.example; connect-src b.example'])).toEqual([['a.example']]);
    expect(connectSourceLists(["script-src 'self'"])).toEqual([]);
    expect(connectSourceLists(["connect-src 'self', connect-src *"])).toEqual([["'self'"], ['*']]);
  });
});

describe('connectAllowed', () => {
  it('allows everything without a connect-src or default-src', () => {
    expect(allowed("script-src 'none'", 'https://other.example/x')).toBe(true);
    expect(connectAllowed(undefined, 'https://other.example/x', SELF)).toBe(true);
  });

  it("'self' is the document's origin (and an http document's host over https)", () => {
    expect(allowed("connect-src 'self'", 'https://site.example/a')).toBe(true);
    expect(allowed("connect-src 'self'", 'https://other.example/a')).toBe(false);
    expect(allowed("connect-src 'self'", 'https://site.example:8443/a')).toBe(false);
    expect(allowed("connect-src 'self'", 'https://site.example/a', 'http://site.example')).toBe(true);
    expect(allowed("connect-src 'self'", 'http://127.0.0.1:4001/a', 'http://localhost:4001')).toBe(false);
  });

  it("'none' and an empty list allow nothing", () => {
    expect(allowed("connect-src 'none'", 'https://site.example/a')).toBe(false);
    expect(allowed('connect-src', 'https://site.example/a')).toBe(false);
  });

  it('schemes, with http allowing https', () => {
    expect(allowed('connect-src https:', 'https://any.example/a')).toBe(true);
    expect(allowed('connect-src https:', 'http://any.example/a')).toBe(false);
    expect(allowed('connect-src http:', 'https://any.example/a')).toBe(true);
    expect(allowed('connect-src *', 'https://any.example/a')).toBe(true);
  });

  it('hosts: exact, wildcard subdomains (not the bare domain), the scheme of the document when none is given', () => {
    expect(allowed('connect-src cdn.example', 'https://cdn.example/a')).toBe(true);
    expect(allowed('connect-src cdn.example', 'http://cdn.example/a')).toBe(false);
    expect(allowed('connect-src *.cdn.example', 'https://a.b.cdn.example/x')).toBe(true);
    expect(allowed('connect-src *.cdn.example', 'https://cdn.example/x')).toBe(false);
    expect(allowed('connect-src https://CDN.example', 'https://cdn.example/x')).toBe(true);
  });

  it('ports: the default when none is given, any with *, 80 allowing https on 443', () => {
    expect(allowed('connect-src https://cdn.example', 'https://cdn.example:8443/x')).toBe(false);
    expect(allowed('connect-src https://cdn.example:8443', 'https://cdn.example:8443/x')).toBe(true);
    expect(allowed('connect-src https://cdn.example:*', 'https://cdn.example:9/x')).toBe(true);
    expect(allowed('connect-src http://cdn.example:80', 'https://cdn.example/x')).toBe(true);
    expect(allowed('connect-src http://localhost:4001', 'http://localhost:4001/x', 'http://localhost:4001')).toBe(true);
  });

  it('paths: a trailing slash is a prefix, else exact; ignored after a redirect', () => {
    expect(allowed('connect-src https://cdn.example/files/', 'https://cdn.example/files/a.bin')).toBe(true);
    expect(allowed('connect-src https://cdn.example/files/', 'https://cdn.example/other/a.bin')).toBe(false);
    expect(allowed('connect-src https://cdn.example/a.bin', 'https://cdn.example/a.bin?x=1')).toBe(true);
    expect(allowed('connect-src https://cdn.example/a.bin', 'https://cdn.example/b.bin')).toBe(false);
    expect(allowed('connect-src https://cdn.example/a.bin', 'https://cdn.example/b.bin', SELF, true)).toBe(true);
  });

  it('every policy must allow (a header and a <meta>)', () => {
    expect(allowed(['connect-src https:', "connect-src 'self'"], 'https://other.example/a')).toBe(false);
    expect(allowed(['connect-src https:', "connect-src 'self'"], 'https://site.example/a')).toBe(true);
  });

  it('keywords that are not about URLs match nothing', () => {
    expect(allowed("connect-src 'unsafe-inline' 'nonce-abc'", 'https://site.example/a')).toBe(false);
  });
});
