// What an icon's bytes are, from their first bytes: the popup and notifications show only images,
// whatever a server's Content-Type claims (an HTML page or a script labelled image/png is refused).
export type IconType =
  | 'image/png'
  | 'image/jpeg'
  | 'image/gif'
  | 'image/webp'
  | 'image/x-icon'
  | 'image/bmp'
  | 'image/avif'
  | 'image/svg+xml';

const ascii = (bytes: Uint8Array, start: number, text: string) =>
  [...text].every((char, offset) => bytes[start + offset] === char.charCodeAt(0));

/** The image type the bytes start with, or null when they are not an image bgfetch shows. */
export function sniffIcon(bytes: Uint8Array): IconType | null {
  if (bytes[0] === 0x89 && ascii(bytes, 1, 'PNG\r\n\x1a\n')) return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (ascii(bytes, 0, 'GIF87a') || ascii(bytes, 0, 'GIF89a')) return 'image/gif';
  if (ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WEBP')) return 'image/webp';
  if (bytes[0] === 0 && bytes[1] === 0 && (bytes[2] === 1 || bytes[2] === 2) && bytes[3] === 0) return 'image/x-icon';
  if (ascii(bytes, 0, 'BM') && bytes.length > 14) return 'image/bmp';
  if (ascii(bytes, 4, 'ftypavif') || ascii(bytes, 4, 'ftypavis')) return 'image/avif';
  // SVG: text whose first element is <svg> (after a BOM, an XML declaration, comments or a doctype).
  // Shown only through <img> from a blob:/data: URL, where an SVG's scripts never run.
  const head = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 4096)).replace(/^\uFEFF/, '');
  const rest = head.replace(/^\s*(<\?xml[^>]*\?>\s*)?((<!--[\s\S]*?-->|<!DOCTYPE[^>]*>)\s*)*/i, '');
  if (/^<svg[\s>]/i.test(rest)) return 'image/svg+xml';
  return null;
}

/** The server's Content-Type agrees: an image type, and SVG only when it says SVG. */
export function contentTypeFits(contentType: string | null, sniffed: IconType): boolean {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (!type.startsWith('image/')) return false;
  return sniffed === 'image/svg+xml' ? type === 'image/svg+xml' : type !== 'image/svg+xml';
}
