// The spec's algorithms for what a page asks: fetch, get, getIds, abort, match, and reading
// responses back. One handler per page message; the router has validated the message and
// established the caller from the browser before any of these run.
import type { PageReplies, PageRequestOf, PageRequestType } from '../shared/protocol';
import {
  LIMITS,
  SpecError,
  typeError,
  type CacheQueryOptions,
  type RecordInfo,
  type SerializedRequest,
} from '../shared/spec';
import { waitForChange } from './state/changes';
import { chunkSize, snapshotOf, type StoredRecord, type StoredRegistration } from '../shared/db';
import { assertRequestAllowed, assertScopeOf, type Caller } from './policy';
import { sendsCredentials } from './engine/cors-rules';
import { siteOf } from './site';
import { createFetch, newRecord, newRegistration } from './state/lifecycle';
import { permissionFor, permissionState } from './person/consent';
import { announceStart } from './person/start-notice';
import { storeIcon } from './engine/icons';
import { isPrivateKey, PRIVATE_KEY_PREFIX, storeFor, storeOf } from './state/stores';
import { startTransfers } from './engine/transfer';
import { abortFetch } from './engine/control';
import { chunkData } from './engine/chunks';
import { requestBodies } from './engine/request-bodies';
import { withoutFormatCharacters } from '../shared/text';
import { whyNeverFits } from './engine/quota';
import { connectAllowed, connectSourceLists, headerPolicies } from './engine/csp';

/** How long one reply may wait for a response head or body bytes before the page asks again. */
const LONG_POLL_MS = 10_000;
/** Stored chunks per body reply (up to 256 MiB of 8 MiB chunks, 512 of Chromium's 16): Blobs are handles, nothing is read here. */
const PARTS_PER_REPLY = 32;

export type PageHandlers = {
  [T in PageRequestType]: (caller: Caller, request: PageRequestOf<T>) => Promise<PageReplies[T]>;
};

export function createPageHandlers(): PageHandlers {
  return {
    fetch: startFetch,
    permission: (caller, { known }) => permissionState(caller, known),
    async get(caller, { scope, id }) {
      assertScopeOf(caller, scope);
      // As Chromium: no fetch can have the empty id, so asking for it is a mistake.
      if (id === '') throw typeError('get() needs a non-empty id.');
      const reg = await activeRegistration(caller, scope, id);
      return reg ? snapshotOf(reg) : null;
    },
    async getIds(caller, { scope }) {
      assertScopeOf(caller, scope);
      const regs = await activeRegistrations(caller, scope);
      return regs.map((reg) => reg.id);
    },
    async abort(caller, { scope, key }) {
      await ownRegistration(caller, scope, key);
      return abortFetch(key);
    },
    async matchAll(caller, { scope, key, request, options }) {
      const reg = await ownRegistration(caller, scope, key);
      assertRecordsAvailable(reg);
      const records = await storeOf(key).records.where('regKey').equals(key).sortBy('index');
      const matching = records.filter((record) => !request || requestMatches(request, record.request, options));
      // record.request keeps its body (as in Chromium): the stored upload, as a Blob.
      const bodies = await requestBodies(key, matching);
      return matching.map((record, i): RecordInfo => ({
        index: record.index,
        request: record.request,
        ...(bodies[i] && { body: bodies[i] }),
      }));
    },
    // A record already in hand stays readable after records stop being available (only
    // match/matchAll check that), as long as its bytes are stored.
    async responseHead(caller, { scope, key, index }) {
      await ownRegistration(caller, scope, key);
      for (;;) {
        const record = await existingRecord(key, index);
        // A head whose body was cut off, refused or aborted can never be read whole: reject the
        // promise sites catch, not the body read they do not.
        assertReadable(record);
        // Heads stored before type and redirected were kept: same-origin, not redirected, as most are.
        if (record.response)
          return { type: 'basic', redirected: false, ...record.response, generation: record.generation ?? 0 };
        await waitForChange(key, LONG_POLL_MS);
      }
    },
    async readBody(caller, { scope, key, index, offset, generation }) {
      await ownRegistration(caller, scope, key);
      const deadline = Date.now() + LONG_POLL_MS;
      for (;;) {
        const record = await existingRecord(key, index);
        // The server's resource changed and the request restarted from zero: the bytes now
        // stored are not the continuation of what this reader already has.
        if (generation !== undefined && generation !== (record.generation ?? 0)) {
          throw typeError('The response changed while it was being read.');
        }
        const complete = bodyComplete(record);
        if (offset < record.stored) {
          const parts = await storedParts(key, index, offset);
          // Released after the site's worker handled the fetch (disposal.ts): nothing left to read.
          if (!parts.length) throw typeError('The body is no longer stored: the site already took it.');
          const end = parts.reduce((at, part) => at + part.size, offset);
          return { parts, done: complete && end >= record.stored };
        }
        if (complete) return { parts: [], done: true };
        assertReadable(record);
        if (Date.now() >= deadline) return { parts: [], done: false };
        await waitForChange(key, deadline - Date.now());
      }
    },
  };
}

