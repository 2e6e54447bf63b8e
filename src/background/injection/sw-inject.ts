// Firefox: puts the service-worker shim (src/sw) in front of every service-worker script as it
// arrives, so unmodified sites get Background Fetch events. The browser marks a worker's main
// script request with `Service-Worker: script`; imported scripts and page scripts lack it.
import browser from 'webextension-polyfill';
import { SHIM_PATH } from '../../shared/built-entries';

/** Enough of a script's start to see a BOM and a "use strict" directive. */
const HEAD_BYTES = 4096;
const UTF8_BOM = [0xef, 0xbb, 0xbf];
// A directive is a string statement: it ends with a semicolon or its line.
const DIRECTIVE = /^(?:\s|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)*(['"])use strict\1[ \t]*(?:;|(?=\r?\n))/;

/** One of the extension's scripts, as bytes to prepend. */
export const scriptBytes = (path: string): Promise<Uint8Array> =>
  fetch(browser.runtime.getURL(path))
    .then((response) => response.arrayBuffer())
    // The build emits it as one line: without its final newline, the site's own line numbers stay.
    .then((buffer) => new TextEncoder().encode(new TextDecoder().decode(buffer).trimEnd()));

let shimBytes: Promise<Uint8Array> | undefined;
const loadShim = () => (shimBytes ??= scriptBytes(SHIM_PATH));

/** `onWorkerScript` hears of every service-worker script on its way, with its URL. */
export function startInjectingShim(onWorkerScript: (url: string) => void): void {
  void loadShim();
  browser.webRequest.onBeforeSendHeaders.addListener(
    (details) => {
      const isWorkerScript = details.requestHeaders?.some(
        (header) => header.name.toLowerCase() === 'service-worker' && header.value === 'script',
      );
      if (isWorkerScript) {
        prependShim(details.requestId);
        onWorkerScript(details.url);
      }
      return {};
    },
    // A worker's script is fetched for no tab (tabId -1): pages' own script requests then never
    // wait on this blocking listener, however busy the background is.
    { urls: ['http://*/*', 'https://*/*'], types: ['script'], tabId: -1 },
    ['blocking', 'requestHeaders'],
  );
}

/**
 * Where the shim goes: after a BOM, a `#!` line (hashbang grammar: only first in the script)
 * and a directive prologue, which must stay first. Null while `head` ends inside the `#!` line.
 */
export function insertionPoint(head: Uint8Array): number | null {
  let start = 0;
  if (UTF8_BOM.every((byte, i) => head[i] === byte)) start = UTF8_BOM.length;
  // Directives are ASCII; latin1 keeps byte offsets equal to string offsets.
  let text = new TextDecoder('latin1').decode(head.subarray(start));
  if (text.startsWith('#!')) {
    // The shim starts the next line: the site's code keeps its line numbers. U+2028 and U+2029
    // end the line too: their UTF-8 bytes, read as latin1.
    const end = /\r\n?|\n|\xe2\x80[\xa8\xa9]/.exec(text);
    if (!end) return null;
    const skipped = end.index + end[0].length;
    start += skipped;
    text = text.slice(skipped);
  }
  const directive = DIRECTIVE.exec(text);
  return start + (directive ? directive[0].length : 0);
}

export function withShim(head: Uint8Array, shim: Uint8Array): Uint8Array {
  const found = insertionPoint(head);
  // A script that is one `#!` line and nothing else: the shim goes on a line of its own.
  const at = found ?? head.length;
  const before = new TextEncoder().encode(found === null ? '\n;' : ';');
  const after = new TextEncoder().encode(';');
  const out = new Uint8Array(head.length + shim.length + before.length + after.length);
  out.set(head.subarray(0, at), 0);
  out.set(before, at);
  out.set(shim, at + before.length);
  out.set(after, at + before.length + shim.length);
  out.set(head.subarray(at), at + before.length + shim.length + after.length);
  return out;
}

/** Puts `script` (the service-worker shim unless said) in front of the response to `requestId`. */
export function prependShim(requestId: string, script: () => Promise<Uint8Array> = loadShim): void {
  const filter = browser.webRequest.filterResponseData(requestId);
  let head: Uint8Array | null = new Uint8Array(0);
  // Events are handled in order even though the shim may still be loading.
  let queue: Promise<void> = Promise.resolve();
  const flushHead = async () => {
    if (!head) return;
    const shim = await script();
    filter.write(withShim(head, shim));
    head = null;
  };
  filter.ondata = ({ data }) => {
    queue = queue.then(async () => {
      if (!head) return filter.write(data);
      const next = new Uint8Array(head.length + data.byteLength);
      next.set(head);
      next.set(new Uint8Array(data), head.length);
      head = next;
      // A `#!` line longer than the head: wait for its end (or the script's).
      if (head.length >= HEAD_BYTES && insertionPoint(head) !== null) await flushHead();
    });
  };
  filter.onstop = () => {
    queue = queue.then(flushHead).finally(() => filter.close());
  };
  filter.onerror = () => console.warn('bgfetch: service worker script filter', filter.error);
}
