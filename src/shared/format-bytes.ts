// Sizes as the person reads them, in the popup and in the background's notifications. Pure: the
// locale comes in as an argument.
const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;
const formatters = new Map<string, Intl.NumberFormat>();

/** One Intl.NumberFormat per locale and options (making one is slow, and the popup formats a lot). */
export function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const id = `${locale}|${JSON.stringify(options)}`;
  let format = formatters.get(id);
  if (!format) formatters.set(id, (format = new Intl.NumberFormat(locale, options)));
  return format;
}

/**
 * Binary units as Firefox's and Chrome's download panels count them (1 kB = 1,024 bytes, shown
 * with the browser's own unit names), one fixed decimal above bytes so widths stay put.
 */
export function scaled(bytes: number): { value: number; unit: (typeof UNITS)[number] } {
  let value = Math.max(0, Number.isFinite(bytes) ? bytes : 0);
  let unit = 0;
  // 1,023.96 would round up to "1,024.0 kB", and 1,000–1,023 reads badly: switch unit at 1,000.
  while (value >= 999.95 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return { value, unit: UNITS[unit]! };
}

export function formatBytes(bytes: number, locale: string): string {
  const { value, unit } = scaled(bytes);
  const digits = unit === 'byte' ? 0 : 1;
  return numberFormat(locale, {
    style: 'unit',
    unit,
    // The short form of "byte" has no plural ("9 byte"); the long one does ("9 bytes", "9 Byte").
    unitDisplay: unit === 'byte' ? 'long' : 'short',
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(value);
}
