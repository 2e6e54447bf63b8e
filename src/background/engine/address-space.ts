// Local Network Access (https://wicg.github.io/local-network-access/): a page on a public address
// may not reach private or loopback addresses, nor a private page loopback ones, without the
// person's permission. bgfetch cannot ask for that permission, so it refuses (Firefox: checked at
// every hop, in the blocking webRequest listener of cors-hook.ts, with `dns.resolve`).
import browser from 'webextension-polyfill';
import { switches } from '../switches';

export type AddressSpace = 'local' | 'private' | 'public';
const RANK: Record<AddressSpace, number> = { public: 0, private: 1, local: 2 };

export function spaceOfAddress(address: string): AddressSpace {
  const ip = address.replace(/^\[|\]$/g, '').toLowerCase();
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    if (a === 127 || (a === 0 && b === 0)) return 'local';
    if (
      a === 10 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b <= 127)
    ) {
      return 'private';
    }
    return 'public';
  }
  if (ip === '::1' || ip === '::') return 'local';
  if (/^f[cd]/.test(ip) || /^fe[89ab]/.test(ip)) return 'private';
  return 'public';
}

const isIpLiteral = (host: string) => host.startsWith('[') || /^\d+(\.\d+){3}$/.test(host);

/**
 * The address space of an origin's server: the most local of its addresses. Firefox's testing pref
 * `network.lna.address_space.public.override` is invisible to extensions; the test switch
 * `publicAddressOverride` ("host:port,...") mirrors it.
 */
export async function spaceOf(url: string): Promise<AddressSpace> {
  const { hostname, host, port, protocol } = new URL(url);
  const hostPort = port ? host : `${host}:${protocol === 'https:' ? 443 : 80}`;
  const overrides = switches()
    .publicAddressOverride.split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (overrides.includes(hostPort)) return 'public';
  let addresses: string[];
  if (isIpLiteral(hostname)) addresses = [hostname];
  else if (hostname === 'localhost' || hostname.endsWith('.localhost')) addresses = ['127.0.0.1'];
  else {
    const dns = (browser as { dns?: { resolve(name: string): Promise<{ addresses: string[] }> } }).dns;
    if (!dns) return 'public';
    try {
      addresses = (await dns.resolve(hostname)).addresses;
    } catch {
      return 'public'; // Unresolvable: the request fails anyway.
    }
  }
  return addresses
    .map(spaceOfAddress)
    .reduce<AddressSpace>((most, space) => (RANK[space] > RANK[most] ? space : most), 'public');
}

/** Why a request from `callerOrigin` to `url` is refused, or undefined when LNA allows it. */
export async function localNetworkRefusal(callerOrigin: string, url: string): Promise<string | undefined> {
  const [from, to] = await Promise.all([spaceOf(callerOrigin), spaceOf(url)]);
  if (RANK[to] <= RANK[from]) return undefined;
  return `Local Network Access: a page on a ${from} address may not reach ${new URL(url).host} (${to}) without the person's permission, which bgfetch cannot ask for.`;
}
