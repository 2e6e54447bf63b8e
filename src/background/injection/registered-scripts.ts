// Content scripts registered at run time for a list of sites (the bridge, the site-opened
// script, Chromium's page API): registered again only when the list changed, none for no site.
import browser, { type Scripting } from 'webextension-polyfill';

/** Match patterns carry no port: such a script may also run on a site's other ports, harmlessly. */
export const hostPattern = (origin: string): string => {
  const { protocol, hostname } = new URL(origin);
  return `${protocol}//${hostname}/*`;
};

export async function registerForSites(
  script: Scripting.RegisteredContentScript & { matches: string[] },
): Promise<void> {
  const [current] = await browser.scripting.getRegisteredContentScripts({ ids: [script.id] });
  const wanted = [...script.matches].sort();
  if (current && JSON.stringify([...(current.matches ?? [])].sort()) === JSON.stringify(wanted)) return;
  if (current) await browser.scripting.unregisterContentScripts({ ids: [script.id] });
  if (!wanted.length) return;
  await browser.scripting.registerContentScripts([{ ...script, matches: wanted }]);
}
