// The one store, written by the background and read (reactively) by the popup.
// Everything a transfer needs to continue after a restart lives here; each state change is one
// Dexie transaction.
import Dexie, { type Table } from 'dexie';
import type { SiteSettings, SwEventType } from './protocol';
import type {
  BackgroundFetchFailureReason,
  BackgroundFetchResult,
  ImageResource,
  RegistrationSnapshot,
  ResponseHead,
  SerializedRequest,
} from './spec';
import { NO_FILES, withChange } from './file-counts';

export interface StoredRegistration {
  key: string;
  /** Firefox container (cookieStoreId) or "default": containers never see each other's fetches. */
  storeId: string;
  origin: string;
  /**
   * The site of the top-level document that started it (src/background/site.ts): its requests
   * use that partition's cookies. Absent in rows older than partitioning: the origin's own site.
   */
  topLevelSite?: string;
  scope: string;
  /** The calling document's CSP connect-src lists (src/background/engine/csp.ts), checked at each redirect hop. */
  connectSrc?: string[][];
  id: string;
  title: string;
  icons: ImageResource[];
  downloadTotal: number;
  uploadTotal: number;
  uploaded: number;
  downloaded: number;
  result: BackgroundFetchResult;
  failureReason: BackgroundFetchFailureReason;
  recordsAvailable: boolean;
  /** Its bodies were deleted after the site's worker handled the final event (src/background/engine/disposal.ts). */
  released?: boolean;
  /** 1 while unsettled (indexable, unlike booleans). */
  active: 0 | 1;
  paused: boolean;
  /**
   * Why an active, unpaused fetch is not moving: no network, a retry is waiting, or the person
   * has not yet answered whether the site may fetch in the background (src/background/person/consent.ts).
   */
  waiting?: 'offline' | 'retrying' | 'permission' | null;
  /** While `waiting`: the host tried, the next try's number and time, the status it answered (popup). */
  retry?: RetryInfo | null;
  /** Removed by the person, undoable until this time; then deleted (src/background/engine/removal.ts). */
  removeAt?: number;
  /** Cancelled from the popup: the unfinished files' bytes were deleted at once; this many remain. */
  keptBytes?: number;
  recordCount: number;
  /**
   * The records' counters (src/shared/file-counts.ts), changed with each record in one transaction:
   * what the popup shows without reading the records. Absent in rows older than version 3.
   */
  files?: FileCounts;
  createdAt: number;
  settledAt: number;
}

/** Counters over a fetch's records. */
export interface FileCounts {
  done: number;
  failed: number;
  /** Records that got a response or stored bytes. */
  started: number;
  /** Records whose length is not known (not done and no Content-Length). */
  unknownLength: number;
  /** Sum of the known lengths: stored bytes of done records, announced lengths of the others. */
  expectedBytes: number;
}

export interface RetryInfo {
  host: string;
  /** The number of the next try (2 = the first retry). */
  attempt: number;
  /** Epoch ms of the next try. */
  retryAt: number;
  /** The HTTP status that made it retry, if the server answered. */
  status?: number;
}

export type RecordState = 'pending' | 'done' | 'failed' | 'aborted';

export interface StoredRecord {
  regKey: string;
  index: number;
  request: SerializedRequest;
  state: RecordState;
  /** Set once response headers arrived. */
  response: ResponseHead | null;
  /** Body bytes in the store, contiguous from 0. */
  stored: number;
  /** Strong validator of the stored bytes, for `If-Range` when resuming. */
  validator: string | null;
  /** Total body length when the server said it. */
  expectedLength: number | null;
  /** Why the record failed ("fetch-error", "bad-status", ...), for the registration and the popup. */
  failure: BackgroundFetchFailureReason;
  /** Its request body was counted in the registration's `uploaded` (so a retry never counts it twice). */
  uploadCounted?: boolean;
  /** Counts restarts from zero: a reader that began on older bytes must not get newer ones. */
  generation?: number;
}

export interface StoredChunk {
  regKey: string;
  index: number;
  /** Byte offset of `data` in the body. */
  start: number;
  /**
   * A Blob for large chunks, so that reading a body hands out the store's own Blobs and no byte
   * passes through the background; small chunks (and every chunk of older stores) are ArrayBuffers.
   */
  data: Blob | ArrayBuffer;
}

export const chunkSize = ({ data }: StoredChunk): number => (data instanceof Blob ? data.size : data.byteLength);

