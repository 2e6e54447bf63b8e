// One HTTP attempt of one record: the request (resuming with Range + If-Range from the stored
// bytes when it can), a watchdog that cuts a stalled or too slow connection, the checks of the
// answer (CORS, redirects, Retry-After, whether a 206 continues what is stored), and the head and
// body into the store. What a failed attempt leads to is retry-policy.ts's.
import { uploadSize, type StoredRecord, type StoredRegistration } from '../../shared/db';
import type { SerializedRequest } from '../../shared/spec';
import { announceChange } from '../state/changes';
import { recordDone, recordFailed } from '../state/lifecycle';
import { storeOf } from '../state/stores';
import { exposedHeaders, sendsCredentials } from './cors-rules';
import { siteOf } from '../site';
import { switches } from '../switches';
import { discardBody, streamBody, writeHead, type HeadWrite } from './chunks';
import { corsFetch, corsVerdict, CorsRefusal } from './cors'; // bgfetch-cors hook
import type { FairSemaphore } from './fair-semaphore';
import { TransferFailure } from './failure';
import { RestartFromZero, RETRYABLE_STATUSES, retryAfterMs, Transient, YieldSlot } from './retry-policy';

export interface AttemptOptions {
  reg: StoredRegistration;
  /** The record, if the caller holds a current copy; else its index, to read it. */
  record: StoredRecord | number;
  /** The fetch's signal: abort, pause, the first failure of another request. */
  signal: AbortSignal;
  /** Body bytes this attempt stored (so a retry knows whether it made progress). */
  onStored(bytes: number): void;
  /** A status with Retry-After may be retried; else it is the record's final answer. */
  mayRetryStatus: boolean;
  /** The connections shared between sites: a slow one yields its slot when another site waits. */
  connections: Pick<FairSemaphore, 'othersWaiting'>;
}

/** Resolves once the record is done (or was not pending); throws what made the attempt fail. */
export async function attemptOnce({
  reg,
  record: which,
  signal: outer,
  onStored,
  mayRetryStatus,
  connections,
}: AttemptOptions): Promise<void> {
  const db = storeOf(reg.key);
  const current = typeof which === 'number' ? await db.records.get([reg.key, which]) : which;
  if (!current || current.state !== 'pending') return;
  const { record, headers, resumeFrom } = await resumePoint(reg, current);
  const { index, request } = record;
  const upload =
    request.method === 'GET' || request.method === 'HEAD' ? undefined : await db.uploads.get([reg.key, index]);
  const withCredentials = sendsCredentials(reg.origin, request);
  const watchdog = new Watchdog({ outer, url: request.url, sending: !!upload, site: siteOf(reg.origin), connections });
  try {
    const response = await send(
      reg,
      request,
      { headers, body: upload?.data, withCredentials, signal: watchdog.signal },
      watchdog,
    );
    watchdog.answered();
    const { offset, head } = await checkAnswer({ reg, record, response, resumeFrom, withCredentials, mayRetryStatus });
    await storeAnswer({
      reg,
      index,
      request,
      response,
      offset,
      head: offset === 0 ? { ...head, uploadBytes: upload ? uploadSize(upload) : 0 } : undefined,
      outer,
      watchdog,
      onStored,
    });
    announceChange(reg.key);
  } catch (error) {
    throw watchdog.stalled() ?? error;
  } finally {
    watchdog.stop();
  }
}

/** Where the attempt starts: after the stored bytes when they can be continued, else from zero. */
async function resumePoint(
  reg: StoredRegistration,
  stored: StoredRecord,
): Promise<{ record: StoredRecord; headers: Headers; resumeFrom: number }> {
  let record = stored;
  const { request } = record;
  if (record.stored > 0 && (request.method !== 'GET' || !record.validator)) {
    // Nothing to resume from: no validator, or a request that must be sent again whole.
    await discardBody(reg.key, record.index);
    record = (await storeOf(reg.key).records.get([reg.key, record.index])) ?? record;
  }
  const headers = new Headers(request.headers);
  if (record.stored > 0) {
    headers.set('Range', `bytes=${record.stored}-`);
    headers.set('If-Range', record.validator!);
  }
  return { record, headers, resumeFrom: record.stored };
}

/**
 * Cuts the attempt when nothing arrives for `stallMs` (headers or body), and when it receives
 * less than the speed floor while another site waits for a connection (it yields its slot).
 */
class Watchdog {
  readonly #stall = new AbortController();
  readonly signal: AbortSignal;
  readonly #outer: AbortSignal;
  readonly #timer: ReturnType<typeof setInterval>;
  #lastActivity = Date.now();
  // The speed floor: bytes received in the current window, from when it began.
  #windowStart = Date.now();
  #windowBytes = 0;
  // While a request body is being sent nothing is received: the floor applies from the answer on.
  #answered: boolean;

