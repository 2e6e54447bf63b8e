// Podcast page: downloads Episode 5 with the Background Fetch API
// (https://wicg.github.io/background-fetch/) and plays it from the stored response.
//
// Observable state for people and for scripts: #status holds a one-line status text and
// <body data-state> is one of idle | downloading | done | failed.

const FETCH_ID = 'my-fetch';
const EPISODE_URL = '/ep-5.mp3';
const ARTWORK_URL = '/ep-5-artwork.jpg';
const CACHE_NAME = 'episodes'; // filled by sw.js on backgroundfetchsuccess
const MiB = 1024 * 1024;

const $ = (id) => /** @type {any} */ (document.getElementById(id));
const ui = {
  status: $('status'),
  support: $('support'),
  download: $('download'),
  abort: $('abort'),
  remove: $('remove'),
  progress: $('progress'),
  player: $('player'),
  artwork: $('artwork'),
};

/** The background fetch this page shows, if any. */
let current = null;
/** Registrations whose records we already started reading. */
const finishing = new WeakSet();
/** Object URLs to revoke when replaced. */
let objectUrls = [];

// ---------------------------------------------------------------------------
// UI
// ---------------------------------------------------------------------------

/** @param {'idle'|'downloading'|'done'|'failed'} state */
function setState(state, text) {
  document.body.dataset.state = state;
  ui.status.textContent = text;
  ui.download.hidden = state === 'downloading' || state === 'done';
  ui.download.textContent = state === 'failed' ? 'Try again' : 'Download';
  ui.abort.hidden = state !== 'downloading';
  ui.remove.hidden = state !== 'done';
  ui.progress.hidden = state !== 'downloading';
  ui.player.hidden = state !== 'done';
}

const mib = (bytes) => (bytes / MiB).toFixed(1);

function showProgress(downloaded, downloadTotal) {
  if (downloadTotal > 0) {
    ui.progress.max = downloadTotal;
    ui.progress.value = Math.min(downloaded, downloadTotal);
    setState('downloading', `Downloading… ${mib(downloaded)} / ${mib(downloadTotal)} MiB`);
  } else {
    ui.progress.removeAttribute('value'); // indeterminate
    setState('downloading', `Downloading… ${mib(downloaded)} MiB`);
  }
}

function unsupported(message) {
  ui.support.textContent = message;
  ui.support.hidden = false;
  ui.download.disabled = true;
  ui.download.title = 'Background Fetch is not available in this browser';
}

/** Shows the downloaded episode: audio and artwork blobs become object URLs. */
function present(audioBlob, artworkBlob, source, { autoplay }) {
  for (const url of objectUrls) URL.revokeObjectURL(url);
  objectUrls = [];
  const audioUrl = URL.createObjectURL(audioBlob);
  objectUrls.push(audioUrl);
  ui.player.src = audioUrl;
  if (artworkBlob) {
    const artUrl = URL.createObjectURL(artworkBlob);
    objectUrls.push(artUrl);
    ui.artwork.src = artUrl;
  }
  setState('done', autoplay ? `Downloaded — playing from ${source}` : `Downloaded — ready to play from ${source}`);
  if (autoplay) {
    // May be refused by an autoplay policy; the controls are there either way.
    ui.player.play().catch(() => {});
  }
}

// ---------------------------------------------------------------------------
// Background fetch
// ---------------------------------------------------------------------------

/** Follows a BackgroundFetchRegistration: progress events drive the UI. */
function attach(bgFetch) {
  if (current !== bgFetch) {
    current = bgFetch;
    bgFetch.addEventListener('progress', () => update(bgFetch));
    ui.abort.onclick = async () => {
      ui.abort.disabled = true;
      try {
        await bgFetch.abort();
      } catch (err) {
        console.warn('abort failed', err);
      } finally {
        ui.abort.disabled = false;
      }
      update(bgFetch);
    };
  }
  update(bgFetch);
}

function update(bgFetch) {
  if (bgFetch !== current) return;
  const { downloaded, downloadTotal, result, failureReason } = bgFetch;
  if (result === '') {
    showProgress(downloaded, downloadTotal);
  } else if (result === 'success') {
    if (!finishing.has(bgFetch)) {
      finishing.add(bgFetch);
      finish(bgFetch).catch((err) => {
        console.error(err);
        setState('failed', `Failed: ${err?.message || err}`);
      });
    }
  } else {
    setState('failed', `Failed: ${failureReason || 'unknown'}`);
  }
}

async function blobOfRecord(bgFetch, url) {
  const record = await bgFetch.match(url);
  if (!record) return null;
  const response = await record.responseReady;
  return response.ok ? await response.blob() : null;
}

