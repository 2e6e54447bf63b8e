import { describe, expect, it } from 'vitest';
import { isBlockedPort } from './spec';

describe('isBlockedPort', () => {
  it("blocks the fetch spec's bad ports over HTTP(S)", () => {
    for (const port of [1, 21, 22, 25, 111, 587, 2049, 4045, 6000, 6666, 10080]) {
      expect(isBlockedPort(`http://a.example:${port}/x`)).toBe(true);
      expect(isBlockedPort(`https://a.example:${port}/x`)).toBe(true);
    }
  });

  it('lets the default and ordinary ports through', () => {
    for (const url of [
      'http://a.example/x',
      'https://a.example/x',
      'http://a.example:8080/',
      'https://a.example:8443/',
      'http://127.0.0.1:3000/',
    ]) {
      expect(isBlockedPort(url)).toBe(false);
    }
    // A default port written out is the default port.
    expect(isBlockedPort('https://a.example:443/')).toBe(false);
  });

  it('only concerns HTTP(S)', () => {
    expect(isBlockedPort('ftp://a.example:21/')).toBe(false);
  });
});
