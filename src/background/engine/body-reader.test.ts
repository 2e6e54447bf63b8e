// Reading bodies into reused memory: every byte arrives once and in order, whichever kind of stream
// the body is, and bytes already read survive a read that fails.
import { describe, expect, it } from 'vitest';
import { ChunkBuffer, readerOf } from './body-reader';

const pattern = (length: number, from = 0) => new Uint8Array(length).map((_, i) => (from + i) % 251);

/** A byte stream (like a fetch body) giving `pieces`, then failing if `failure` is set. */
function byteStream(pieces: Uint8Array[], failure?: Error): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream({
    type: 'bytes',
    pull(controller) {
      if (next < pieces.length) controller.enqueue(pieces[next++]!.slice());
      else if (failure) controller.error(failure);
      else {
        controller.close();
        // A read waiting with its own buffer is answered with none of it used.
        controller.byobRequest?.respond(0);
      }
    },
  });
}

async function readAll(body: ReadableStream<Uint8Array>): Promise<{ bytes: Uint8Array; sizes: number[] }> {
  const reader = readerOf(body);
  const copies: Uint8Array[] = [];
  for (let value = await reader.read(); value; value = await reader.read()) copies.push(value.slice());
  return {
    bytes: new Uint8Array(await new Blob(copies as BlobPart[]).arrayBuffer()),
    sizes: copies.map((copy) => copy.byteLength),
  };
}

describe('reading a body', () => {
  it('reads a byte stream in order, its scratch growing when reads fill it', async () => {
    const body = pattern(600 << 10);
    const pieces = [body.subarray(0, 300 << 10), body.subarray(300 << 10)];
    const { bytes, sizes } = await readAll(byteStream(pieces));
    expect(bytes.length).toBe(body.length);
    expect(bytes.every((byte, i) => byte === body[i])).toBe(true);
    // 64 KiB, then 128, 256, … as long as each read finds the scratch too small.
    expect(sizes.slice(0, 3)).toEqual([64 << 10, 128 << 10, 108 << 10]);
  });

  it('reads a stream that is not a byte stream as it comes', async () => {
    const pieces = [pattern(10), pattern(70 << 10, 10)];
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const piece of pieces) controller.enqueue(piece);
        controller.close();
      },
    });
    const { sizes, bytes } = await readAll(body);
    expect(sizes).toEqual([10, 70 << 10]);
    expect([...bytes]).toEqual([...pieces[0]!, ...pieces[1]!]);
  });

  it('keeps what was read before a read fails', async () => {
    const reader = readerOf(byteStream([pattern(1000)], new TypeError('connection reset')));
    const first = await reader.read();
    const kept = new ChunkBuffer(4096);
    kept.take(first!);
    await expect(reader.read()).rejects.toThrow('connection reset');
    expect([...kept.drain()]).toEqual([...pattern(1000)]);
  });
});

describe('a chunk being filled', () => {
  it('takes up to its limit, grows as needed, and is reused after draining', () => {
    const chunk = new ChunkBuffer(100 << 10);
    expect(chunk.take(pattern(70 << 10))).toBe(70 << 10);
    expect(chunk.take(pattern(70 << 10, 7))).toBe(30 << 10);
    expect(chunk.full).toBe(true);
    const first = chunk.drain().slice();
    expect([...first.subarray(0, 70 << 10)]).toEqual([...pattern(70 << 10)]);
    expect([...first.subarray(70 << 10)]).toEqual([...pattern(30 << 10, 7)]);
    expect(chunk.size).toBe(0);
    chunk.take(pattern(5, 3));
    expect([...chunk.drain()]).toEqual([...pattern(5, 3)]);
  });
});
