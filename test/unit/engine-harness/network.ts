// The network of the engine's unit tests: a scriptable fake `fetch` that logs every request and
// answers as the test's `route` says, with response bodies that fail when the request's signal
// aborts (as a real fetch's do), and the bodies a network delivers: held open, in pieces,
// dropped after some bytes, late, or served from a Range.
import { randomBytes } from 'node:crypto';
import { beforeEach, vi } from 'vitest';

/** One request the engine made. */
export interface Hit {
  url: string;
  init: RequestInit;
  /** The Range header it carried, if any. */
  range: string | null;
  /** Date.now() when it was made (fake time where the test fakes it). */
  at: number;
}

/** Answers a request; `attempt` counts the requests to this URL so far, this one included (1 = the first). */
export type Route = (url: string, init: RequestInit, attempt: number) => Response | Promise<Response>;

export interface FakeNetwork {
  /** Every request, in the order they were made. */
  readonly hits: Hit[];
  /** What the network answers; "ok" unless a test says otherwise. Set it before the fetch starts. */
  route: Route;
}

/**
 * Replaces `fetch` before each test of the calling file (restored by `vi.restoreAllMocks()`):
 * the returned object's `hits` and `route` belong to the test that runs.
 */
export function useFakeNetwork(): FakeNetwork {
  const network: FakeNetwork = { hits: [], route: () => new Response('ok') };
  beforeEach(() => {
    network.hits.length = 0;
    network.route = () => new Response('ok');
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init = {}) => {
      const url = String(input instanceof Request ? input.url : input);
      network.hits.push({ url, init, range: new Headers(init.headers).get('range'), at: Date.now() });
      // As fetch does: an aborted signal rejects at once, before and after the headers.
      init.signal?.throwIfAborted();
      const response = await network.route(url, init, network.hits.filter((hit) => hit.url === url).length);
      init.signal?.throwIfAborted();
      if (!response.body) return response;
      return new Response(abortable(response.body, init.signal), {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    });
  });
  return network;
}

/** Wires a response body to the request's signal the way a real fetch does: an abort errors it. */
function abortable(
  body: ReadableStream<Uint8Array>,
  signal: AbortSignal | null | undefined,
): ReadableStream<Uint8Array> {
  if (!signal) return body;
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const stop = () => {
        try {
          controller.error(signal.reason);
        } catch {
          // already closed
        }
        void reader.cancel().catch(() => undefined);
      };
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
    },
    async pull(controller) {
      const { value, done } = await reader.read();
      if (signal.aborted) return;
      if (done) controller.close();
      else controller.enqueue(value);
    },
  });
}

/** A body the test writes piece by piece, closes or fails. */
export interface HeldBody {
  stream: ReadableStream<Uint8Array>;
  /** Delivers these bytes (or this many zero bytes). Throws once the body was aborted or closed. */
  push(bytes: Uint8Array | number): void;
  close(): void;
  fail(error: unknown): void;
}

export function heldBody(): HeldBody {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  return {
    stream,
    push: (bytes) => controller.enqueue(typeof bytes === 'number' ? new Uint8Array(bytes) : bytes),
    close: () => controller.close(),
    fail: (error) => controller.error(error),
  };
}

/** A body of `bytes` in pieces of `piece` bytes, as a network would deliver it. */
export function pieces(bytes: Uint8Array, piece = 64 * 1024): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(at, at + piece));
      at += piece;
    },
  });
}

/** A body that delivers `sent` (each piece read on its own), then fails as a dropped connection does. */
export function droppingBody(...sent: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = sent.shift();
      if (next) controller.enqueue(next);
      else controller.error(new TypeError('connection reset'));
    },
  });
}

/** The first byte of the request's `Range: bytes=N-` (0 without one). */
export function rangeStart(init: RequestInit): number {
  return Number(/^bytes=(\d+)-$/.exec(new Headers(init.headers).get('range') ?? '')?.[1] ?? 0);
}

/**
 * A server's answer to a GET of `body` that honours `Range: bytes=N-`: 206 with Content-Range from
 * there, or 200 with the whole body. `headers` go with either (an ETag, for If-Range).
 */
export function rangeResponse(body: Uint8Array, init: RequestInit, headers: Record<string, string> = {}): Response {
  const from = rangeStart(init);
  if (!new Headers(init.headers).has('range')) return new Response(body.slice(), { headers });
  return new Response(body.slice(from), {
    status: 206,
    headers: { ...headers, 'content-range': `bytes ${from}-${body.byteLength - 1}/${body.byteLength}` },
  });
}

/** The rejection fetch() gives when the server cannot be reached. */
export const unreachable = (message = 'NetworkError when attempting to fetch resource.') =>
  Promise.reject(new TypeError(message));

/** `response` after `ms` milliseconds (of fake time where the test fakes timers). */
export const after = (ms: number, response: () => Response): Promise<Response> =>
  new Promise((resolve) => setTimeout(() => resolve(response()), ms));

export const random = (length: number) => new Uint8Array(randomBytes(length));
