// Deterministic pseudo-random bodies for the test server.
//
// The bytes are the AES-128-CTR keystream for a key derived from (size, seed).
// CTR mode is keyed by absolute position by construction (counter = offset / 16),
// so any byte range can be produced on its own without generating what comes
// before it, and OpenSSL produces it at several GB/s - far faster than a
// JavaScript PRNG loop. Putting the size into the key means bodies of different
// sizes don't share a prefix, so a client that mixes them up gets caught.

import { createCipheriv, createHash } from 'node:crypto';

/** Bytes generated per step: big enough to be fast, small enough to stream. */
export const BLOCK_SIZE = 64 * 1024;

const ZEROS = Buffer.alloc(BLOCK_SIZE);

/**
 * @param {number} size
 * @param {string | number} seed
 */
function keyFor(size, seed) {
  return createHash('sha256').update(`bgfetch-gen:${size}:${seed}`).digest().subarray(0, 16);
}

/**
 * Clamp a requested [start, end) to [0, size].
 * @param {number} size @param {number} start @param {number} end
 */
function clampRange(size, start, end) {
  const s = Math.max(0, Math.min(size, Math.floor(start)));
  const e = Math.max(s, Math.min(size, Math.floor(end)));
  return [s, e];
}

/**
 * Yield the bytes [start, end) of the body in pieces of at most `chunkSize`.
 * One cipher runs across the whole range, so nothing is generated twice.
 * @param {number} size @param {string | number} seed
 * @param {number} [start] @param {number} [end] @param {number} [chunkSize]
 * @returns {Generator<Buffer>}
 */
export function* generatedChunks(size, seed, start = 0, end = size, chunkSize = BLOCK_SIZE) {
  const [s, e] = clampRange(size, start, end);
  if (e <= s) return;
  const aligned = s - (s % 16);
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(BigInt(aligned / 16), 8); // the 128-bit big-endian block counter
  const cipher = createCipheriv('aes-128-ctr', keyFor(size, seed), iv);
  // Throw away the keystream before `s` that shares its 16-byte block.
  if (s > aligned) cipher.update(ZEROS.subarray(0, s - aligned));
  const step = Math.max(1, Math.min(chunkSize, BLOCK_SIZE));
  for (let pos = s; pos < e; pos += step) {
    yield cipher.update(ZEROS.subarray(0, Math.min(step, e - pos)));
  }
}

/**
 * The bytes [start, end) of the generated body of `size` bytes for `seed`.
 * @param {number} size @param {string | number} seed
 * @param {number} [start] @param {number} [end]
 * @returns {Buffer}
 */
export function generatedBytes(size, seed, start = 0, end = size) {
  return Buffer.concat([...generatedChunks(size, seed, start, end)]);
}

/**
 * Hex SHA-256 of the whole generated body, streamed so memory stays flat.
 * @param {number} size @param {string | number} seed
 * @returns {string}
 */
export function generatedSha256(size, seed) {
  const hash = createHash('sha256');
  for (const chunk of generatedChunks(size, seed)) hash.update(chunk);
  return hash.digest('hex');
}
