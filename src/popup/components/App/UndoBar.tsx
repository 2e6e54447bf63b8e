import { useEffect } from 'preact/hooks';
import type { RemovalResult } from '../../../shared/protocol';
import { command } from '../../data';
import { formatCount } from '../../format';
import { msg } from '../../i18n';
import type { Run } from './App';

export type Undoable = RemovalResult;

/**
 * "Removed 12 downloads. 2 of them had not reached the site yet. [Undo]", for as long as the
 * background keeps them (its undo window), then gone.
 */
export function UndoBar({
  undoable,
  now,
  locale,
  run,
  onDone,
}: {
  undoable: Undoable;
  now: number;
  locale: string;
  run: Run;
  onDone: () => void;
}) {
  useEffect(() => {
    const timer = setTimeout(onDone, Math.max(0, undoable.undoUntil - Date.now()));
    return () => clearTimeout(timer);
  }, [undoable]);
  if (now > undoable.undoUntil) return null;
  const count = undoable.removed.length;
  return (
    <div class="undo-bar" role="alert">
      <span>
        {formatCount('removed', count, locale, msg)}
        {undoable.undelivered > 0 && ` ${formatCount('undelivered', undoable.undelivered, locale, msg)}`}
      </span>
      <button
        type="button"
        class="primary"
        onClick={() => {
          onDone();
          run(() => command('admin.undoRemove', { keys: undoable.removed }));
        }}
      >
        {msg('undo')}
      </button>
    </div>
  );
}
