// The one store, written by the background and read (reactively) by the popup.
// Everything a transfer needs to continue after a restart lives here; each state change is one
// Dexie transaction.
import Dexie, { type Table } from 'dexie';
import type { SiteSettings } from './protocol';
import type {
  BackgroundFetchFailureReason,
  BackgroundFetchResult,
  ImageResource,
  RegistrationSnapshot,
  ResponseHead,
  SerializedRequest,
} from './spec';

export interface StoredRegistration {
  key: string;
  /** Firefox container (cookieStoreId) or "default": containers never see each other's fetches. */
  storeId: string;
  origin: string;
  scope: string;
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
  /** 1 while unsettled (indexable, unlike booleans). */
  active: 0 | 1;
  paused: boolean;
  recordCount: number;
  createdAt: number;
  settledAt: number;
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
}

export interface StoredChunk {
  regKey: string;
  index: number;
  /** Byte offset of `data` in the body. */
  start: number;
  data: ArrayBuffer;
}

export interface StoredUpload {
  regKey: string;
  index: number;
  data: ArrayBuffer;
}

export interface StoredSetting {
  origin: string;
  settings: SiteSettings;
}

export class BgFetchDb extends Dexie {
  registrations!: Table<StoredRegistration, string>;
  records!: Table<StoredRecord, [string, number]>;
  chunks!: Table<StoredChunk, [string, number, number]>;
  uploads!: Table<StoredUpload, [string, number]>;
  sites!: Table<StoredSetting, string>;

  constructor(name = 'bgfetch') {
    super(name);
    this.version(1).stores({
      registrations: 'key, [storeId+scope+id], [storeId+origin], active, origin',
      records: '[regKey+index], regKey',
      chunks: '[regKey+index+start], regKey',
      uploads: '[regKey+index], regKey',
      sites: 'origin',
    });
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
