import { describe, expect, test } from 'vitest';
import { contentTypeFits, sniffIcon } from './icon-sniff';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('sniffIcon', () => {
  test('images by their first bytes', () => {
    expect(sniffIcon(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe('image/png');
    expect(sniffIcon(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffIcon(bytes('GIF89a...'))).toBe('image/gif');
    expect(sniffIcon(bytes('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp');
    expect(sniffIcon(new Uint8Array([0, 0, 1, 0, 1, 0]))).toBe('image/x-icon');
    expect(sniffIcon(bytes('\uFEFF<?xml version="1.0"?>\n<!-- x --><svg xmlns="http://www.w3.org/2000/svg"/>'))).toBe(
      'image/svg+xml',
    );
  });
  test('what is not an image is refused, whatever it claims', () => {
    expect(sniffIcon(bytes('<!doctype html><script>alert(1)</script>'))).toBeNull();
    expect(sniffIcon(bytes('<html><svg></svg></html>'))).toBeNull();
    expect(sniffIcon(bytes('alert(document.cookie)'))).toBeNull();
    expect(sniffIcon(new Uint8Array())).toBeNull();
  });
  test('Content-Type must be an image type, and SVG only when it says SVG', () => {
    expect(contentTypeFits('image/png', 'image/png')).toBe(true);
    expect(contentTypeFits('image/x-icon; charset=binary', 'image/x-icon')).toBe(true);
    expect(contentTypeFits('text/html', 'image/png')).toBe(false);
    expect(contentTypeFits(null, 'image/png')).toBe(false);
    expect(contentTypeFits('image/png', 'image/svg+xml')).toBe(false);
    expect(contentTypeFits('image/svg+xml', 'image/svg+xml')).toBe(true);
  });
});