async function startFetch(caller: Caller, request: PageRequestOf<'fetch'>): Promise<PageReplies['fetch']> {
  const { scope, id, requests, options } = request;
  assertScopeOf(caller, scope);
  if (caller.incognito && __TARGET__ === 'chromium') {
    // Chromium gives extensions no way to send an incognito profile's cookies: refused rather
    // than fetched with the normal profile's.
    throw typeError('Background fetch through bgfetch is not available in incognito windows of Chromium.');
  }
  // Chromium's words for a denied permission. Ask: the fetch resolves, and waits for the person.
  const permission = await permissionFor(caller.origin, caller.incognito);
  if (permission === 'block') throw typeError('This origin does not have permission to start a fetch.');
  requests.forEach(assertRequestAllowed);
  const connectSrc = connectSourceLists([
    ...(await headerPolicies(caller.tabId, caller.frameId, caller.origin)),
    ...(caller.metaPolicies ?? []),
  ]);
  for (const entry of requests) {
    if (!connectAllowed(connectSrc, entry.url, caller.origin)) {
      throw typeError(
        `Refused to connect to ${entry.url}: the document's Content Security Policy (connect-src) does not allow it.`,
      );
    }
  }
  if (__TARGET__ === 'chromium') requests.forEach((entry) => assertCredentialsSendable(caller, entry));
  const bodies = requests.map((entry) => entry.body);
  const uploadTotal = bodies.reduce((sum, body) => sum + (body?.byteLength ?? 0), 0);
  if (uploadTotal > LIMITS.uploadBytesPerFetch) {
    throw new SpecError('QuotaExceededError', `Request bodies exceed ${LIMITS.uploadBytesPerFetch} bytes.`, {
      quota: LIMITS.uploadBytesPerFetch,
      requested: uploadTotal,
    });
  }
  await assertQuotaFor(caller, options.downloadTotal + uploadTotal);

  const key = (caller.incognito ? PRIVATE_KEY_PREFIX : '') + crypto.randomUUID();
  const now = Date.now();
  const reg = newRegistration(
    {
      key,
      storeId: caller.storeId,
      origin: caller.origin,
      topLevelSite: caller.topLevelSite,
      ...(connectSrc.length ? { connectSrc } : {}),
      scope,
      id,
      title: withoutFormatCharacters(options.title),
      icons: options.icons,
      downloadTotal: options.downloadTotal,
      uploadTotal,
      recordCount: requests.length,
      createdAt: now,
    },
    permission === 'ask',
  );
  const records = requests.map(({ body: _body, ...serialized }, index) => newRecord(key, index, serialized));
  // Stored as chunks are (a Blob when large, never in a private window), made before the
  // transaction: a Dexie transaction may await nothing else.
  const uploadData = await Promise.all(bodies.map((body) => body && chunkData(body, caller.incognito)));
  const uploads = uploadData.flatMap((data, index) => (data ? [{ regKey: key, index, data }] : []));
  const { firstOfSite } = await createFetch(
    storeFor(caller),
    reg,
    records,
    uploads,
    (other) => other.id === id && other.scope === scope && partitionOf(other) === caller.topLevelSite,
  );
  if (permission === 'allow') startTransfers(key);
  void storeIcon(reg);
  // What the person sees: the prompt (Ask), or that a site began downloading in the background.
  if (!caller.incognito && (permission === 'ask' || firstOfSite)) announceStart(reg);
  return snapshotOf(reg);
}

/**
 * Chromium gives an extension no way to send a partitioned cookie jar, nor to keep the target's
 * first-party cookies off a request it makes: a request the page would send with credentials in
 * a cross-site context (a cross-site URL, or any URL from a third-party frame) is refused, rather
 * than sent with more cookies than the page's own fetch() could send.
 */
function assertCredentialsSendable(caller: Caller, request: PageRequestOf<'fetch'>['requests'][number]): void {
  if (!sendsCredentials(caller.origin, request)) return;
  const crossSite = siteOf(request.url) !== caller.topLevelSite || siteOf(caller.origin) !== caller.topLevelSite;
  if (crossSite) {
    throw typeError(
      `bgfetch cannot send ${new URL(request.url).origin} the cookies this page's fetch() would in this browser: use credentials "omit" or "same-origin" for cross-site requests.`,
    );
  }
}

