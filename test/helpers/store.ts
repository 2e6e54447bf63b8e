// Looks into the extension's store from one of its own pages, as the popup does.
import type { Launched } from './browsers';
import { readStoreTables } from './store-reader';

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
  const { registrations } = await readStoreTables(launched, ['registrations']);
  return registrations.map(({ key, origin, id, title, result, recordsAvailable, released }) => ({
    key,
    origin,
    id,
    title,
    result,
    recordsAvailable,
    released: released === true,
  }));
}

export async function registrationKey(launched: Launched, origin: string, id: string): Promise<string> {
  const matches = (await storedRegistrations(launched)).filter((reg) => reg.origin === origin && reg.id === id);
  const last = matches.at(-1);
  if (!last) throw new Error(`no stored registration ${id} for ${origin}`);
  return last.key;
}

/** Body bytes the store holds for a fetch (its chunks), as the person's disk holds them. */
export async function storedBodyBytes(launched: Launched, key: string): Promise<number> {
  const { chunks } = await readStoreTables(launched, ['chunks']);
  return chunks.filter((chunk) => chunk.regKey === key).reduce((sum, chunk) => sum + chunk.data, 0);
}
