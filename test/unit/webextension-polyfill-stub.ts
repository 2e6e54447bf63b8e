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
  storage: {
    local: {
      get: async (_key: string): Promise<Record<string, unknown>> => ({}),
      set: async (_items: Record<string, unknown>) => undefined,
    },
  },
  tabs: {
    query: async (_query: { url?: string }) => [] as { id?: number }[],
  },
  scripting: {
    registerContentScripts: async (_scripts: { id: string; js: string[]; matches: string[] }[]) => undefined,
    unregisterContentScripts: async (_filter: { ids: string[] }) => undefined,
    getRegisteredContentScripts: async (_filter: { ids: string[] }) => [] as { id: string; matches?: string[] }[],
    executeScript: async (_injection: { target: { tabId: number; allFrames?: boolean }; files: string[] }) => [],
  },
};

export default browser;
