// Media for the demo podcast, generated in memory by demo/server.mjs (no binary files in git):
//
//   makeEpisodeWav()      the "episode": a 30 MiB WAV (PCM 16-bit mono 44.1 kHz, ~5 min 56 s)
//                         of a calm chord progression — pad, bass and a bell arpeggio.
//   renderArtwork(size)   square episode artwork (microphone and sound waves) as a PNG.
//   renderEpisodeIcon()   the 300×300 icon passed to backgroundFetch.fetch({ icons }).
//
// Note on /ep-5-artwork.jpg: there is no JPEG encoder in Node's standard library, so the
// artwork is a PNG served at that path with the honest Content-Type image/png. Browsers
// decide by Content-Type/sniffing, never by the URL's extension, so it displays fine.
import { Raster, sdf, hex, mix } from '../scripts/make-icons.mjs';

// ---------------------------------------------------------------------------
// Audio
// ---------------------------------------------------------------------------

export const SAMPLE_RATE = 44100;
export const WAV_BYTES = 30 * 1024 * 1024; // whole file, header included

// Sine lookup table (phase in cycles), linear interpolation: much faster than Math.sin
// and far below 16-bit quantisation noise at this size.
const TABLE_BITS = 14;
const TABLE_SIZE = 1 << TABLE_BITS;
const SINE = new Float64Array(TABLE_SIZE + 1);
for (let i = 0; i <= TABLE_SIZE; i++) SINE[i] = Math.sin((2 * Math.PI * i) / TABLE_SIZE);
/** sin(2π·cycles) */
function sinc(cycles) {
  const p = (cycles - Math.floor(cycles)) * TABLE_SIZE;
  const i = p | 0;
  return SINE[i] + (SINE[i + 1] - SINE[i]) * (p - i);
}

const NOTE = (n) => 440 * 2 ** ((n - 69) / 12); // MIDI note number → Hz

// Four progressions, 8 bars each (MIDI root of each bar's chord + quality).
const MAJ = [0, 4, 7], MIN = [0, 3, 7], MAJ7 = [0, 4, 7, 11], MIN7 = [0, 3, 7, 10], SUS = [0, 5, 7];
const SECTIONS = [
  // C  Am  F  G  C  Am  Dm  G
  [[48, MAJ], [45, MIN], [41, MAJ], [43, MAJ], [48, MAJ], [45, MIN], [50, MIN], [43, SUS]],
  // Fmaj7 Em7 Dm7 Cmaj7 ...
  [[41, MAJ7], [52, MIN7], [50, MIN7], [48, MAJ7], [41, MAJ7], [52, MIN7], [50, MIN7], [43, MAJ]],
  // Am F C G (pop cadence in the relative minor)
  [[45, MIN], [41, MAJ], [48, MAJ], [43, MAJ], [45, MIN7], [41, MAJ7], [48, MAJ], [43, SUS]],
  // C G Am Em F C F G
  [[48, MAJ], [43, MAJ], [45, MIN], [52, MIN], [41, MAJ], [48, MAJ], [41, MAJ7], [43, MAJ]],
];
const BAR_SECONDS = 2.4; // 100 bpm, 4/4
const ARP_STEP = BAR_SECONDS / 8; // eighth notes

/**
 * Returns a complete WAV file of exactly WAV_BYTES bytes.
 * Deterministic: the same bytes on every call (so an ETag can be derived from content).
 */
