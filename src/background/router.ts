// The background's front door. Each message is parsed against the protocol before a handler
// sees it; the caller comes from the browser's `sender`. Nothing a page sends can throw past here.
import * as v from 'valibot';
import browser, { type Runtime } from 'webextension-polyfill';
import {
  adminRequestSchema,
  pagePortMessageSchema,
  pageRequestSchema,
  type PagePortPush,
  type Reply,
} from '../shared/protocol';
import { ADMIN_CHANNEL, EVENTS_PORT, OFFSCREEN_CHANNEL, PAGE_CHANNEL, SITE_OPENED_CHANNEL } from '../shared/channels';
import { SpecError, type WireError } from '../shared/spec';
import { snapshotOf } from '../shared/db';
import { isPrivateKey, storeOf } from './state/stores';
import { partitionOf, type PageHandlers } from './page-handlers';
import { callerOf, opaqueOrigin, opaqueOriginError, type Caller } from './policy';
import { addWatcher, removeWatcher, removeWatcherEverywhere, type ProgressWatcher } from './state/progress';
import type { AdminHandlers } from './admin-handlers';

function toWireError(error: unknown): WireError {
  if (error instanceof SpecError) return error.toWire();
  console.error('bgfetch: internal error', error);
  return { name: 'TypeError', message: 'bgfetch could not complete the request.' };
}

const malformed = (issues: [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]]): WireError => ({
  name: 'TypeError',
  message: `Malformed message: ${v.summarize(issues).slice(0, 500)}`,
});

async function answer<T>(work: () => Promise<T>): Promise<Reply<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    return { ok: false, error: toWireError(error) };
  }
}

function isExtensionPage(sender: Runtime.MessageSender): boolean {
  return sender.id === browser.runtime.id && (sender.url ?? '').startsWith(browser.runtime.getURL(''));
}

export interface SiteHooks {
  /** A page of this site (the sender's) loaded while it has service-worker events waiting. */
  siteOpened(origin: string): void;
  /** A page called the API, whatever came of the call. */
  apiUsed(caller: Caller): void;
}

export function startRouter(page: PageHandlers, admin: AdminHandlers, hooks: SiteHooks): void {
  browser.runtime.onMessage.addListener((message: unknown, sender: Runtime.MessageSender) => {
    if (sender.id !== browser.runtime.id || typeof message !== 'object' || message === null) return;
    const { channel, request, opaque, metaCsp } = message as {
      channel?: unknown;
      request?: unknown;
      opaque?: unknown;
      metaCsp?: unknown;
    };
    if (channel === PAGE_CHANNEL) {
      if (opaqueOrigin(sender, opaque)) return Promise.resolve({ ok: false, error: opaqueOriginError().toWire() });
      return handlePage(page, request, sender, hooks, metaCsp);
    }
    if (channel === ADMIN_CHANNEL) return handleAdmin(admin, request, sender);
    // The worker's own requests to its offscreen document are answered there; whoever else
    // sends on that channel gets no answer from here either.
    if (channel === OFFSCREEN_CHANNEL) return;
    if (channel === SITE_OPENED_CHANNEL) {
      const caller = opaqueOrigin(sender, opaque) ? undefined : callerOf(sender);
      if (caller) hooks.siteOpened(caller.origin);
      return Promise.resolve(true);
    }
    return;
  });
  browser.runtime.onConnect.addListener((port) => {
    if (port.name === EVENTS_PORT) servePagePort(port);
  });
}

function handlePage(
  handlers: PageHandlers,
  raw: unknown,
  sender: Runtime.MessageSender,
  hooks: SiteHooks,
  metaCsp: unknown,
): Promise<Reply<unknown>> {
  const caller = callerOf(sender);
  if (!caller) {
    return Promise.resolve({
      ok: false,
      error: { name: 'TypeError', message: 'Background fetch needs an http(s) page.' },
    });
  }
  // From the relay, the extension's own content script; bounded all the same.
  if (Array.isArray(metaCsp))
    caller.metaPolicies = metaCsp
      .filter((policy): policy is string => typeof policy === 'string')
      .slice(0, 64)
      .map((policy) => policy.slice(0, 65_536));
  hooks.apiUsed(caller);
  const parsed = v.safeParse(pageRequestSchema, raw);
  if (!parsed.success) return Promise.resolve({ ok: false, error: malformed(parsed.issues) });
  const request = parsed.output;
  const handler = handlers[request.type] as (caller: Caller, request: unknown) => Promise<unknown>;
  return answer(() => handler(caller, request));
}

function handleAdmin(handlers: AdminHandlers, raw: unknown, sender: Runtime.MessageSender): Promise<Reply<unknown>> {
  if (!isExtensionPage(sender)) {
    return Promise.resolve({
      ok: false,
      error: { name: 'NotAllowedError', message: 'Only the extension may do that.' },
    });
  }
  const parsed = v.safeParse(adminRequestSchema, raw);
  if (!parsed.success) return Promise.resolve({ ok: false, error: malformed(parsed.issues) });
  const request = parsed.output;
  const handler = handlers[request.type] as (request: unknown) => Promise<unknown>;
  return answer(() => handler(request));
}

/** A bridge's port: it asks to watch fetches; progress for those comes back on it. */
function servePagePort(port: Runtime.Port): void {
  const caller = callerOf(port.sender ?? {});
  if (!caller) {
    port.disconnect();
    return;
  }
  const watcher: ProgressWatcher = {
    origin: caller.origin,
    storeId: caller.storeId,
    post: (message: PagePortPush) => port.postMessage(message),
  };
  port.onMessage.addListener(async (raw: unknown) => {
    const parsed = v.safeParse(pagePortMessageSchema, raw);
    if (!parsed.success) return;
    const message = parsed.output;
    if (message.type === 'unwatch') {
      removeWatcher(message.key, watcher);
      return;
    }
    if (isPrivateKey(message.key) !== caller.incognito) return;
    const reg = await storeOf(message.key).registrations.get(message.key);
    if (!reg || reg.origin !== caller.origin || reg.storeId !== caller.storeId || reg.scope !== message.scope) return;
    if (partitionOf(reg) !== caller.topLevelSite) return;
    addWatcher(message.key, watcher);
    // Catch up on what happened while the port was closed (e.g. the background restarted).
    watcher.post({ type: 'progress', snapshot: snapshotOf(reg) });
  });
  port.onDisconnect.addListener(() => removeWatcherEverywhere(watcher));
}
