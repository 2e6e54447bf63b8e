// Looks into the extension's store from one of its own pages, as the popup does.
import { extensionPage, type Launched } from './browsers';

export interface StoredRegistrationView {
  key: string;
  origin: string;
  id: string;
  title: string;
  result: string;
  recordsAvailable: boolean;
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
              resolve(request.result.map(({ key, origin, id, title, result, recordsAvailable }) => ({ key, origin, id, title, result, recordsAvailable })));
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
