// A fetch's icon, fetched once by the background when the fetch starts (and again after
// updateUI() changes the icons), then shown from the store: opening the popup or showing a
// notification sends nothing to a URL a page chose. The request is what an anonymous <img> would
// be and less: no cookies, no referrer, http(s) only, the same Local Network Access rule as the
// transfers (src/background/engine/address-space.ts), no redirects (each hop would need the check),
// at most ICON_MAX_BYTES, and only bytes that are an image by their first bytes and their
// Content-Type.
import type { StoredRegistration } from '../../shared/db';
import { contentTypeFits, sniffIcon } from '../../shared/icon-sniff';
import { pickIcon } from '../../shared/pick-icon';
import { localNetworkRefusal } from './address-space';
import { storeOf } from '../state/stores';

export const ICON_MAX_BYTES = 256 * 1024;
const ICON_TIMEOUT_MS = 10_000;
/** The size the popup's row shows (CSS px); pickIcon looks for twice that. */
const ICON_SIZE = 48;

/** The icon fetches running, so a notification can wait for one (start-notice.ts). */
const pending = new Map<string, Promise<void>>();

async function readCapped(response: Response): Promise<Uint8Array | null> {
  const announced = Number(response.headers.get('content-length') ?? '0');
  if (announced > ICON_MAX_BYTES || !response.body) return null;
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > ICON_MAX_BYTES) {
      await reader.cancel();
      return null;
    }
    parts.push(value);
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return bytes;
}

/** The bytes and type of the icon at `src`, or null when it is not one bgfetch may show. */
export async function downloadIcon(
  src: string,
  callerOrigin: string,
): Promise<{ type: string; data: ArrayBuffer } | null> {
  const url = new URL(src);
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    if (await localNetworkRefusal(callerOrigin, url.href)) return null;
  } else if (url.protocol !== 'data:') return null;
  const response = await fetch(url, {
    credentials: 'omit',
    referrerPolicy: 'no-referrer',
    redirect: 'error',
    cache: 'no-store',
    signal: AbortSignal.timeout(ICON_TIMEOUT_MS),
  });
  if (!response.ok) {
    await response.body?.cancel();
    return null;
  }
  const bytes = await readCapped(response);
  if (!bytes) return null;
  const type = sniffIcon(bytes);
  if (!type || !contentTypeFits(response.headers.get('content-type'), type)) return null;
  return { type, data: bytes.slice().buffer };
}

async function refresh(reg: StoredRegistration): Promise<void> {
  const store = storeOf(reg.key);
  let src: string | null = null;
  try {
    src = Array.isArray(reg.icons) ? pickIcon(reg.icons, reg.scope, ICON_SIZE) : null;
  } catch {
    src = null;
  }
  const icon = src ? await downloadIcon(src, reg.origin).catch(() => null) : null;
  await store.transaction('rw', store.registrations, store.icons, async () => {
    // Gone or changed meanwhile (a newer updateUI): that one's fetch stores its own.
    const current = await store.registrations.get(reg.key);
    if (!current || JSON.stringify(current.icons) !== JSON.stringify(reg.icons)) return;
    if (icon && src) await store.icons.put({ regKey: reg.key, src, type: icon.type, data: icon.data });
    else await store.icons.delete(reg.key);
  });
}

/** Fetches and stores the fetch's icon in the background; never throws. */
export function storeIcon(reg: StoredRegistration): Promise<void> {
  const run = refresh(reg)
    .catch((error: unknown) => console.warn('bgfetch: icon', error))
    .finally(() => {
      if (pending.get(reg.key) === run) pending.delete(reg.key);
    });
  pending.set(reg.key, run);
  return run;
}

/** Resolves once the icon fetch of `regKey` (if one runs) ended, or after `timeoutMs`. */
export async function iconSettled(regKey: string, timeoutMs = 3000): Promise<void> {
  const run = pending.get(regKey);
  if (!run) return;
  await Promise.race([run, new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
}

/** The stored icon as a data: URL (what notifications take), or undefined. SVG is left out:
 * a notification's image is not rendered through <img>. */
export async function storedIconDataUrl(regKey: string): Promise<string | undefined> {
  const icon = await storeOf(regKey).icons.get(regKey);
  if (!icon || icon.type === 'image/svg+xml') return undefined;
  const bytes = new Uint8Array(icon.data);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return `data:${icon.type};base64,${btoa(binary)}`;
}
