import { afterEach, describe, expect, it, vi } from 'vitest';
import { db } from '../../shared/db';
import { storedRegistration } from '../../../test/unit/fixtures';
import { useFakeNetwork } from '../../../test/unit/engine-harness/network';
import { useFreshStore } from '../../../test/unit/engine-harness/store';
import { downloadIcon, ICON_MAX_BYTES, storeIcon, storedIconDataUrl } from './icons';

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const network = useFakeNetwork();
const seen = network.hits;

/** The network answers every request with this, from now on; the request log starts over. */
function serve(body: BodyInit, headers: Record<string, string>, status = 200) {
  seen.length = 0;
  network.route = () => new Response(body, { status, headers });
}

useFreshStore();
afterEach(() => {
  vi.restoreAllMocks();
});

describe('downloadIcon', () => {
  it('fetches without cookies or referrer, no redirects, and keeps an image', async () => {
    serve(PNG, { 'content-type': 'image/png' });
    const icon = await downloadIcon('https://a.example/icon.png', 'https://a.example');
    expect(icon?.type).toBe('image/png');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.init).toMatchObject({ credentials: 'omit', referrerPolicy: 'no-referrer', redirect: 'error' });
  });

  it('refuses what is not an image, whatever the Content-Type says, and SVG not labelled SVG', async () => {
    serve('<html><script>alert(1)</script></html>', { 'content-type': 'image/png' });
    expect(await downloadIcon('https://a.example/fake.png', 'https://a.example')).toBeNull();
    serve(PNG, { 'content-type': 'text/html' });
    expect(await downloadIcon('https://a.example/html', 'https://a.example')).toBeNull();
    serve('<svg xmlns="http://www.w3.org/2000/svg"/>', { 'content-type': 'image/png' });
    expect(await downloadIcon('https://a.example/svg', 'https://a.example')).toBeNull();
    serve('<svg xmlns="http://www.w3.org/2000/svg"/>', { 'content-type': 'image/svg+xml' });
    expect((await downloadIcon('https://a.example/svg', 'https://a.example'))?.type).toBe('image/svg+xml');
    serve(PNG, { 'content-type': 'image/png' }, 404);
    expect(await downloadIcon('https://a.example/missing.png', 'https://a.example')).toBeNull();
  });

  it("refuses more than 256 KiB, other schemes, and a public page's icon on a local address", async () => {
    const big = new Uint8Array(ICON_MAX_BYTES + 1);
    big.set(PNG);
    serve(big, { 'content-type': 'image/png' });
    expect(await downloadIcon('https://a.example/big.png', 'https://a.example')).toBeNull();
    serve(PNG, { 'content-type': 'image/png' });
    expect(await downloadIcon('ftp://a.example/icon.png', 'https://a.example')).toBeNull();
    expect(await downloadIcon('http://127.0.0.1:8080/icon.png', 'https://8.8.8.8')).toBeNull();
    expect(seen).toHaveLength(0);
  });
});

describe('storeIcon', () => {
  it("stores the fetch's icon once, shown as a data: URL; a fetch whose icon is not an image has none", async () => {
    const reg = storedRegistration('with-icon', { icons: [{ src: '/icon.png', sizes: '96x96', type: 'image/png' }] });
    await db.registrations.add(reg);
    serve(PNG, { 'content-type': 'image/png' });
    await storeIcon(reg);
    expect(seen.map((hit) => hit.url)).toEqual([new URL('/icon.png', reg.scope).href]);
    expect(await storedIconDataUrl(reg.key)).toMatch(/^data:image\/png;base64,/);

    const fake = storedRegistration('fake-icon', { icons: [{ src: '/fake.png', sizes: '', type: 'image/png' }] });
    await db.registrations.add(fake);
    serve('not an image', { 'content-type': 'image/png' });
    await storeIcon(fake);
    expect(await db.icons.get(fake.key)).toBeUndefined();
  });
});
