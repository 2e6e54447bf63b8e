// Numbers and words as the person reads them. Pure: locale and messages come in as arguments.
import type { BackgroundFetchFailureReason } from '../shared/spec';
import type { MessageKey, Msg } from './i18n';

const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;
const formatters = new Map<string, Intl.NumberFormat>();

function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const id = `${locale}|${JSON.stringify(options)}`;
  let format = formatters.get(id);
  if (!format) formatters.set(id, (format = new Intl.NumberFormat(locale, options)));
  return format;
}

/** Decimal units (1 kB = 1000 bytes), one fixed decimal above bytes so widths stay put. */
function scaled(bytes: number): { value: number; unit: (typeof UNITS)[number] } {
  let value = Math.max(0, Number.isFinite(bytes) ? bytes : 0);
  let unit = 0;
  // 999.95 would round up to "1,000.0 kB": switch unit before that happens.
  while (value >= 999.95 && unit < UNITS.length - 1) {
    value /= 1000;
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
    unitDisplay: 'short',
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(value);
}

export function formatSpeed(bytesPerSecond: number, locale: string): string {
  const { value, unit } = scaled(bytesPerSecond);
  const digits = unit === 'byte' ? 0 : 1;
  return numberFormat(locale, {
    style: 'unit',
    unit: `${unit}-per-second`,
    unitDisplay: 'short',
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(value);
}

export function formatPercent(fraction: number, locale: string): string {
  return numberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(
    Math.min(1, Math.max(0, fraction)),
  );
}

const unitFormat = (locale: string, unit: 'second' | 'minute' | 'hour') =>
  numberFormat(locale, { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: 0 });

/** A rounded-up duration: "45 sec", "3 min", "1 hr 5 min" (localised). */
export function formatDuration(seconds: number, locale: string): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return unitFormat(locale, 'second').format(s);
  const minutes = Math.ceil(s / 60);
  if (minutes < 60) return unitFormat(locale, 'minute').format(minutes);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const h = unitFormat(locale, 'hour').format(hours);
  return rest ? `${h} ${unitFormat(locale, 'minute').format(rest)}` : h;
}

/** "3 min left"; empty when there is no honest estimate. */
export function formatEta(seconds: number | null, locale: string, msg: Msg): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '';
  // Past a few days an estimate says nothing useful.
  if (seconds > 3 * 24 * 3600) return '';
  return msg('etaLeft', formatDuration(seconds, locale));
}

export function formatFileCount(count: number, locale: string, msg: Msg): string {
  return count === 1 ? msg('fileCountOne') : msg('filesCount', numberFormat(locale, {}).format(count));
}

/** "12.0 MB of 50.0 MB", or just the amount when the total is unknown. */
export function formatProgress(downloaded: number, total: number | null, locale: string, msg: Msg): string {
  if (!total) return formatBytes(downloaded, locale);
  return msg('progressOf', [formatBytes(downloaded, locale), formatBytes(total, locale)]);
}

export function failureMessage(reason: BackgroundFetchFailureReason, msg: Msg): string {
  if (!reason) return '';
  return msg(`failure_${reason.replaceAll('-', '_')}` as MessageKey);
}
