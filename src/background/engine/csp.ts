// The calling document's Content Security Policy, `connect-src` (or its fallback `default-src`),
// applied to what bgfetch fetches for it: at fetch() and at every redirect hop (cors-hook.ts), as the
// page's own fetch() would be held to it. Header policies are recorded here as documents arrive
// (webRequest, main_frame/sub_frame); `<meta>` ones the relay reads from the document at call time.
import browser, { type WebRequest } from 'webextension-polyfill';

/** One enforced policy's connect-src source list (lowercased tokens); a fetch must match all. */
export type ConnectSourceLists = string[][];

/** The connect-src lists of `policies` (each a header value, possibly several policies joined by ","). */
export function connectSourceLists(policies: readonly string[]): ConnectSourceLists {
  const lists: ConnectSourceLists = [];
  for (const policy of policies.flatMap((value) => value.split(','))) {
    const directives = new Map<string, string[]>();
    for (const directive of policy.split(';')) {
      const [name, ...sources] = directive.trim().split(/[\t\n\f\r ]+/);
      // The first of a name counts (CSP: later duplicates are ignored).
      if (name && !directives.has(name.toLowerCase()))
        directives.set(
          name.toLowerCase(),
          sources.map((source) => source.toLowerCase()),
        );
    }
    const list = directives.get('connect-src') ?? directives.get('default-src');
    if (list) lists.push(list);
  }
  return lists;
}

const HOST_SOURCE =
  /^(?:([a-z][a-z0-9+.-]*):\/\/)?(\*|(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::(\*|\d+))?(\/[^?#]*)?$/;
const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443', 'ws:': '80', 'wss:': '443' };

/** CSP's scheme-part match: the same scheme, or its secure variant. */
const schemeMatches = (expected: string, actual: string) =>
  expected === actual || (expected === 'http' && actual === 'https') || (expected === 'ws' && actual === 'wss');

const decodedPath = (path: string) => {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
};

/** Does `url` match one source expression, for a document of `selfOrigin`? */
export function sourceMatches(source: string, url: URL, selfOrigin: URL, redirected: boolean): boolean {
  const scheme = url.protocol.slice(0, -1);
  if (source === '*') return ['http', 'https', 'ws', 'wss'].includes(scheme) || url.protocol === selfOrigin.protocol;
  if (source === "'self'") {
    if (url.origin === selfOrigin.origin) return true;
    // An http document's 'self' also allows its host over https on the default port.
    return (
      selfOrigin.protocol === 'http:' &&
      (url.protocol === 'https:' || url.protocol === 'wss:') &&
      url.hostname === selfOrigin.hostname &&
      url.port === ''
    );
  }
  if (/^[a-z][a-z0-9+.-]*:$/.test(source)) return schemeMatches(source.slice(0, -1), scheme);
  const host = HOST_SOURCE.exec(source);
  if (!host) return false; // 'none', 'unsafe-…', nonces, hashes: not about URLs
  const [, sourceScheme, sourceHost, sourcePort, sourcePath] = host;
  if (sourceScheme ? !schemeMatches(sourceScheme, scheme) : !schemeMatches(selfOrigin.protocol.slice(0, -1), scheme))
    return false;
  const hostname = url.hostname.toLowerCase();
  if (sourceHost !== '*') {
    if (sourceHost!.startsWith('*.') ? !hostname.endsWith(sourceHost!.slice(1)) : hostname !== sourceHost) return false;
  }
  const port = url.port || DEFAULT_PORTS[url.protocol] || '';
  if (sourcePort !== '*') {
    const expected = sourcePort ?? DEFAULT_PORTS[`${sourceScheme ?? scheme}:`] ?? '';
    // :80 (or no port on an http source) also allows https on 443.
    if (
      port !== expected &&
      !(expected === '80' && (url.protocol === 'https:' || url.protocol === 'wss:') && port === '443')
    )
      return false;
  }
  // After a redirect, paths are not compared (CSP: a redirect must not reveal the path).
  if (sourcePath && !redirected) {
    const expected = decodedPath(sourcePath);
    const actual = decodedPath(url.pathname);
    if (expected.endsWith('/') ? !actual.startsWith(expected) : actual !== expected) return false;
  }
  return true;
}

/** Does every policy's connect-src allow `url` (for a document of `selfOrigin`)? */
export function connectAllowed(
  lists: ConnectSourceLists | undefined,
  url: string,
  selfOrigin: string,
  redirected = false,
): boolean {
  if (!lists?.length) return true;
  const target = new URL(url);
  const self = new URL(selfOrigin);
  return lists.every((list) => list.some((source) => sourceMatches(source, target, self, redirected)));
}

// --------------------------------------------------------------------------- header policies

interface DocumentPolicies {
  origin: string;
  policies: string[];
}

const STORAGE_PREFIX = 'csp:';
/** By `tabId:frameId`: the CSP headers of the document each frame holds. */
const byFrame = new Map<string, DocumentPolicies>();
const frameKey = (tabId: number, frameId: number) => `${tabId}:${frameId}`;
const session = () => (browser.storage as { session?: typeof browser.storage.local } | undefined)?.session;

function documentArrived(details: WebRequest.OnHeadersReceivedDetailsType): void {
  if (details.tabId < 0) return;
  const policies = (details.responseHeaders ?? [])
    .filter((header) => header.name.toLowerCase() === 'content-security-policy' && header.value)
    .map((header) => header.value!);
  const key = frameKey(details.tabId, details.frameId);
  let origin: string;
  try {
    origin = new URL(details.url).origin;
  } catch {
    return;
  }
  // Kept in session storage too: the background may be stopped between a load and a fetch().
  if (policies.length) {
    const entry = { origin, policies };
    byFrame.set(key, entry);
    void session()
      ?.set({ [STORAGE_PREFIX + key]: entry })
      .catch(() => undefined);
  } else if (byFrame.delete(key) || session()) {
    void session()
      ?.remove(STORAGE_PREFIX + key)
      .catch(() => undefined);
  }
}

/** Starts recording documents' CSP headers (Firefox; where webRequest is there). Call at top level. */
export function startRecordingDocumentPolicies(): void {
  const webRequest = (browser as { webRequest?: typeof browser.webRequest }).webRequest;
  if (!webRequest?.onHeadersReceived) return;
  webRequest.onHeadersReceived.addListener(
    documentArrived,
    { urls: ['http://*/*', 'https://*/*'], types: ['main_frame', 'sub_frame'] },
    ['responseHeaders'],
  );
}

/**
 * The CSP headers of the document in this tab's frame, if it is the caller's origin's (a frame
 * that went elsewhere since, or a document restored from the back-forward cache, gives none).
 */
export async function headerPolicies(
  tabId: number | undefined,
  frameId: number | undefined,
  origin: string,
): Promise<string[]> {
  if (tabId === undefined || frameId === undefined) return [];
  const key = frameKey(tabId, frameId);
  let entry = byFrame.get(key);
  if (!entry) {
    const stored = (
      await session()
        ?.get(STORAGE_PREFIX + key)
        .catch(() => undefined)
    )?.[STORAGE_PREFIX + key] as DocumentPolicies | undefined;
    if (stored) byFrame.set(key, (entry = stored));
  }
  return entry?.origin === origin ? entry.policies : [];
}
