// Who may use the offscreen document: the extension's own service worker, nobody else. Every
// content script's runtime message reaches every extension page as well, with this extension's
// id as `sender.id`; a page's messages carry its tab and its own URL.
import type { Runtime } from 'webextension-polyfill';

export function fromServiceWorker(sender: Runtime.MessageSender, extensionId: string, workerUrl: string): boolean {
  return sender.id === extensionId && sender.tab === undefined && sender.url === workerUrl;
}
