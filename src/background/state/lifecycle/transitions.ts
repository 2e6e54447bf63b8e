// The lifecycle as data: which transition may leave which state, and where it leads. The guards
// of every transition (registration.ts, records.ts, body-writes.ts) ask `mayLeave()`, so this
// table is what the code does; docs/architecture.md draws it, and a unit test checks that the
// drawing and the table agree.
import type { RecordState, StoredRecord, StoredRegistration } from '../../../shared/db';
import { stateOf, type FetchState } from '../../../shared/fetch-state';

/** A fetch's state as its lifecycle sees it: the shared words, and a settled fetch marked removed. */
export type LifecycleState = FetchState | 'removed';

export const lifecycleStateOf = (reg: StoredRegistration): LifecycleState =>
  !reg.active && reg.removeAt ? 'removed' : stateOf(reg);

export type RegistrationTransition =
  | 'create'
  | 'allow'
  | 'pause'
  | 'resume'
  | 'waitOffline'
  | 'waitRetry'
  | 'proceed'
  | 'bytes'
  | 'succeed'
  | 'fail'
  | 'abort'
  | 'retry'
  | 'handled'
  | 'release'
  | 'remove'
  | 'undoRemove'
  | 'delete';

/** `new`: before the row exists; `gone`: deleted with everything stored for it. */
export interface Edge<S extends string, T extends string> {
  from: S | 'new';
  via: T;
  to: S | 'gone';
}

const MOVING = ['queued', 'running', 'offline', 'retrying'] as const;
const SETTLED = ['succeeded', 'failed', 'aborted'] as const;
const AFTER_SETTLING = [...SETTLED, 'removed'] as const;

function edges<S extends string, T extends string>(
  via: T,
  from: readonly (S | 'new')[],
  to: readonly (S | 'gone')[],
): Edge<S, T>[] {
  return from.flatMap((source) => to.map((target) => ({ from: source, via, to: target })));
}

/**
 * Where a transition leads can depend on more than the state: whether bytes were stored (queued or
 * running), whether the person had answered (permission), which result a removed fetch had.
 */
export const REGISTRATION_EDGES: readonly Edge<LifecycleState, RegistrationTransition>[] = [
  ...edges('create', ['new'], ['queued', 'permission']),
  // Paused while asking, it stays paused: the answer only ends the asking.
  ...edges('allow', ['permission'], ['queued']),
  ...edges('allow', ['paused'], ['paused']),
  ...edges('pause', [...MOVING, 'permission'], ['paused']),
  ...edges('resume', ['paused'], ['queued', 'running', 'permission']),
  ...edges('waitOffline', MOVING, ['offline']),
  ...edges('waitRetry', MOVING, ['retrying']),
  ...edges('proceed', ['offline'], ['queued', 'running']),
  ...edges('proceed', ['retrying'], ['queued', 'running']),
  // Bytes of an attempt still being written when the fetch was paused are kept.
  ...edges('bytes', ['queued', 'running'], ['running']),
  ...edges('bytes', ['offline'], ['offline']),
  ...edges('bytes', ['retrying'], ['retrying']),
  ...edges('bytes', ['paused'], ['paused']),
  ...edges('succeed', MOVING, ['succeeded']),
  ...edges('fail', MOVING, ['failed']),
  ...edges('abort', [...MOVING, 'paused', 'permission'], ['aborted']),
  // Finished requests keep their bytes: a fetch that had some runs again from them.
  ...edges('retry', ['failed'], ['queued', 'running']),
  // The site's worker handled the final event (records stop being available), and then the bodies go.
  ...AFTER_SETTLING.flatMap((state) => edges('handled', [state], [state])),
  ...AFTER_SETTLING.flatMap((state) => edges('release', [state], [state])),
  ...edges('remove', SETTLED, ['removed']),
  ...edges('undoRemove', ['removed'], SETTLED),
  ...edges('delete', AFTER_SETTLING, ['gone']),
];

export type RecordTransition = 'create' | 'bytes' | 'done' | 'fail' | 'restartBody' | 'abort' | 'retry' | 'discard';

export const RECORD_EDGES: readonly Edge<RecordState, RecordTransition>[] = [
  ...edges('create', ['new'], ['pending']),
  ...edges('bytes', ['pending'], ['pending', 'done']),
  ...edges('done', ['pending'], ['done']),
  ...edges('fail', ['pending', 'failed'], ['failed']),
  // The stored bytes are not the resource's any more (a 200 to a Range request, a changed validator).
  ...edges('restartBody', ['pending'], ['pending']),
  ...edges('restartBody', ['done'], ['done']),
  ...edges('restartBody', ['failed'], ['failed']),
  ...edges('abort', ['pending'], ['aborted']),
  // Retried from the popup: a failed fetch's unfinished requests again, every one once released.
  ...edges('retry', ['failed', 'aborted', 'done'], ['pending']),
  // Cancelled from the popup: partial bodies that can never be read are deleted at once.
  ...(['failed', 'aborted'] as const).flatMap((state) => edges('discard', [state], [state])),
];

export function mayLeave(state: LifecycleState | 'new', via: RegistrationTransition): boolean {
  return REGISTRATION_EDGES.some((edge) => edge.from === state && edge.via === via);
}

export function recordMayLeave(record: Pick<StoredRecord, 'state'>, via: RecordTransition): boolean {
  return RECORD_EDGES.some((edge) => edge.from === record.state && edge.via === via);
}
