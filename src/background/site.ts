// Sites as the browser groups origins for cookies, partitions and Sec-Fetch-Site: the scheme and
// the registrable domain (Public Suffix List, private section included, as Firefox's eTLD
// service has it), without the port. An IP address or a single-label host is its own site.
import { getDomain } from 'tldts';

/** "http://localhost", "https://example.co.uk": the form Firefox's partitionKey.topLevelSite takes. */
export function siteOf(urlOrOrigin: string): string {
  const url = new URL(urlOrOrigin);
  const host = url.hostname;
  const domain =
    host.startsWith('[') || /^\d+(\.\d+){3}$/.test(host) ? null : getDomain(host, { allowPrivateDomains: true });
  return `${url.protocol}//${domain ?? host}`;
}

export const sameSite = (a: string, b: string) => siteOf(a) === siteOf(b);

/** Fetch's Sec-Fetch-Site for a request from `initiatorOrigin` that has been at every URL of `chain`. */
export function secFetchSite(initiatorOrigin: string, chain: string[]): 'same-origin' | 'same-site' | 'cross-site' {
  if (chain.every((url) => new URL(url).origin === initiatorOrigin)) return 'same-origin';
  if (chain.every((url) => sameSite(url, initiatorOrigin))) return 'same-site';
  return 'cross-site';
}
