// Registered by the Firefox background for URLs holding FRAME_DELIVERY_MARKER, in every frame: it
// runs in the frame of the site that the event page appends to its own document when a
// service-worker event finds no tab of the site (src/background/sw-events/frame-delivery.ts). It asks the
// background for its event (the background knows the frame by the random token in its URL, taken
// from the sender, not from this message), hands it to the site's worker as a tab would, and
// reports the outcome. In any other page (a site that happens to serve such a URL) the
// background answers nothing and this script does nothing.
import { FRAME_DELIVERY_CHANNEL } from '../shared/channels';
import type { DeliverEvent } from '../shared/protocol';
import { deliverToWorker } from './relay';

const api = ((globalThis as { browser?: unknown }).browser ?? (globalThis as { chrome?: unknown }).chrome) as {
  runtime: { sendMessage(message: unknown): Promise<unknown> };
};

void (async () => {
  const message = (await api.runtime.sendMessage({
    channel: FRAME_DELIVERY_CHANNEL,
    request: { type: 'ready' },
  })) as DeliverEvent | null;
  if (!message) return;
  const outcome = await deliverToWorker(message).catch(() => ({ outcome: 'no-worker' as const }));
  await api.runtime.sendMessage({ channel: FRAME_DELIVERY_CHANNEL, request: { type: 'done', outcome } });
})().catch(() => undefined);
