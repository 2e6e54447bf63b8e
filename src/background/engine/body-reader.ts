// Reading a response body into memory the engine owns, so a fast transfer does not leave a trail of
// buffers for the garbage collector. Every plain `read()` of a fetch body allocates a new buffer
// (a few hundred KiB); the collector frees them late, and a 256 MiB transfer grew Chromium's
// extension worker by 60–80 MiB and Firefox's extension process by 150–370 MiB that way (bench,
// .prof harness). Reading a byte stream into one reused scratch buffer and copying it into one
// reused chunk buffer keeps both at +20–30 MiB at the same speed.

/** Bytes read at most per read; a scratch buffer grows to this from a small start. */
const SCRATCH_MAX = 1 << 20;
const SCRATCH_MIN = 64 << 10;

export interface BodyReader {
  /** The next bytes of the body, valid until the next call; null at its end. */
  read(): Promise<Uint8Array | null>;
  cancel(reason?: unknown): Promise<void>;
  releaseLock(): void;
}

/**
 * Reads `body` through a BYOB reader where it is a byte stream (fetch bodies in both browsers),
 * else through a default reader.
 *
 * Each read goes into a scratch buffer, never into the chunk being filled: a read that fails
 * (the connection dropped) takes its buffer with it, and only the scratch holds nothing yet.
 */
export function readerOf(body: ReadableStream<Uint8Array>): BodyReader {
  let byob: ReadableStreamBYOBReader | undefined;
  try {
    byob = body.getReader({ mode: 'byob' });
  } catch {
    // Not a byte stream: its reads hand over buffers of their own.
  }
  if (!byob) {
    const reader = body.getReader();
    return {
      read: async () => {
        const { value, done } = await reader.read();
        return done ? null : value;
      },
      cancel: (reason) => reader.cancel(reason),
      releaseLock: () => reader.releaseLock(),
    };
  }
  const reader = byob;
  let scratch = new ArrayBuffer(SCRATCH_MIN);
  return {
    read: async () => {
      const { value, done } = await reader.read(new Uint8Array(scratch));
      if (done || !value) return null;
      // The read transferred the scratch: what it returns lives in the buffer to use next.
      scratch = value.buffer as ArrayBuffer;
      // A read that filled it found more waiting: read more at once next time.
      if (value.byteLength === scratch.byteLength && scratch.byteLength < SCRATCH_MAX) {
        scratch = new ArrayBuffer(scratch.byteLength * 2);
      }
      return value;
    },
    cancel: (reason) => reader.cancel(reason),
    releaseLock: () => reader.releaseLock(),
  };
}

/**
 * One chunk being filled: a buffer reused from chunk to chunk, grown on demand up to `limit`
 * (a 10 KiB body never allocates 8 MiB).
 */
export class ChunkBuffer {
  private bytes = new Uint8Array(0);
  size = 0;

  constructor(readonly limit: number) {}

  get full(): boolean {
    return this.size === this.limit;
  }

  /** Copies as much of `source` as fits; returns how much that was. */
  take(source: Uint8Array): number {
    const count = Math.min(source.byteLength, this.limit - this.size);
    if (this.size + count > this.bytes.byteLength) {
      const grown = new Uint8Array(
        Math.min(this.limit, Math.max(this.size + count, this.bytes.byteLength * 2, 64 << 10)),
      );
      grown.set(this.bytes.subarray(0, this.size));
      this.bytes = grown;
    }
    this.bytes.set(source.subarray(0, count), this.size);
    this.size += count;
    return count;
  }

  /** The bytes so far, valid until the next `take`; the buffer is empty afterwards. */
  drain(): Uint8Array {
    const view = this.bytes.subarray(0, this.size);
    this.size = 0;
    return view;
  }
}