async function finish(bgFetch) {
  showProgress(bgFetch.downloaded, bgFetch.downloadTotal);
  ui.status.textContent = 'Download complete — opening the episode…';

  // Preferred: read the stored responses straight from the registration. They stay
  // available until the service worker's backgroundfetchsuccess handler has finished.
  if (bgFetch.recordsAvailable) {
    try {
      const audio = await blobOfRecord(bgFetch, EPISODE_URL);
      if (audio) {
        const artwork = await blobOfRecord(bgFetch, ARTWORK_URL).catch(() => null);
        present(audio, artwork, 'the stored response', { autoplay: true });
        return;
      }
    } catch (err) {
      // Most likely the records just became unavailable (InvalidStateError): sw.js has
      // moved them to Cache Storage in the meantime.
      console.info('records unavailable, using Cache Storage', err);
    }
  }

  // Fallback: sw.js copies the records into the 'episodes' cache. Its handler may still be
  // writing, so give it a few seconds.
  for (let i = 0; i < 40; i++) {
    if (await presentFromCache({ autoplay: true })) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  setState('failed', 'Failed: the episode was downloaded but could not be found');
}

/** Shows the episode from Cache Storage if sw.js stored it there. */
async function presentFromCache({ autoplay }) {
  if (!('caches' in self)) return false;
  const response = await caches.match(EPISODE_URL);
  if (!response) return false;
  const artwork = await caches.match(ARTWORK_URL);
  present(await response.blob(), artwork ? await artwork.blob() : null, 'Cache Storage', { autoplay });
  return true;
}

async function startDownload(registration) {
  ui.download.disabled = true;
  setState('downloading', 'Starting download…');
  try {
    const bgFetch = await registration.backgroundFetch.fetch(FETCH_ID, ['/ep-5.mp3', 'ep-5-artwork.jpg'], {
      title: 'Episode 5: Interesting things.',
      icons: [{ sizes: '300x300', src: '/ep-5-icon.png', type: 'image/png' }],
      // What a site knows of its files: the episode (30 MiB) and its artwork (67 KiB), rounded up.
      // The browser fails a fetch that goes past it, and its progress reads against it.
      downloadTotal: 30 * 1024 * 1024 + 70 * 1024,
    });
    attach(bgFetch);
  } catch (err) {
    // A TypeError here can mean "that id is already in use" (another tab started it).
    const existing = await registration.backgroundFetch.get(FETCH_ID).catch(() => undefined);
    if (existing) {
      attach(existing);
    } else {
      console.error(err);
      setState('failed', `Failed: ${err?.message || err?.name || err}`);
    }
  } finally {
    ui.download.disabled = false;
  }
}

async function removeDownload() {
  if ('caches' in self) {
    const cache = await caches.open(CACHE_NAME);
    await Promise.all([cache.delete(EPISODE_URL), cache.delete(ARTWORK_URL)]);
  }
  ui.player.pause();
  ui.player.removeAttribute('src');
  ui.player.load();
  for (const url of objectUrls) URL.revokeObjectURL(url);
  objectUrls = [];
  ui.artwork.src = ARTWORK_URL;
  current = null;
  setState('idle', 'Ready');
}

// ---------------------------------------------------------------------------
// Start
// ---------------------------------------------------------------------------

async function main() {
  setState('idle', 'Starting…');
  ui.remove.addEventListener('click', () => removeDownload().catch(console.error));

  if (!('serviceWorker' in navigator)) {
    unsupported('This page needs service workers, which this browser does not offer here (they need HTTPS or localhost).');
    setState('idle', 'Background Fetch is not available in this browser');
    return;
  }
  try {
    await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  } catch (err) {
    unsupported(`The service worker could not be registered: ${err?.message || err}`);
    setState('failed', 'Failed: service worker registration');
    return;
  }
  const registration = await navigator.serviceWorker.ready;

  if (!('BackgroundFetchManager' in self) || !('backgroundFetch' in registration)) {
    unsupported(
      'Background Fetch is not available in this browser. Chromium-based browsers have it built in; ' +
        'in Firefox, install the bgfetch extension and reload this page.',
    );
    if (!(await presentFromCache({ autoplay: false }))) {
      setState('idle', 'Background Fetch is not available in this browser');
    }
    return;
  }

  ui.download.addEventListener('click', () => startDownload(registration));

  // Reattach to a fetch that is still running (or finished while this tab was closed
  // and is waiting for the service worker).
  const existing = await registration.backgroundFetch.get(FETCH_ID);
  if (existing) {
    attach(existing);
  } else if (!(await presentFromCache({ autoplay: false }))) {
    setState('idle', 'Ready');
  }
}

main().catch((err) => {
  console.error(err);
  setState('failed', `Failed: ${err?.message || err}`);
});
