// The page API's line to the extension: a MessagePort handed to the bridge on first use.
import type {
  BridgeToPage,
  PageReplies,
  PageRequestOf,
  PageRequestType,
  PageToBridge,
} from '../../shared/protocol';
import type { RegistrationSnapshot, WireError } from '../../shared/spec';

export interface Channel {
  call<T extends PageRequestType>(request: PageRequestOf<T>): Promise<PageReplies[T]>;
  watch(scope: string, key: string, onProgress: (snapshot: RegistrationSnapshot) => void): void;
  unwatch(key: string): void;
}

export const errorFromWire = ({ name, message }: WireError): Error =>
  name === 'TypeError' ? new TypeError(message) : new DOMException(message, name);

/** `open` gives the port to the bridge the first time it is needed (a new one handed over, or one received). */
export function portChannel(open: () => MessagePort): Channel {
  let port: MessagePort | undefined;
  let nextId = 0;
  const pending = new Map<number, [(value: never) => void, (error: Error) => void]>();
  const watchers = new Map<string, (snapshot: RegistrationSnapshot) => void>();

  const send = (message: PageToBridge) => {
    if (!port) {
      port = open();
      port.onmessage = ({ data }: MessageEvent<BridgeToPage>) => {
        if ('rid' in data) {
          const entry = pending.get(data.rid);
          pending.delete(data.rid);
          if (data.reply.ok) entry?.[0](data.reply.value as never);
          else entry?.[1](errorFromWire(data.reply.error));
        } else {
          watchers.get(data.snapshot.key)?.(data.snapshot);
        }
      };
    }
    port.postMessage(message);
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

/** A new MessageChannel whose far end `handOver` gives to the bridge; returns the near end. */
export function handOverPort(handOver: (port: MessagePort) => void): MessagePort {
  const { port1, port2 } = new MessageChannel();
  handOver(port2);
  return port1;
}
