// Numbers and words as the person reads them. Pure: locale and messages come in as arguments.
import type { BackgroundFetchFailureReason } from '../shared/spec';
import { formatBytes, numberFormat, scaled } from '../shared/format-bytes';
import type { MessageKey, Msg } from './i18n';

export { formatBytes };

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

const pluralRules = new Map<string, Intl.PluralRules>();

/** The language's plural category of `count` ("one", "other", …: Polish or Arabic have more). */
export function pluralOf(count: number, locale: string): Intl.LDMLPluralRule {
  let rules = pluralRules.get(locale);
  if (!rules) pluralRules.set(locale, (rules = new Intl.PluralRules(locale)));
  return rules.select(count);
}

/**
 * A counted phrase: `${base}_one` when the language says the count is singular, else
 * `${base}_other` (_locales has only these two: English and German need no more).
 */
export function formatCount(base: PluralBase, count: number, locale: string, msg: Msg): string {
  const key = `${base}_${pluralOf(count, locale) === 'one' ? 'one' : 'other'}` as MessageKey;
  return msg(key, numberFormat(locale, {}).format(count));
}

export type PluralBase = 'files' | 'downloads' | 'removed' | 'undelivered' | 'matches';

export function formatFileCount(count: number, locale: string, msg: Msg): string {
  return formatCount('files', count, locale, msg);
}

/** A clock time today ("14:05"), or a date and time for older ones. */
export function formatTime(epochMs: number, now: number, locale: string): string {
  if (!epochMs) return '';
  const date = new Date(epochMs);
  const sameDay = new Date(now).toDateString() === date.toDateString();
  return new Intl.DateTimeFormat(
    locale,
    sameDay ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' },
  ).format(date);
}

/** What the engine says about a fetch that is waiting to try again (src/shared/db.ts `retry`). */
export interface RetryView {
  host: string;
  attempt: number;
  retryAt: number;
  status?: number;
}

/**
 * The honest word for a waiting fetch: "Offline" only when the browser says it is; otherwise which
 * host cannot be reached (or what it answered), when the next try is and which try that is.
 */
export function formatWaiting(
  waiting: 'offline' | 'retrying',
  retry: RetryView | undefined,
  online: boolean,
  now: number,
  locale: string,
  msg: Msg,
): string {
  if (!online) return msg('state_offline');
  if (!retry) return msg(waiting === 'offline' ? 'waitingUnreachable' : 'state_retrying');
  const seconds = Math.max(0, Math.ceil((retry.retryAt - now) / 1000));
  const when = seconds > 0 ? msg('retryIn', formatDuration(seconds, locale)) : msg('retryNow');
  const attempt = numberFormat(locale, {}).format(retry.attempt);
  if (waiting === 'offline') return msg('cantReach', [retry.host, when, attempt]);
  if (retry.status) return msg('hostAnswered', [retry.host, String(retry.status), when, attempt]);
  return msg('connectionLost', [retry.host, when, attempt]);
}

/** "episode.mp4 from cdn.example answered 404", for a failed fetch's first failed file. */
export function formatFailedFile(file: string, host: string, status: number | undefined, msg: Msg): string {
  return status ? msg('failedFileStatus', [file, host, String(status)]) : msg('failedFileNetwork', [file, host]);
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