export interface StoredUpload {
  regKey: string;
  index: number;
  /**
   * A request's body, stored as a chunk is (src/background/chunks.ts: a Blob when large, outside
   * private windows), so that the site reading `record.request` gets the store's own Blob.
   */
  data: Blob | ArrayBuffer;
}

export const uploadSize = ({ data }: StoredUpload): number => (data instanceof Blob ? data.size : data.byteLength);

/** A service-worker event waiting for a window of its site, kept until a handler ran (spec: "When it settles", 2). */
export interface StoredSwEvent {
  /** `${regKey}:${type}`: one event of each type per fetch. */
  id: string;
  regKey: string;
  storeId: string;
  origin: string;
  scope: string;
  type: SwEventType;
  createdAt: number;
  /** Deliveries through a frame that came to nothing (src/background/sw-events/frame-delivery.ts). */
  attempts: number;
  /** The last of those: why and when. */
  lastFailure?: { reason: string; at: number };
}

/** A fetch's icon, fetched once by the background (src/background/engine/icons.ts): what the popup and notifications show. */
export interface StoredIcon {
  regKey: string;
  /** The icon's URL (resolved), for the record; never loaded by the popup. */
  src: string;
  /** The sniffed image type (src/shared/icon-sniff.ts), not the server's word. */
  type: string;
  data: ArrayBuffer;
}

export interface StoredSetting {
  origin: string;
  settings: SiteSettings;
}

/** The id of the one row of `lists`. */
export const SETTLED_LIST_ID = 'settled';

/**
 * Every settled registration in one row, rebuilt by the background after each change to one
 * (src/background/state/settled-list.ts), for the popup's first frame (src/popup/first-read.ts):
 * Chromium's IndexedDB costs about 20 µs a row read, whatever the row holds.
 */
export interface StoredList {
  id: typeof SETTLED_LIST_ID;
  rows: StoredRegistration[];
  builtAt: number;
}

/** The state of a fetch that runs and has not settled: new, or retried from the popup. */
export const RUNNING = {
  active: 1,
  paused: false,
  result: '',
  failureReason: '',
  settledAt: 0,
  recordsAvailable: true,
} as const satisfies Partial<StoredRegistration>;

export class BgFetchDb extends Dexie {
  registrations!: Table<StoredRegistration, string>;
  records!: Table<StoredRecord, [string, number]>;
  chunks!: Table<StoredChunk, [string, number, number]>;
  uploads!: Table<StoredUpload, [string, number]>;
  sites!: Table<StoredSetting, string>;
  swEvents!: Table<StoredSwEvent, string>;
  icons!: Table<StoredIcon, string>;
  lists!: Table<StoredList, string>;

  /** `options` lets the background keep a private session's fetches in memory (src/background/state/stores.ts). */
  constructor(name = 'bgfetch', options?: ConstructorParameters<typeof Dexie>[1]) {
    super(name, options);
    this.version(1).stores({
      registrations: 'key, [storeId+scope+id], [storeId+origin], active, origin',
      records: '[regKey+index], regKey',
      chunks: '[regKey+index+start], regKey',
      uploads: '[regKey+index], regKey',
      sites: 'origin',
    });
    this.version(2).stores({ swEvents: 'id, origin, regKey' });
    // 3: stored icons (a new table; older rows have none: the popup shows the site's letter,
    // notifications bgfetch's icon), and file counters on each registration, counted once here
    // from its records. Every row is kept.
    this.version(3)
      .stores({ icons: 'regKey' })
      .upgrade(async (tx) => {
        const counts = new Map<string, FileCounts>();
        await tx
          .table<StoredRecord, [string, number]>('records')
          .each((record) =>
            counts.set(record.regKey, withChange(counts.get(record.regKey) ?? NO_FILES, undefined, record)),
          );
        await tx
          .table<StoredRegistration, string>('registrations')
          .toCollection()
          .modify((reg) => {
            reg.files = counts.get(reg.key) ?? { ...NO_FILES };
          });
      });
    // 4: the settled registrations in one row, derived from them (built by the background on its
    // next start; until then the popup reads the registrations themselves).
    this.version(4).stores({ lists: 'id' });
  }
}

export const db = new BgFetchDb();

export function snapshotOf(reg: StoredRegistration): RegistrationSnapshot {
  return {
    key: reg.key,
    id: reg.id,
    uploadTotal: reg.uploadTotal,
    uploaded: reg.uploaded,
    downloadTotal: reg.downloadTotal,
    downloaded: reg.downloaded,
    result: reg.result,
    failureReason: reg.failureReason,
    recordsAvailable: reg.recordsAvailable,
  };
}
