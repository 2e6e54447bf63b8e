// Finding the bridge: a page talks through the first port a bridge acknowledged, asks for one
// to be injected when none answers, and gives up with a TypeError instead of hanging.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BridgeToPage, PageToBridge } from '../shared/protocol';
import { bridgePort, portChannel } from './channel';

/** A bridge as the page sees one: it acknowledges each port and answers every call with its rid. */
function serve(port: MessagePort): void {
  const ack: BridgeToPage = { type: 'ack' };
  port.postMessage(ack);
  port.onmessage = ({ data }: MessageEvent<PageToBridge>) => {
    if ('rid' in data) port.postMessage({ rid: data.rid, reply: { ok: true, value: ['answered', data.request.type] } });
  };
}

afterEach(() => void vi.useRealTimers());

describe('finding the bridge', () => {
  it('talks through a bridge that is there, without waking anything', async () => {
    const wake = vi.fn();
    const channel = portChannel(() => bridgePort(serve, wake));
    expect(await channel.call({ type: 'getIds', scope: 'https://site.test/' })).toEqual(['answered', 'getIds']);
    expect(wake).not.toHaveBeenCalled();
  });

  it('wakes the background once when no bridge answers, and uses the bridge injected then', async () => {
    let injected = false;
    const ignored: MessagePort[] = [];
    const wake = vi.fn(() => void setTimeout(() => (injected = true), 100));
    const channel = portChannel(() => bridgePort((port) => (injected ? serve(port) : ignored.push(port)), wake));
    expect(await channel.call({ type: 'getIds', scope: 'https://site.test/' })).toEqual(['answered', 'getIds']);
    expect(wake).toHaveBeenCalledTimes(1);
    // Offered before the bridge came, and never taken.
    expect(ignored.length).toBeGreaterThan(0);
  });

  it('rejects the calls with a TypeError when no bridge ever answers, and looks again for the next call', async () => {
    vi.useFakeTimers();
    let present = false;
    const channel = portChannel(() =>
      bridgePort(
        (port) => present && serve(port),
        () => undefined,
      ),
    );
    const first = channel.call({ type: 'getIds', scope: 'https://site.test/' });
    const failed = expect(first).rejects.toThrow(TypeError);
    await vi.advanceTimersByTimeAsync(16_000);
    await failed;
    vi.useRealTimers();
    present = true;
    expect(await channel.call({ type: 'getIds', scope: 'https://site.test/' })).toEqual(['answered', 'getIds']);
  });
});
