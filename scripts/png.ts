// A small PNG codec over node:zlib, for the store images (scripts/store-screenshots.ts) and their
// unit test: decodes the 8-bit, non-interlaced PNGs browsers write, and encodes RGB (the Chrome
// Web Store takes screenshots and tiles as JPEG or 24-bit PNG without alpha) or RGBA (the icon).
import { deflateSync, inflateSync } from 'node:zlib';

export interface Pixels {
  width: number;
  height: number;
  /** Straight RGBA, 4 bytes a pixel, row-major. */
  rgba: Uint8Array;
}

export interface DecodedPNG extends Pixels {
  /** From the IHDR chunk: 2 = RGB, 6 = RGBA (and so on). */
  colorType: number;
  bitDepth: number;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

/** Width, height, bit depth and colour type from the IHDR chunk alone (no decoding). */
export function pngHeader(file: Uint8Array): { width: number; height: number; bitDepth: number; colorType: number } {
  const buffer = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (!buffer.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG file');
  if (buffer.toString('latin1', 12, 16) !== 'IHDR') throw new Error('PNG without IHDR first');
  return {
    width: buffer.readUInt32BE(16),
    height: buffer.readUInt32BE(20),
    bitDepth: buffer[24]!,
    colorType: buffer[25]!,
  };
}

/** Decodes an 8-bit, non-interlaced grey / grey-alpha / RGB / RGBA PNG to RGBA. */
export function decodePNG(file: Uint8Array): DecodedPNG {
  const header = pngHeader(file);
  const buffer = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  const channels = CHANNELS[header.colorType];
  if (header.bitDepth !== 8 || channels === undefined)
    throw new Error(`unsupported PNG: depth ${header.bitDepth}, colour type ${header.colorType}`);
  if (buffer[28] !== 0) throw new Error('interlaced PNGs are not supported');
  const idat: Buffer[] = [];
  for (let offset = 8; offset + 8 <= buffer.length;) {
    const length = buffer.readUInt32BE(offset);
    const type = buffer.toString('latin1', offset + 4, offset + 8);
    if (type === 'IDAT') idat.push(buffer.subarray(offset + 8, offset + 8 + length));
    if (type === 'IEND') break;
    offset += 12 + length;
  }
  const { width, height } = header;
  const stride = width * channels;
  const raw = inflateSync(Buffer.concat(idat));
  if (raw.length !== (stride + 1) * height) throw new Error('PNG data has the wrong length');
  const rows = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const input = y * (stride + 1) + 1;
    const output = y * stride;
    for (let i = 0; i < stride; i++) {
      const left = i >= channels ? rows[output + i - channels]! : 0;
      const up = y > 0 ? rows[output - stride + i]! : 0;
      const upLeft = y > 0 && i >= channels ? rows[output - stride + i - channels]! : 0;
      rows[output + i] = (raw[input + i]! + predict(filter, left, up, upLeft)) & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let pixel = 0; pixel < width * height; pixel++) {
    const source = pixel * channels;
    const grey = channels <= 2;
    rgba[pixel * 4] = rows[source]!;
    rgba[pixel * 4 + 1] = rows[source + (grey ? 0 : 1)]!;
    rgba[pixel * 4 + 2] = rows[source + (grey ? 0 : 2)]!;
    rgba[pixel * 4 + 3] = channels === 4 ? rows[source + 3]! : channels === 2 ? rows[source + 1]! : 255;
  }
  return { ...header, rgba };
}

function predict(filter: number, left: number, up: number, upLeft: number): number {
  switch (filter) {
    case 0:
      return 0;
    case 1:
      return left;
    case 2:
      return up;
    case 3:
      return (left + up) >> 1;
    case 4: {
      const p = left + up - upLeft;
      const pa = Math.abs(p - left);
      const pb = Math.abs(p - up);
      const pc = Math.abs(p - upLeft);
      return pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
    }
    default:
      throw new Error(`unknown PNG filter ${filter}`);
  }
}

/**
 * Encodes pixels as an RGB PNG (alpha dropped; the caller makes sure the image is opaque) or an
 * RGBA PNG. Each row takes the filter whose output has the smallest sum of absolute values (the
 * usual heuristic); deflate at level 9. The same pixels always give the same bytes.
 */
export function encodePNG({ width, height, rgba }: Pixels, { alpha }: { alpha: boolean }): Buffer {
  const channels = alpha ? 4 : 3;
  const stride = width * channels;
  const rows = new Uint8Array(stride * height);
  for (let pixel = 0; pixel < width * height; pixel++) {
    for (let c = 0; c < channels; c++) rows[pixel * channels + c] = rgba[pixel * 4 + c]!;
  }
  const raw = Buffer.alloc((stride + 1) * height);
  const candidate = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    let best = Infinity;
    const row = y * stride;
    for (let filter = 0; filter <= 4; filter++) {
      let cost = 0;
      for (let i = 0; i < stride; i++) {
        const left = i >= channels ? rows[row + i - channels]! : 0;
        const up = y > 0 ? rows[row - stride + i]! : 0;
        const upLeft = y > 0 && i >= channels ? rows[row - stride + i - channels]! : 0;
        const value = (rows[row + i]! - predict(filter, left, up, upLeft)) & 0xff;
        candidate[i] = value;
        cost += value < 128 ? value : 256 - value;
      }
      if (cost < best) {
        best = cost;
        raw[y * (stride + 1)] = filter;
        raw.set(candidate, y * (stride + 1) + 1);
      }
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = alpha ? 6 : 2;
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