export function makeEpisodeWav(totalBytes = WAV_BYTES) {
  const dataBytes = (totalBytes - 44) & ~1;
  const samples = dataBytes / 2;
  const buf = Buffer.alloc(44 + dataBytes);
  // RIFF header
  buf.write('RIFF', 0, 'latin1');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVE', 8, 'latin1');
  buf.write('fmt ', 12, 'latin1');
  buf.writeUInt32LE(16, 16); // fmt chunk size
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(SAMPLE_RATE, 24);
  buf.writeUInt32LE(SAMPLE_RATE * 2, 28); // byte rate
  buf.writeUInt16LE(2, 32); // block align
  buf.writeUInt16LE(16, 34); // bits per sample
  buf.write('data', 36, 'latin1');
  buf.writeUInt32LE(dataBytes, 40);

  const view = new DataView(buf.buffer, buf.byteOffset + 44, dataBytes);
  const duration = samples / SAMPLE_RATE;
  const barSamples = Math.round(BAR_SECONDS * SAMPLE_RATE);
  const bars = Math.ceil(samples / barSamples);
  const flat = SECTIONS.flat();

  // Bell arpeggio notes for the whole piece, eight per bar: chord tones up and down an
  // octave above the pad, the last one leaning towards the next chord.
  const arpFreqs = new Float64Array(bars * 8);
  for (let bar = 0; bar < bars; bar++) {
    const [root, shape] = flat[bar % flat.length];
    const [nextRoot, nextShape] = flat[(bar + 1) % flat.length];
    const up = shape.map((iv) => root + 24 + iv);
    const seq = [...up, root + 36, ...up.slice(1).reverse()];
    for (let i = 0; i < 7; i++) arpFreqs[bar * 8 + i] = NOTE(seq[i % seq.length]);
    arpFreqs[bar * 8 + 7] = NOTE(nextRoot + 24 + nextShape[1]);
  }

  for (let bar = 0; bar < bars; bar++) {
    const [root, shape] = flat[bar % flat.length];
    const padFreqs = shape.map((iv) => NOTE(root + 12 + iv));
    const bassFreq = NOTE(root - 12);
    const first = bar * barSamples;
    const last = Math.min(samples, first + barSamples);

    for (let s = first; s < last; s++) {
      const t = s / SAMPLE_RATE; // absolute time: continuous phases
      const tb = (s - first) / SAMPLE_RATE; // time in bar

      // Pad: soft sines with a slow swell, faded at bar edges (no clicks).
      const padEnv = Math.min(1, tb / 0.35, (BAR_SECONDS - tb) / 0.25) * (0.8 + 0.2 * sinc(0.25 * t));
      let pad = 0;
      for (let v = 0; v < padFreqs.length; v++) {
        const f = padFreqs[v];
        pad += sinc(f * t) + 0.25 * sinc(2 * f * t + v / 6);
      }
      pad *= (0.11 / padFreqs.length) * 3 * padEnv;

      // Bass on beats 1 and 3.
      const half = BAR_SECONDS / 2;
      const beat = tb % half;
      const bassEnv = Math.min(1, beat / 0.01, (half - beat) / 0.03) * Math.exp(-beat * 2.2);
      const bass = 0.22 * bassEnv * sinc(bassFreq * t);

      // Bell (sine + a little inharmonic partial), eighth notes; the previous note rings
      // into the current one.
      let bell = 0;
      const step = Math.floor(t / ARP_STEP);
      for (let k = step; k >= Math.max(0, step - 1); k--) {
        const tn = t - k * ARP_STEP;
        const f = arpFreqs[k];
        const env = Math.min(1, tn / 0.004) * Math.exp(-tn * 4.5);
        bell += env * (sinc(f * tn) + 0.18 * sinc(2.76 * f * tn) * Math.exp(-tn * 6));
      }
      bell *= 0.16;

      const fade = Math.min(1, t / 2, (duration - t) / 3);
      const v = Math.tanh((pad + bass + bell) * 1.3) * fade; // gentle limiter
      view.setInt16((s << 1) >>> 0, Math.round(v * 30000), true);
    }
  }
  return buf;
}

// ---------------------------------------------------------------------------
// Pictures (drawn on a 300×300 design grid, rendered at any size)
// ---------------------------------------------------------------------------

const halfPlane = (y0, below) => (x, y) => (below ? y0 - y : y - y0);
/** Region within the double cone |y - cy| < k·|x - cx| (left and right of the centre). */
const sideCone = (cx, cy, k) => (x, y) => (Math.abs(y - cy) - k * Math.abs(x - cx)) / Math.hypot(1, k);

function drawMicrophone(r, ink) {
  const head = sdf.roundRect(120, 52, 180, 168, 30);
  const grille = sdf.union(
    sdf.capsule(134, 92, 166, 92, 3.2),
    sdf.capsule(134, 110, 166, 110, 3.2),
    sdf.capsule(134, 128, 166, 128, 3.2),
  );
  r.fill(sdf.subtract(head, grille), ink);
  const holder = sdf.intersect(sdf.ring(150, 128, 50, 6.5), halfPlane(128, true));
  const holderEnds = sdf.union(sdf.circle(100, 128, 6.5), sdf.circle(200, 128, 6.5));
  r.fill(sdf.union(holder, holderEnds), ink);
  r.fill(sdf.capsule(150, 184, 150, 222, 6.5), ink);
  r.fill(sdf.capsule(116, 228, 184, 228, 6.5), ink);
}

function drawWaves(r, ink, count = 3) {
  for (const [radius, alpha] of [[92, 0.85], [120, 0.55], [148, 0.3]].slice(0, count)) {
    r.fill(sdf.intersect(sdf.ring(150, 126, radius, 6), sideCone(150, 126, 0.9)), ink, alpha);
  }
}

/** Square episode artwork, full bleed. */
export function renderArtwork(size = 600) {
  const r = new Raster(size, size, 300);
  const a = hex('#3b1f7a'), b = hex('#e0576b'), c = hex('#f7a35c');
  r.fill(sdf.roundRect(-10, -10, 310, 310, 0), (x, y) => {
    const t = (x + y) / 600; // diagonal
    return t < 0.6 ? mix(a, b, t / 0.6) : mix(b, c, (t - 0.6) / 0.4);
  });
  // Soft light spot behind the microphone.
  r.fill(sdf.circle(150, 130, 110), hex('#ffffff', 0.08));
  drawWaves(r, hex('#ffffff'));
  drawMicrophone(r, hex('#ffffff'));
  // "Episode 5": five dots along the bottom, the last one highlighted.
  for (let i = 0; i < 5; i++) {
    r.fill(sdf.circle(110 + i * 20, 266, 6), hex('#ffffff', i === 4 ? 1 : 0.45));
  }
  return r.toPNG();
}

/** The 300×300 notification icon: the artwork on a rounded square (transparent corners). */
export function renderEpisodeIcon(size = 300) {
  const r = new Raster(size, size, 300);
  const a = hex('#3b1f7a'), b = hex('#e0576b');
  r.fill(sdf.roundRect(6, 6, 294, 294, 64), (x, y) => mix(a, b, (x + y) / 600));
  drawWaves(r, hex('#ffffff'), 2);
  drawMicrophone(r, hex('#ffffff'));
  return r.toPNG();
}
