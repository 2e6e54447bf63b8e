// Stands in for webextension-polyfill in unit tests (the real one throws outside an extension).
const noop = () => undefined;
const event = { addListener: noop, removeListener: noop, hasListener: () => false };

const browser = {
  runtime: {
    id: 'bgfetch-test@bgfetch.dev',
    getURL: (path: string) => `moz-extension://bgfetch-test/${path.replace(/^\//, '')}`,
    getPlatformInfo: async () => ({ os: 'linux', arch: 'x86-64' }),
    sendMessage: async (_message: unknown): Promise<unknown> => undefined,
    onMessage: event,
    onConnect: event,
    onInstalled: event,
    onStartup: event,
  },
  downloads: {
    onChanged: event,
    download: async (_options: { url: string; filename: string }) => 1,
    search: async (_query: { id?: number }) => [] as { id: number; url: string; state: string }[],
  },
  scripting: {
    registerContentScripts: async () => undefined,
    unregisterContentScripts: async () => undefined,
    getRegisteredContentScripts: async () => [],
    executeScript: async () => [],
  },
};

export default browser;
