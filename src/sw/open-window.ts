// clients.openWindow() in a backgroundfetchclick handler. Chromium lets it open a window (the
// person clicked); Firefox lets a worker open windows only during notificationclick, so in the
// shim's synthetic click event it rejects with InvalidAccessError. The extension opens a tab of
// the site for the click before it delivers the event (src/background/sw-events/delivery.ts delivers
// clicks through a tab only), so during the click the shim does it for the handler: that tab
// goes to the URL asked for (a controlled window may be navigated without a gesture).
// Outside a click, and for any other error, the call behaves as the browser's own.
declare const self: ServiceWorkerGlobalScope;

/** Returns how to mark a click's handlers as running: call it at the start, the result at the end. */
export function openWindowDuringClicks(): () => () => void {
  let clicks = 0;
  const clients = self.clients;
  const own = clients.openWindow?.bind(clients);
  if (!own) return () => () => undefined;
  Object.defineProperty(clients, 'openWindow', {
    configurable: true,
    writable: true,
    value: async function openWindow(url: string | URL): Promise<WindowClient | null> {
      try {
        return await own(url);
      } catch (error) {
        if (!clicks || (error as { name?: unknown })?.name !== 'InvalidAccessError') throw error;
        const target = new URL(String(url), self.location.href).href;
        const windows = (await clients.matchAll({ type: 'window' })).filter(
          (client) => client.frameType === 'top-level',
        );
        // The most recently focused window (matchAll's order): the tab the extension opened for this click.
        const tab = windows.find((client) => client.focused) ?? windows[0];
        if (!tab) throw error;
        return tab.url === target ? tab : tab.navigate(target);
      }
    },
  });
  return () => {
    clicks++;
    let ended = false;
    return () => {
      if (!ended) clicks--;
      ended = true;
    };
  };
}
