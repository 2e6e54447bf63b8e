// The one reader of the extension's store (IndexedDB `bgfetch`) for the e2e tests: from one of the
// extension's own pages, whole tables in one read-only transaction, typed by the Dexie schema in
// src/shared/db.ts (a table or row field the schema lacks does not compile).
import type { Table } from 'dexie';
import type { Page } from 'puppeteer-core';
import type { BgFetchDb } from '../../src/shared/db';
import { extensionPage, type Launched } from './browsers';

/** Each table of the store and the rows it holds. */
export type StoreTables = {
  [K in keyof BgFetchDb as BgFetchDb[K] extends Table ? K : never]: BgFetchDb[K] extends Table<infer Row, infer _Key>
    ? Row
    : never;
};
export type TableName = keyof StoreTables & string;

/**
 * A row as it leaves the page: bytes (a chunk's Blob, an icon's ArrayBuffer) become their length,
 * as page.evaluate cannot carry them and no test needs them there.
 */
export type RowOnWire<Row> = {
  [K in keyof Row]: NonNullable<Row[K]> extends Blob | ArrayBuffer | ArrayBufferView ? number : Row[K];
};
export type TablesOnWire<T extends TableName> = { [K in T]: RowOnWire<StoreTables[K]>[] };

/** Every row of `tables`, read in one transaction from `page` (an extension page). */
export async function readTables<const T extends TableName>(
  page: Page,
  tables: readonly T[],
): Promise<TablesOnWire<T>> {
  const read = await page.evaluate(
    (names: string[]) =>
      new Promise<Record<string, unknown[]>>((resolve, reject) => {
        const open = indexedDB.open('bgfetch');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const idb = open.result;
          const tx = idb.transaction(names, 'readonly');
          const rows: Record<string, unknown[]> = {};
          // No named function in here: tsx would wrap it in a helper the page does not have.
          for (const name of names) {
            const into: unknown[] = (rows[name] = []);
            // A cursor, so bytes never pile up in the page: each row's are replaced by their length.
            const cursor = tx.objectStore(name).openCursor();
            cursor.onsuccess = () => {
              const at = cursor.result;
              if (!at) return;
              into.push(
                Object.fromEntries(
                  Object.entries(at.value as object).map(([field, value]) => [
                    field,
                    value instanceof Blob
                      ? value.size
                      : value instanceof ArrayBuffer || ArrayBuffer.isView(value)
                        ? value.byteLength
                        : value,
                  ]),
                ),
              );
              at.continue();
            };
          }
          tx.oncomplete = () => {
            idb.close();
            resolve(rows);
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
    [...tables],
  );
  return read as TablesOnWire<T>;
}

/** readTables from a fresh extension page, closed afterwards. */
export async function readStoreTables<const T extends TableName>(
  launched: Launched,
  tables: readonly T[],
): Promise<TablesOnWire<T>> {
  const page = await extensionPage(launched);
  try {
    return await readTables(page, tables);
  } finally {
    await page.close().catch(() => undefined);
  }
}
