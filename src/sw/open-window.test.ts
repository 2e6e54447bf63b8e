// clients.openWindow() during a backgroundfetchclick: where the browser refuses (Firefox: only
// in notificationclick), the shim takes the site's window opened for the click to the URL.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openWindowDuringClicks } from './open-window';

const refused = () => Promise.reject(Object.assign(new Error('not allowed'), { name: 'InvalidAccessError' }));

function workerWith(windows: { url: string; focused: boolean; navigate: (url: string) => Promise<unknown> }[]) {
  const clients = {
    openWindow: vi.fn(refused),
    matchAll: vi.fn(async () => windows.map((w) => ({ ...w, frameType: 'top-level' }))),
  };
  vi.stubGlobal('self', { clients, location: { href: 'https://site.example/app/sw.js' } });
  return clients as unknown as Clients;
}

afterEach(() => vi.unstubAllGlobals());

describe('openWindowDuringClicks', () => {
  it("during a click, a refused openWindow() navigates the site's focused window and resolves with it", async () => {
    const navigate = vi.fn(async (url: string) => ({ url }));
    const clients = workerWith([{ url: 'https://site.example/app/', focused: true, navigate }]);
    const clickRunning = openWindowDuringClicks();
    const end = clickRunning();
    await expect(clients.openWindow('/app/episode/7')).resolves.toEqual({ url: 'https://site.example/app/episode/7' });
    expect(navigate).toHaveBeenCalledWith('https://site.example/app/episode/7');
    end();
  });

  it('a window already at the URL is given as it is', async () => {
    const navigate = vi.fn();
    const clients = workerWith([{ url: 'https://site.example/app/', focused: true, navigate }]);
    const end = openWindowDuringClicks()();
    await expect(clients.openWindow('https://site.example/app/')).resolves.toMatchObject({
      url: 'https://site.example/app/',
    });
    expect(navigate).not.toHaveBeenCalled();
    end();
  });

  it("outside a click the browser's refusal stands; with no window either", async () => {
    const clients = workerWith([{ url: 'https://site.example/app/', focused: true, navigate: vi.fn() }]);
    const clickRunning = openWindowDuringClicks();
    await expect(clients.openWindow('/app/x')).rejects.toMatchObject({ name: 'InvalidAccessError' });
    const end = clickRunning();
    end();
    end(); // ending twice counts once
    await expect(clients.openWindow('/app/x')).rejects.toMatchObject({ name: 'InvalidAccessError' });
    const none = workerWith([]);
    const end2 = openWindowDuringClicks()();
    await expect(none.openWindow('/app/x')).rejects.toMatchObject({ name: 'InvalidAccessError' });
    end2();
  });
});
