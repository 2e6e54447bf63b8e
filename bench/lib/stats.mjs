// Medians, differences and their uncertainty, and number formatting for the table.
import { MiB } from './config.mjs';

export function median(xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const mibps = (bytes, ms) => bytes / MiB / (ms / 1000);

/** Element-wise a[i] - b[i] (rounds measured back to back), skipping pairs with a gap. */
export const pairedDiffs = (a, b) => a.map((x, i) => x - b[i]).filter((d) => Number.isFinite(d));

/**
 * 95% bootstrap interval of the median. A fixed-seed generator, so the same samples always
 * give the same interval (runs are compared by eye).
 */
export function medianInterval(xs, resamples = 2000) {
  const s = xs.filter((x) => Number.isFinite(x));
  if (s.length < 2) return [NaN, NaN];
  let state = 0x9e3779b9;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const medians = [];
  for (let i = 0; i < resamples; i++) {
    medians.push(median(Array.from(s, () => s[Math.floor(random() * s.length)])));
  }
  medians.sort((a, b) => a - b);
  return [medians[Math.floor(resamples * 0.025)], medians[Math.ceil(resamples * 0.975) - 1]];
}

export function fmt(x, digits) {
  if (x == null || !Number.isFinite(x)) return '—';
  if (digits != null) return x.toFixed(digits);
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** Alternates which of the contenders goes first, round by round. */
export const order = (round, ...contenders) => (round % 2 ? [...contenders].reverse() : contenders);
