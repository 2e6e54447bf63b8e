// Service worker of the podcast site: plain Background Fetch code, as in the spec's examples.

self.addEventListener('install', (event) => {
  event.waitUntil(self.skipWaiting());
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

// All requests succeeded: keep the responses, then tell the user.
self.addEventListener('backgroundfetchsuccess', (event) => {
  const bgFetch = event.registration;
  event.waitUntil(
    (async () => {
      const cache = await caches.open('episodes');
      const records = await bgFetch.matchAll();
      const promises = records.map(async (record) => {
        const response = await record.responseReady;
        await cache.put(record.request, response);
      });
      await Promise.all(promises);
      await event.updateUI({ title: 'Episode 5 ready to listen!' });
    })(),
  );
});

self.addEventListener('backgroundfetchfail', (event) => {
  event.waitUntil(event.updateUI({ title: 'Episode 5 failed to download' }));
});

// The user clicked the download's UI: show the site.
self.addEventListener('backgroundfetchclick', (event) => {
  event.waitUntil(self.clients.openWindow('/'));
});