  constructor({
    outer,
    url,
    sending,
    site,
    connections,
  }: {
    outer: AbortSignal;
    url: string;
    sending: boolean;
    site: string;
    connections: AttemptOptions['connections'];
  }) {
    this.#outer = outer;
    this.signal = AbortSignal.any([outer, this.#stall.signal]);
    this.#answered = !sending;
    const { stallMs, trickleFloorBytesPerSec, trickleWindowMs } = switches();
    this.#timer = setInterval(
      () => {
        const now = Date.now();
        if (now - this.#lastActivity >= stallMs)
          this.#stall.abort(new Transient('retrying', `nothing received for ${stallMs} ms`));
        if (!this.#answered) this.#windowStart = now;
        if (now - this.#windowStart < trickleWindowMs) return;
        const floor = (trickleFloorBytesPerSec * (now - this.#windowStart)) / 1000;
        if (this.#windowBytes < floor && connections.othersWaiting(site)) {
          this.#stall.abort(
            new YieldSlot(
              `${url}: ${this.#windowBytes} bytes in ${now - this.#windowStart} ms while another site waits`,
            ),
          );
        }
        this.#windowStart = now;
        this.#windowBytes = 0;
      },
      Math.max(100, Math.min(1000, stallMs / 4, trickleWindowMs / 4)),
    );
  }

  touch = (bytes = 0): void => {
    this.#lastActivity = Date.now();
    this.#windowBytes += bytes;
  };

  answered(): void {
    this.touch();
    this.#answered = true;
  }

  /** Why the watchdog cut the attempt, if it did (and not the fetch's own signal). */
  stalled(): Transient | YieldSlot | undefined {
    return this.#stall.signal.aborted && !this.#outer.aborted
      ? (this.#stall.signal.reason as Transient | YieldSlot)
      : undefined;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

interface Outgoing {
  headers: Headers;
  body: ArrayBuffer | Blob | undefined;
  withCredentials: boolean;
  signal: AbortSignal;
}

/** The request, as a CORS request from the site's origin; a failure without a response says why. */
async function send(
  reg: StoredRegistration,
  request: SerializedRequest,
  { headers, body, withCredentials, signal }: Outgoing,
  watchdog: Watchdog,
): Promise<Response> {
  try {
    // bgfetch-cors hook (policy.ts/cors.ts owner): a CORS request from the site's origin.
    return await corsFetch(
      reg.origin,
      request,
      {
        method: request.method,
        headers,
        body,
        credentials: withCredentials ? 'include' : 'omit',
        // The background's HTTP cache is the default jar's, on disk: a container or private
        // window neither reads it (what it holds is not theirs) nor writes to it.
        cache: reg.storeId !== 'default' ? 'no-store' : request.cache === 'only-if-cached' ? 'default' : request.cache,
        redirect: request.redirect,
        integrity: request.integrity || undefined,
        signal,
      },
      reg.storeId,
      reg.topLevelSite,
      reg.connectSrc,
    );
  } catch (error) {
    if (signal.aborted && !watchdog.stalled()) throw error;
    if (error instanceof CorsRefusal) throw new TransferFailure('fetch-error', error.message); // bgfetch-cors hook
    const timedOut = watchdog.stalled();
    if (timedOut) throw timedOut;
    // Subresource integrity failures reject too; they are not a network that went away.
    if (request.integrity || request.redirect === 'error') throw new Transient('retrying', String(error));
    throw new Transient('unreachable', String(error));
  }
}

interface Answer {
  reg: StoredRegistration;
  record: StoredRecord;
  response: Response;
  resumeFrom: number;
  withCredentials: boolean;
  mayRetryStatus: boolean;
}

/** Whether the answer may be stored, and from which offset; throws when it may not. */
async function checkAnswer({
  reg,
  record,
  response,
  resumeFrom,
  withCredentials,
  mayRetryStatus,
}: Answer): Promise<{ offset: number; head: Omit<HeadWrite, 'uploadBytes'> }> {
  const { request } = record;
  const cancel = () => response.body?.cancel().catch(() => undefined);
  // bgfetch-cors hook: every hop CORS-checked (cors.ts); `credentialed` as fetch() decided it.
  const verdict = corsVerdict(reg.origin, request, response, withCredentials);
  if (!verdict.allowed) {
    await cancel();
    throw new TransferFailure('fetch-error', verdict.why ?? `CORS refused ${response.url} for ${reg.origin}`);
  }
  if (response.type === 'opaqueredirect') {
    throw new TransferFailure('bad-status', `Redirect not followed (redirect: "${request.redirect}")`);
  }
  // Asked to come back later: not a final answer while retries remain.
  const retryAfter = retryAfterMs(response);
  if (RETRYABLE_STATUSES.has(response.status) && retryAfter !== undefined && mayRetryStatus) {
    await cancel();
    throw new Transient('retrying', `${request.url} answered ${response.status}`, retryAfter, response.status);
  }
  let offset = 0;
  if (resumeFrom > 0 && response.status === 206) {
    if (!continuesStored(record, response)) {
      await cancel();
      throw new RestartFromZero(`${request.url}: the 206 does not continue the stored bytes`);
    }
    offset = resumeFrom;
  } else if (resumeFrom > 0 && response.status === 416) {
    await cancel();
    throw new RestartFromZero(`${request.url}: the stored range is no longer satisfiable`);
  } else if (resumeFrom > 0) {
    // 200 to a range request: the resource changed or ranges are unsupported; start over.
    await discardBody(reg.key, record.index);
  }
  return { offset, head: responseHead(response, verdict.crossOrigin, verdict.withCredentials) };
}

interface Storing {
  reg: StoredRegistration;
  index: number;
  request: SerializedRequest;
  response: Response;
  offset: number;
  /** The head to store: when the body starts from zero. */
  head: HeadWrite | undefined;
  outer: AbortSignal;
  watchdog: Watchdog;
  onStored(bytes: number): void;
}

/** The head and the body into the store; the record ends done, or failed with bad-status. */
async function storeAnswer({
  reg,
  index,
  request,
  response,
  offset,
  head,
  outer,
  watchdog,
  onStored,
}: Storing): Promise<void> {
  // Not awaited: the head joins the body's first write when that comes soon (small files).
  const headStored = head ? writeHead(reg.key, index, head) : undefined;
  headStored?.catch(() => undefined);
  let stored = offset;
  let completed = false;
  if (!response.ok) {
    // Chromium keeps no byte of a failed request: its record's body is empty, and what the
    // server said does not count against downloadTotal.
    await response.body?.cancel().catch(() => undefined);
  } else if (response.body) {
    // A good response is marked done in the same transaction as its last bytes.
    ({ stored, completed } = await streamBody({
      regKey: reg.key,
      index,
      body: response.body,
      startOffset: offset,
      signal: outer,
      cut: watchdog.signal,
      onStored,
      onData: watchdog.touch,
      complete: true,
    }));
  }
  await headStored;
  if (!response.ok) {
    await recordFailed(reg.key, index, 'bad-status');
    throw new TransferFailure('bad-status', `${request.method} ${request.url} answered ${response.status}`);
  }
  if (completed) return;
  // A connection closed early can look like a complete body: check against Content-Length.
  const expected = (await storeOf(reg.key).records.get([reg.key, index]))?.expectedLength;
  if (response.body && request.method !== 'HEAD' && expected != null && stored < expected) {
    throw new Transient('retrying', `${request.url} ended after ${stored} of ${expected} bytes`);
  }
  await recordDone(reg.key, index);
}

/** A 206 continues the stored bytes when it starts there, has the same total and validator. */
function continuesStored(record: StoredRecord, response: Response): boolean {
  const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
  if (!range || Number(range[1]) !== record.stored) return false;
  if (record.expectedLength !== null && range[3] !== '*' && Number(range[3]) !== record.expectedLength) return false;
  const etag = response.headers.get('etag');
  if (etag && record.validator?.startsWith('"') && etag !== record.validator) return false;
  return true;
}

/** What the store keeps of a response: CORS-filtered head, validator and length for resuming. */
function responseHead(
  response: Response,
  crossOrigin: boolean,
  withCredentials: boolean,
): Omit<HeadWrite, 'uploadBytes'> {
  const etag = response.headers.get('etag');
  const strongEtag = etag && !etag.startsWith('W/') ? etag : null;
  const encoded = response.headers.has('content-encoding');
  const length = Number(response.headers.get('content-length') ?? NaN);
  return {
    response: {
      status: response.status,
      statusText: response.statusText,
      headers: exposedHeaders(response.headers, crossOrigin, withCredentials),
      url: response.url,
      type: crossOrigin ? 'cors' : 'basic',
      redirected: response.redirected,
    },
    // Ranges address encoded bytes; the store holds decoded ones, so encoded bodies restart.
    validator: encoded || !response.ok ? null : (strongEtag ?? response.headers.get('last-modified')),
    expectedLength: encoded || !Number.isFinite(length) ? null : length,
  };
}
