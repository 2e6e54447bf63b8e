// The words for where a fetch is, derived from its stored row: what the popup shows and what the
// background's lifecycle guards check (src/background/state/lifecycle/). The row keeps flags
// (`active`, `paused`, `waiting`, `result`, `failureReason`) because they serve the store's
// indexes; this is the one reading of them.
import type { FileCounts, StoredRegistration } from './db';

export type FetchState =
  'queued' | 'running' | 'paused' | 'offline' | 'retrying' | 'permission' | 'succeeded' | 'failed' | 'aborted';

export const FETCH_STATES: readonly FetchState[] = [
  'queued',
  'running',
  'paused',
  'offline',
  'retrying',
  'permission',
  'succeeded',
  'failed',
  'aborted',
];

export type SettledState = Extract<FetchState, 'succeeded' | 'failed' | 'aborted'>;
export const SETTLED_STATES: readonly SettledState[] = ['succeeded', 'failed', 'aborted'];

export const isSettled = (state: FetchState): state is SettledState =>
  (SETTLED_STATES as readonly string[]).includes(state);

/** Transfers may move: not paused, not waiting for the person, not settled. */
export const isMoving = (state: FetchState) =>
  state === 'queued' || state === 'running' || state === 'offline' || state === 'retrying';

/** Waiting for the person's answer, paused meanwhile or not. */
export const isAsking = (reg: Pick<StoredRegistration, 'active' | 'waiting'>) =>
  reg.active === 1 && reg.waiting === 'permission';

/** What the records of an active fetch add to its row (only active fetches are summarised). */
export interface RecordSummary {
  done: number;
  /** Some request got a response or stored bytes. */
  started: boolean;
  /** Sum of the records' announced lengths, or null when one is unknown. */
  expected: number | null;
}

/** The row's own counters as a summary (rows older than the counters have none). */
export function summaryOfCounts(files: FileCounts | undefined): RecordSummary | undefined {
  if (!files) return undefined;
  return {
    done: files.done,
    started: files.started > 0,
    expected: files.unknownLength > 0 ? null : files.expectedBytes,
  };
}

/**
 * The fetch's state. `summary` tells queued from running; without one, the row's counters do
 * (and a row without either is queued until its first byte).
 */
export function stateOf(
  reg: StoredRegistration,
  summary: RecordSummary | undefined = summaryOfCounts(reg.files),
): FetchState {
  if (!reg.active) {
    if (reg.result === 'success') return 'succeeded';
    return reg.failureReason === 'aborted' ? 'aborted' : 'failed';
  }
  if (reg.paused) return 'paused';
  if (reg.waiting === 'offline') return 'offline';
  if (reg.waiting === 'retrying') return 'retrying';
  if (reg.waiting === 'permission') return 'permission';
  if (reg.downloaded === 0 && !summary?.started) return 'queued';
  return 'running';
}
