// Registered by the background only for sites with service-worker events waiting (sw-events/delivery.ts),
// top frames, at document_idle: a page of such a site opened, so the events can go to its worker.
// The background takes the site from the sender, not from this message.
import { SITE_OPENED_CHANNEL } from '../shared/channels';

const api = ((globalThis as { browser?: unknown }).browser ?? (globalThis as { chrome?: unknown }).chrome) as {
  runtime: { sendMessage(message: unknown): Promise<unknown> };
};
void api.runtime.sendMessage({ channel: SITE_OPENED_CHANNEL, opaque: self.origin === 'null' }).catch(() => undefined);
