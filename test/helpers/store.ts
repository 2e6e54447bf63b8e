// Looks into the extension's store from one of its own pages, as the popup does.
import { extensionPage, type Launched } from './browsers';

export interface StoredRegistrationView {
  key: string;
  origin: string;
  id: string;
  title: string;
  result: string;
  recordsAvailable: boolean;
  released: boolean;
}

export async function storedRegistrations(launched: Launched): Promise<StoredRegistrationView[]> {
  const page = await extensionPage(launched);
  try {
    return await page.evaluate(
      () =>
        new Promise<StoredRegistrationView[]>((resolve, reject) => {
          const open = indexedDB.open('bgfetch');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const request = open.result.transaction('registrations').objectStore('registrations').getAll();
            request.onsuccess = () => {
              resolve(
                request.result.map(({ key, origin, id, title, result, recordsAvailable, released }) => ({ key, origin, id, title, result, recordsAvailable, released: released === true })),
              );
              open.result.close();
            };
            request.onerror = () => reject(request.error);
          };
        }),
    );
  } finally {
    await page.close();
  }
}

export async function registrationKey(launched: Launched, origin: string, id: string): Promise<string> {
  const matches = (await storedRegistrations(launched)).filter((reg) => reg.origin === origin && reg.id === id);
  const last = matches.at(-1);
  if (!last) throw new Error(`no stored registration ${id} for ${origin}`);
  return last.key;
}

/** Body bytes the store holds for a fetch (its chunks), as the person's disk holds them. */
export async function storedBodyBytes(launched: Launched, key: string): Promise<number> {
  const page = await extensionPage(launched);
  try {
    return await page.evaluate(
      (key) =>
        new Promise<number>((resolve, reject) => {
          const open = indexedDB.open('bgfetch');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const range = IDBKeyRange.only(key);
            const request = open.result.transaction('chunks').objectStore('chunks').index('regKey').getAll(range);
            request.onsuccess = () => {
              resolve(request.result.reduce((sum: number, chunk: { data: ArrayBuffer | Blob }) => sum + (chunk.data instanceof Blob ? chunk.data.size : chunk.data.byteLength), 0));
              open.result.close();
            };
            request.onerror = () => reject(request.error);
          };
        }),
      key,
    );
  } finally {
    await page.close();
  }
}
