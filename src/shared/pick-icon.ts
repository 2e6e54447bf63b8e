// Which of a fetch's icons to show: the popup's row draws it, the background fetches and stores it.
import type { ImageResource } from './spec';

/** The icon closest to `size` CSS pixels at 2x, from a fetch's `icons` (the one the background fetches and stores). */
export function pickIcon(icons: readonly ImageResource[], base: string, size = 32): string | null {
  let best: { src: string; score: number } | null = null;
  for (const icon of icons) {
    const sizes = icon.sizes
      .split(/\s+/)
      .map((entry) => (entry.toLowerCase() === 'any' ? Infinity : Number(entry.split(/x/i)[0])))
      .filter((n) => n > 0);
    const px = sizes.length ? Math.max(...sizes) : size;
    const score = px >= size * 2 ? px - size * 2 : (size * 2 - px) * 4;
    let src: string;
    try {
      src = new URL(icon.src, base).href;
    } catch {
      continue;
    }
    if (!/^(https?|data):/.test(src)) continue;
    if (!best || score < best.score) best = { src, score };
  }
  return best?.src ?? null;
}
