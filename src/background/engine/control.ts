// What a person or a site asks of a fetch, from anywhere (popup, page, notification, consent):
// the lifecycle's transition first, then the transfers follow it. A refused transition leaves
// the transfers alone.
import { allow, pause, resume, retry, settle } from '../state/lifecycle';
import { discardUnfinished } from './cancel';
import { startTransfers, stopTransfers } from './transfer';

export async function pauseFetch(regKey: string): Promise<boolean> {
  if (!(await pause(regKey))) return false;
  await stopTransfers(regKey, 'paused');
  return true;
}

export async function resumeFetch(regKey: string): Promise<boolean> {
  if (!(await resume(regKey))) return false;
  startTransfers(regKey);
  return true;
}

/** The person allowed a fetch that waited for their answer. */
export async function allowFetch(regKey: string): Promise<boolean> {
  if (!(await allow(regKey))) return false;
  startTransfers(regKey);
  return true;
}

export async function retryFetch(regKey: string): Promise<boolean> {
  if (!(await retry(regKey))) return false;
  startTransfers(regKey);
  return true;
}

/**
 * Settled as aborted, then its transfers stop. `freeDisk` (the person cancelled it): the
 * unfinished files' bytes, which nobody can read any more, are deleted at once.
 */
export async function abortFetch(regKey: string, { freeDisk = false } = {}): Promise<boolean> {
  if (!(await settle(regKey, 'failure', 'aborted'))) return false;
  await stopTransfers(regKey, 'aborted');
  if (freeDisk) await discardUnfinished(regKey);
  return true;
}