async function assertQuotaFor(caller: Caller, bytes: number): Promise<void> {
  const over = await whyNeverFits(bytes, caller.incognito);
  if (over) throw new SpecError('QuotaExceededError', over.message, { quota: over.quota, requested: bytes });
}

/**
 * The top-level site a registration belongs to: a third-party frame's registrations are its own,
 * as Firefox partitions the frame's storage. Rows from before partitioning were made first-party.
 */
export const partitionOf = (reg: Pick<StoredRegistration, 'origin' | 'topLevelSite'>) =>
  reg.topLevelSite ?? siteOf(reg.origin);

function activeRegistrations(caller: Caller, scope: string): Promise<StoredRegistration[]> {
  return storeFor(caller)
    .registrations.where('[storeId+origin]')
    .equals([caller.storeId, caller.origin])
    .filter((reg) => reg.active === 1 && reg.scope === scope && partitionOf(reg) === caller.topLevelSite)
    .sortBy('createdAt');
}

async function activeRegistration(caller: Caller, scope: string, id: string) {
  const active = await activeRegistrations(caller, scope);
  return active.find((reg) => reg.id === id);
}

/** A fetch key from a page is only a claim: it must name one of the caller's own fetches. */
async function ownRegistration(caller: Caller, scope: string, key: string): Promise<StoredRegistration> {
  assertScopeOf(caller, scope);
  // A private window's keys open the memory store, others the disk: neither reaches the other.
  const reg = isPrivateKey(key) === caller.incognito ? await storeOf(key).registrations.get(key) : undefined;
  if (
    !reg ||
    reg.origin !== caller.origin ||
    reg.storeId !== caller.storeId ||
    reg.scope !== scope ||
    partitionOf(reg) !== caller.topLevelSite
  ) {
    throw new SpecError('InvalidStateError', 'No such background fetch for this service worker registration.');
  }
  return reg;
}

function assertRecordsAvailable(reg: StoredRegistration): void {
  if (!reg.recordsAvailable) {
    throw new SpecError('InvalidStateError', 'The records of this background fetch are no longer available.');
  }
}

async function existingRecord(key: string, index: number): Promise<StoredRecord> {
  const record = await storeOf(key).records.get([key, index]);
  if (!record) throw new SpecError('InvalidStateError', `The background fetch has no record ${index}.`);
  return record;
}

/** The whole body is stored: the record is done, or failed with a status whose body it kept. */
const bodyComplete = (record: StoredRecord) => record.state === 'done' || record.failure === 'bad-status';

/** responseReady rejects with AbortError after an abort, TypeError when no response can come. */
function assertReadable(record: StoredRecord): void {
  if (record.state === 'aborted') throw new SpecError('AbortError', 'The background fetch was aborted.');
  if (record.state === 'failed' && record.failure !== 'bad-status') {
    throw typeError(`The response is not available: the request failed (${record.failure || 'fetch-error'}).`);
  }
}

/** The stored body from `offset` on, as Blobs: the chunk holding `offset` (cut there) and the next ones. */
async function storedParts(key: string, index: number, offset: number): Promise<Blob[]> {
  const db = storeOf(key);
  const chunks = await db.transaction('r', db.chunks, async () => {
    const first = await db.chunks
      .where('[regKey+index+start]')
      .between([key, index, 0], [key, index, offset], true, true)
      .last();
    if (!first || first.start + chunkSize(first) <= offset) return [];
    const next = await db.chunks
      .where('[regKey+index+start]')
      .between([key, index, offset], [key, index, Infinity], false, true)
      .limit(PARTS_PER_REPLY - 1)
      .toArray();
    return [first, ...next];
  });
  return chunks.map(({ data, start }, i) => {
    const blob = data instanceof Blob ? data : new Blob([data]);
    return i === 0 && offset > start ? blob.slice(offset - start) : blob;
  });
}

/** Cache Storage's request matching (https://w3c.github.io/ServiceWorker/#request-matches-cached-item-algorithm). */
export function requestMatches(
  query: SerializedRequest,
  stored: SerializedRequest,
  options: CacheQueryOptions,
): boolean {
  // As Chromium applies it: without ignoreMethod, a query matches only records of its own method
  // (a GET query does not match a stored PUT or POST).
  if (!options.ignoreMethod && query.method !== stored.method) return false;
  const strip = (raw: string) => {
    const url = new URL(raw);
    url.hash = '';
    if (options.ignoreSearch) url.search = '';
    return url.href;
  };
  return strip(query.url) === strip(stored.url);
}
