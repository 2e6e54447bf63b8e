// A stored body as a Blob, against a real (in-memory) IndexedDB.
import { describe, expect, it } from 'vitest';
import { BgFetchDb } from './db';
import { recordBlob } from './blobs';

const store = new BgFetchDb('blobs-test');

describe('recordBlob', () => {
  it('joins the chunks of one record in order, over several parts, with the type given', async () => {
    // 10 chunks: more than one part of 4, the last part partly filled.
    const chunks = Array.from({ length: 10 }, (_, i) => ({
      regKey: 'r1',
      index: 1,
      start: i * 3,
      data: new Uint8Array([i, i, i]).buffer,
    }));
    await store.chunks.bulkPut([...chunks].reverse());
    // Neighbours that must not leak in.
    await store.chunks.bulkPut([
      { regKey: 'r1', index: 0, start: 0, data: new Uint8Array([99]).buffer },
      { regKey: 'r1', index: 2, start: 0, data: new Uint8Array([98]).buffer },
      { regKey: 'r10', index: 1, start: 0, data: new Uint8Array([97]).buffer },
    ]);
    const blob = await recordBlob(store, 'r1', 1, 'audio/mpeg');
    expect(blob.type).toBe('audio/mpeg');
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(new Uint8Array(chunks.flatMap((_, i) => [i, i, i])));
  });

  it('is empty for a record without stored bytes', async () => {
    const blob = await recordBlob(store, 'nothing', 0);
    expect(blob.size).toBe(0);
    expect(blob.type).toBe('');
  });

  it('takes exactly 8 chunks (two whole parts) and stops', async () => {
    await store.chunks.bulkPut(
      Array.from({ length: 8 }, (_, i) => ({ regKey: 'r2', index: 0, start: i, data: new Uint8Array([i]).buffer })),
    );
    const blob = await recordBlob(store, 'r2', 0);
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(Uint8Array.from({ length: 8 }, (_, i) => i));
  });
});
