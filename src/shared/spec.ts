// The Background Fetch API's enums and dictionaries as they travel between contexts, and the
// limits bgfetch enforces on what a page may ask for. Imported by every context: no browser
// globals are touched at import time.

export type BackgroundFetchResult = '' | 'success' | 'failure';

export const FAILURE_REASONS = [
  '',
  'aborted',
  'bad-status',
  'fetch-error',
  'quota-exceeded',
  'download-total-exceeded',
] as const;
export type BackgroundFetchFailureReason = (typeof FAILURE_REASONS)[number];

export type HeaderList = [name: string, value: string][];

export interface ImageResource {
  src: string;
  sizes: string;
  type: string;
  label?: string;
}

export interface UIOptions {
  title: string;
  icons: ImageResource[];
}

export interface FetchOptions extends UIOptions {
  downloadTotal: number;
}

/** A Request as the page's own `new Request()` normalised it, minus the body. */
export interface SerializedRequest {
  url: string;
  method: string;
  headers: HeaderList;
  mode: RequestMode;
  credentials: RequestCredentials;
  cache: RequestCache;
  redirect: RequestRedirect;
  referrer: string;
  referrerPolicy: ReferrerPolicy;
  integrity: string;
}

/** What a request sends: the request itself plus its body, read fully before fetch() resolves. */
export interface OutgoingRequest extends SerializedRequest {
  body: Uint8Array<ArrayBuffer> | null;
}

export interface CacheQueryOptions {
  ignoreSearch: boolean;
  ignoreMethod: boolean;
  ignoreVary: boolean;
}

/** The observable attributes of one BackgroundFetchRegistration. */
export interface RegistrationSnapshot {
  /** Unique per fetch: the same `id` may be reused once a fetch settled. */
  key: string;
  id: string;
  uploadTotal: number;
  uploaded: number;
  downloadTotal: number;
  downloaded: number;
  result: BackgroundFetchResult;
  failureReason: BackgroundFetchFailureReason;
  recordsAvailable: boolean;
}

export interface ResponseHead {
  status: number;
  statusText: string;
  headers: HeaderList;
  /** The final URL, after redirects. */
  url: string;
  /** Fetch's response tainting: `cors` once any hop left the site's origin. Absent in records stored before it was kept. */
  type?: 'basic' | 'cors';
  redirected?: boolean;
}

export interface RecordInfo {
  index: number;
  request: SerializedRequest;
  /** The request's body, when it had one: the store's Blob, read only if the site reads it. */
  body?: Blob;
}

/**
 * Limits on what one site may ask for. They keep a hostile page from exhausting the
 * background's memory or the store; real apps stay far below them.
 */
export const LIMITS = {
  idLength: 1024,
  requestsPerFetch: 10_000,
  urlLength: 8 * 1024,
  headersPerRequest: 100,
  headerBytes: 16 * 1024,
  uploadBytesPerFetch: 256 * 1024 * 1024,
  titleLength: 1024,
  icons: 32,
  activeFetchesPerSite: 100,
  /** Requests of a site's active fetches together: bounds what one site costs the engine and the popup. */
  activeRecordsPerSite: 20_000,
} as const;

export const ERROR_NAMES = [
  'TypeError',
  'InvalidStateError',
  'AbortError',
  'QuotaExceededError',
  'NotAllowedError',
  'NotSupportedError',
  // An opaque origin (sandboxed document): no storage, as the page's own storage APIs say.
  'SecurityError',
] as const;
export type ErrorName = (typeof ERROR_NAMES)[number];

/** An error as it crosses a context boundary; rebuilt as TypeError or DOMException on arrival. */
export interface WireError extends QuotaDetails {
  name: ErrorName;
  message: string;
}
/** A QuotaExceededError's `quota` and `requested` (bytes), where known. */
export interface QuotaDetails {
  quota?: number;
  requested?: number;
}

export class SpecError extends Error {
  constructor(
    readonly specName: ErrorName,
    message: string,
    readonly details: QuotaDetails = {},
  ) {
    super(message);
  }
  toWire(): WireError {
    return { name: this.specName, message: this.message, ...this.details };
  }
}

export const typeError = (message: string) => new SpecError('TypeError', message);

/** The fetch spec's bad ports (https://fetch.spec.whatwg.org/#bad-port): never fetched. */
const BAD_PORTS = new Set([
  0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110,
  111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532,
  540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061,
  6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/** Fetch's "port blocking": an HTTP(S) URL on a bad port gets a network error. */
export function isBlockedPort(url: string): boolean {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  return BAD_PORTS.has(Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80)));
}
