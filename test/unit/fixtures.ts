// Stored rows as the engine writes them, for unit tests that set up the store directly.
import { RUNNING, type StoredRecord, type StoredRegistration } from '../../src/shared/db';
import type { SerializedRequest } from '../../src/shared/spec';

/** A request as the page API serialises it: a plain GET of `url` unless `extra` says otherwise. */
export const serializedRequest = (url: string, extra: Partial<SerializedRequest> = {}): SerializedRequest => ({
  url,
  method: 'GET',
  headers: [],
  mode: 'cors',
  credentials: 'same-origin',
  cache: 'default',
  redirect: 'follow',
  referrer: '',
  referrerPolicy: '',
  integrity: '',
  ...extra,
});

/** A fetch of https://a.example, active and empty unless `change` says otherwise. */
export function storedRegistration(key: string, change: Partial<StoredRegistration> = {}): StoredRegistration {
  return {
    key,
    storeId: 'default',
    origin: 'https://a.example',
    scope: 'https://a.example/',
    id: key,
    title: '',
    icons: [],
    downloadTotal: 0,
    uploadTotal: 0,
    uploaded: 0,
    downloaded: 0,
    ...RUNNING,
    recordCount: 1,
    createdAt: 1,
    ...change,
  };
}

/** Record `index` of fetch `regKey`: a GET of https://a.example/<index>, pending unless `change` says otherwise. */
export function storedRecord(regKey: string, index: number, change: Partial<StoredRecord> = {}): StoredRecord {
  return {
    regKey,
    index,
    request: serializedRequest(`https://a.example/${index}`),
    state: 'pending',
    response: null,
    stored: 0,
    validator: null,
    expectedLength: null,
    failure: '',
    ...change,
  };
}
