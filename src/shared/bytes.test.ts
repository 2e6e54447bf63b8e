import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, fromWire } from './bytes';

describe('base64 round trip', () => {
  it.each([0, 1, 2, 3, 4, 0x8000 - 1, 0x8000, 0x8000 + 1, 100 * 1024])('keeps %i random bytes', (length) => {
    const bytes = new Uint8Array(randomBytes(length));
    const base64 = bytesToBase64(bytes);
    expect(base64).toBe(Buffer.from(bytes).toString('base64'));
    expect(base64ToBytes(base64)).toEqual(bytes);
  });

  it('encodes every byte value', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(base64ToBytes(bytesToBase64(bytes))).toEqual(bytes);
    expect(bytesToBase64(new Uint8Array([0xff]))).toBe('/w==');
    expect(bytesToBase64(new Uint8Array(0))).toBe('');
  });

  it('encodes a subarray, not its whole buffer', () => {
    const whole = Uint8Array.from([1, 2, 3, 4, 5, 6]);
    expect(bytesToBase64(whole.subarray(2, 4))).toBe(Buffer.from([3, 4]).toString('base64'));
  });

  it('fromWire passes bytes through and decodes strings', () => {
    const bytes = new Uint8Array([9, 8, 7]);
    expect(fromWire(bytes)).toBe(bytes);
    expect(fromWire('CQgH')).toEqual(bytes);
  });

  it('rejects text that is not base64', () => {
    expect(() => base64ToBytes('not base64!')).toThrow();
  });
});
