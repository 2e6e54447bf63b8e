#!/usr/bin/env node
// Generates the extension icons (icons/icon-{16,32,48,96,128}.png and icons/icon.svg)
// with a tiny pure-Node rasteriser: shapes are signed distance functions, so edges are
// anti-aliased analytically (coverage = clamp(0.5 - distance / pixelSize)).
//
// The module also exports the PNG encoder and the drawing helpers, so other Node code
// (demo/server.mjs) can render images without any npm package.
//
//   node scripts/make-icons.mjs          writes the files
import { deflateSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// ---------------------------------------------------------------------------
// PNG encoder (RGBA, 8 bit, no interlace)
// ---------------------------------------------------------------------------

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO 3309 / PNG) of one or more byte arrays, computed as one stream. */
export function crc32(...parts) {
  let c = 0xffffffff;
  for (const buf of parts) {
    for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(head.subarray(4), data), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * Encodes straight (non-premultiplied) RGBA pixels as a PNG file.
 * @param {number} width
 * @param {number} height
 * @param {Uint8Array|Uint8ClampedArray} rgba width*height*4 bytes, row-major
 * @returns {Buffer}
 */
export function encodePNG(width, height, rgba) {
  if (rgba.length !== width * height * 4) throw new RangeError('rgba has the wrong length');
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: RGBA
  ihdr[10] = 0; // deflate
  ihdr[11] = 0; // adaptive filtering
  ihdr[12] = 0; // no interlace
  const stride = width * 4;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    // Filter type 1 (Sub) per row: cheap and compresses smooth gradients well.
    const o = y * (stride + 1);
    raw[o] = 1;
    for (let i = 0; i < stride; i++) {
      const cur = rgba[y * stride + i];
      const left = i >= 4 ? rgba[y * stride + i - 4] : 0;
      raw[o + 1 + i] = (cur - left) & 0xff;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---------------------------------------------------------------------------
// Signed distance functions (negative inside). Points are [x, y] in design units.
// ---------------------------------------------------------------------------

const clamp = (v, lo, hi) => (v < lo ? lo : v > hi ? hi : v);

export const sdf = {
  circle: (cx, cy, r) => (x, y) => Math.hypot(x - cx, y - cy) - r,

  /** Axis-aligned rectangle [x0,x1]×[y0,y1] with corner radius r. */
  roundRect: (x0, y0, x1, y1, r) => {
    const cx = (x0 + x1) / 2,
      cy = (y0 + y1) / 2;
    const hx = (x1 - x0) / 2 - r,
      hy = (y1 - y0) / 2 - r;
    return (x, y) => {
      const qx = Math.abs(x - cx) - hx,
        qy = Math.abs(y - cy) - hy;
      return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
    };
  },

  /** Stroke of the segment a→b with round caps, half-width r. */
  capsule: (ax, ay, bx, by, r) => {
    const dx = bx - ax,
      dy = by - ay,
      len2 = dx * dx + dy * dy || 1;
    return (x, y) => {
      const t = clamp(((x - ax) * dx + (y - ay) * dy) / len2, 0, 1);
      return Math.hypot(x - ax - t * dx, y - ay - t * dy) - r;
    };
  },

  /** Round-joined stroke along a polyline. */
  polyline: (points, r) => sdf.union(...points.slice(1).map((p, i) => sdf.capsule(...points[i], ...p, r))),

  /** Exact distance to a simple polygon (even-odd inside test). */
  polygon: (points) => (x, y) => {
    let d = Infinity,
      inside = false;
    for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
      const [ax, ay] = points[j],
        [bx, by] = points[i];
      const ex = bx - ax,
        ey = by - ay;
      const t = clamp(((x - ax) * ex + (y - ay) * ey) / (ex * ex + ey * ey), 0, 1);
      d = Math.min(d, Math.hypot(x - ax - t * ex, y - ay - t * ey));
      if (ay > y !== by > y && x < ((bx - ax) * (y - ay)) / (by - ay) + ax) inside = !inside;
    }
    return inside ? -d : d;
  },

  /** Ring (annulus) of radius r and half-thickness w. */
  ring: (cx, cy, r, w) => (x, y) => Math.abs(Math.hypot(x - cx, y - cy) - r) - w,

  union:
    (...fs) =>
    (x, y) => {
      let d = Infinity;
      for (const f of fs) d = Math.min(d, f(x, y));
      return d;
    },
  subtract: (a, b) => (x, y) => Math.max(a(x, y), -b(x, y)),
  intersect: (a, b) => (x, y) => Math.max(a(x, y), b(x, y)),
  /** Grows (r > 0) or shrinks a shape, rounding its convex corners. */
  offset: (f, r) => (x, y) => f(x, y) - r,
};

// ---------------------------------------------------------------------------
// A minimal canvas: straight-alpha RGBA buffer, "source over" compositing.
// ---------------------------------------------------------------------------

export function hex(color, alpha = 1) {
  const n = parseInt(color.replace('#', ''), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255, alpha];
}

export const mix = (a, b, t) => a.map((v, i) => v + (b[i] - v) * t);

export class Raster {
  /**
   * @param {number} width  pixels
   * @param {number} height pixels
   * @param {number} [designWidth] width of the coordinate system shapes are drawn in
   */
  constructor(width, height, designWidth = width) {
    this.width = width;
    this.height = height;
    this.scale = width / designWidth; // pixels per design unit
    this.data = new Float32Array(width * height * 4); // straight RGBA, 0..1 alpha, 0..255 colour
  }

  /**
   * Fills a shape. `paint` is [r,g,b,a] (a in 0..1) or (x, y) => [r,g,b,a] in design units.
   */
  fill(shape, paint, opacity = 1) {
    const { width, height, scale, data } = this;
    const px = 1 / scale; // one pixel in design units
    for (let j = 0; j < height; j++) {
      const y = (j + 0.5) * px;
      for (let i = 0; i < width; i++) {
        const x = (i + 0.5) * px;
        const d = shape(x, y);
        if (d >= 0.5 * px) continue;
        const cover = d <= -0.5 * px ? 1 : 0.5 - d / px;
        const c = typeof paint === 'function' ? paint(x, y) : paint;
        const sa = c[3] * cover * opacity;
        if (sa <= 0) continue;
        const o = (j * width + i) * 4;
        const da = data[o + 3];
        const oa = sa + da * (1 - sa);
        for (let k = 0; k < 3; k++) data[o + k] = (c[k] * sa + data[o + k] * da * (1 - sa)) / oa;
        data[o + 3] = oa;
      }
    }
    return this;
  }

  toRGBA() {
    const out = new Uint8Array(this.data.length);
    for (let o = 0; o < out.length; o += 4) {
      const a = this.data[o + 3];
      out[o] = a > 0 ? Math.round(clamp(this.data[o], 0, 255)) : 0;
      out[o + 1] = a > 0 ? Math.round(clamp(this.data[o + 1], 0, 255)) : 0;
      out[o + 2] = a > 0 ? Math.round(clamp(this.data[o + 2], 0, 255)) : 0;
      out[o + 3] = Math.round(clamp(a, 0, 1) * 255);
    }
    return out;
  }

  toPNG() {
    return encodePNG(this.width, this.height, this.toRGBA());
  }
}

// ---------------------------------------------------------------------------
// The bgfetch icon, on a 128×128 design grid. Kept in sync with iconSVG() below.
// ---------------------------------------------------------------------------

const BLUE_TOP = '#2b74d8';
const BLUE_BOTTOM = '#1a4fa6';
const WHITE = '#ffffff';

// Geometry shared by the raster and the SVG version.
const G = {
  bg: { x: 4, y: 4, size: 120, r: 28 },
  // Down arrow: shaft + head as one polygon, corners rounded by `round`.
  arrow: [
    [56, 22],
    [72, 22],
    [72, 52],
    [89, 52],
    [64, 80],
    [39, 52],
    [56, 52],
  ],
  arrowRound: 2, // the polygon is grown by this much, which rounds its corners
  // Tray: a U-shaped stroke under the arrow.
  tray: [
    [28, 78],
    [28, 100],
    [100, 100],
    [100, 78],
  ],
  trayWidth: 11,
  // "Runs in the background" hint: a small clock badge, top right.
  clock: { cx: 97, cy: 31, r: 15, ring: 3.2, gap: 4.5 },
};

/** Draws the icon at `size` px into a new Raster. */
export function renderIcon(size) {
  const r = new Raster(size, size, 128);
  const { bg, clock } = G;
  const small = size <= 20;

  const top = hex(BLUE_TOP),
    bottom = hex(BLUE_BOTTOM);
  r.fill(sdf.roundRect(bg.x, bg.y, bg.x + bg.size, bg.y + bg.size, bg.r), (x, y) =>
    mix(top, bottom, clamp((y - bg.y) / bg.size, 0, 1)),
  );

  // Small sizes: bolder strokes, no clock badge (it would be mud at 16 px).
  const grow = small ? 3 : size <= 32 ? 1 : 0;
  const ring = size <= 32 ? 5 : clock.ring; // keep the clock stroke >= ~1.2 px
  const arrow = sdf.offset(sdf.polygon(G.arrow), G.arrowRound + grow);
  const tray = sdf.polyline(G.tray, G.trayWidth / 2 + grow);

  if (!small) {
    // Cut a little breathing space around the clock badge.
    const badgeGap = sdf.circle(clock.cx, clock.cy, clock.r + clock.gap);
    r.fill(sdf.subtract(sdf.union(arrow, tray), badgeGap), hex(WHITE));
    const hands = sdf.union(
      sdf.capsule(clock.cx, clock.cy, clock.cx, clock.cy - clock.r * 0.55, ring / 2 + 0.2),
      sdf.capsule(clock.cx, clock.cy, clock.cx + clock.r * 0.45, clock.cy, ring / 2 + 0.2),
    );
    r.fill(sdf.union(sdf.ring(clock.cx, clock.cy, clock.r - ring / 2, ring / 2), hands), hex(WHITE));
  } else {
    r.fill(sdf.union(arrow, tray), hex(WHITE));
  }
  return r;
}

/** The same design as SVG (vector, for docs and the store listing). */
export function iconSVG() {
  const { bg, clock, arrow, arrowRound, tray, trayWidth } = G;
  const pts = (ps) => ps.map((p) => p.join(',')).join(' ');
  const c = clock;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128">
  <title>bgfetch</title>
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="${BLUE_TOP}"/>
      <stop offset="1" stop-color="${BLUE_BOTTOM}"/>
    </linearGradient>
    <mask id="gap">
      <rect width="128" height="128" fill="#fff"/>
      <circle cx="${c.cx}" cy="${c.cy}" r="${c.r + c.gap}" fill="#000"/>
    </mask>
  </defs>
  <rect x="${bg.x}" y="${bg.y}" width="${bg.size}" height="${bg.size}" rx="${bg.r}" fill="url(#bg)"/>
  <g fill="${WHITE}" stroke="${WHITE}" mask="url(#gap)">
    <polygon points="${pts(arrow)}" stroke-width="${arrowRound * 2}" stroke-linejoin="round"/>
    <polyline points="${pts(tray)}" fill="none" stroke-width="${trayWidth}" stroke-linecap="round" stroke-linejoin="round"/>
  </g>
  <g fill="none" stroke="${WHITE}" stroke-width="${c.ring}" stroke-linecap="round">
    <circle cx="${c.cx}" cy="${c.cy}" r="${c.r - c.ring / 2}"/>
    <polyline points="${c.cx},${+(c.cy - c.r * 0.55).toFixed(2)} ${c.cx},${c.cy} ${+(c.cx + c.r * 0.45).toFixed(2)},${c.cy}" stroke-width="${c.ring + 0.4}"/>
  </g>
</svg>
`;
}

export const ICON_SIZES = [16, 32, 48, 96, 128];

function main() {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const dir = join(root, 'icons');
  mkdirSync(dir, { recursive: true });
  for (const size of ICON_SIZES) {
    const file = join(dir, `icon-${size}.png`);
    writeFileSync(file, renderIcon(size).toPNG());
    console.log(`wrote ${file}`);
  }
  writeFileSync(join(dir, 'icon.svg'), iconSVG());
  console.log(`wrote ${join(dir, 'icon.svg')}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
