// The page API's line to the extension: a MessagePort handed to the bridge on first use.
import type { BridgeToPage, PageReplies, PageRequestOf, PageRequestType, PageToBridge } from '../shared/protocol';
import type { RegistrationSnapshot, WireError } from '../shared/spec';
import { NAME as QUOTA_ERROR, quotaExceededError } from './quota-error';

export interface Channel {
  call<T extends PageRequestType>(request: PageRequestOf<T>): Promise<PageReplies[T]>;
  watch(scope: string, key: string, onProgress: (snapshot: RegistrationSnapshot) => void): void;
  unwatch(key: string): void;
}

export const errorFromWire = ({ name, message, ...details }: WireError): Error =>
  name === 'TypeError'
    ? new TypeError(message)
    : name === QUOTA_ERROR
      ? quotaExceededError(message, details)
      : new DOMException(message, name);

/**
 * `open` finds the bridge the first time it is needed (a port it took, or one received); calls
 * wait for it, and reject if it never comes.
 */
export function portChannel(open: () => MessagePort | Promise<MessagePort>): Channel {
  let port: Promise<MessagePort> | undefined;
  let nextId = 0;
  const pending = new Map<number, [(value: never) => void, (error: Error) => void]>();
  const watchers = new Map<string, (snapshot: RegistrationSnapshot) => void>();

  const connect = async () => {
    const opened = await open();
    opened.onmessage = ({ data }: MessageEvent<BridgeToPage>) => {
      if ('rid' in data) {
        const entry = pending.get(data.rid);
        pending.delete(data.rid);
        if (data.reply.ok) entry?.[0](data.reply.value as never);
        else entry?.[1](errorFromWire(data.reply.error));
      } else if ('snapshot' in data) {
        // Progress: the one other message after the ack (which bridgePort took).
        watchers.get(data.snapshot.key)?.(data.snapshot);
      }
    };
    return opened;
  };
  const send = (message: PageToBridge) => {
    const line = (port ??= connect());
    line.then(
      (opened) => opened.postMessage(message),
      (error: Error) => {
        // The next call looks for the bridge again.
        if (port === line) port = undefined;
        if (!('rid' in message)) return;
        pending.get(message.rid)?.[1](error);
        pending.delete(message.rid);
      },
    );
  };

  return {
    call: (request) =>
      new Promise((resolve, reject) => {
        const rid = nextId++;
        pending.set(rid, [resolve, reject]);
        send({ rid, request });
      }),
    watch(scope, key, onProgress) {
      watchers.set(key, onProgress);
      send({ type: 'watch', scope, key });
    },
    unwatch(key) {
      if (watchers.delete(key)) send({ type: 'unwatch', key });
    },
  };
}

/** Waiting for a bridge that is there takes a few ms; longer means there is none yet. */
const RETRY_MS = 250;
/** Offers (one every RETRY_MS) before waking the background, and before giving up (15 s). */
const WAKE_AT = 2;
const GIVE_UP_AT = 60;

/**
 * A port the bridge took: `offer` hands the far end of a new channel to the bridge, again and
 * again until one acknowledges it. In Firefox the bridge is only in pages of sites that used the
 * API before (src/background/injection/bridge-sites.ts); elsewhere `wake` (asking the browser to check the
 * site's service worker for updates, which the background sees) makes the background inject it.
 */
export function bridgePort(offer: (port: MessagePort) => void, wake: () => void): Promise<MessagePort> {
  return new Promise((resolve, reject) => {
    const offered: MessagePort[] = [];
    let ticks = 0;
    const end = (taken?: MessagePort) => {
      clearInterval(timer);
      for (const port of offered.splice(0)) if (port !== taken) port.close();
    };
    const tryOnce = () => {
      const { port1, port2 } = new MessageChannel();
      offered.push(port1);
      port1.onmessage = ({ data }: MessageEvent<BridgeToPage>) => {
        if ((data as { type?: string } | null)?.type !== 'ack' || !offered.length) return;
        end(port1);
        resolve(port1);
      };
      offer(port2);
    };
    tryOnce();
    const timer = setInterval(() => {
      if (++ticks >= GIVE_UP_AT) {
        end();
        reject(new TypeError('bgfetch is not reachable'));
        return;
      }
      if (ticks === WAKE_AT) wake();
      if (ticks >= WAKE_AT) tryOnce();
    }, RETRY_MS);
  });
}
