import { describe, expect, it } from 'vitest';
import { isWorkerScript } from './worker-inject';

const request = (...headers: [string, string][]) => ({
  requestHeaders: headers.map(([name, value]) => ({ name, value })),
});

describe('which script requests get the API prepended', () => {
  it("a dedicated or shared worker's own script (Sec-Fetch-Dest worker / sharedworker, any case)", () => {
    expect(isWorkerScript(request(['Sec-Fetch-Dest', 'worker']))).toBe(true);
    expect(isWorkerScript(request(['sec-fetch-dest', 'sharedworker']))).toBe(true);
  });

  it("not a page's script, a service worker's (it gets its own shim), nor a request without the header", () => {
    expect(isWorkerScript(request(['Sec-Fetch-Dest', 'script']))).toBe(false);
    expect(isWorkerScript(request(['Sec-Fetch-Dest', 'serviceworker'], ['Service-Worker', 'script']))).toBe(false);
    expect(isWorkerScript(request())).toBe(false);
    expect(isWorkerScript({})).toBe(false);
  });
});
