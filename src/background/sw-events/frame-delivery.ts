// Delivering a service-worker event with no tab of the site open (Firefox). The event page is a
// DOM document: a frame of the site appended to it is in the site's first-party storage
// partition, so a content script there reaches the site's worker registration as a tab does.
// The frame loads one URL the site is unlikely to serve as a page, at the origin's root
// (outside the worker's scope unless the scope is the whole origin, so the worker's fetch
// handler does not answer it and the frame is no client of the worker):
// `/.well-known/bgfetch-event-<random>`, which a server answers with a small 404. The frame's
// script (content/frame-delivery.js) asks for its event, hands it to the worker and reports the
// outcome; the frame goes as soon as the outcome is in, or when the time is up.
import * as v from 'valibot';
import browser, { type Runtime } from 'webextension-polyfill';
import { FRAME_DELIVERY_PATH } from '../../shared/built-entries';
import { FRAME_DELIVERY_CHANNEL, FRAME_DELIVERY_MARKER, SECURE_CONTEXT_MATCHES } from '../../shared/channels';
import {
  deliveryOutcomeFrom,
  frameDeliveryMessageSchema,
  type DeliverEvent,
  type DeliveryOutcome,
} from '../../shared/protocol';
import { holdAlive } from '../keepalive';
import { registerForSites } from '../injection/registered-scripts';
import { loadSwitches, switches } from '../switches';

/** Why a frame delivery came to nothing; the event stays queued (sw-events.ts retries). */
export type FrameFailure =
  /** The frame's script never asked for its event: the site forbids framing, or is unreachable. */
  | 'not-framed'
  /** The worker got the event but its handlers (waitUntil) did not finish in time. */
  | 'timed-out';

/** After the frame's load event, how long its script may take to ask for the event. */
const READY_AFTER_LOAD_MS = 3000;
/** A frame that neither loads nor asks for its event in this time is given up. */
const LOAD_LIMIT_MS = 20_000;
const SCRIPT_ID = 'bgfetch-frame-delivery';

interface Waiting {
  message: DeliverEvent;
  ready: boolean;
  onReady(): void;
  settle(result: DeliveryOutcome | FrameFailure): void;
}

const waiting = new Map<string, Waiting>();

/** Frames need a DOM background: Firefox's event page (Chromium's service worker has none). */
export const framesAvailable = (): boolean => __TARGET__ === 'firefox' && typeof document !== 'undefined';

/** The frame's script, for frame URLs only; registered when first needed, for this session. */
function registerScript(): Promise<void> {
  return registerForSites({
    id: SCRIPT_ID,
    js: [FRAME_DELIVERY_PATH],
    matches: SECURE_CONTEXT_MATCHES.map((pattern) =>
      pattern.replace(/\/\*$/, `/.well-known/${FRAME_DELIVERY_MARKER}*`),
    ),
    runAt: 'document_end',
    allFrames: true,
    persistAcrossSessions: false,
  });
}

const randomToken = () =>
  [...crypto.getRandomValues(new Uint8Array(16))].map((byte) => byte.toString(16).padStart(2, '0')).join('');

export const frameUrlOf = (scope: string, token: string): string =>
  new URL(`/.well-known/${FRAME_DELIVERY_MARKER}${token}`, scope).href;

const tokenOf = (sender: Runtime.MessageSender): string | undefined => {
  try {
    const url = new URL(sender.url ?? '');
    const name = url.pathname.split('/').pop() ?? '';
    return url.pathname.startsWith('/.well-known/') && name.startsWith(FRAME_DELIVERY_MARKER)
      ? name.slice(FRAME_DELIVERY_MARKER.length)
      : undefined;
  } catch {
    return undefined;
  }
};

/** Only the frames this page appended: no tab, a known token, the event's own origin. */
function answerFrame(raw: unknown, sender: Runtime.MessageSender): Promise<DeliverEvent | null> | undefined {
  if (sender.id !== browser.runtime.id || typeof raw !== 'object' || raw === null) return;
  const { channel, request } = raw as { channel?: unknown; request?: unknown };
  if (channel !== FRAME_DELIVERY_CHANNEL) return;
  const token = tokenOf(sender);
  const entry = token === undefined ? undefined : waiting.get(token);
  const parsed = v.safeParse(frameDeliveryMessageSchema, request);
  if (!entry || sender.tab || !parsed.success || new URL(sender.url!).origin !== new URL(entry.message.scope).origin) {
    return Promise.resolve(null);
  }
  if (parsed.output.type === 'ready') {
    if (entry.ready) return Promise.resolve(null); // one event per frame, handed out once
    entry.ready = true;
    entry.onReady();
    return Promise.resolve(entry.message);
  }
  const outcome = deliveryOutcomeFrom(parsed.output.outcome);
  if (entry.ready && outcome) entry.settle(outcome);
  return Promise.resolve(null);
}

/** The frames' messages: "ready" hands the frame its event, then the worker's outcome comes back. */
export function startFrameDelivery(): void {
  browser.runtime.onMessage.addListener(answerFrame);
}

/**
 * Hands `message` to the site's worker through a frame; resolves with the worker's outcome, or
 * why there was none. Never takes longer than the switches' `swEventLimitMs` after the worker
 * got the event (Firefox's own limit for its waitUntil() promises, with a margin).
 */
export async function deliverThroughFrame(message: DeliverEvent): Promise<DeliveryOutcome | FrameFailure> {
  const release = holdAlive();
  await loadSwitches();
  const { swEventLimitMs } = switches(); // the values now, not those first read
  const token = randomToken();
  const frame = document.createElement('iframe');
  const timers: ReturnType<typeof setTimeout>[] = [];
  try {
    await registerScript();
    return await new Promise<DeliveryOutcome | FrameFailure>((resolve) => {
      // Once the worker has the event, its handlers get their full time from then on.
      const onReady = () => timers.push(setTimeout(() => resolve('timed-out'), swEventLimitMs));
      const entry: Waiting = { message, ready: false, onReady, settle: resolve };
      waiting.set(token, entry);
      const unlessReady = (ms: number) => timers.push(setTimeout(() => entry.ready || resolve('not-framed'), ms));
      unlessReady(LOAD_LIMIT_MS);
      frame.addEventListener('load', () => unlessReady(READY_AFTER_LOAD_MS), { once: true });
      // No referrer, no permissions (media, fullscreen, …): the frame is only a way in.
      frame.referrerPolicy = 'no-referrer';
      frame.allow = "autoplay 'none'; fullscreen 'none'; camera 'none'; microphone 'none'; geolocation 'none'";
      frame.src = frameUrlOf(message.scope, token);
      document.body.append(frame);
    });
  } finally {
    for (const timer of timers) clearTimeout(timer);
    waiting.delete(token);
    frame.remove();
    release();
  }
}
