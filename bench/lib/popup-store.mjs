// Filling the extension's store (IndexedDB `bgfetch`, schema in src/shared/db.ts) with made-up
// registrations, from one of its own pages, as test/helpers/store.ts reads it. Each function
// runs in the extension page through page.evaluate and must be self-contained.
//
// Plain IndexedDB, not Dexie: nobody is told (Dexie only announces its own writes) until
// announceSeeded says so, as Dexie would have.

/**
 * Registrations number `from` … `to - 1`, keys `${prefix}00042`, `perSite` per made-up site. Per
 * site, as a person who uses the extension a lot would have them: one paused partway, one failed,
 * one aborted, the rest finished (every other one's bodies released).
 * Paused, so the engine never picks them up. Icons are data: URLs so no row waits on the network.
 * Each row carries its file counters (`files`, src/shared/file-counts.ts) as the engine writes
 * them since store version 3: the popup reads them instead of the records.
 */
export async function seedRegistrations(prefix, from, to, perSite) {
  const ICON =
    'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
  const MB = 1_000_000;
  const idb = await new Promise((resolve, reject) => {
    const open = indexedDB.open('bgfetch');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  if (!idb.objectStoreNames.contains('registrations')) throw new Error('the bgfetch store is not set up yet');
  const tx = idb.transaction(['registrations', 'records'], 'readwrite');
  const regs = tx.objectStore('registrations');
  const records = tx.objectStore('records');
  const now = Date.now();
  for (let i = from; i < to; i++) {
    const key = `${prefix}${String(i).padStart(5, '0')}`;
    const site = Math.floor(i / perSite);
    const slot = i % perSite;
    const origin = `https://site${String(site).padStart(3, '0')}.example`;
    const paused = slot === 0;
    const result = paused ? '' : slot === 1 || slot === 2 ? 'failure' : 'success';
    const failureReason = slot === 1 ? 'bad-status' : slot === 2 ? 'aborted' : '';
    const recordCount = 1 + (i % 3);
    const downloadTotal = recordCount * 20 * MB;
    const createdAt = now - i * 60_000;
    const released = result !== '' && i % 2 === 0;
    // Paused: its first file done, the others pending; failed: its last file failed.
    const done = result === 'success' ? recordCount : result === 'failure' ? recordCount - 1 : 1;
    const failed = slot === 1 ? 1 : 0;
    const files = { done, failed, started: done + failed, unknownLength: 0, expectedBytes: recordCount * 20 * MB };
    regs.put({
      key,
      storeId: 'default',
      origin,
      scope: `${origin}/`,
      id: `episode-${i}`,
      title: `Episode ${i} of a made-up podcast`,
      icons: [{ src: ICON, sizes: '64x64', type: 'image/png' }],
      downloadTotal,
      uploadTotal: 0,
      uploaded: 0,
      downloaded: result === 'success' ? downloadTotal : Math.floor(downloadTotal / 3),
      result,
      failureReason,
      released,
      recordsAvailable: result === 'success' && !released,
      active: paused ? 1 : 0,
      paused,
      waiting: null,
      recordCount,
      files,
      createdAt,
      settledAt: paused ? 0 : createdAt + 30_000,
    });
    if (!paused) continue;
    for (let index = 0; index < recordCount; index++) {
      records.put({
        regKey: key,
        index,
        request: {
          url: `${origin}/episodes/${i}-${index}.mp3`,
          method: 'GET',
          headers: [],
          mode: 'cors',
          credentials: 'same-origin',
          cache: 'default',
          redirect: 'follow',
          referrer: '',
          referrerPolicy: '',
          integrity: '',
        },
        state: index === 0 ? 'done' : 'pending',
        response: null,
        stored: index === 0 ? 20 * MB : 0,
        validator: null,
        expectedLength: 20 * MB,
        failure: '',
      });
    }
  }
  await new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
  idb.close();
}

/** Removes what seedRegistrations wrote from `from` on (all of it by default). */
export async function removeSeeded(prefix, from = 0) {
  const idb = await new Promise((resolve, reject) => {
    const open = indexedDB.open('bgfetch');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const tx = idb.transaction(['registrations', 'records'], 'readwrite');
  const first = `${prefix}${String(from).padStart(5, '0')}`;
  // Every seeded key sorts below prefix + '~' ('~' is above the digits).
  tx.objectStore('registrations').delete(IDBKeyRange.bound(first, `${prefix}~`));
  // Records are keyed [regKey, index]: [key] sorts before every [key, n].
  tx.objectStore('records').delete(IDBKeyRange.bound([first], [`${prefix}~`]));
  await new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
  idb.close();
}

/**
 * Tells the extension's pages and background of what seedRegistrations or removeSeeded wrote, as
 * Dexie tells them of its own writes (its BroadcastChannel, every table changed), and waits until
 * the background has rebuilt its one row of the settled fetches from them
 * (src/background/state/settled-list.ts), as it would have after writing them itself: the
 * popup's first frame reads that row. Open popups read their list again.
 */
export async function announceSeeded(timeoutMs = 10_000) {
  new BroadcastChannel('x-storagemutated-1').postMessage({ all: { d: 1, from: -Infinity, to: [[]] } });
  const idb = await new Promise((resolve, reject) => {
    const open = indexedDB.open('bgfetch');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  try {
    // A store before version 4 has no list: the popup reads the registrations themselves.
    if (!idb.objectStoreNames.contains('lists')) return;
    const until = Date.now() + timeoutMs;
    for (;;) {
      const [settled, listed] = await new Promise((resolve, reject) => {
        const tx = idb.transaction(['registrations', 'lists'], 'readonly');
        const count = tx.objectStore('registrations').index('active').count(0);
        const list = tx.objectStore('lists').get('settled');
        tx.oncomplete = () => resolve([count.result, list.result?.rows.length]);
        tx.onerror = () => reject(tx.error);
      });
      if (settled === listed) return;
      if (Date.now() > until) throw new Error(`the settled list holds ${listed} of ${settled} fetches`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    idb.close();
  }
}
