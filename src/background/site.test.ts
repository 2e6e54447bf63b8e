import { describe, expect, it } from 'vitest';
import { secFetchSite, siteOf } from './site';

describe('siteOf', () => {
  it('is the scheme and registrable domain, without the port', () => {
    expect(siteOf('https://www.example.co.uk:8443/x')).toBe('https://example.co.uk');
    expect(siteOf('http://localhost:8080')).toBe('http://localhost');
    expect(siteOf('http://127.0.0.1:9/')).toBe('http://127.0.0.1');
    expect(siteOf('http://[::1]:80/')).toBe('http://[::1]');
    // The Public Suffix List's private section: two github.io pages are two sites.
    expect(siteOf('https://a.github.io/')).not.toBe(siteOf('https://b.github.io/'));
  });
});

describe('secFetchSite', () => {
  it('says what fetch() says for the whole chain', () => {
    expect(secFetchSite('https://a.example', ['https://a.example/x'])).toBe('same-origin');
    expect(secFetchSite('https://a.example', ['https://cdn.a.example/x'])).toBe('same-site');
    expect(secFetchSite('https://a.example', ['https://a.example/r', 'https://b.example/x'])).toBe('cross-site');
    expect(secFetchSite('https://a.example', ['https://b.example/r', 'https://a.example/x'])).toBe('cross-site');
  });
});
