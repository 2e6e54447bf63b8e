// Where a saved file lands under the Downloads folder: `<site>/<fetch>/<file>`. Every part is
// made safe for Windows, macOS and Linux file systems and for the downloads API, which refuses
// absolute paths, `..` and some characters outright.
import { withoutFormatCharacters } from './text';

const UNSAFE = /[\u0000-\u001f\u007f"*/:<>?\\|]/g;
// Windows' device names, with or without an extension: COM and LPT take a digit or a
// superscript one (¹ ² ³ are device names too), and the console's CONIN$ and CONOUT$.
const RESERVED = /^(con|prn|aux|nul|com[\d¹²³]|lpt[\d¹²³]|conin\$|conout\$)(\..*)?$/i;
const MAX_PART = 100;

/** One path segment: never empty, never hidden, never a device name. */
export function safeSegment(raw: string, fallback = 'download'): string {
  let part = withoutFormatCharacters(raw.normalize('NFC')).replace(UNSAFE, '_').replace(/\s+/g, ' ');
  // Leading dots hide a file (or mean `..`); trailing dots and spaces vanish on Windows.
  part = part.replace(/^[\s.]+|[\s.]+$/g, '');
  if (part.length > MAX_PART) {
    const dot = part.lastIndexOf('.');
    const ext = dot > 0 && part.length - dot <= 10 ? part.slice(dot) : '';
    part = part.slice(0, MAX_PART - ext.length).trimEnd() + ext;
  }
  if (!part) return fallback;
  return RESERVED.test(part) ? `_${part}` : part;
}

/** The last path segment of a URL, decoded: `/media/ep%201.mp3?x=1` → `ep 1.mp3`. */
export function fileNameFromUrl(url: string): string {
  let name: string;
  try {
    const { pathname, hostname } = new URL(url);
    const last = pathname.split('/').filter(Boolean).at(-1) ?? '';
    try {
      name = decodeURIComponent(last);
    } catch {
      name = last;
    }
    name ||= hostname;
  } catch {
    name = '';
  }
  return safeSegment(name);
}

/** `name.ext` → `name (2).ext` for the second file of that name in one fetch. */
function numbered(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)} (${n})${name.slice(dot)}` : `${name} (${n})`;
}

/** Paths for the files of one fetch, distinct from each other. */
export function savePaths(origin: string, fetchName: string, urls: string[]): string[] {
  const site = safeSegment(new URL(origin).host, 'site');
  const folder = `${site}/${safeSegment(fetchName, 'fetch')}`;
  const seen = new Map<string, number>();
  return urls.map((url) => {
    const name = fileNameFromUrl(url);
    const lower = name.toLowerCase();
    const n = (seen.get(lower) ?? 0) + 1;
    seen.set(lower, n);
    return `${folder}/${n === 1 ? name : numbered(name, n)}`;
  });
}
